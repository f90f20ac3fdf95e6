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
    assert first.changed and first.imports[0].added == 86
    stat = path.stat()
    second = bootstrap.initialise(path)
    assert not second.changed
    assert path.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten
    forced = bootstrap.initialise(path, force=True)
    assert forced.changed and forced.imports[0].added == 0 and forced.imports[0].unchanged == 86
    with Reader(path) as reader:
        assert reader.query_rows("SELECT count(*) FROM observations")[0][0] == 86


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
