-- stats: Rows per table, publication date range, database size, schema version and hash scheme.
--
-- `mentions` adds up the per-entity totals the store keeps exact (V14), which reads a few
-- hundred rows where summing `article_entities` read every one (1.6 s at a million articles).
SELECT 'articles' AS name, (SELECT count(*) FROM articles) AS value
UNION ALL SELECT 'sources', (SELECT count(*) FROM sources)
UNION ALL SELECT 'article_sources', (SELECT count(*) FROM article_sources)
UNION ALL SELECT 'authors', (SELECT count(*) FROM authors)
UNION ALL SELECT 'article_authors', (SELECT count(*) FROM article_authors)
UNION ALL SELECT 'article_categories', (SELECT count(*) FROM article_categories)
UNION ALL SELECT 'article_urls', (SELECT count(*) FROM article_urls)
UNION ALL SELECT 'sightings', (SELECT count(*) FROM sightings)
UNION ALL SELECT 'article_raw', (SELECT count(*) FROM article_raw)
UNION ALL SELECT 'entities', (SELECT count(*) FROM entities)
UNION ALL SELECT 'entity_aliases', (SELECT count(*) FROM entity_aliases)
UNION ALL SELECT 'mentions', (SELECT CAST(total(mentions) AS INTEGER) FROM entity_totals)
UNION ALL SELECT 'feeds', (SELECT count(*) FROM feeds)
UNION ALL SELECT 'imports', (SELECT count(*) FROM imports)
UNION ALL SELECT 'import_rejects', (SELECT count(*) FROM import_rejects)
UNION ALL SELECT 'saved_queries', (SELECT count(*) FROM saved_queries)
UNION ALL SELECT 'first_published', (SELECT min(published_at) FROM articles)
UNION ALL SELECT 'last_published', (SELECT max(published_at) FROM articles)
UNION ALL SELECT 'size_bytes', (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())
UNION ALL SELECT 'schema_version', (SELECT max(version) FROM refinery_schema_history)
UNION ALL SELECT 'hash_scheme', (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hash_scheme')
