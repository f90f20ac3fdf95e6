-- Core schema. Registry tables (regions, indicators, plans, targets) are reloaded from data/ files;
-- observations are append-only: a revision adds a row with a newer vintage, nothing is overwritten.

CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE datasets (
    id           VARCHAR PRIMARY KEY,
    name_zh      VARCHAR NOT NULL,
    name_en      VARCHAR NOT NULL,
    is_synthetic BOOLEAN NOT NULL DEFAULT false,
    description  VARCHAR
);
INSERT INTO datasets VALUES
    ('official', '官方数据', 'Official statistics', false,
     'Figures read in published sources; every row carries its source, URL and quote.');

CREATE TABLE regions (
    code          VARCHAR PRIMARY KEY,          -- GB/T 2260, 6 digits
    name_zh       VARCHAR NOT NULL,
    short_name_zh VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    level         VARCHAR NOT NULL CHECK (level IN ('country', 'province', 'prefecture', 'county')),
    parent_code   VARCHAR,
    aliases       VARCHAR[] NOT NULL DEFAULT [],
    is_synthetic  BOOLEAN NOT NULL DEFAULT false   -- generated codes (demo at national scale)
);

CREATE TABLE indicators (
    id             VARCHAR PRIMARY KEY,
    name_zh        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    unit           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL CHECK (kind IN ('flow', 'stock', 'ratio')),
    frequency      VARCHAR NOT NULL CHECK (frequency IN ('annual', 'monthly_ytd', 'event')),
    direction      VARCHAR NOT NULL CHECK (direction IN ('increase', 'decrease', 'neutral')),
    decimals       INTEGER NOT NULL DEFAULT 1,
    components     VARCHAR[],                   -- derived: sum of these indicators
    allow_negative BOOLEAN NOT NULL DEFAULT false,
    publisher      VARCHAR,
    definition_zh  VARCHAR,
    definition_en  VARCHAR,
    notes_zh       VARCHAR,
    notes_en       VARCHAR
);

CREATE TABLE plans (
    id           VARCHAR PRIMARY KEY,
    title_zh     VARCHAR NOT NULL,
    title_en     VARCHAR NOT NULL,
    document_no  VARCHAR,
    issuer_zh    VARCHAR,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    source_file  VARCHAR,
    registry_file VARCHAR
);

CREATE TABLE targets (
    id            VARCHAR PRIMARY KEY,
    plan_id       VARCHAR NOT NULL,
    clause        VARCHAR,
    indicator_id  VARCHAR,                      -- NULL for aims without a number
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    quote_zh      VARCHAR NOT NULL,             -- the plan's own words, verbatim
    target_type   VARCHAR NOT NULL CHECK (target_type IN ('level_by_date', 'average_growth', 'pp_change',
                                                          'cumulative_flow', 'stock_threshold', 'no_numeric_target')),
    base_period   VARCHAR,
    base_value    DOUBLE,                       -- only where the plan (or its registry file) fixes it
    target_period VARCHAR NOT NULL,
    target_value  DOUBLE,
    comparator    VARCHAR CHECK (comparator IN ('>', '>=', '<', '<=')),
    unit          VARCHAR,
    direction     VARCHAR CHECK (direction IN ('increase', 'decrease')),
    region_code   VARCHAR NOT NULL DEFAULT '430000',
    thresholds    DOUBLE[] NOT NULL DEFAULT [0.95, 0.60, 0.0],
    notes_zh      VARCHAR,
    notes_en      VARCHAR,
    sort_order    INTEGER NOT NULL DEFAULT 0
);

CREATE SEQUENCE import_id_seq START 1;
CREATE TABLE import_log (
    id             BIGINT PRIMARY KEY DEFAULT nextval('import_id_seq'),
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    file_name      VARCHAR NOT NULL,
    file_sha256    VARCHAR NOT NULL,
    file_format    VARCHAR,
    dataset        VARCHAR NOT NULL,
    rows_in_file   INTEGER,
    rows_added     INTEGER NOT NULL DEFAULT 0,
    rows_revised   INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    user_name      VARCHAR,
    outcome        VARCHAR NOT NULL CHECK (outcome IN ('success', 'no_op', 'rejected', 'failed')),
    message        VARCHAR
);

