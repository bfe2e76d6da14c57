-- top-entities: The entities mentioned in the most articles.
--
-- :kind   optional   person, organization, location or other
-- :limit  20         maximum rows
SELECT e.id,
       e.name,
       e.kind,
       count(DISTINCT m.article_id) AS articles,
       count(*) AS mentions
  FROM mentions AS m
  JOIN entities AS e ON e.id = m.entity_id
 WHERE :kind IS NULL OR e.kind = :kind
 GROUP BY e.id
 ORDER BY articles DESC, mentions DESC, e.name
 LIMIT :limit
