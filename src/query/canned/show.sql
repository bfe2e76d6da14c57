-- show: One article with its publisher, credits, authors, URLs, sightings and body.
--
-- :id  required  the article's id (`newsdb show` also takes a content-hash prefix)
--
-- `urls` holds every URL and GUID the article was seen under, one per line, canonical URL first.
SELECT a.id,
       a.content_hash,
       a.title,
       s.name AS source,
       (SELECT group_concat(name, ', ')
          FROM (SELECT cs.name FROM article_sources AS x JOIN sources AS cs ON cs.id = x.source_id
                 WHERE x.article_id = a.id AND x.role = 'credit' ORDER BY x.position)) AS credits,
       (SELECT group_concat(name, ', ')
          FROM (SELECT au.name FROM article_authors AS x JOIN authors AS au ON au.id = x.author_id
                 WHERE x.article_id = a.id ORDER BY x.position)) AS authors,
       a.published_at,
       a.published_raw,
       a.language,
       a.url,
       (SELECT group_concat(value, char(10))
          FROM (SELECT value FROM article_urls WHERE article_id = a.id
                 ORDER BY value IS NOT a.url, kind DESC, first_seen_at, value)) AS urls,
       (SELECT count(*) FROM sightings WHERE article_id = a.id) AS sightings,
       a.word_count,
       a.imported_at,
       a.summary,
       a.body
  FROM articles AS a
  LEFT JOIN sources AS s ON s.id = a.source_id
 WHERE a.id = :id
