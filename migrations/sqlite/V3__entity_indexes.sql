-- Indexes for the entity queries (issue 4).
--
-- An article's date on the timeline is its publication date, or its import date when that is
-- unknown: `entities --since` reads the articles in range through this index instead of every
-- mention's article, and listings newest first can walk it.
CREATE INDEX articles_seen ON articles (coalesce(published_at, imported_at));
