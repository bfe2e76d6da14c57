-- V20 rewrites two SQLite CHECK constraints as cheaper comparisons
-- (migrations/sqlite/V20__cheaper_checks.sql). PostgreSQL checks `IN` lists at no such cost
-- and keeps its own. This version keeps the two backends' version numbers in step.
SELECT 1;
