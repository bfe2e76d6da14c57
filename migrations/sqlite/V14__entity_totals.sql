-- Per-entity totals, kept as mentions are written (issues 14, 15 and 16: entity latency).
--
-- `entities --top N` used to count every `article_entities` row of every entity per call (256 ms
-- at 100,000 articles, 2.2 s at 1,000,000), and an entity's chart every one of its articles.
-- These two tables hold the counts instead:
--
-- - `entity_totals`: per entity with at least one mention, the number of articles that mention
--   it, of mentions, and the earliest and latest date (published, else imported) of those
--   articles. The index `entity_totals_rank` gives the most mentioned entities first.
-- - `entity_months`: per entity and month (`YYYY-MM` of the same date), the articles that
--   mention it: the chart of the entity page.
--
-- They are exact whoever writes: triggers on `article_entities` (and so on the `mentions` view,
-- whose triggers write it) and on `articles` (a date filled in later, an article deleted) keep
-- them right row by row. newsdb's importer, which writes thousands of rows per batch, pauses the
-- row triggers inside its own transaction (a row in `entity_totals_pause`, emptied again before
-- it commits, so no other connection ever sees it) and adds one aggregate per entity per batch.
-- Other tools may read both tables; they should not write them.
--
-- Like the V12 triggers, these use only SQL that SQLite 3.9 and later parse (no upsert).

CREATE TABLE entity_totals (
    entity_id  INTEGER PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    articles   INTEGER NOT NULL,
    mentions   INTEGER NOT NULL,
    first_seen TEXT,
    last_seen  TEXT
);
CREATE INDEX entity_totals_rank ON entity_totals (articles DESC, mentions DESC);

CREATE TABLE entity_months (
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    month     TEXT NOT NULL,
    articles  INTEGER NOT NULL,
    PRIMARY KEY (entity_id, month)
) WITHOUT ROWID;

CREATE TABLE entity_totals_pause (
    paused INTEGER PRIMARY KEY CHECK (paused = 1)
);

-- Backfill from the mentions already stored.
INSERT INTO entity_totals (entity_id, articles, mentions, first_seen, last_seen)
SELECT ae.entity_id, count(DISTINCT ae.article_id), sum(ae.mention_count),
       min(coalesce(a.published_at, a.imported_at)), max(coalesce(a.published_at, a.imported_at))
  FROM article_entities ae
  LEFT JOIN articles a ON a.id = ae.article_id
 GROUP BY ae.entity_id;

INSERT INTO entity_months (entity_id, month, articles)
SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
       count(DISTINCT ae.article_id)
  FROM article_entities ae
  JOIN articles a ON a.id = ae.article_id
 GROUP BY ae.entity_id, month;

-- A row added: one more article for its entity unless another field of the same article already
-- names it.
CREATE TRIGGER entity_totals_insert AFTER INSERT ON article_entities
WHEN NOT EXISTS (SELECT 1 FROM entity_totals_pause)
BEGIN
    INSERT OR IGNORE INTO entity_totals (entity_id, articles, mentions) VALUES (NEW.entity_id, 0, 0);
    UPDATE entity_totals
       SET mentions = mentions + NEW.mention_count,
           articles = articles + NOT EXISTS (
               SELECT 1 FROM article_entities
                WHERE article_id = NEW.article_id AND entity_id = NEW.entity_id
                  AND field <> NEW.field),
           first_seen = CASE WHEN first_seen IS NULL OR (SELECT coalesce(published_at, imported_at)
                                                           FROM articles WHERE id = NEW.article_id)
                                                        < first_seen
                             THEN (SELECT coalesce(published_at, imported_at)
                                     FROM articles WHERE id = NEW.article_id)
                             ELSE first_seen END,
           last_seen = CASE WHEN last_seen IS NULL OR (SELECT coalesce(published_at, imported_at)
                                                         FROM articles WHERE id = NEW.article_id)
                                                      > last_seen
                            THEN (SELECT coalesce(published_at, imported_at)
                                    FROM articles WHERE id = NEW.article_id)
                            ELSE last_seen END
     WHERE entity_id = NEW.entity_id;
    INSERT OR IGNORE INTO entity_months (entity_id, month, articles)
    SELECT NEW.entity_id, substr(coalesce(published_at, imported_at), 1, 7), 0
      FROM articles WHERE id = NEW.article_id;
    UPDATE entity_months SET articles = articles + 1
     WHERE entity_id = NEW.entity_id
       AND month = (SELECT substr(coalesce(published_at, imported_at), 1, 7)
                      FROM articles WHERE id = NEW.article_id)
       AND NOT EXISTS (SELECT 1 FROM article_entities
                        WHERE article_id = NEW.article_id AND entity_id = NEW.entity_id
                          AND field <> NEW.field);
END;

