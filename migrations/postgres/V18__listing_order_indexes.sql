-- The listings' newest-first order on PostgreSQL: `articles` and a source's articles are ordered
-- `published_at DESC NULLS LAST, id DESC` (undated articles last, as SQLite's DESC puts them).
-- An ascending index read backwards gives NULLs first, so PostgreSQL sorted the whole table
-- for the first page (1.4 s at a million articles). These indexes hold that order; they still
-- serve date ranges and min/max as the ones they replace did.

DROP INDEX articles_published_at;
CREATE INDEX articles_published_at ON articles (published_at DESC NULLS LAST, id DESC);

DROP INDEX articles_source_published;
CREATE INDEX articles_source_published
    ON articles (source_id, published_at DESC NULLS LAST, id DESC);
