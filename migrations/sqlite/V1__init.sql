-- newsdb schema, version 1: the whole data model of DESIGN.md.
--
-- Times are UTC ISO 8601 text ('2026-11-26T17:40:53Z'). Offsets in `mentions` count Unicode
-- characters, so `substr(body, start + 1, "end" - start)` returns the surface. Migrations are never
-- edited once landed: change the schema in a new V{n}__name.sql.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('hash_scheme', '1'), ('extractor_version', '0');

-- Publishers and credited outlets. `key` is the normalised name ("The Korea Herald" and
-- "Korea Herald" share one); `domain` is a second identity.
CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    key        TEXT NOT NULL UNIQUE,
    home_url   TEXT,
    domain     TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX sources_domain ON sources (domain) WHERE domain IS NOT NULL;

-- One row per `newsdb import` or `newsdb fetch` run, with its counts.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    command      TEXT NOT NULL,
    inputs       INTEGER NOT NULL DEFAULT 0,
    items        INTEGER NOT NULL DEFAULT 0,
    new_articles INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    new_versions INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0
);

-- One row per distinct content. `content_hash` is scheme 1 of DESIGN.md (the `hash_scheme` meta
-- row): lowercase hex SHA-256 of the folded body.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    content_hash  TEXT NOT NULL UNIQUE
                  CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
    title         TEXT,
    body          TEXT NOT NULL,
    summary       TEXT,
    url           TEXT,
    language      TEXT,
    published_at  TEXT,
    published_raw TEXT,
    imported_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    word_count    INTEGER NOT NULL DEFAULT 0,
    source_id     INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    import_id     INTEGER REFERENCES imports (id) ON DELETE SET NULL
);
CREATE INDEX articles_published_at ON articles (published_at);
CREATE INDEX articles_source_published ON articles (source_id, published_at);

-- Article to outlet: the publisher, and outlets named in a credit line ("Source: ... | CNN").
CREATE TABLE article_sources (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('publisher', 'credit')),
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, source_id, role)
) WITHOUT ROWID;
CREATE INDEX article_sources_source ON article_sources (source_id, role);

-- Bylines and credited people, in order.
CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key  TEXT NOT NULL UNIQUE
);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
) WITHOUT ROWID;
CREATE INDEX article_authors_author ON article_authors (author_id);

-- Categories and tags as the first arrival gave them, in order.
CREATE TABLE article_categories (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, category)
) WITHOUT ROWID;
CREATE INDEX article_categories_category ON article_categories (category);

-- Every URL and GUID an article was seen under. One value may name several versions of a story.
CREATE TABLE article_urls (
    article_id    INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('url', 'guid')),
    value         TEXT NOT NULL,
    first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (kind, value, article_id)
) WITHOUT ROWID;
CREATE INDEX article_urls_article ON article_urls (article_id);

-- Subscribed feeds, polled by `newsdb fetch`.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    source_id       INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    title           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    last_fetched_at TEXT,
    last_success_at TEXT,
    failure_count   INTEGER NOT NULL DEFAULT 0,
    added_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Each time an item was read: what makes a re-import visible without a second article.
CREATE TABLE sightings (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    import_id  INTEGER REFERENCES imports (id) ON DELETE SET NULL,
    feed_id    INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    origin     TEXT NOT NULL,
    locator    TEXT,
    title      TEXT,
    seen_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX sightings_article ON sightings (article_id);
CREATE INDEX sightings_import ON sightings (import_id);
CREATE INDEX sightings_feed ON sightings (feed_id) WHERE feed_id IS NOT NULL;

-- The original bytes of each article's first arrival, to re-normalise when the rules improve.
CREATE TABLE article_raw (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    format     TEXT NOT NULL,
    origin     TEXT NOT NULL,
    locator    TEXT,
    bytes      BLOB NOT NULL
);

CREATE TABLE entities (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('person', 'organization', 'location', 'other')),
    name       TEXT NOT NULL,
    key        TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (kind, key)
);
CREATE INDEX entities_key ON entities (key);