-- A row removed: one article less when no other field of the article names the entity; the
-- first and last dates are looked up again when that article held one of them.
CREATE TRIGGER entity_totals_delete AFTER DELETE ON article_entities
WHEN NOT EXISTS (SELECT 1 FROM entity_totals_pause)
BEGIN
    UPDATE entity_months SET articles = articles - 1
     WHERE entity_id = OLD.entity_id
       AND month = (SELECT substr(coalesce(published_at, imported_at), 1, 7)
                      FROM articles WHERE id = OLD.article_id)
       AND NOT EXISTS (SELECT 1 FROM article_entities
                        WHERE article_id = OLD.article_id AND entity_id = OLD.entity_id);
    DELETE FROM entity_months WHERE entity_id = OLD.entity_id AND articles <= 0;
    UPDATE entity_totals
       SET mentions = mentions - OLD.mention_count,
           articles = articles - NOT EXISTS (
               SELECT 1 FROM article_entities
                WHERE article_id = OLD.article_id AND entity_id = OLD.entity_id)
     WHERE entity_id = OLD.entity_id;
    DELETE FROM entity_totals WHERE entity_id = OLD.entity_id AND articles <= 0;
    UPDATE entity_totals
       SET first_seen = (SELECT min(coalesce(a.published_at, a.imported_at))
                           FROM article_entities m JOIN articles a ON a.id = m.article_id
                          WHERE m.entity_id = OLD.entity_id),
           last_seen = (SELECT max(coalesce(a.published_at, a.imported_at))
                          FROM article_entities m JOIN articles a ON a.id = m.article_id
                         WHERE m.entity_id = OLD.entity_id)
     WHERE entity_id = OLD.entity_id
       AND NOT EXISTS (SELECT 1 FROM article_entities
                        WHERE article_id = OLD.article_id AND entity_id = OLD.entity_id)
       AND (SELECT coalesce(published_at, imported_at) FROM articles WHERE id = OLD.article_id)
           IN (first_seen, last_seen);
END;

-- A row's spans and count changed (the `mentions` view adds or removes one): only the mentions.
CREATE TRIGGER entity_totals_recount AFTER UPDATE ON article_entities
WHEN NOT EXISTS (SELECT 1 FROM entity_totals_pause)
 AND OLD.article_id = NEW.article_id AND OLD.entity_id = NEW.entity_id
 AND OLD.mention_count <> NEW.mention_count
BEGIN
    UPDATE entity_totals SET mentions = mentions - OLD.mention_count + NEW.mention_count
     WHERE entity_id = NEW.entity_id;
END;

-- A row moved to another article or entity: as a delete of the old row and an insert of the new.
-- Written by other tools only; the order keeps the triggers above exact.
CREATE TRIGGER entity_totals_move AFTER UPDATE ON article_entities
WHEN NOT EXISTS (SELECT 1 FROM entity_totals_pause)
 AND (OLD.article_id <> NEW.article_id OR OLD.entity_id <> NEW.entity_id)
BEGIN
    INSERT INTO entity_totals_pause (paused) VALUES (1);
    DELETE FROM article_entities
     WHERE article_id = NEW.article_id AND field = NEW.field AND entity_id = NEW.entity_id;
    INSERT INTO article_entities
           (article_id, entity_id, field, mention_count, method, confidence, spans)
    VALUES (OLD.article_id, OLD.entity_id, OLD.field, OLD.mention_count, OLD.method,
            OLD.confidence, OLD.spans);
    DELETE FROM entity_totals_pause;
    DELETE FROM article_entities
     WHERE article_id = OLD.article_id AND field = OLD.field AND entity_id = OLD.entity_id;
    INSERT INTO article_entities
           (article_id, entity_id, field, mention_count, method, confidence, spans)
    VALUES (NEW.article_id, NEW.entity_id, NEW.field, NEW.mention_count, NEW.method,
            NEW.confidence, NEW.spans);
END;

-- An article's mentions go before the article, so that the triggers above still read its date
-- (a foreign-key cascade would run them after the article row is gone).
CREATE TRIGGER entity_totals_article_delete BEFORE DELETE ON articles
BEGIN
    DELETE FROM article_entities WHERE article_id = OLD.id;
END;

-- An article's date filled in or changed: its entities' months and first/last dates follow.
CREATE TRIGGER entity_totals_article_date AFTER UPDATE OF published_at, imported_at ON articles
WHEN coalesce(OLD.published_at, OLD.imported_at) IS NOT coalesce(NEW.published_at, NEW.imported_at)
BEGIN
    UPDATE entity_months SET articles = articles - 1
     WHERE month = substr(coalesce(OLD.published_at, OLD.imported_at), 1, 7)
       AND entity_id IN (SELECT entity_id FROM article_entities WHERE article_id = NEW.id);
    DELETE FROM entity_months
     WHERE articles <= 0
       AND entity_id IN (SELECT entity_id FROM article_entities WHERE article_id = NEW.id);
    INSERT OR IGNORE INTO entity_months (entity_id, month, articles)
    SELECT DISTINCT entity_id, substr(coalesce(NEW.published_at, NEW.imported_at), 1, 7), 0
      FROM article_entities WHERE article_id = NEW.id;
    UPDATE entity_months SET articles = articles + 1
     WHERE month = substr(coalesce(NEW.published_at, NEW.imported_at), 1, 7)
       AND entity_id IN (SELECT entity_id FROM article_entities WHERE article_id = NEW.id);
    UPDATE entity_totals
       SET first_seen = (SELECT min(coalesce(a.published_at, a.imported_at))
                           FROM article_entities m JOIN articles a ON a.id = m.article_id
                          WHERE m.entity_id = entity_totals.entity_id),
           last_seen = (SELECT max(coalesce(a.published_at, a.imported_at))
                          FROM article_entities m JOIN articles a ON a.id = m.article_id
                         WHERE m.entity_id = entity_totals.entity_id)
     WHERE entity_id IN (SELECT entity_id FROM article_entities WHERE article_id = NEW.id)
       AND (coalesce(OLD.published_at, OLD.imported_at) IN (first_seen, last_seen)
            OR coalesce(NEW.published_at, NEW.imported_at) < first_seen
            OR coalesce(NEW.published_at, NEW.imported_at) > last_seen);
END;
