-- The latest vintage of every figure, kept as a flag by the writer (importer.write_plan, demo.write_demo),
-- so reading the current figures is a filtered scan instead of a window over the whole table: at ten
-- million rows the window took seconds for every page's first query and gigabytes of memory.
-- Reading what was known at an earlier time (known_at) still uses the window.

ALTER TABLE observations ADD COLUMN is_latest BOOLEAN NOT NULL DEFAULT false;
UPDATE observations SET is_latest = id IN (
    SELECT id FROM observations
    QUALIFY row_number() OVER (
        PARTITION BY dataset, indicator_id, region_code, period_type, period
        ORDER BY vintage DESC, id DESC) = 1);
-- no default: a writer that forgets the flag fails instead of hiding its rows
ALTER TABLE observations ALTER COLUMN is_latest DROP DEFAULT;

CREATE OR REPLACE MACRO observations_as_of(known_at) AS TABLE
    SELECT * EXCLUDE (is_latest) FROM observations
    WHERE vintage <= known_at
    QUALIFY row_number() OVER (
        PARTITION BY dataset, indicator_id, region_code, period_type, period
        ORDER BY vintage DESC, id DESC) = 1;

CREATE OR REPLACE VIEW observations_latest AS
    SELECT * EXCLUDE (is_latest) FROM observations WHERE is_latest;

-- As observations_resolved(known_at) for the latest vintages, on the flag. The latest rows are named
-- twice rather than in a shared CTE, so filters on the outer query reach both scans; year and month
-- (which follow from the period) are grouped on too, so a filter on the year reaches the scan as well.
CREATE OR REPLACE VIEW observations_current AS
    SELECT *, false AS is_derived FROM observations_latest
    UNION ALL BY NAME
    SELECT NULL::BIGINT AS id, l.dataset, p.derived_id AS indicator_id, l.region_code, l.period, l.period_type,
        l.year, l.month,
        sum(l.value) AS value, any_value(p.derived_unit) AS unit,
        sum(l.value) AS value_published, any_value(p.derived_unit) AS unit_published,
        NULL::DOUBLE AS yoy_pct,
        string_agg(DISTINCT l.source, '; ') AS source, string_agg(DISTINCT l.source_url, ' ') AS source_url,
        NULL::VARCHAR AS quote,
        'sum of ' || string_agg(l.indicator_id, ' + ' ORDER BY l.indicator_id) AS note,
        CASE WHEN bool_or(l.status = 'preliminary') THEN 'preliminary' END AS status,
        max(l.vintage) AS vintage, NULL::BIGINT AS import_id, true AS is_derived
    FROM observations_latest l
    JOIN (SELECT id AS derived_id, unit AS derived_unit, unnest(components) AS component, len(components) AS n_parts
          FROM indicators WHERE components IS NOT NULL) p ON l.indicator_id = p.component
    GROUP BY l.dataset, p.derived_id, l.region_code, l.period_type, l.period, l.year, l.month
    HAVING count(l.value) = any_value(p.n_parts);
