-- V17 changes PostgreSQL's entity-totals trigger functions only (several importers at once:
-- migrations/postgres/V17__writer_counts_totals.sql). SQLite has one writer at a time and its
-- triggers need no change; this version keeps the two backends' version numbers in step.
SELECT 1;
