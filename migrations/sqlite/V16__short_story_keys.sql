-- Story candidates that need no sketch to be ruled out (issue 13, cost).
--
-- Two long articles are compared only when they share at least two candidate keys; a short one
-- (a teaser or a title-only item: every shingle of its text is in its sketch's lead) is compared
-- on one shared key (see `src/stories/mod.rs`, `worth_comparing`). `story_keys.short` says which
-- articles are short, so the importer can tell from the key lookup alone which candidates
-- sharing one key are worth reading: reading a sketch to learn it cost more than comparing.
-- A row written without it (another tool) counts as long: at worst a teaser waits for
-- `newsdb stories rebuild`.
--
-- Backfill: a sketch (format 1) starts with the version byte, the number of distinct shingles
-- as a varint and the number of lead shingles as a byte (at most 64); the text is short when the
-- two counts are equal and not zero (a count of 128 or more has a first varint byte of 0x80 or
-- more, never equal to a lead count).

ALTER TABLE story_keys ADD COLUMN short INTEGER NOT NULL DEFAULT 0 CHECK (short IN (0, 1));

UPDATE story_keys SET short = 1
 WHERE article_id IN (SELECT article_id FROM article_sketches
                       WHERE substr(sketch, 1, 1) = x'01'
                         AND substr(sketch, 2, 1) = substr(sketch, 3, 1)
                         AND substr(sketch, 2, 1) <> x'00');
