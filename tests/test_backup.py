"""`python -m monitor backup` / `restore`: a copy under the writer's lock, and a restore through the writer."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from monitor import backup as backupmod
from monitor import cli, export, store
from monitor.db import Reader, latest_schema_version
from monitor.importer import import_file, stage_long_csv
from tests.bigfiles import HEADER
from tests.conftest import PROJECT_ROOT


def export_digest(db_path) -> str:
    """SHA-256 of the full export (every dataset's observations, every vintage, with provenance)."""
    with Reader(db_path) as reader:
        frames = [store.export_frame(reader, name, all_vintages=True)
                  for (name,) in reader.query_rows("SELECT id FROM datasets ORDER BY id")]
    return hashlib.sha256(b"".join(export.to_csv_bytes(frame) for frame in frames)).hexdigest()


def counts(db_path) -> tuple[int, int]:
    """(observations, successful imports) of a database file."""
    with Reader(db_path) as reader:
        return (reader.query_rows("SELECT count(*) FROM observations")[0][0],
                reader.query_rows("SELECT count(*) FROM import_log WHERE outcome = 'success'")[0][0])


def one_row(period: str, value: float = 10) -> bytes:
    return (HEADER + f"cross_border_ecommerce_exports,430100,{period},{value},亿元,,test src,,\n").encode()


def run_cli(*args) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "monitor", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_backup_then_restore_gives_back_the_exact_export_after_a_later_import(db_path, tmp_path):
    before = export_digest(db_path)
    code, out, err = run_cli("backup", str(tmp_path / "b.duckdb"), "--db", str(db_path))
    assert code == 0, err
    assert "备份完成" in out
    assert export_digest(tmp_path / "b.duckdb") == before

    import_file(db_path, one_row("2019", 10), "later.csv")
    after_import = export_digest(db_path)
    assert after_import != before

    code, out, err = run_cli("restore", str(tmp_path / "b.duckdb"), "--db", str(db_path))
    assert code == 0, err
    assert export_digest(db_path) == before
    # The replaced file is kept beside the live one, so the restore itself can be undone.
    kept = sorted(db_path.parent.glob(db_path.name + ".before-restore-*"))
    assert len(kept) == 1 and export_digest(kept[0]) == after_import
    # The restored database takes writes through the writer as before.
    obs, log = counts(db_path)
    import_file(db_path, one_row("2019", 10), "later.csv")
    assert counts(db_path) == (obs + 1, log + 1)


def test_backup_into_a_directory_names_the_file_by_time_and_refuses_to_overwrite(db_path, tmp_path):
    target_dir = tmp_path / "backups"  # not there yet: a trailing slash says it is a directory
    assert cli.main(["backup", str(target_dir) + "/", "--db", str(db_path)]) == 0
    (made,) = target_dir.glob("monitor-*.duckdb")
    assert export_digest(made) == export_digest(db_path)
    assert cli.main(["backup", str(made), "--db", str(db_path)]) == 2  # exists
    assert cli.main(["backup", str(made), "--db", str(db_path), "--force"]) == 0


@pytest.mark.parametrize("kind", ["text", "other_duckdb", "missing", "newer_schema"])
def test_restore_refuses_a_file_that_is_not_a_database_of_this_app_in_both_languages(db_path, tmp_path, kind):
    bad = tmp_path / f"{kind}.duckdb"
    if kind == "text":
        bad.write_text("indicator,region\nretail_sales,430000\n", encoding="utf-8")
        expected = ("不是 DuckDB 数据库文件", "is not a DuckDB database file")
    elif kind == "other_duckdb":
        con = duckdb.connect(str(bad))
        con.execute("CREATE TABLE observations (x INTEGER)")
        con.close()
        expected = ("不是本系统", "is not a database of this app")
    elif kind == "missing":
        expected = ("找不到文件", "no such file")
    else:
        shutil.copyfile(db_path, bad)
        con = duckdb.connect(str(bad))
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'from_the_future')",
                    [latest_schema_version() + 1])
        con.close()
        expected = ("比本程序支持的", "newer than this app's")
    before = export_digest(db_path)
    code, _out, err = run_cli("restore", str(bad), "--db", str(db_path))
    assert code == 2
    assert expected[0] in err and expected[1] in err, err
    assert export_digest(db_path) == before
    assert not list(db_path.parent.glob(db_path.name + ".before-restore-*"))
    assert not list(db_path.parent.glob(f".{db_path.name}.writing-*"))