CREATE SEQUENCE observation_id_seq START 1;
CREATE TABLE observations (
    id              BIGINT NOT NULL DEFAULT nextval('observation_id_seq'),
    dataset         VARCHAR NOT NULL,
    indicator_id    VARCHAR NOT NULL,
    region_code     VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,           -- '2023' or '2023-06'
    period_type     VARCHAR NOT NULL CHECK (period_type IN ('annual', 'ytd', 'month')),
    year            INTEGER NOT NULL,
    month           INTEGER NOT NULL,           -- 12 for annual rows
    value           DOUBLE,                     -- in the indicator's unit; NULL when only a rate was published
    unit            VARCHAR NOT NULL,           -- the indicator's unit
    value_published DOUBLE,                     -- as the source printed it
    unit_published  VARCHAR NOT NULL,
    yoy_pct         DOUBLE,                     -- official year-on-year % (累计同比 for ytd rows)
    source          VARCHAR NOT NULL,
    source_url      VARCHAR,
    quote           VARCHAR,
    note            VARCHAR,
    status          VARCHAR CHECK (status IN ('preliminary', 'final', 'revised')),
    vintage         TIMESTAMP NOT NULL,         -- release date if known, else load time
    import_id       BIGINT
);

-- The latest vintage of every (dataset, indicator, region, period), optionally as known at a given time.
CREATE MACRO observations_as_of(known_at) AS TABLE
    SELECT * FROM observations
    WHERE vintage <= known_at
    QUALIFY row_number() OVER (
        PARTITION BY dataset, indicator_id, region_code, period_type, period
        ORDER BY vintage DESC, id DESC) = 1;

CREATE VIEW observations_latest AS
    SELECT * FROM observations_as_of(TIMESTAMP '9999-12-31');

-- Latest observations plus indicators defined as the sum of others (e.g. 批零住餐 = 批零 + 住餐),
-- computed only for periods where every component has a value.
CREATE MACRO observations_resolved(known_at) AS TABLE
    WITH latest AS (
        SELECT *, false AS is_derived FROM observations_as_of(known_at)
    ), parts AS (
        SELECT id AS derived_id, unit AS derived_unit, unnest(components) AS component, len(components) AS n_parts
        FROM indicators WHERE components IS NOT NULL
    )
    SELECT * FROM latest
    UNION ALL BY NAME
    SELECT NULL::BIGINT AS id, l.dataset, p.derived_id AS indicator_id, l.region_code, l.period, l.period_type,
        any_value(l.year) AS year, any_value(l.month) AS month,
        sum(l.value) AS value, any_value(p.derived_unit) AS unit,
        sum(l.value) AS value_published, any_value(p.derived_unit) AS unit_published,
        NULL::DOUBLE AS yoy_pct,
        string_agg(DISTINCT l.source, '; ') AS source, string_agg(DISTINCT l.source_url, ' ') AS source_url,
        NULL::VARCHAR AS quote,
        'sum of ' || string_agg(l.indicator_id, ' + ' ORDER BY l.indicator_id) AS note,
        CASE WHEN bool_or(l.status = 'preliminary') THEN 'preliminary' END AS status,
        max(l.vintage) AS vintage, NULL::BIGINT AS import_id, true AS is_derived
    FROM latest l JOIN parts p ON l.indicator_id = p.component
    GROUP BY l.dataset, p.derived_id, l.region_code, l.period_type, l.period
    HAVING count(l.value) = any_value(p.n_parts);

CREATE VIEW observations_current AS
    SELECT * FROM observations_resolved(TIMESTAMP '9999-12-31');
