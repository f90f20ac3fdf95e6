import duckdb

from monitor import bootstrap
from monitor.db import DUCKDB_CONFIG, Reader, latest_schema_version, migrate, writer


def test_migrate_is_idempotent(tmp_path):
    con = duckdb.connect(str(tmp_path / "m.duckdb"), config=DUCKDB_CONFIG)
    first = migrate(con)
    assert first == list(range(1, latest_schema_version() + 1))
    tables_before = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    assert migrate(con) == []  # second run applies nothing
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == latest_schema_version()
    assert con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall() == tables_before


def test_init_twice_changes_nothing(tmp_path):
    path = tmp_path / "x.duckdb"
    first = bootstrap.initialise(path)
    assert first.changed and first.imports[0].added == 144  # 86 first-round rows + 58 of the second round (see data/official/README.md)
    stat = path.stat()
    second = bootstrap.initialise(path)
    assert not second.changed
    assert path.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten
    forced = bootstrap.initialise(path, force=True)
    assert forced.changed and forced.imports[0].added == 0 and forced.imports[0].unchanged == 144
    with Reader(path) as reader:
        assert reader.query_rows("SELECT count(*) FROM observations")[0][0] == 144


def test_init_without_data_loads_registry_only(tmp_path):
    path = tmp_path / "x.duckdb"
    bootstrap.initialise(path, with_data=False)
    with Reader(path) as reader:
        assert reader.query_rows("SELECT count(*) FROM observations")[0][0] == 0
        assert reader.query_rows("SELECT count(*) FROM targets")[0][0] >= 7


def test_failed_write_leaves_file_untouched(db_path):
    before = db_path.read_bytes()
    try:
        with writer(db_path) as con:
            con.execute("DELETE FROM observations")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert db_path.read_bytes() == before
    assert not [p for p in db_path.parent.iterdir() if ".writing-" in p.name]


def test_reader_sees_new_file_after_swap(db_path):
    reader = Reader(db_path)
    assert reader.is_current()
    with writer(db_path) as con:
        con.execute("DELETE FROM observations WHERE indicator_id = 'gdp'")
    assert not reader.is_current()
    assert reader.query_rows("SELECT count(*) FROM observations WHERE indicator_id = 'gdp'")[0][0] == 30  # old snapshot
    with Reader(db_path) as fresh:
        assert fresh.query_rows("SELECT count(*) FROM observations WHERE indicator_id = 'gdp'")[0][0] == 0
    reader.close()


def test_the_latest_flag_is_computed_for_a_database_made_before_it(tmp_path):
    """0002 adds observations.is_latest to an existing file and sets it from the vintages."""
    from monitor.db import migration_files

    con = duckdb.connect(str(tmp_path / "old.duckdb"), config=DUCKDB_CONFIG)
    first = migration_files()[0]
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    con.execute(first[2].read_text(encoding="utf-8"))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [first[0], first[1]])
    rows = [("gdp", "2023", 1.0, "2024-01-01"), ("gdp", "2023", 2.0, "2024-06-01"), ("gdp", "2023", 0.5, "2023-12-01"),
            ("gdp", "2022", 3.0, "2023-01-01")]
    for ind, period, value, vintage in rows:
        con.execute("INSERT INTO observations (dataset, indicator_id, region_code, period, period_type, year, month,"
                    " value, unit, unit_published, source, vintage) VALUES ('official', ?, '430000', ?, 'annual', ?,"
                    " 12, ?, '亿元', '亿元', 's', ?)", [ind, period, int(period), value, vintage])
    assert migrate(con) == list(range(2, latest_schema_version() + 1))
    assert con.execute("SELECT period, value FROM observations WHERE is_latest ORDER BY period").fetchall() == [
        ("2022", 3.0), ("2023", 2.0)]
    assert con.execute("SELECT count(*) FROM observations_latest").fetchone()[0] == 2
