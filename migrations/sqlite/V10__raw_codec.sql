-- Raw copies are stored compressed: each row of `article_raw` names the codec of its `bytes`.
--
--   identity  the bytes as received (every row written before this migration, rows other tools
--             write without naming a codec, and items too small for zstd to shrink)
--   zstd      one standard zstd frame, no dictionary: any zstd library decodes it
--
-- Existing rows stay as they are (`identity`); `newsdb compact` compresses them in batches.
ALTER TABLE article_raw ADD COLUMN codec TEXT NOT NULL DEFAULT 'identity'
    CHECK (codec IN ('identity', 'zstd'));
