-- Stories (issue 13): near copies of one article (reprints, abridged versions, the teaser and
-- the full text) grouped into one story.
--
-- `article_sketches` keeps, per article, the compact sketch newsdb verifies near copies with
-- (a versioned blob, see `src/stories/`): grouping never reads article bodies again.
-- `story_keys` indexes each article under a few integer candidate keys (LSH bands): two near
-- copies share at least one key with high probability.
--
-- A story is named by the id of its oldest (smallest) article. Only articles of stories of two
-- or more articles have a row in `article_story`; an article without one is a story of its own,
-- named by its own id. The view `article_stories` gives one row per article either way: that is
-- what other tools join. `stories` keeps one summary row per story of two or more articles,
-- maintained by newsdb's writer, so listings never group all articles.
--
-- When an import finds an article that joins two stories, the younger story moves into the older
-- one and `story_merges` records it. `story_corrections` holds the user's `story split ARTICLE`
-- (the article has no similarity links) and `story merge A B` (A and B are one story): imports
-- and `newsdb stories rebuild` honour them.
--
-- A database made before this migration has no sketches: its articles are each their own story
-- until `newsdb stories rebuild` computes the missing sketches from the stored bodies.

CREATE TABLE article_sketches (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    sketch     BLOB NOT NULL
);

-- No foreign key: it would need a second index on article_id. A key whose article is gone is
-- skipped when read (its sketch is gone with the article).
CREATE TABLE story_keys (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;

CREATE TABLE article_story (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL
);
CREATE INDEX article_story_story ON article_story (story_id);

CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,
    size            INTEGER NOT NULL CHECK (size > 1),
    first_published TEXT,
    last_published  TEXT
);
CREATE INDEX stories_last_published ON stories (last_published);
CREATE INDEX stories_size ON stories (size);

CREATE TABLE story_merges (
    id         INTEGER PRIMARY KEY,
    merged_at  TEXT NOT NULL,
    from_story INTEGER NOT NULL,
    into_story INTEGER NOT NULL,
    -- How many articles moved.
    articles   INTEGER NOT NULL,
    -- The article whose arrival joined the stories (NULL for a user's merge).
    article_id INTEGER,
    -- 'import', or 'user' for `story merge`.
    reason     TEXT NOT NULL CHECK (reason IN ('import', 'user'))
);

CREATE TABLE story_corrections (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('split', 'merge')),
    article_id       INTEGER NOT NULL,
    -- For a merge, the other article.
    other_article_id INTEGER,
    created_at       TEXT NOT NULL,
    CHECK ((kind = 'split') = (other_article_id IS NULL))
);
CREATE INDEX story_corrections_article ON story_corrections (article_id);
CREATE INDEX story_corrections_other ON story_corrections (other_article_id)
    WHERE other_article_id IS NOT NULL;

CREATE VIEW article_stories AS
SELECT a.id AS article_id, coalesce(s.story_id, a.id) AS story_id
  FROM articles AS a LEFT JOIN article_story AS s ON s.article_id = a.id;
