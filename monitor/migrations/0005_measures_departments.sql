-- The plans' measures (主要任务) and the departments responsible for them, loaded from data/plans/*.toml
-- and data/departments.csv like the rest of the registry.
--
-- targets is rebuilt (DuckDB cannot drop a CHECK constraint): the list of valid target kinds lives in the
-- registry code, which validates every target on load, so the table no longer repeats it as a CHECK that
-- each new kind (annual_floor, share_level, …) would have to migrate. The rebuild also adds the target's
-- measure (NULL: the plan's 发展目标) and the written decision on ambiguous wording.

CREATE TABLE targets_v4 (
    id            VARCHAR PRIMARY KEY,
    plan_id       VARCHAR NOT NULL,
    clause        VARCHAR,
    indicator_id  VARCHAR,                      -- NULL for aims without a number
    name_zh       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    quote_zh      VARCHAR NOT NULL,             -- the plan's own words, verbatim
    target_type   VARCHAR NOT NULL,             -- validated by monitor/registry.py on load
    base_period   VARCHAR,
    base_value    DOUBLE,
    target_period VARCHAR NOT NULL,
    target_value  DOUBLE,
    comparator    VARCHAR CHECK (comparator IN ('>', '>=', '<', '<=')),
    unit          VARCHAR,
    direction     VARCHAR CHECK (direction IN ('increase', 'decrease')),
    region_code   VARCHAR NOT NULL DEFAULT '430000',
    thresholds    DOUBLE[] NOT NULL DEFAULT [0.95, 0.60, 0.0],
    notes_zh      VARCHAR,
    notes_en      VARCHAR,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    measure_id    VARCHAR,                      -- the measure stating it; NULL = the plan's 发展目标
    decision_zh   VARCHAR,                      -- how ambiguous wording was read, and why
    decision_en   VARCHAR
);
INSERT INTO targets_v4 BY NAME SELECT * FROM targets;
DROP TABLE targets;
ALTER TABLE targets_v4 RENAME TO targets;

ALTER TABLE plans ADD COLUMN goals_zh VARCHAR;   -- the 发展目标 paragraph, verbatim

CREATE TABLE departments (
    code          VARCHAR PRIMARY KEY,
    name_zh       VARCHAR NOT NULL UNIQUE,      -- as written in the plans' 责任单位 lines
    short_name_zh VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    kind          VARCHAR,
    plan_id       VARCHAR                       -- NULL: data/departments.csv; else declared by that plan file
);

CREATE TABLE measures (
    id           VARCHAR PRIMARY KEY,
    plan_id      VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('task', 'requirement')),
    number       INTEGER NOT NULL,              -- 1–24 for tasks; 1–4 for the notice's 一…四
    number_label VARCHAR NOT NULL,              -- as written: '3' or '一'
    section_zh   VARCHAR,                       -- （二）实施产业链供应链对接专项行动
    section_en   VARCHAR,
    title_zh     VARCHAR NOT NULL,              -- the heading sentence
    title_en     VARCHAR,
    text_zh      VARCHAR NOT NULL,              -- the paragraph, verbatim
    lead_code    VARCHAR,                       -- NULL where none is named
    sort_order   INTEGER NOT NULL
);

CREATE TABLE measure_departments (
    measure_id      VARCHAR NOT NULL,
    department_code VARCHAR NOT NULL,
    role            VARCHAR NOT NULL CHECK (role IN ('lead', 'co', 'named')),
    position        INTEGER NOT NULL,           -- 1 = first named in the text
    PRIMARY KEY (measure_id, department_code)
);
