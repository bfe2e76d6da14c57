-- Per-entity totals (issues 14, 15 and 16) on PostgreSQL: the tables of
-- migrations/sqlite/V14__entity_totals.sql, same columns and meanings (read that file for them).
--
-- Dialect difference: where SQLite adjusts the counts row by row, PostgreSQL recounts each
-- entity a statement touched, once per statement, from the statement's transition tables. The
-- result is the same exact totals whoever writes; a bulk writer (newsdb's `copy`) pauses the
-- triggers with a row in `entity_totals_pause` inside its transaction, as on SQLite, and writes
-- the totals itself.

CREATE TABLE entity_totals (
    entity_id  bigint PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    articles   bigint NOT NULL,
    mentions   bigint NOT NULL,
    first_seen text,
    last_seen  text
);
CREATE INDEX entity_totals_rank ON entity_totals (articles DESC, mentions DESC);

CREATE TABLE entity_months (
    entity_id bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    month     text NOT NULL,
    articles  bigint NOT NULL,
    PRIMARY KEY (entity_id, month)
);

CREATE TABLE entity_totals_pause (
    paused bigint PRIMARY KEY CHECK (paused = 1)
);

-- The totals and months of the given entities, counted again from `article_entities`.
CREATE FUNCTION entity_totals_refresh(entity_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM entity_totals WHERE entity_id = ANY (entity_ids);
    DELETE FROM entity_months WHERE entity_id = ANY (entity_ids);
    INSERT INTO entity_totals (entity_id, articles, mentions, first_seen, last_seen)
    SELECT ae.entity_id, count(DISTINCT ae.article_id), sum(ae.mention_count),
           min(coalesce(a.published_at, a.imported_at)),
           max(coalesce(a.published_at, a.imported_at))
      FROM article_entities ae
      LEFT JOIN articles a ON a.id = ae.article_id
     WHERE ae.entity_id = ANY (entity_ids)
       AND EXISTS (SELECT 1 FROM entities e WHERE e.id = ae.entity_id)
     GROUP BY ae.entity_id;
    INSERT INTO entity_months (entity_id, month, articles)
    SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
           count(DISTINCT ae.article_id)
      FROM article_entities ae
      JOIN articles a ON a.id = ae.article_id
     WHERE ae.entity_id = ANY (entity_ids)
       AND EXISTS (SELECT 1 FROM entities e WHERE e.id = ae.entity_id)
     GROUP BY ae.entity_id, month;
$$;

-- Backfill from the mentions already stored.
SELECT entity_totals_refresh(array(SELECT DISTINCT entity_id FROM article_entities));

-- One function per statement kind: a trigger with transition tables has one event.
CREATE FUNCTION entity_totals_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entity_totals_pause) THEN
        PERFORM entity_totals_refresh(array(SELECT DISTINCT entity_id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION entity_totals_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entity_totals_pause) THEN
        PERFORM entity_totals_refresh(array(SELECT DISTINCT entity_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION entity_totals_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entity_totals_pause) THEN
        PERFORM entity_totals_refresh(array(SELECT entity_id FROM old_rows
                                            UNION SELECT entity_id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entity_totals_insert AFTER INSERT ON article_entities
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_totals_after_insert();
CREATE TRIGGER entity_totals_delete AFTER DELETE ON article_entities
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_totals_after_delete();
CREATE TRIGGER entity_totals_update AFTER UPDATE ON article_entities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_totals_after_update();

-- An article's date filled in or changed: its entities' months and first/last dates follow.
CREATE FUNCTION entity_totals_article_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entity_totals_pause) THEN
        PERFORM entity_totals_refresh(array(SELECT DISTINCT entity_id FROM article_entities
                                             WHERE article_id = NEW.id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entity_totals_article_date AFTER UPDATE OF published_at, imported_at ON articles
    FOR EACH ROW
    WHEN (coalesce(OLD.published_at, OLD.imported_at)
          IS DISTINCT FROM coalesce(NEW.published_at, NEW.imported_at))
    EXECUTE FUNCTION entity_totals_article_date();