def test_a_restore_of_an_older_schema_is_migrated_and_readers_open_before_it_keep_working(db_path, tmp_path):
    # A backup from before migration 0003 (the import log's Chinese message): made by undoing that migration.
    old = tmp_path / "old.duckdb"
    shutil.copyfile(db_path, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE import_log DROP COLUMN message_zh")
    con.execute("DELETE FROM schema_migrations WHERE version = 3")
    rows = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    con.close()
    reader = Reader(db_path)
    try:
        result = backupmod.restore(db_path, old)
        assert result.migrated == [3] and result.restored.schema_version == latest_schema_version()
        assert result.restored.observations == rows
        # A reader opened before the restore still answers from the file it attached, and knows to reconnect.
        assert reader.query_rows("SELECT count(*) FROM observations")[0][0] == rows
        assert not reader.is_current()
    finally:
        reader.close()
    with Reader(db_path) as fresh:
        assert fresh.query_rows("SELECT count(*) FROM import_log WHERE message_zh IS NULL")[0][0] >= 1


def test_a_backup_during_an_import_waits_for_it_and_holds_the_state_after_it(db_path, tmp_path):
    before_counts, before_digest = counts(db_path), export_digest(db_path)
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    finished: list[str] = []

    def slow_stage(con, data, name):
        inside.set()
        release.wait(60)
        return stage_long_csv(con, data, name)

    def run_import():
        try:
            import_file(db_path, one_row("2018", 12), "during.csv", stage=slow_stage)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def run_backup():
        try:
            backupmod.backup(db_path, tmp_path / "during.duckdb")
            finished.append("backup")
        except BaseException as exc:
            errors.append(exc)

    importer = threading.Thread(target=run_import)
    importer.start()
    assert inside.wait(60)
    taker = threading.Thread(target=run_backup)
    taker.start()
    time.sleep(0.3)  # every chance for the backup to copy the file mid-import, which the lock must prevent
    assert finished == [] and not (tmp_path / "during.duckdb").exists()
    release.set()
    importer.join(60)
    taker.join(60)
    assert errors == []
    assert counts(tmp_path / "during.duckdb") == (before_counts[0] + 1, before_counts[1] + 1)
    assert export_digest(tmp_path / "during.duckdb") == export_digest(db_path) != before_digest


IMPORTS = 6


def test_backups_taken_while_another_process_imports_are_each_a_state_between_imports(db_path, tmp_path):
    # Another process imports IMPORTS files one after the other, each adding exactly one figure and one
    # import-log row. Backups taken meanwhile must each hold k figures and k log rows for the same k: a copy
    # from the middle of a write would have a log row without its figure, or a damaged file.
    base_obs, base_log = counts(db_path)
    files = []
    for k in range(IMPORTS):
        path = tmp_path / f"imp{k}.csv"
        path.write_bytes(one_row(str(2000 + k), 100 + k))
        files.append(str(path))
    script = ("import sys\nfrom monitor import cli\n"
              "for f in sys.argv[2:]:\n"
              "    assert cli.main(['import', f, '--db', sys.argv[1]]) == 0\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(db_path), *files], cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    n = 0
    while proc.poll() is None and n < 200:
        out = tmp_path / f"snap{n}.duckdb"
        backupmod.backup(db_path, out)
        obs, log = counts(out)
        assert obs - base_obs == log - base_log, f"backup {n} is between states: {obs - base_obs} figures, " \
                                                 f"{log - base_log} log rows"
        seen.append(obs - base_obs)
        out.unlink()
        n += 1
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert seen == sorted(seen) and all(0 <= k <= IMPORTS for k in seen)
    assert counts(db_path) == (base_obs + IMPORTS, base_log + IMPORTS)
