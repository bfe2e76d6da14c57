-- Raw copies compressed against their article's own text (issue 15) on PostgreSQL: the codec
-- `zstd-article` and the `dictionary` column of migrations/sqlite/V15__compact_storage.sql, same
-- meanings (read that file for the format). PostgreSQL changes the CHECK in place where SQLite
-- rebuilds the table.

ALTER TABLE article_raw DROP CONSTRAINT article_raw_codec_check;
ALTER TABLE article_raw
    ADD CONSTRAINT article_raw_codec_check CHECK (codec IN ('identity', 'zstd', 'zstd-article'));
ALTER TABLE article_raw ADD COLUMN dictionary bytea;

-- A title or body changed after a copy was made: keep the text the frame was made with.
CREATE FUNCTION article_raw_keep_dictionary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_raw
       SET dictionary = convert_to(coalesce(OLD.title, '') || chr(10) || OLD.body, 'UTF8')
     WHERE article_id = OLD.id AND codec = 'zstd-article' AND dictionary IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_raw_keep_dictionary AFTER UPDATE OF title, body ON articles
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.body IS DISTINCT FROM NEW.body)
    EXECUTE FUNCTION article_raw_keep_dictionary();
