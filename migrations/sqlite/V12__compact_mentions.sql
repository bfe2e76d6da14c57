-- One row per (article, entity, field) instead of one per mention (issue 14, "Storage").
--
-- `article_entities` holds how often an entity is mentioned in one field of one article and
-- where: `spans` is a JSON array with one element per mention, `[start, end, sentence]`, in
-- order of `start`. `method` and `confidence` are those of the first mention; a mention whose
-- method or confidence differs carries both as two more elements, `[start, end, sentence,
-- method, confidence]`. Offsets count Unicode characters of the field, as before.
--
-- The view `mentions` unpacks the spans into one row per mention with exactly the columns and
-- values of the table it replaces, so `substr(body, start + 1, "end" - start)` still returns the
-- surface. Other tools may INSERT into it (a span already stored is ignored, where the old table
-- refused it), DELETE from it and UPDATE it; INSTEAD OF triggers keep `article_entities` right.
-- The view and triggers use only SQL that SQLite 3.9 and later parse (json_extract, no
-- `->>`, no ORDER BY inside an aggregate), so older tools can still open the file.
--
-- Storing 30 mention rows per article was most of what extraction cost at import; one row per
-- entity and field is about a third of the rows, and the entity queries count `mention_count`
-- instead of rows.

DROP VIEW IF EXISTS entity_mentions;

