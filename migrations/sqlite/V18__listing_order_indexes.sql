-- V18 changes PostgreSQL's date indexes only (migrations/postgres/V18__listing_order_indexes.sql):
-- SQLite orders NULL first, so its ascending indexes already serve the listings' newest-first
-- order read backwards. This version keeps the two backends' version numbers in step.
SELECT 1;
