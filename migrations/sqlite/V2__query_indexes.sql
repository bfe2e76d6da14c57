-- Indexes for the query side (`newsdb stats`, `--entity`).
--
-- `article_raw` rows hold whole original items (kilobytes each), so `count(*)` over the table
-- itself reads every leaf page: hundreds of MB at 100,000 articles. SQLite counts rows through the
-- smallest index instead, so a tiny one makes `stats` read a few hundred KB.
CREATE INDEX article_raw_format ON article_raw (format);

-- `--entity NAME` matches an entity's name case-insensitively, besides the keys of its name and
-- aliases (which `entities_key` and `entity_aliases_key` already index).
CREATE INDEX entities_name_nocase ON entities (name COLLATE NOCASE);
