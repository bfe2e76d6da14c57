-- duplicates: The articles seen most often (imported again, or under several URLs and feeds).
--
-- :limit  20   maximum rows
SELECT a.id,
       substr(a.content_hash, 1, 12) AS hash,
       a.title,
       si.sightings,
       si.titles,
       si.origins
  FROM (SELECT article_id,
               count(*) AS sightings,
               count(DISTINCT title) AS titles,
               count(DISTINCT origin) AS origins
          FROM sightings
         GROUP BY article_id
        HAVING count(*) > 1) AS si
  JOIN articles AS a ON a.id = si.article_id
 ORDER BY si.sightings DESC, a.id
 LIMIT :limit
