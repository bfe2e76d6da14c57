-- co-mentions: The entities most often mentioned in the same articles as an entity.
--
-- :entity  required   an entity name or alias
-- :limit   20         maximum rows
WITH target AS (
    SELECT id FROM entities
     WHERE key = name_key(:entity) OR name = :entity COLLATE NOCASE
    UNION
    SELECT entity_id FROM entity_aliases WHERE key = name_key(:entity)
),
articles AS (
    SELECT DISTINCT article_id FROM mentions WHERE entity_id IN target
)
SELECT e.id,
       e.name,
       e.kind,
       count(DISTINCT m.article_id) AS articles
  FROM mentions AS m
  JOIN entities AS e ON e.id = m.entity_id
 WHERE m.article_id IN articles
   AND m.entity_id NOT IN target
 GROUP BY e.id
 ORDER BY articles DESC, e.name
 LIMIT :limit