-- Every surface form seen for an entity, and aliases users add (`origin` = 'user').
CREATE TABLE entity_aliases (
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    key       TEXT NOT NULL,
    origin    TEXT NOT NULL DEFAULT 'extracted' CHECK (origin IN ('extracted', 'user', 'import')),
    PRIMARY KEY (entity_id, alias)
) WITHOUT ROWID;
CREATE INDEX entity_aliases_key ON entity_aliases (key);

-- Surfaces users told `newsdb entity ignore` never to treat as entities.
CREATE TABLE entity_ignores (
    key      TEXT PRIMARY KEY,
    surface  TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) WITHOUT ROWID;

-- One row per mention, keyed by where it is: a span names one entity. Offsets count Unicode
-- characters of the field.
CREATE TABLE mentions (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    field      TEXT NOT NULL CHECK (field IN ('title', 'body')),
    start      INTEGER NOT NULL CHECK (start >= 0),
    "end"      INTEGER NOT NULL CHECK ("end" > start),
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    sentence   INTEGER NOT NULL DEFAULT 0,
    method     TEXT NOT NULL
               CHECK (method IN ('gazetteer', 'rule', 'alias', 'coreference', 'import')),
    confidence REAL NOT NULL DEFAULT 1.0 CHECK (confidence BETWEEN 0 AND 1),
    PRIMARY KEY (article_id, field, start, "end")
) WITHOUT ROWID;
CREATE INDEX mentions_entity_article ON mentions (entity_id, article_id);

CREATE TABLE import_rejects (
    id         INTEGER PRIMARY KEY,
    import_id  INTEGER REFERENCES imports (id) ON DELETE CASCADE,
    origin     TEXT NOT NULL,
    locator    TEXT,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX import_rejects_import ON import_rejects (import_id);

-- Canned queries users save; every tool sees them. `parameters` is a JSON array of names.
CREATE TABLE saved_queries (
    name        TEXT PRIMARY KEY,
    sql         TEXT NOT NULL,
    description TEXT,
    parameters  TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) WITHOUT ROWID;

-- Full-text index over title and body, external content (the text is stored once, in `articles`).
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, body,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The triggers keep `articles_fts` in step with every writer of `articles`. A writer that inserts
-- many rows at once may put a row in `fts_sync_pause` inside its own write transaction, index the
-- batch with one INSERT ... SELECT, and empty the table again before it commits: SQLite has one
-- writer at a time, so no other connection ever sees the table non-empty.
CREATE TABLE fts_sync_pause (
    paused INTEGER PRIMARY KEY CHECK (paused = 1)
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
WHEN NOT EXISTS (SELECT 1 FROM fts_sync_pause)
BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles
BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Views for other tools: one row per article with its publisher, and mentions with their entity.
CREATE VIEW article_overview AS
SELECT a.id,
       a.content_hash,
       a.title,
       a.url,
       a.published_at,
       a.language,
       a.word_count,
       s.name AS source,
       (SELECT group_concat(au.name, ', ')
          FROM (SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
                 WHERE aa.article_id = a.id ORDER BY aa.position) AS au) AS authors,
       (SELECT count(*) FROM sightings si WHERE si.article_id = a.id) AS sightings,
       a.imported_at
  FROM articles a
  LEFT JOIN sources s ON s.id = a.source_id;

CREATE VIEW entity_mentions AS
SELECT m.article_id,
       e.id AS entity_id,
       e.kind,
       e.name AS entity,
       m.field,
       m.start,
       m."end",
       substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
              m.start + 1, m."end" - m.start) AS surface,
       m.sentence,
       m.method,
       m.confidence
  FROM mentions m
  JOIN entities e ON e.id = m.entity_id
  JOIN articles a ON a.id = m.article_id;
