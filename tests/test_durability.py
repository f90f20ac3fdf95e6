"""All-or-nothing under stress: a writer killed with SIGKILL, two imports at once, readers during an import."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import threading
import time

from monitor import export, store
from monitor.db import Reader
from monitor.importer import import_file, stage_long_csv
from tests.bigfiles import HEADER, write_long_csv
from tests.conftest import PROJECT_ROOT


def export_digest(db_path) -> str:
    with Reader(db_path) as reader:
        frame = store.export_frame(reader, "official", all_vintages=True)
    return hashlib.sha256(export.to_csv_bytes(frame)).hexdigest()


def observation_count(reader: Reader) -> int:
    return reader.query_rows("SELECT count(*) FROM observations")[0][0]


def temp_files(db_path):
    return sorted(db_path.parent.glob(f".{db_path.name}.writing-*"))


def cli(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=PROJECT_ROOT, **kwargs)


def test_sigkill_in_the_middle_of_a_large_import_leaves_the_database_as_it_was(db_path, tmp_path):
    big = write_long_csv(tmp_path / "big.csv", 1_000_000, source="s")
    with Reader(db_path) as reader:
        rows_before = observation_count(reader)
    digest_before = export_digest(db_path)
    size_before = db_path.stat().st_size

    proc = cli("import", str(big), "--db", str(db_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Mid-write: the writer's private copy exists and has grown by the rows being inserted (its WAL
    # may appear too). Only the final rename would touch the live file.
    while proc.poll() is None:
        try:
            if any(p.name.endswith(".wal") or p.stat().st_size > size_before + 1_000_000 for p in temp_files(db_path)):
                break
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed mid-write"
    assert temp_files(db_path), "the killed writer's temporary file should still be there"

    with Reader(db_path) as reader:  # opens, and holds exactly what it held
        assert observation_count(reader) == rows_before
    assert export_digest(db_path) == digest_before

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "retail_sales,长沙市,2019,4000,亿元,,src,,\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "monitor", "import", str(good), "--db", str(db_path)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert temp_files(db_path) == []  # the next writer cleaned up after the dead one
    with Reader(db_path) as reader:
        assert observation_count(reader) == rows_before + 1


def test_two_imports_started_together_are_serialised_and_both_land(db_path, tmp_path):
    # Both files hold the same figure with different values: serialised, one adds it and the other
    # revises it; interleaved (both copying the same original), one import would be lost.
    a = tmp_path / "a.csv"
    a.write_text(HEADER + "cross_border_ecommerce_exports,430100,2019,10,亿元,,src A,,\n"
                 "cross_border_ecommerce_exports,430200,2019,20,亿元,,src A,,\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text(HEADER + "cross_border_ecommerce_exports,430100,2019,11,亿元,,src B,,\n"
                 "cross_border_ecommerce_exports,430300,2019,30,亿元,,src B,,\n", encoding="utf-8")
    procs = [cli("import", str(f), "--db", str(db_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in (a, b)]
    results = [p.communicate() + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    with Reader(db_path) as reader:
        log = reader.query_rows("SELECT file_name, rows_added, rows_revised, outcome FROM import_log "
                                "WHERE file_name IN ('a.csv', 'b.csv') ORDER BY id")
        values = reader.query_rows(
            "SELECT region_code, value FROM observations WHERE indicator_id = 'cross_border_ecommerce_exports' "
            "AND period = '2019' ORDER BY id")
    assert sorted((added, revised) for _f, added, revised, _o in log) == [(1, 1), (2, 0)]
    assert all(outcome == "success" for *_x, outcome in log)
    first, second = log[0][0], log[1][0]
    expected = {"a.csv": [("430100", 10), ("430200", 20)], "b.csv": [("430100", 11), ("430300", 30)]}
    assert values == expected[first] + expected[second]  # one import entirely, then the other


def test_readers_keep_working_during_an_import_and_imports_wait_for_each_other(db_path):
    events: list[str] = []
    inside_a, release_a = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def stage_a(con, data, name):
        events.append("A in")
        inside_a.set()
        release_a.wait(60)
        events.append("A out")
        return stage_long_csv(con, data, name)

    def stage_b(con, data, name):
        events.append("B in")
        staged = stage_long_csv(con, data, name)
        events.append("B out")
        return staged

    def run(data, name, stage):
        try:
            import_file(db_path, data, name, stage=stage)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    data_a = (HEADER + "cross_border_ecommerce_exports,430100,2018,10,亿元,,src,,\n").encode()
    data_b = (HEADER + "cross_border_ecommerce_exports,430100,2018,12,亿元,,src,,\n"
              "cross_border_ecommerce_exports,430200,2018,20,亿元,,src,,\n").encode()
    old = Reader(db_path)
    try:
        before = observation_count(old)
        thread_a = threading.Thread(target=run, args=(data_a, "a.csv", stage_a))
        thread_a.start()
        assert inside_a.wait(60)
        thread_b = threading.Thread(target=run, args=(data_b, "b.csv", stage_b))
        thread_b.start()
        # While A holds the writer: the reader opened before answers, and a new one sees the live file.
        assert observation_count(old) == before
        with Reader(db_path) as during:
            assert observation_count(during) == before
        time.sleep(0.3)  # give B every chance to start writing too, which the lock must prevent
        assert "B in" not in events
        release_a.set()
        thread_a.join(60)
        thread_b.join(60)
        assert errors == []
        assert events == ["A in", "A out", "B in", "B out"]
        assert observation_count(old) == before and not old.is_current()  # still usable, and knows it is stale
    finally:
        release_a.set()
        old.close()
    with Reader(db_path) as after:
        assert observation_count(after) == before + 3
        assert after.query_rows("SELECT value FROM observations_latest WHERE indicator_id = "
                                "'cross_border_ecommerce_exports' AND region_code = '430100' "
                                "AND period = '2018'") == [(12,)]
