-- The same CHECK constraints, written as comparisons instead of `IN` lists, on the tables an
-- import writes many rows of. SQLite runs a CHECK of `x IN (three or more values)` far more
-- slowly than the `x = ... OR x = ...` it means: the two on `article_entities` cost 0.4 s of
-- the writer's 5.2 s for 20,000 generated articles (367,000 rows; SQLite 3.54, measured on
-- the bare table: 1.21-1.26 s per 360,000 rows with the lists, 0.83-0.84 s with comparisons,
-- 0.82 s with no such check). What they allow is unchanged.
--
-- Rebuilding the tables would rewrite every mention row; a CHECK constraint is only text in
-- the schema, so it is changed there, the way SQLite documents for removing or changing one
-- (https://sqlite.org/lang_altertable.html#otheralter): rows already stored pass both forms.
-- `writable_schema = RESET` reloads the schema of this connection; the index created and
-- dropped below bumps the schema version, so every other connection reloads it too.
PRAGMA writable_schema = ON;

UPDATE sqlite_master
   SET sql = replace(replace(sql,
           'CHECK (field IN (''title'', ''summary'', ''body''))',
           'CHECK (field = ''title'' OR field = ''summary'' OR field = ''body'')'),
           'CHECK (method IN (''gazetteer'', ''rule'', ''alias'', ''coreference'', ''import''))',
           'CHECK (method = ''gazetteer'' OR method = ''rule'' OR method = ''alias''
                         OR method = ''coreference'' OR method = ''import'')')
 WHERE type = 'table' AND name = 'article_entities';

UPDATE sqlite_master
   SET sql = replace(sql,
           'CHECK (codec IN (''identity'', ''zstd'', ''zstd-article''))',
           'CHECK (codec = ''identity'' OR codec = ''zstd'' OR codec = ''zstd-article'')')
 WHERE type = 'table' AND name = 'article_raw';

PRAGMA writable_schema = RESET;

CREATE INDEX v20_schema_version_bump ON meta (key);
DROP INDEX v20_schema_version_bump;
