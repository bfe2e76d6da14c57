-- Several importers at once (issue 17): the per-statement recount triggers of
-- V14__entity_totals.sql delete and insert each touched entity's totals, which two writers
-- sharing an entity cannot do at the same time (the second insert meets the first's row). An
-- importer therefore counts its batches itself, with commuting increments under the entities'
-- row locks (src/backend/postgres/import.rs), and pauses these triggers for its own transaction
-- only: `SET LOCAL newsdb.entity_totals = 'paused'`. The `entity_totals_pause` table still pauses
-- them for everyone (newsdb's `copy`, a single writer). Any other writer keeps exact totals
-- through the triggers, as before.

CREATE FUNCTION entity_totals_paused() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM entity_totals_pause)
        OR coalesce(current_setting('newsdb.entity_totals', true), '') = 'paused'
$$;

CREATE OR REPLACE FUNCTION entity_totals_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT entity_totals_paused() THEN
        PERFORM entity_totals_refresh(array(SELECT DISTINCT entity_id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION entity_totals_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT entity_totals_paused() THEN
        PERFORM entity_totals_refresh(array(SELECT DISTINCT entity_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION entity_totals_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT entity_totals_paused() THEN
        PERFORM entity_totals_refresh(array(SELECT entity_id FROM old_rows
                                            UNION SELECT entity_id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION entity_totals_article_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT entity_totals_paused() THEN
        PERFORM entity_totals_refresh(array(SELECT DISTINCT entity_id FROM article_entities
                                             WHERE article_id = NEW.id));
    END IF;
    RETURN NULL;
END
$$;
