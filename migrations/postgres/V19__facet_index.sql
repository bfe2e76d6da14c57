-- V19 adds a narrow index to SQLite for the search page's facets
-- (migrations/sqlite/V19__facet_index.sql). PostgreSQL counts facets its own way and needs
-- none. This version keeps the two backends' version numbers in step.
SELECT 1;
