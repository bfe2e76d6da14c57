-- migrations/sqlite/V16__short_story_keys.sql on PostgreSQL (read that file for the meaning):
-- `story_keys.short` marks the keys of short articles (teasers, title-only items).

ALTER TABLE story_keys ADD COLUMN short boolean NOT NULL DEFAULT false;

UPDATE story_keys SET short = true
 WHERE article_id IN (SELECT article_id FROM article_sketches
                       WHERE get_byte(sketch, 0) = 1
                         AND get_byte(sketch, 1) = get_byte(sketch, 2)
                         AND get_byte(sketch, 1) <> 0);
