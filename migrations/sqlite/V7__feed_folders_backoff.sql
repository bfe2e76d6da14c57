-- Subscriptions as feed readers keep them: folders from OPML, and back-off for failing feeds.
--
-- `folder`: where the subscription is filed, as a path of folder names joined by "/"
-- ("News/Tech"), from the nested outlines of an OPML file or `feeds add --folder`; NULL when it is
-- in no folder. `html_url`: the site the feed belongs to (OPML `htmlUrl`), kept so that an export
-- gives back what was imported. `next_check_at`: when a failing feed may be polled again (UTC,
-- ISO 8601); NULL when it is due whenever `fetch` runs. Other tools may write all three.
ALTER TABLE feeds ADD COLUMN folder TEXT;
ALTER TABLE feeds ADD COLUMN html_url TEXT;
ALTER TABLE feeds ADD COLUMN next_check_at TEXT;
