-- The task ledger (重点任务推进台账): each department's quarterly report on each measure it leads or co-leads.
-- Append-only like observations: a corrected report is a new vintage and the earlier one is kept; is_latest
-- marks the newest vintage of each (dataset, measure, period, department), maintained by the writer.
CREATE SEQUENCE progress_report_id_seq START 1;

CREATE TABLE progress_reports (
    id              BIGINT PRIMARY KEY DEFAULT nextval('progress_report_id_seq'),
    dataset         VARCHAR NOT NULL,              -- 'official', or 'demo' for synthetic reports
    measure_id      VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,              -- '2023-Q3', or '2023' for an annual summary
    department_code VARCHAR NOT NULL,
    role            VARCHAR NOT NULL CHECK (role IN ('lead', 'co')),
    status          VARCHAR NOT NULL CHECK (status IN ('completed', 'on_schedule', 'behind', 'not_started')),
    progress_text   VARCHAR,                       -- what was done (required unless not_started)
    target_id       VARCHAR,                       -- a figure reported for one of the measure's targets
    value           DOUBLE,
    evidence_url    VARCHAR,
    reporter        VARCHAR,
    report_date     DATE,
    vintage         TIMESTAMP NOT NULL,            -- when this version was stored
    import_id       BIGINT,                        -- the import_log row of the file it came from
    source_file     VARCHAR,
    source_row      INTEGER,
    is_latest       BOOLEAN NOT NULL DEFAULT true
);
