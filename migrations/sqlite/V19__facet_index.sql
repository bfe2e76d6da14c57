-- A narrow copy, in article order, of what a search page's facets read for the 1,000 newest
-- matches of a query (`newsdb serve`): each article's source and date. Read from `articles`,
-- those matches are up to 1,000 scattered 16 KB pages of bodies; from this index about a tenth
-- as many (distinct three-word searches at 100,000 articles: 53-65 -> 84 pages a second). It
-- grows at its right edge as articles arrive, and costs about 30 bytes an article. The same for
-- the entities' rows (`article_entities (article_id, entity_id)`) bought 7% more for 4% more
-- file, and was left out.
CREATE INDEX articles_facets ON articles (id, source_id, published_at);