-- Stable external identifiers (issue 14): the identifier of the source list an entity from a
-- gazetteer comes from, as `scheme:id`: `iso3166:KP` (ISO 3166-1 alpha-2) for countries,
-- `geonames:1835848` (GeoNames id) for places, `wikidata:Q1065` where a list gives a Wikidata
-- QID. NULL for an entity no such list names. newsdb fills it for entities stored before (when
-- a writer opens the file); merges and renames keep it.
ALTER TABLE entities ADD COLUMN external_id TEXT;
CREATE INDEX entities_external_id ON entities (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE article_entities (
    article_id    INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    entity_id     INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    field         TEXT NOT NULL CHECK (field IN ('title', 'summary', 'body')),
    mention_count INTEGER NOT NULL CHECK (mention_count > 0),
    method        TEXT NOT NULL
                  CHECK (method IN ('gazetteer', 'rule', 'alias', 'coreference', 'import')),
    confidence    REAL NOT NULL DEFAULT 1.0 CHECK (confidence BETWEEN 0 AND 1),
    spans         TEXT NOT NULL,
    PRIMARY KEY (article_id, field, entity_id)
) WITHOUT ROWID;

-- The entity queries read only this index: per entity its articles and how often.
CREATE INDEX article_entities_entity ON article_entities (entity_id, article_id, mention_count);

-- Reals are written with 17 digits (`%!.17g`) so a confidence reads back as the same double.
INSERT INTO article_entities
       (article_id, entity_id, field, mention_count, method, confidence, spans)
SELECT article_id, entity_id, field, count(*), row_method, row_confidence,
       '[' || group_concat(
                  CASE WHEN method = row_method AND confidence = row_confidence
                       THEN '[' || start || ',' || "end" || ',' || sentence || ']'
                       ELSE '[' || start || ',' || "end" || ',' || sentence || ','
                            || json_quote(method) || ',' || printf('%!.17g', confidence) || ']'
                  END, ',' ORDER BY start, "end") || ']'
  FROM (SELECT m.*,
               first_value(method) OVER by_entity AS row_method,
               first_value(confidence) OVER by_entity AS row_confidence
          FROM mentions m
        WINDOW by_entity AS (PARTITION BY article_id, entity_id, field ORDER BY start, "end"))
 GROUP BY article_id, entity_id, field;

DROP TABLE mentions;

CREATE VIEW mentions AS
SELECT ae.article_id,
       ae.field,
       json_extract(span.value, '$[0]') AS start,
       json_extract(span.value, '$[1]') AS "end",
       ae.entity_id,
       json_extract(span.value, '$[2]') AS sentence,
       coalesce(json_extract(span.value, '$[3]'), ae.method) AS method,
       coalesce(json_extract(span.value, '$[4]'), ae.confidence) AS confidence
  FROM article_entities ae, json_each(ae.spans) AS span;

CREATE TRIGGER mentions_insert INSTEAD OF INSERT ON mentions
BEGIN
    SELECT RAISE(ABORT, 'mentions: field must be title, summary or body')
     WHERE NEW.field IS NULL OR NEW.field NOT IN ('title', 'summary', 'body');
    SELECT RAISE(ABORT, 'mentions: need 0 <= start < end')
     WHERE NEW.start IS NULL OR NEW."end" IS NULL OR NEW.start < 0 OR NEW."end" <= NEW.start;
    SELECT RAISE(ABORT, 'mentions: method must be gazetteer, rule, alias, coreference or import')
     WHERE NEW.method IS NULL
        OR NEW.method NOT IN ('gazetteer', 'rule', 'alias', 'coreference', 'import');
    SELECT RAISE(ABORT, 'mentions: confidence must be between 0 and 1')
     WHERE coalesce(NEW.confidence, 1.0) NOT BETWEEN 0 AND 1;
    -- A span names one entity: the first one stored stays.
    SELECT RAISE(IGNORE)
     WHERE EXISTS (SELECT 1 FROM mentions m
                    WHERE m.article_id = NEW.article_id AND m.field = NEW.field
                      AND m.start = NEW.start AND m."end" = NEW."end");
    UPDATE article_entities
       SET mention_count = mention_count + 1,
           spans = substr(spans, 1, length(spans) - 1) || ','
                   || CASE WHEN NEW.method = method AND coalesce(NEW.confidence, 1.0) = confidence
                           THEN '[' || NEW.start || ',' || NEW."end" || ','
                                || coalesce(NEW.sentence, 0) || ']'
                           ELSE '[' || NEW.start || ',' || NEW."end" || ','
                                || coalesce(NEW.sentence, 0) || ',' || json_quote(NEW.method)
                                || ',' || printf('%!.17g', coalesce(NEW.confidence, 1.0)) || ']'
                      END || ']'
     WHERE article_id = NEW.article_id AND field = NEW.field AND entity_id = NEW.entity_id;
    INSERT INTO article_entities
           (article_id, entity_id, field, mention_count, method, confidence, spans)
    SELECT NEW.article_id, NEW.entity_id, NEW.field, 1, NEW.method, coalesce(NEW.confidence, 1.0),
           '[[' || NEW.start || ',' || NEW."end" || ',' || coalesce(NEW.sentence, 0) || ']]'
     WHERE NOT EXISTS (SELECT 1 FROM article_entities
                        WHERE article_id = NEW.article_id AND field = NEW.field
                          AND entity_id = NEW.entity_id);
END;

CREATE TRIGGER mentions_delete INSTEAD OF DELETE ON mentions
BEGIN
    DELETE FROM article_entities
     WHERE article_id = OLD.article_id AND field = OLD.field AND entity_id = OLD.entity_id
       AND mention_count = 1;
    UPDATE article_entities
       SET mention_count = mention_count - 1,
           spans = (SELECT '[' || group_concat(kept.value, ',') || ']'
                      FROM (SELECT span.value FROM json_each(spans) AS span
                             WHERE NOT (json_extract(span.value, '$[0]') = OLD.start
                                        AND json_extract(span.value, '$[1]') = OLD."end")
                             ORDER BY span.key) AS kept)
     WHERE article_id = OLD.article_id AND field = OLD.field AND entity_id = OLD.entity_id;
END;

CREATE TRIGGER mentions_update INSTEAD OF UPDATE ON mentions
BEGIN
    DELETE FROM mentions
     WHERE article_id = OLD.article_id AND field = OLD.field
       AND start = OLD.start AND "end" = OLD."end";
    INSERT INTO mentions (article_id, field, start, "end", entity_id, sentence, method, confidence)
    VALUES (NEW.article_id, NEW.field, NEW.start, NEW."end", NEW.entity_id, NEW.sentence,
            NEW.method, NEW.confidence);
END;

CREATE VIEW entity_mentions AS
SELECT m.article_id,
       e.id AS entity_id,
       e.kind,
       e.name AS entity,
       m.field,
       m.start,
       m."end",
       substr(CASE m.field WHEN 'title' THEN a.title
                           WHEN 'summary' THEN a.summary
                           ELSE a.body END,
              m.start + 1, m."end" - m.start) AS surface,
       m.sentence,
       m.method,
       m.confidence
  FROM mentions m
  JOIN entities e ON e.id = m.entity_id
  JOIN articles a ON a.id = m.article_id;
