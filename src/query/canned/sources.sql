-- sources: Publishers and credited outlets, with their articles and first and last publication.
--
-- `articles` counts the articles a source published; `credited` those that credit it
-- ("Source: ... | CNN"). Dates are over the published articles.
SELECT s.id,
       s.name,
       s.key,
       s.domain,
       count(a.id) AS articles,
       (SELECT count(*) FROM article_sources AS x
         WHERE x.source_id = s.id AND x.role = 'credit') AS credited,
       min(a.published_at) AS first_published,
       max(a.published_at) AS last_published
  FROM sources AS s
  LEFT JOIN articles AS a ON a.source_id = s.id
 GROUP BY s.id
 ORDER BY articles DESC, credited DESC, s.name
