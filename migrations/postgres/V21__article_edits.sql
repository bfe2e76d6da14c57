-- V21 adds SQLite's count of edits to stored articles (`meta.article_edits`,
-- migrations/sqlite/V21__article_edits.sql), which `newsdb serve` reads to keep articles'
-- facts between searches. The row is here too, so that both backends hold the same schema and
-- meta rows (and a copy between them carries it), but nothing raises it: the PostgreSQL server
-- counts facets in the database and keeps no facts, and one row raised by every writer would
-- serialise concurrent corrections and importers.
INSERT INTO meta (key, value) VALUES ('article_edits', '0');
