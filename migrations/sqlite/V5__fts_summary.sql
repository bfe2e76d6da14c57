-- Everything a user can read is searchable, and other tools find the index (issue 11).
--
-- 1. `articles_fts` covers title, summary and body. It is declared with `content="articles"`
--    written exactly so: sqlite-utils (`sqlite-utils search`, `table.search()`) and Datasette
--    (`?_search=`) look for an index of `articles` by matching `content="articles"` or
--    `content=[articles]` in the virtual table's SQL, and the V1 spelling `content = 'articles'`
--    matched neither. The columns are named like the columns of `articles` they index, because
--    an external-content index reads them by name (`rebuild`, and the tools' queries).
-- 2. Mentions may be in the summary: `mentions.field` accepts 'summary' (the CHECK constraint is
--    part of the table, so the table is rebuilt, keeping every row).
--
-- The index is rebuilt from `articles` here, so an existing database gains its summaries at once.
-- The triggers are recreated to index all three fields; the insert trigger keeps V1's pause
-- (`fts_sync_pause`) for newsdb's batch writes.

DROP TRIGGER IF EXISTS articles_fts_insert;
DROP TRIGGER IF EXISTS articles_fts_delete;
DROP TRIGGER IF EXISTS articles_fts_update;
DROP TABLE IF EXISTS articles_fts;

CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, body,
    content="articles", content_rowid="id",
    tokenize='unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
WHEN NOT EXISTS (SELECT 1 FROM fts_sync_pause)
BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, body ON articles
BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
    INSERT INTO articles_fts (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;

-- V4's merge setting lived in the old index; the new one gets it too.
INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 8);
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

-- Mentions: 'summary' joins 'title' and 'body'.
DROP VIEW IF EXISTS entity_mentions;

CREATE TABLE mentions_v5 (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    field      TEXT NOT NULL CHECK (field IN ('title', 'summary', 'body')),
    start      INTEGER NOT NULL CHECK (start >= 0),
    "end"      INTEGER NOT NULL CHECK ("end" > start),
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    sentence   INTEGER NOT NULL DEFAULT 0,
    method     TEXT NOT NULL
               CHECK (method IN ('gazetteer', 'rule', 'alias', 'coreference', 'import')),
    confidence REAL NOT NULL DEFAULT 1.0 CHECK (confidence BETWEEN 0 AND 1),
    PRIMARY KEY (article_id, field, start, "end")
) WITHOUT ROWID;

INSERT INTO mentions_v5 (article_id, field, start, "end", entity_id, sentence, method, confidence)
SELECT article_id, field, start, "end", entity_id, sentence, method, confidence FROM mentions;

DROP TABLE mentions;
ALTER TABLE mentions_v5 RENAME TO mentions;
CREATE INDEX mentions_entity_article ON mentions (entity_id, article_id);

CREATE VIEW entity_mentions AS
SELECT m.article_id,
       e.id AS entity_id,
       e.kind,
       e.name AS entity,
       m.field,
       m.start,
       m."end",
       substr(CASE m.field WHEN 'title' THEN a.title
                           WHEN 'summary' THEN a.summary
                           ELSE a.body END,
              m.start + 1, m."end" - m.start) AS surface,
       m.sentence,
       m.method,
       m.confidence
  FROM mentions m
  JOIN entities e ON e.id = m.entity_id
  JOIN articles a ON a.id = m.article_id;
