-- search: Articles whose title, summary or body match a full-text query, best first (title matches weigh 5, summary 2, body 1).
--
-- :query   required   FTS5 query: words, "a phrase", prefix*, AND / OR / NOT, NEAR(a b), title:word, summary:word, body:word
-- :source  optional   publisher or credited outlet: name or normalised key
-- :entity  optional   an entity name or alias the article mentions
-- :since   optional   published at or after (YYYY-MM-DD or RFC 3339)
-- :until   optional   published at or before (a bare date includes that whole day)
-- :category optional  a category the article is filed under (any case)
-- :order   relevance  relevance (best first) or date (newest first)
-- :limit   20         maximum rows
-- :offset  0          rows to skip first (for the next page)
--
-- `score` is bm25 with the sign turned (higher is better). `snippet` is about 12 words around
-- the best match, from the field it is in (title, summary or body), matches marked «like this»,
-- on one line.
--
-- Relevance order is FTS5's own `ORDER BY rank ... LIMIT`: it ranks the matches inside the index
-- and the articles are read for the rows shown only (a term in a tenth of a million articles:
-- 0.33 s -> 0.13 s), with their snippets. Date order sorts every match by its date, read from the
-- narrow index `articles_facets` (reading each match's whole row was a third of a date-sorted
-- page), and makes snippets for the rows shown only, looking each up again. The matches are
-- written once, in `matches`, which each order's branch inlines (NOT MATERIALIZED); one branch
-- gives the page. `newsdb_bm25` is FTS5's bm25 keeping each word's article count between
-- queries (the query text says when it can).
WITH matches AS NOT MATERIALIZED (
    SELECT a.id, a.published_at, articles_fts.rank AS rank,
           replace(replace(snippet(articles_fts, -1, '«', '»', '…', 12),
                           char(10) || char(10), ' '), char(10), ' ') AS snippet
      FROM articles_fts
      JOIN articles AS a INDEXED BY articles_facets ON a.id = articles_fts.rowid
     WHERE articles_fts MATCH :query
       AND articles_fts.rank MATCH 'newsdb_bm25(' || quote(:query) || ', 5.0, 2.0, 1.0)'
       AND (:source IS NULL
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
),
page AS MATERIALIZED (
    SELECT id, published_at, rank, snippet
      FROM (SELECT * FROM matches WHERE :order IS NOT 'date'
             ORDER BY rank
             LIMIT :limit OFFSET :offset)
    UNION ALL
    SELECT id, published_at, rank, NULL
      FROM (SELECT id, published_at, rank FROM matches WHERE :order = 'date'
             ORDER BY published_at DESC, rank
             LIMIT :limit OFFSET :offset)
)
SELECT a.id,
       substr(a.content_hash, 1, 12) AS hash,
       a.published_at,
       s.name AS source,
       a.title,
       coalesce(page.snippet,
                (SELECT replace(replace(snippet(articles_fts, -1, '«', '»', '…', 12),
                                        char(10) || char(10), ' '), char(10), ' ')
                   FROM articles_fts
                  WHERE articles_fts MATCH :query AND articles_fts.rowid = page.id)) AS snippet,
       round(-page.rank, 3) AS score
  FROM page
       CROSS JOIN articles AS a  -- CROSS JOIN keeps this order: the page's rows first
       LEFT JOIN sources AS s ON s.id = a.source_id
 WHERE a.id = page.id
 ORDER BY iif(:order = 'date', page.published_at, NULL) DESC, page.rank, page.id
