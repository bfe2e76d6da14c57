-- newsdb schema, version 6: a sighting is a place an article arrives from, not each arrival.
--
-- One row per (article, origin, title as seen): the same file, feed or URL carrying the same
-- content under the same headline again updates its row (`last_seen_at`, `times_seen`, and
-- `locator`, where it was last seen there) instead of adding one. A different origin, or the same
-- origin under a new headline, adds a row, so every headline seen is still kept. The locator is
-- not part of the key: a feed item moves down the feed as new items arrive, and each poll would
-- otherwise add a row for every item it still carries.
--
-- `seen_at` stays readable (as the first time) for SQL written before this version; it is
-- computed, so it cannot be written. `filled` lists, comma-separated, the fields an arrival gave
-- an article that lacked them (`summary`, `url`, `language`, `published_at`, `published_raw`,
-- `publisher`, `authors`, `credits`); NULL when it gave nothing.
--
-- Existing rows are collapsed: one row per key with the first id, the earliest and latest times,
-- the number of rows as `times_seen`, and the latest row's locator.

DROP VIEW article_overview;

CREATE TABLE sightings_v6 (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    import_id     INTEGER REFERENCES imports (id) ON DELETE SET NULL,
    feed_id       INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    origin        TEXT NOT NULL,
    locator       TEXT,
    title         TEXT,
    seen_at       TEXT GENERATED ALWAYS AS (first_seen_at) VIRTUAL,
    first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_seen_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    times_seen    INTEGER NOT NULL DEFAULT 1 CHECK (times_seen >= 1),
    filled        TEXT
);

INSERT INTO sightings_v6 (id, article_id, import_id, feed_id, origin, locator, title,
                          first_seen_at, last_seen_at, times_seen)
WITH places AS (
    SELECT min(id) AS first_id,
           max(id) AS last_id,
           min(seen_at) AS first_seen_at,
           max(seen_at) AS last_seen_at,
           count(*) AS times_seen
      FROM sightings
     GROUP BY article_id, origin, coalesce(title, '')
)
SELECT p.first_id, f.article_id, f.import_id, coalesce(f.feed_id, l.feed_id), f.origin, l.locator,
       f.title, p.first_seen_at, p.last_seen_at, p.times_seen
  FROM places AS p
  JOIN sightings AS f ON f.id = p.first_id
  JOIN sightings AS l ON l.id = p.last_id
 ORDER BY p.first_id;

DROP TABLE sightings;
ALTER TABLE sightings_v6 RENAME TO sightings;

-- The key of a sighting; its prefix serves the lookups by article the old index did.
CREATE UNIQUE INDEX sightings_place ON sightings (article_id, origin, coalesce(title, ''));
CREATE INDEX sightings_import ON sightings (import_id);
CREATE INDEX sightings_feed ON sightings (feed_id) WHERE feed_id IS NOT NULL;

-- `sightings` counts places (rows); `times_seen` counts arrivals (re-imports and polls included).
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
       a.imported_at,
       (SELECT coalesce(sum(si.times_seen), 0) FROM sightings si WHERE si.article_id = a.id)
           AS times_seen
  FROM articles a
  LEFT JOIN sources s ON s.id = a.source_id;
