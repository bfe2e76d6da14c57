-- timeline: Articles per day, week or month, with empty periods between them shown as 0.
--
-- :by      month      day, week (ISO, as 2024-W01) or month
-- :source  optional   publisher or credited outlet: name or normalised key
-- :entity  optional   an entity name or alias the articles mention
-- :since   optional   published at or after (YYYY-MM-DD or RFC 3339)
-- :until   optional   published at or before (a bare date includes that whole day)
--
-- Articles without a publication date, or with one that SQLite's date() cannot read, are not
-- counted. A run of more than 366 empty periods is left out rather than filled with zeros, so
-- that one stray date (0001-01-01 written by another tool) cannot turn the timeline into
-- millions of empty rows.
WITH RECURSIVE
    bounds AS (
        -- '' and '~' sort before and after every date; a bound given but unreadable is NULL,
        -- which nothing passes.
        SELECT iif(:since IS NULL, '', strftime('%Y-%m-%dT%H:%M:%SZ', :since)) AS low,
               iif(:until IS NULL, '~',
                   strftime('%Y-%m-%dT%H:%M:%SZ', :until,
                            iif(length(:until) = 10, '+86399 seconds', '+0 seconds'))) AS high,
               -- What turns a date into its period's first day, and steps to the next period.
               CASE :by WHEN 'day' THEN '+0 days' WHEN 'week' THEN '-6 days'
                        ELSE 'start of month' END AS back,
               CASE :by WHEN 'week' THEN 'weekday 1' ELSE '+0 days' END AS to_monday,
               CASE :by WHEN 'day' THEN '+1 day' WHEN 'week' THEN '+7 days'
                        ELSE '+1 month' END AS step
    ),
    -- Without a source or entity filter the periods are found and counted on the date index: a
    -- seek to the first article of each period and a count of the period's range, instead of a
    -- sort of every article (a million articles by month: 0.35 s before). Dates that date()
    -- cannot read are stepped over.
    hops (first_day) AS (
        -- min() reads one index entry only in a query of one table: hence the subqueries.
        SELECT (SELECT date(min(a.published_at), bounds.back, bounds.to_monday)
                  FROM articles AS a
                 WHERE a.published_at >= bounds.low
                   AND a.published_at <= bounds.high
                   AND date(a.published_at) IS NOT NULL)
          FROM bounds
         WHERE :source IS NULL AND :entity IS NULL
        UNION ALL
        SELECT (SELECT date(min(a.published_at), bounds.back, bounds.to_monday)
                  FROM articles AS a
                 WHERE a.published_at >= date(hops.first_day, bounds.step)
                   AND a.published_at <= bounds.high
                   AND date(a.published_at) IS NOT NULL)
          FROM hops, bounds
         WHERE hops.first_day IS NOT NULL
    ),
    dated AS (
        SELECT a.published_at
          FROM articles AS a, bounds
         WHERE (:source IS NOT NULL OR :entity IS NOT NULL)
           AND a.published_at IS NOT NULL
           AND a.published_at >= bounds.low
           AND a.published_at <= bounds.high
           AND (:source IS NULL
                OR a.source_id IN (SELECT id FROM sources
                                    WHERE key = source_key(:source) OR name = :source COLLATE NOCASE)
                OR a.id IN (SELECT x.article_id FROM article_sources AS x
                             WHERE x.role = 'credit'
                               AND x.source_id IN (SELECT id FROM sources
                                                    WHERE key = source_key(:source)
                                                       OR name = :source COLLATE NOCASE)))
           AND (:entity IS NULL
                OR a.id IN (SELECT article_id FROM mentions
                             WHERE entity_id IN (SELECT id FROM entities
                                                  WHERE key = name_key(:entity)
                                                     OR name = :entity COLLATE NOCASE
                                                 UNION
                                                 SELECT entity_id FROM entity_aliases
                                                  WHERE key = name_key(:entity))))
    ),
    -- Each period is named by its first day, so the calendar below can step from one to the next.
    counted AS (
        SELECT hops.first_day,
               (SELECT count(*) FROM articles AS a
                 WHERE a.published_at >= max(hops.first_day, bounds.low)
                   AND a.published_at < date(hops.first_day, bounds.step)
                   AND a.published_at <= bounds.high) AS articles
          FROM hops, bounds
         WHERE hops.first_day IS NOT NULL
        UNION ALL
        SELECT date(published_at, bounds.back, bounds.to_monday) AS first_day,
               count(*) AS articles
          FROM dated, bounds
         GROUP BY first_day
        HAVING first_day IS NOT NULL
    ),
    -- Each counted period with the next one and how many periods apart they are.
    spans AS (
        SELECT first_day, next_day,
               CASE :by
                   WHEN 'day' THEN julianday(next_day) - julianday(first_day)
                   WHEN 'week' THEN (julianday(next_day) - julianday(first_day)) / 7
                   ELSE (strftime('%Y', next_day) * 12 + strftime('%m', next_day))
                        - (strftime('%Y', first_day) * 12 + strftime('%m', first_day))
               END AS apart
          FROM (SELECT first_day, lead(first_day) OVER (ORDER BY first_day) AS next_day
                  FROM counted)
    ),
    -- The counted periods and the empty ones up to the next counted one, when the gap is short;
    -- a NULL fill_until stops the stepping at once.
    calendar (first_day, fill_until) AS (
        SELECT first_day, CASE WHEN apart <= 367 THEN next_day END
          FROM spans
        UNION ALL
        SELECT date(first_day, CASE :by WHEN 'day' THEN '+1 day'
                                        WHEN 'week' THEN '+7 days'
                                        ELSE '+1 month' END),
               fill_until
          FROM calendar
         WHERE date(first_day, CASE :by WHEN 'day' THEN '+1 day'
                                        WHEN 'week' THEN '+7 days'
                                        ELSE '+1 month' END) < fill_until
    )
SELECT CASE :by
           WHEN 'day' THEN calendar.first_day
           WHEN 'week' THEN strftime('%G-W%V', calendar.first_day)
           ELSE substr(calendar.first_day, 1, 7)
       END AS period,
       coalesce(counted.articles, 0) AS articles
  FROM calendar
  LEFT JOIN counted ON counted.first_day = calendar.first_day
 ORDER BY calendar.first_day
