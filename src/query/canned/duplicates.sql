-- duplicates: Articles that arrived from more than one place (file, feed, URL or headline).
--
-- :limit  20   maximum rows
--
-- `sightings` counts places (one per origin and headline); `times_seen` counts arrivals, re-imports
-- and polls of the same place included; it breaks ties. An article seen from one place only, however
-- often, is not listed: importing the same file again makes no duplicate.
SELECT a.id,
       substr(a.content_hash, 1, 12) AS hash,
       a.title,
       si.sightings,
       si.times_seen,
       si.titles,
       si.origins
  FROM (SELECT article_id,
               count(*) AS sightings,
               sum(times_seen) AS times_seen,
               count(DISTINCT title) AS titles,
               count(DISTINCT origin) AS origins
          FROM sightings
         GROUP BY article_id
        HAVING count(*) > 1) AS si
  JOIN articles AS a ON a.id = si.article_id
 ORDER BY si.sightings DESC, si.times_seen DESC, a.id
 LIMIT :limit
