-- timeline: Articles per day, week or month, with empty periods between them shown as 0.
--
-- :by      month      day, week (ISO, as 2024-W01) or month
-- :source  optional   publisher or credited outlet: name or normalised key
-- :entity  optional   an entity name or alias the articles mention
-- :since   optional   published at or after (YYYY-MM-DD or RFC 3339)
-- :until   optional   published at or before (a bare date includes that whole day)
--
-- Articles without a publication date are not counted. A run of more than 366 empty periods
-- is left out rather than filled with zeros, so that one stray date (0001-01-01 written by
-- another tool) cannot turn the timeline into millions of empty rows.
WITH RECURSIVE
    dated AS (
        SELECT a.published_at
          FROM articles AS a
         WHERE a.published_at IS NOT NULL
           AND (:since IS NULL OR a.published_at >= strftime('%Y-%m-%dT%H:%M:%SZ', :since))
           AND (:until IS NULL
                OR a.published_at <= strftime('%Y-%m-%dT%H:%M:%SZ', :until,
                                              iif(length(:until) = 10, '+86399 seconds',
                                                  '+0 seconds')))
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
        SELECT CASE :by
                   WHEN 'day' THEN date(published_at)
                   WHEN 'week' THEN date(published_at, '-6 days', 'weekday 1')
                   ELSE date(published_at, 'start of month')
               END AS first_day,
               count(*) AS articles
          FROM dated
         GROUP BY first_day
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
