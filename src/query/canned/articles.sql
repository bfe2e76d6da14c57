-- articles: Articles, newest first, by publisher, entity and publication date.
--
-- :source  optional   publisher or credited outlet: name or normalised key
-- :entity  optional   an entity name or alias the article mentions
-- :since   optional   published at or after (YYYY-MM-DD or RFC 3339)
-- :until   optional   published at or before (a bare date includes that whole day)
-- :category optional  a category the article is filed under (any case)
-- :limit   20         maximum rows
-- :offset  0          rows to skip first (for the next page)
--
-- Articles without a publication date come last.
SELECT a.id,
       substr(a.content_hash, 1, 12) AS hash,
       a.published_at,
       s.name AS source,
       a.title,
       a.word_count,
       (SELECT count(*) FROM sightings WHERE article_id = a.id) AS sightings
  FROM articles AS a
  LEFT JOIN sources AS s ON s.id = a.source_id
 WHERE (:source IS NULL
        OR a.source_id IN (SELECT id FROM sources
                            WHERE key = source_key(:source) OR name = :source COLLATE NOCASE)
        OR a.id IN (SELECT x.article_id FROM article_sources AS x
                     WHERE x.role = 'credit'
                       AND x.source_id IN (SELECT id FROM sources
                                            WHERE key = source_key(:source)
                                               OR name = :source COLLATE NOCASE)))
   AND (:entity IS NULL
        OR a.id IN (SELECT article_id FROM mentions
                     WHERE entity_id IN (SELECT id FROM entities
                                          WHERE key = name_key(:entity)
                                             OR name = :entity COLLATE NOCASE
                                         UNION
                                         SELECT entity_id FROM entity_aliases
                                          WHERE key = name_key(:entity))))
   AND (:category IS NULL
        OR a.id IN (SELECT article_id FROM article_categories
                     WHERE category = :category COLLATE NOCASE))
   AND (:since IS NULL OR a.published_at >= strftime('%Y-%m-%dT%H:%M:%SZ', :since))
   AND (:until IS NULL
        OR a.published_at <= strftime('%Y-%m-%dT%H:%M:%SZ', :until,
                                      iif(length(:until) = 10, '+86399 seconds', '+0 seconds')))
 ORDER BY a.published_at DESC, a.id DESC
 LIMIT :limit OFFSET :offset
