#!/usr/bin/env python
"""Benchmark: where the time goes at three scales, each figure beside its baseline measured in the same run.

    python bench/run.py [--quick] [--scales S1,S2,S3] [--repeat N] [--figures F1,F2] [--no-load]

Scales (synthetic demo data, `monitor.demo`, seed 1):

* S1 — Hunan and its 14 prefectures, 2015–2025 (~2×10^4 rows);
* S2 — plus its 122 counties, 1995–2025, with single-month rows (~9.6×10^5 rows);
* S3 — national county level (~3,200 regions, generated outside Hunan), 2000–2025 (~1.06×10^7 rows).

Datasets are built once in bench/work/<scale>/ (git-ignored) and rebuilt when the code that writes
them changes. Figures (one record per figure × scale × baseline, medians of --repeat runs):

* bulk_load — `importer.import_file` on the long CSV of the whole dataset vs pandas.read_csv + one
  INSERT per row (beyond 5,000 rows: the first 5,000, extrapolated linearly) and vs DuckDB's own
  read_csv into a table (the floor); at S3 at most 3 runs (a minute and ~18 GB each);
* assess — every target × every region in one `assess_store` call vs a per-target, per-region loop
  over pandas (bench/baselines.py; beyond 300 pairs: a sample, extrapolated) and vs the SQL the call
  issues, run directly (the floor);
* page_cold:<page> / page_warm:<page> — each page through app.py in AppTest, first run with empty
  caches / rerun, vs bench/bare_page.py with the same widgets and no data work;
* query:<name> — the store calls the pages make vs the same SQL on a plain DuckDB connection;
* memory — peak RSS (VmHWM) of `streamlit run app.py` after one session opened every page, vs the
  bare page's server;
* report_cold / report_warm — the monitoring report (Word, `monitor.briefing.build_report`) of the province:
  cold with the chart and PNG caches empty (a first click, or cron's monthly run), warm for the same view
  again; vs `assess --json` for the same view (`assess_store` + `to_records`: the figures the document holds,
  without the document);
* load:<n> — n concurrent headless-Chromium sessions opening the overview and an indicator page,
  time until a status label is visible (median; p95 and errors in the record), vs the bare page.
* bomb_refusal:<bomb>, viewer_during_bomb, viewer_during_heavy, small_preview:<kind> — workbook bombs
  refused through the data page's preview, the overview's reruns meanwhile, and what reading workbooks and
  wide CSVs in a child process costs a small upload (bench/bombs.py; issue 16 item 10).

A run of every scale, figure and page writes bench/results.json and the results section of
bench/README.md; any other run (--quick, a part) writes bench/work/partial/results.json, or --out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Run as a script from any directory: the imports below need the repository root on sys.path first (E402).
import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench import baselines  # noqa: E402
from monitor import assess as assess_mod  # noqa: E402
from monitor import bootstrap, demo, store  # noqa: E402
from monitor import db as dbmod  # noqa: E402
from monitor.config import MIGRATIONS_DIR  # noqa: E402
from monitor.importer import import_file  # noqa: E402

BENCH = ROOT / "bench"
WORK = BENCH / "work"
APP = ROOT / "app.py"
BARE = BENCH / "bare_page.py"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
DATASET = "demo"
PROVINCE = "430000"

SCALES = {
    # T0 is for the smoke test only (a few hundred rows)
    "T0": {"scale": "province", "years": (2020, 2021), "single_months": False},
    "S1": {"scale": "prefectures", "years": (2015, 2025), "single_months": False},
    "S2": {"scale": "counties", "years": (1995, 2025), "single_months": True},
    "S3": {"scale": "national", "years": (2000, 2025), "single_months": False},
}
PAGES = {  # url path: (script, query parameters besides dataset)
    "overview": ("pages/overview.py", {}),
    "indicator": ("pages/indicator.py", {"ind": "retail_sales", "region": "430100"}),
    "prefectures": ("pages/prefectures.py", {"ind": "retail_sales"}),
    "data": ("pages/data.py", {}),
    "method": ("pages/method.py", {}),
}
FIGURES = ("bulk_load", "assess", "queries", "pages", "report", "memory", "load", "workers", "bomb")
NAIVE_FULL_ROWS = 5_000     # the naive loader inserts ~1,000 rows a second: larger files are sampled
NAIVE_SAMPLE_ROWS = 5_000
LOOP_SAMPLE_PAIRS = 300
LOAD_SESSIONS = (1, 10, 30)


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


# --------------------------------------------------------------------------- records

@dataclass
class Record:
    figure: str
    scale: str
    rows: int
    ours_s: float | None
    baseline: str
    baseline_s: float | None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        speedup = (self.baseline_s / self.ours_s) if self.ours_s and self.baseline_s is not None else None
        out = {"figure": self.figure, "scale": self.scale, "rows": int(self.rows),
               "ours_s": _round(self.ours_s), "baseline": self.baseline, "baseline_s": _round(self.baseline_s),
               "speedup": _round(speedup)}
        if self.note:
            out["note"] = self.note
        out.update({k: _round(v) if isinstance(v, float) else v for k, v in self.extra.items()})
        return out


def _round(v):
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return None
    return float(f"{v:.6g}")


# --------------------------------------------------------------------------- datasets

def code_digest() -> str:
    """What the built datasets depend on: the code that writes them and the bundled registry and data."""
    files = [ROOT / "monitor" / name for name in ("demo.py", "importer.py", "db.py", "bootstrap.py", "registry.py")]
    files += sorted(MIGRATIONS_DIR.glob("*.sql"))
    h = hashlib.sha256()
    for path in files:
        h.update(path.read_bytes())
    h.update(bootstrap.bundle_digest().encode())
    return h.hexdigest()[:16]


@dataclass
class ScaleData:
    name: str
    rows: int
    app_db: Path        # initialised + demo dataset: what the app, assess and queries read
    load_template: Path  # initialised (+ generated regions): the target of bulk loads
    csv: Path           # the whole demo dataset as a long CSV in the import format
    regions: list[str]


def build_scale(name: str, work: Path, rebuild: bool = False) -> ScaleData:
    spec = SCALES[name]
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    manifest_file = folder / "manifest.json"
    wanted = {"scale": spec["scale"], "years": list(spec["years"]), "single_months": spec["single_months"],
              "seed": 1, "code": code_digest()}
    app_db, load_template, csv = folder / "app.duckdb", folder / "load_template.duckdb", folder / "demo.csv"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    if rebuild or {k: manifest.get(k) for k in wanted} != wanted or not all(
            p.exists() for p in (app_db, load_template, csv)):
        started = time.perf_counter()
        log(f"[{name}] building {spec['scale']} {spec['years'][0]}–{spec['years'][1]}"
            + (" with single months" if spec["single_months"] else "") + " …")
        template = work / f"template-{wanted['code']}.duckdb"
        if not template.exists():
            for old in work.glob("template-*.duckdb"):
                old.unlink()
            bootstrap.initialise(template)
        for path in (app_db, load_template, csv):
            path.unlink(missing_ok=True)
        shutil.copyfile(template, app_db)
        report = demo.run_demo(app_db, spec["scale"], tuple(spec["years"]), 1, single_months=spec["single_months"],
                               user="bench")
        shutil.copyfile(template, load_template)
        with dbmod.Reader(app_db) as reader:
            synthetic = reader.query_df(
                "SELECT code, name_zh, short_name_zh, name_en, level, parent_code FROM regions WHERE is_synthetic")
        if len(synthetic):
            with dbmod.writer(load_template) as con:
                con.register("bench_regions", synthetic)
                con.execute("INSERT INTO regions (code, name_zh, short_name_zh, name_en, level, parent_code, aliases,"
                            " is_synthetic) SELECT *, [], true FROM bench_regions")
                con.unregister("bench_regions")
        frame = demo.generate_frame(spec["scale"], tuple(spec["years"]), 1, db_path=app_db,
                                    single_months=spec["single_months"]).drop(columns=["synthetic"])
        con = duckdb.connect()
        con.register("frame", frame)
        con.execute(f"COPY frame TO '{csv}' (HEADER, DELIMITER ',')")  # path is ours, not user input
        con.close()
        del frame
        manifest = {**wanted, "rows": report.rows, "csv_bytes": csv.stat().st_size,
                    "build_s": round(time.perf_counter() - started, 1)}
        manifest_file.write_text(json.dumps(manifest, indent=1))
        log(f"[{name}] {report.rows:,} rows, CSV {csv.stat().st_size / 1e6:.0f} MB, built in {manifest['build_s']} s")
    with dbmod.Reader(app_db) as reader:
        regions = reader.query_df("SELECT DISTINCT region_code FROM observations WHERE dataset = ? ORDER BY 1",
                                  [DATASET]).region_code.tolist()
    return ScaleData(name, int(manifest["rows"]), app_db, load_template, csv, regions)


# --------------------------------------------------------------------------- capturing the SQL of the data layer

class _RecordingCursor:
    """A cursor that records the queries sent through it (not those over tables registered on it)."""

    def __init__(self, cur, reader: "CapturingReader"):
        self._cur, self._reader, self._registered = cur, reader, set()

    def _record(self, sql, params):
        if not any(name in sql for name in self._registered):
            self._reader.captured.append((self._reader.fetch_kind or "arrow", sql, params))

    def execute(self, sql, params=None, *args, **kwargs):
        self._record(sql, params if params is not None else [])
        return self._cur.execute(sql, params, *args, **kwargs) if params is not None else self._cur.execute(sql)

    def sql(self, sql, params=None, **kwargs):
        self._record(sql, params if params is not None else [])
        return self._cur.sql(sql, params=params, **kwargs)

    def register(self, name, obj):
        self._registered.add(name)
        return self._cur.register(name, obj)

    def __getattr__(self, name):
        return getattr(self._cur, name)


class CapturingReader(dbmod.Reader):
    """A Reader that records every query (SQL, parameters, how it was fetched) the data layer sends."""

    def __init__(self, path):
        super().__init__(path)
        self.captured: list[tuple[str, str, object]] = []
        self.fetch_kind: str | None = None

    @contextlib.contextmanager
    def cursor(self):
        with super().cursor() as cur:
            yield _RecordingCursor(cur, self)

    def query_df(self, sql, params=None):
        self.fetch_kind = "df"
        try:
            return super().query_df(sql, params)
        finally:
            self.fetch_kind = None

    def query_rows(self, sql, params=None):
        self.fetch_kind = "rows"
        try:
            return super().query_rows(sql, params)
        finally:
            self.fetch_kind = None


def replay(con: duckdb.DuckDBPyConnection, captured, fetch: str | None = None) -> None:
    """Run captured queries on a plain connection, fetched the same way (or as Arrow for the floor)."""
    for how, sql, params in captured:
        if (fetch or how) == "arrow":
            con.sql(sql, params=params).to_arrow_table()
        elif how == "df":
            con.execute(sql, params).df()
        else:
            con.execute(sql, params).fetchall()


def raw_connection(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True, config=dbmod.DUCKDB_CONFIG)


def timed(fn, repeat: int, setup=None) -> list[float]:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


# --------------------------------------------------------------------------- figures

def fig_bulk_load(data: ScaleData, repeat: int, tmp: Path) -> list[Record]:
    target = tmp / "bulk.duckdb"

    def fresh():
        for p in tmp.glob("bulk.duckdb*"):
            p.unlink()
        shutil.copyfile(data.load_template, target)

    def ours():
        result = import_file(target, data.csv.read_bytes(), "demo.csv", dataset=DATASET, user="bench",
                             new_dataset=True)  # the load template has no demo dataset yet
        assert result.plan.added == data.rows, (result.plan.added, data.rows)

    t_ours = timed(ours, repeat, fresh)

    def clear():
        for p in tmp.glob("bulk.duckdb*"):
            p.unlink()

    t_floor = timed(lambda: baselines.floor_load(target, data.csv), repeat, clear)
    sample = None if data.rows <= NAIVE_FULL_ROWS else NAIVE_SAMPLE_ROWS
    t_naive = []
    for _ in range(repeat):
        fresh()
        read_s, insert_s, n = baselines.naive_load(target, data.csv, DATASET, nrows=sample)
        t_naive.append((read_s + insert_s) * data.rows / n)
    clear()
    note = f"naive extrapolated linearly from {sample:,} rows" if sample else ""
    return [Record("bulk_load", data.name, data.rows, median(t_ours), "naive_read_csv_row_insert", median(t_naive),
                   note),
            Record("bulk_load", data.name, data.rows, median(t_ours), "duckdb_read_csv_floor", median(t_floor))]


def fig_assess(data: ScaleData, repeat: int) -> list[Record]:
    with CapturingReader(data.app_db) as reader:
        result = assess_mod.assess_store(reader, DATASET, regions=data.regions)
        pairs_n = len(result)
        captured = list(reader.captured)
        t_ours = timed(lambda: assess_mod.assess_store(reader, DATASET, regions=data.regions), repeat)
        # the baseline: read the rows the original engine read, then loop over (target, region) pairs
        targets = store.targets(reader)
        indicators = store.indicators(reader)
        kinds = dict(zip(indicators.id, indicators.kind))
        numeric = targets[targets.target_type != "no_numeric_target"]
        ids = sorted(numeric.indicator_id.dropna().unique())
        codes = sorted(set(targets.region_code) | set(data.regions))
        pair_list = baselines.pairs(targets, data.regions)
        step = max(1, len(pair_list) // LOOP_SAMPLE_PAIRS)
        sample = pair_list[::step]
        t_loop = []
        for _ in range(repeat):
            t = time.perf_counter()
            obs = store.observations(reader, DATASET, indicator_ids=ids, region_codes=codes)
            read_s = time.perf_counter() - t
            t = time.perf_counter()
            baselines.assess_loop(targets, kinds, obs, sample)
            t_loop.append(read_s + (time.perf_counter() - t) * len(pair_list) / len(sample))
            del obs
    con = raw_connection(data.app_db)
    try:
        t_floor = timed(lambda: replay(con, captured, fetch="arrow"), repeat)
    finally:
        con.close()
    note = (f"loop over a sample of {len(sample)} of {len(pair_list)} pairs, extrapolated linearly"
            if len(sample) < len(pair_list) else "")
    extra = {"pairs": pairs_n, "regions": len(data.regions)}
    return [Record("assess", data.name, data.rows, median(t_ours), "per_pair_pandas_loop", median(t_loop), note, extra),
            Record("assess", data.name, data.rows, median(t_ours), "sql_floor", median(t_floor),
                   "the queries assess_store sends, run directly and fetched as Arrow", extra)]


def fig_report(data: ScaleData, repeat: int) -> list[Record]:
    from monitor import briefing, charts

    options = briefing.ReportOptions(dataset=DATASET, region=PROVINCE)

    def clear_caches():
        briefing._PNG_CACHE.clear()
        for builder in (charts.build_series_chart, charts.build_growth_chart):
            builder.cache_clear()

    def build():
        return briefing.build_report(reader, options)

    with dbmod.Reader(data.app_db) as reader:
        t_cold = timed(build, repeat, clear_caches)
        made = build()
        t_warm = timed(build, repeat)
        t_json = timed(lambda: assess_mod.to_records(assess_mod.assess_store(reader, DATASET, region=PROVINCE)), repeat)
    extra = {"docx_bytes": len(made.content), "targets": len(made.frame)}
    base = "assess_json_same_view"
    return [Record("report_cold", data.name, data.rows, median(t_cold), base, median(t_json),
                   "chart and PNG caches emptied before each run", extra),
            Record("report_warm", data.name, data.rows, median(t_warm), base, median(t_json), "", extra)]


def query_calls(data: ScaleData) -> dict:
    prefectures = [c for c in data.regions if c.endswith("00") and c.startswith("43") and c != PROVINCE][:14]
    keys = [f"retail_sales|430000|annual|{y}" for y in range(2019, 2024)]
    calls = {
        "targets": lambda r: store.targets(r),
        "indicators": lambda r: store.indicators(r),
        "regions": lambda r: store.regions(r),
        "datasets": lambda r: store.datasets(r),
        "target_periods": lambda r: store.target_periods(r, DATASET),
        "series": lambda r: store.observations(r, DATASET, indicator_ids=["retail_sales"], region_codes=["430000"]),
        "prefecture_observations": lambda r: store.observations(
            r, DATASET, indicator_ids=["retail_sales", "population"], region_codes=[PROVINCE, *prefectures]),
        "provenance": lambda r: store.provenance(r, DATASET, keys),
        "facets": lambda r: store.observation_facets(r, DATASET),
        "find_observations": lambda r: store.find_observations(r, DATASET, limit=500),
        "history": lambda r: store.history(r, DATASET, "retail_sales", PROVINCE, "2023"),
        "import_log": lambda r: store.import_log(r, 100),
        "revisions": lambda r: store.revisions(r, DATASET, 100),
    }
    if hasattr(store, "observation_regions"):  # (absent from the code before this benchmark)
        calls["indicator_regions"] = lambda r: store.observation_regions(r, DATASET, "retail_sales")
    else:
        calls["indicator_all_regions"] = lambda r: store.observations(r, DATASET, indicator_ids=["retail_sales"])
    if hasattr(store, "assessment_observations"):
        ids = ["retail_sales", "trade_total", "gdp", "time_honoured_brands"]
        calls["assessment_observations"] = lambda r: store.assessment_observations(
            r, DATASET, ids, data.regions, windows={i: (2020, 2023) for i in ids})
    return calls


def fig_queries(data: ScaleData, repeat: int) -> list[Record]:
    records = []
    con = raw_connection(data.app_db)
    try:
        with CapturingReader(data.app_db) as reader:
            for name, call in query_calls(data).items():
                reader.captured = []
                call(reader)  # also warms both the file's pages and DuckDB's caches
                captured = list(reader.captured)
                replay(con, captured)
                # ours and raw alternate, so drift on a busy machine hits both; quick calls run more often
                t_ours, t_raw = [], []
                while len(t_ours) < repeat or (len(t_ours) < 50 and sum(t_ours) + sum(t_raw) < 0.5):
                    t_ours += timed(lambda: call(reader), 1)
                    t_raw += timed(lambda: replay(con, captured), 1)
                records.append(Record(f"query:{name}", data.name, data.rows, median(t_ours), "raw_sql_same_fetch",
                                      median(t_raw), extra={"runs": len(t_ours)}))
    finally:
        con.close()
    return records


@contextlib.contextmanager
def environment(**values):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _apptest_times(make, repeat: int, check=None) -> tuple[list[float], list[float], list[str]]:
    """(cold times, warm times, errors): cold = new session with empty caches; warm = reruns of it."""
    import streamlit as st

    cold, warm, errors = [], [], []
    for _ in range(repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = make()
        t = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - t)
        if at.exception:
            errors.append(str(at.exception[0].message)[:300])
        for _ in range(max(repeat, 3)):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
            if check and not check(at):
                errors.append("the rerun did not show what was asked (dataset or page lost)")
        if at.exception:
            errors.append(str(at.exception[0].message)[:300])
    return cold, warm, errors


@contextlib.contextmanager
def server_like_apptest():
    """Two ways AppTest runs differ from a server's reruns, undone for the measurement:

    * AppTest compiles app.py and the page anew on every run; the server compiles each script once.
      AppTest gets one script cache, as the server has.
    * AppTest forgets, before every run, that the app uses st.navigation (it resets
      PagesManager.uses_pages_directory), so with a `pages/` folder a rerun ran the page script
      alone — without app.py, its sidebar and its dataset choice (a warm rerun of the demo fell back
      to the official data). The server keeps it once the first session has been framed
      (ui.pages.require_app_frame); so does AppTest here.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    saved = app_test.ScriptCache, local_script_runner.ScriptCache, PagesManager.__init__
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    PagesManager.__init__ = init
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache, PagesManager.__init__ = saved
        PagesManager.uses_pages_directory = None


def fig_pages(data: ScaleData, repeat: int, pages: list[str]) -> list[Record]:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # clearing caches outside a server logs a warning each time

    records = []
    with environment(MONITOR_DB=data.app_db), server_like_apptest():
        for page in pages:
            script, params = PAGES[page]

            def make_ours(script=script, params=params):
                at = AppTest.from_file(str(APP), default_timeout=600)
                for k, v in {"dataset": DATASET, **params}.items():
                    at.query_params[k] = v
                at.switch_page(script)
                return at

            def make_bare(page=page):
                at = AppTest.from_file(str(BARE), default_timeout=600)
                at.query_params["page"] = page
                return at

            def still_demo(at):
                groups = [w for w in at.sidebar.get("button_group") if getattr(w, "key", None) == "dataset"]
                return bool(groups) and groups[0].value == DATASET

            cold, warm, errors = _apptest_times(make_ours, repeat, still_demo)
            b_cold, b_warm, _ = _apptest_times(make_bare, repeat)
            if errors:
                log(f"[{data.name}] page {page}: {errors[0]}")
            extra = {"errors": len(errors)} if errors else {}
            records.append(Record(f"page_cold:{page}", data.name, data.rows, median(cold), "bare_page", median(b_cold),
                                  "first run, empty caches", extra))
            records.append(Record(f"page_warm:{page}", data.name, data.rows, median(warm), "bare_page", median(b_warm),
                                  "rerun with caches", extra))
            log(f"[{data.name}] page {page}: cold {median(cold):.3f} s, warm {median(warm):.3f} s "
                f"(bare {median(b_cold):.3f} / {median(b_warm):.3f})")
    return records


# --------------------------------------------------------------------------- a real server, a real browser

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: Path, db: Path):
    port = free_port()
    env = {**os.environ, "MONITOR_DB": str(db)}
    env.pop("MONITOR_EDITOR_PASSWORD", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"streamlit did not start for {script}")
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def status_pattern():
    from monitor.i18n import t
    labels = "|".join(re.escape(t(f"status.{s}", "zh"))
                      for s in ("achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na"))
    return re.compile(f"({labels})$")


async def _visit(browser, url_paths: list[str], base: str, ready, timeout_ms: int) -> tuple[list[float], list[str]]:
    times, errors = [], []
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        for path in url_paths:
            t = time.perf_counter()
            try:
                await page.goto(base + path, wait_until="domcontentloaded", timeout=timeout_ms)
                await ready(page, path)
                times.append(time.perf_counter() - t)
            except Exception as exc:  # a timeout or a crash is an error of this session, not of the run
                errors.append(f"{path}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await context.close()
    return times, errors


async def _sessions(base: str, paths: list[str], n: int, ready, timeout_ms: int = 120_000):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            results = await asyncio.gather(*[_visit(browser, paths, base, ready, timeout_ms) for _ in range(n)])
        finally:
            await browser.close()
    times = [t for ts, _ in results for t in ts]
    errors = [e for _, es in results for e in es]
    return times, errors


def _ready_app(pattern):
    async def ready(page, path):
        if path.startswith("/data") or path.startswith("/method") or path.startswith("/prefectures"):
            await page.locator("h1").first.wait_for(timeout=120_000)
            await page.locator('[data-testid="stSidebar"]').first.wait_for(timeout=120_000)
        else:
            await page.get_by_text(pattern).first.wait_for(timeout=120_000)
        # nothing may be still running
        await page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    return ready


def _ready_bare(pattern):
    async def ready(page, path):
        await page.get_by_text(pattern).first.wait_for(timeout=120_000)
        await page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    return ready


# --------------------------------------------------------------------------- websocket clients (no browser)

async def _ws_session(base: str, visits: list[tuple[str, str, bool]], timeout_s: float = 300):
    """One session over Streamlit's websocket protocol: for each (page, query string, shows a status), rerun
    the script there and time until the first status badge arrives (or the run ends, for a page without
    statuses). Returns (times, errors)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    times, errors = [], []
    async with connect(base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                       max_size=None, open_timeout=timeout_s, ping_timeout=None) as ws:
        for page, query, expect_badge in visits:
            msg = BackMsg()
            msg.rerun_script.query_string = query
            msg.rerun_script.page_name = page
            started = time.perf_counter()
            await ws.send(msg.SerializeToString())
            badge, failure = None, None
            try:
                while True:
                    fm = ForwardMsg()
                    fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout_s))
                    kind = fm.WhichOneof("type")
                    if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                        element = fm.delta.new_element
                        which = element.WhichOneof("type")
                        if which == "markdown" and "-badge[" in element.markdown.body and badge is None:
                            badge = time.perf_counter() - started
                        elif which == "exception" and failure is None:
                            failure = f"exception: {element.exception.message[:200]}"
                    elif kind == "page_not_found":
                        failure = f"page not found: {page}"
                    elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        break
            except (asyncio.TimeoutError, OSError) as exc:
                failure = f"{type(exc).__name__} after {time.perf_counter() - started:.0f} s"
            if not failure and badge is None and expect_badge:
                failure = "no status label"
            if failure:
                errors.append(f"{page or 'overview'}: {failure}")
            else:
                times.append(badge if badge is not None else time.perf_counter() - started)
    return times, errors


async def _ws_sessions(base: str, visits: list[tuple[str, str]], n: int):
    results = await asyncio.gather(*[_ws_session(base, visits) for _ in range(n)], return_exceptions=True)
    times, errors = [], []
    for result in results:
        if isinstance(result, BaseException):
            errors.append(f"{type(result).__name__}: {result}")
        else:
            times += result[0]
            errors += result[1]
    return times, errors


def app_visits(all_pages: bool) -> list[tuple[str, str, bool]]:
    visits = [("", f"dataset={DATASET}", True),
              ("indicator", f"dataset={DATASET}&ind=retail_sales&region=430100", True)]
    if all_pages:
        visits += [("prefectures", f"dataset={DATASET}&ind=retail_sales", False), ("data", f"dataset={DATASET}", False),
                   ("method", f"dataset={DATASET}", True)]
    return visits


def bare_visits(all_pages: bool) -> list[tuple[str, str, bool]]:
    pages = list(PAGES) if all_pages else ["overview", "indicator"]
    return [("", f"page={p}", p != "data") for p in pages]


def app_paths(all_pages: bool) -> list[str]:
    paths = [f"/?dataset={DATASET}", f"/indicator?dataset={DATASET}&ind=retail_sales&region=430100"]
    if all_pages:
        paths += [f"/prefectures?dataset={DATASET}&ind=retail_sales", f"/data?dataset={DATASET}",
                  f"/method?dataset={DATASET}"]
    return paths


def bare_paths(all_pages: bool) -> list[str]:
    pages = list(PAGES) if all_pages else ["overview", "indicator"]
    return [f"/?page={p}" for p in pages]


def _load_record(figure, data, times, errors, b_times, b_errors, n, how, pid) -> Record:
    p95 = float(np.percentile(times, 95)) if times else None
    b_p95 = float(np.percentile(b_times, 95)) if b_times else None
    log(f"[{data.name}] {figure}: median {median(times) if times else float('nan'):.2f} s, "
        f"p95 {p95 or float('nan'):.2f} s, errors {len(errors)}" + (f" ({errors[0]})" if errors else "")
        + f"; bare {median(b_times) if b_times else float('nan'):.2f} s")
    return Record(figure, data.name, data.rows, median(times) if times else None, "bare_page",
                  median(b_times) if b_times else None,
                  f"{n} concurrent {how}, overview then indicator page; time until a status label shows",
                  {"p95_s": p95, "baseline_p95_s": b_p95, "errors": len(errors), "baseline_errors": len(b_errors),
                   "samples": len(times), "rss_mb": peak_rss_mb(pid)})


def fig_memory_and_load(data: ScaleData, do_memory: bool, do_load: bool, browser: bool,
                        sessions=LOAD_SESSIONS) -> list[Record]:
    """A real server per run: the memory after one session visits every page, then the load tests.

    Load: websocket clients speaking Streamlit's protocol (load_ws:<n>, the server's own latency) and,
    with `browser`, headless Chromium contexts in one browser (load:<n>, what a person waits for — on
    two cores the browsers' own rendering competes with the server)."""
    records = []
    with streamlit_server(APP, data.app_db) as (url, pid), streamlit_server(BARE, data.app_db) as (b_url, b_pid):
        t_app, e_app = asyncio.run(_ws_sessions(url, app_visits(True), 1))
        t_bare, e_bare = asyncio.run(_ws_sessions(b_url, bare_visits(True), 1))
        if e_app or e_bare:
            log(f"[{data.name}] page tour errors: {(e_app + e_bare)[:3]}")
        if do_memory:
            records.append(Record("memory", data.name, data.rows, None, "bare_page", None,
                                  "peak RSS (VmHWM) of the server after one session opened every page",
                                  {"ours_mb": peak_rss_mb(pid), "baseline_mb": peak_rss_mb(b_pid),
                                   "first_visit_s": sum(t_app), "errors": len(e_app)}))
            log(f"[{data.name}] memory: app {peak_rss_mb(pid):.0f} MB, bare {peak_rss_mb(b_pid):.0f} MB "
                f"(first tour {sum(t_app):.1f} s)")
        if do_load:
            for n in sessions:
                times, errors = asyncio.run(_ws_sessions(url, app_visits(False), n))
                b_times, b_errors = asyncio.run(_ws_sessions(b_url, bare_visits(False), n))
                records.append(_load_record(f"load_ws:{n}", data, times, errors, b_times, b_errors, n,
                                            "websocket sessions", pid))
            if browser:
                pattern = status_pattern()
                bare_pattern = re.compile("符合进度$")
                for n in sessions:
                    times, errors = asyncio.run(_sessions(url, app_paths(False), n, _ready_app(pattern)))
                    b_times, b_errors = asyncio.run(_sessions(b_url, bare_paths(False), n, _ready_bare(bare_pattern)))
                    records.append(_load_record(f"load:{n}", data, times, errors, b_times, b_errors, n,
                                                "headless-Chromium sessions", pid))
    return records


# --------------------------------------------------------------------------- report

def add_exponents(records: list[dict]) -> None:
    """Log-log slope of time against rows over the scales measured, per figure and baseline."""
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["figure"], r["baseline"]), []).append(r)
    for group in groups.values():
        points = [(r["rows"], r["ours_s"]) for r in group if r["ours_s"] and r["rows"] and r["scale"] != "T0"]
        exponent = None
        if len({p[0] for p in points}) >= 2:
            x = np.log([p[0] for p in points])
            y = np.log([p[1] for p in points])
            exponent = float(np.polyfit(x, y, 1)[0])
        for r in group:
            r["exponent"] = _round(exponent)


def fmt_s(v) -> str:
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:.0f} s"
    if v >= 1:
        return f"{v:.2f} s"
    return f"{v * 1000:.1f} ms" if v >= 0.001 else f"{v * 1e6:.0f} µs"


def cell(r: dict) -> str:
    if r["figure"] == "memory":
        return f"{r.get('ours_mb', 0):.0f} MB / {r.get('baseline_mb', 0):.0f} MB"
    text = f"{fmt_s(r['ours_s'])} / {fmt_s(r['baseline_s'])}"
    if r["speedup"] is not None:
        text += f" ×{r['speedup']:.3g}"
    if r["figure"].startswith("load"):
        text += f" p95 {fmt_s(r.get('p95_s'))} err {r.get('errors', 0)}"
    return text


def table(records: list[dict], markdown: bool = False) -> str:
    scales = [s for s in SCALES if any(r["scale"] == s for r in records)]
    rows_of = {s: next(r["rows"] for r in records if r["scale"] == s) for s in scales}
    keys = list(dict.fromkeys((r["figure"], r["baseline"]) for r in records))
    head = ["figure", "baseline"] + [f"{s} ({rows_of[s]:,} rows): ours / baseline ×speedup" for s in scales] + ["exp"]
    body = []
    for fig, base in keys:
        line = [fig, base]
        exponent = None
        for s in scales:
            hit = [r for r in records if r["figure"] == fig and r["baseline"] == base and r["scale"] == s]
            line.append(cell(hit[0]) if hit else "")
            exponent = hit[0].get("exponent") if hit else exponent
        line.append("" if exponent is None else f"{exponent:.2f}")
        body.append(line)
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(line) + " |" for line in body]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, h in enumerate(head)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in body]
    return "\n".join(out)


def goals(records: list[dict]) -> list[str]:
    def pick(fig, scale, base=None):
        return [r for r in records
                if r["figure"] == fig and r["scale"] == scale and (base is None or r["baseline"] == base)]

    lines = []
    naive = pick("bulk_load", "S2", "naive_read_csv_row_insert")
    floor = pick("bulk_load", "S2", "duckdb_read_csv_floor")
    if naive and floor:
        x_naive, ratio = naive[0]["speedup"], naive[0]["ours_s"] / floor[0]["baseline_s"]
        ok = x_naive >= 10 and ratio <= 2
        lines.append(f"Bulk load at S2: {x_naive:.1f}× faster than naive (goal ≥ 10×), {ratio:.2f}× DuckDB's "
                     f"read_csv floor (goal ≤ 2×) — {'met' if ok else 'NOT met'}")
    loop = pick("assess", "S3", "per_pair_pandas_loop")
    if loop:
        ok = loop[0]["speedup"] >= 20 and loop[0]["ours_s"] < 0.5
        lines.append(f"Assessment at S3: {loop[0]['speedup']:.0f}× faster than the per-pair loop (goal ≥ 20×), "
                     f"{fmt_s(loop[0]['ours_s'])} (goal < 0.5 s) — {'met' if ok else 'NOT met'}")
    warm2 = [r for r in pick_prefix(records, "page_warm:", "S2")]
    if warm2:
        worst = max(warm2, key=lambda r: r["ours_s"])
        ok = worst["ours_s"] < 0.15
        lines.append(f"Warm page reruns at S2: slowest {worst['figure'][10:]} {fmt_s(worst['ours_s'])} (goal < 150 ms) "
                     f"— {'met' if ok else 'NOT met'}")
    report = pick("report_warm", "S2")
    if report:
        ok = report[0]["ours_s"] < 3
        lines.append(f"Monitoring report (Word) of the province at S2, warm: {fmt_s(report[0]['ours_s'])} (goal < 3 s; "
                     f"cold {fmt_s(pick('report_cold', 'S2')[0]['ours_s'])}) — {'met' if ok else 'NOT met'}")
    warm1, warm3 = pick_prefix(records, "page_warm:", "S1"), pick_prefix(records, "page_warm:", "S3")
    if warm1 and warm3:
        ratios = {r["figure"][10:]: r["ours_s"] / next(x["ours_s"] for x in warm1 if x["figure"] == r["figure"])
                  for r in warm3 if any(x["figure"] == r["figure"] for x in warm1)}
        page, worst = max(ratios.items(), key=lambda kv: kv[1])
        lines.append(f"Warm page reruns S3 vs S1: worst {page} {worst:.2f}× (goal ≤ 2×) — "
                     f"{'met' if worst <= 2 else 'NOT met'}")
    for scale in SCALES:
        qs = pick_prefix(records, "query:", scale)
        if qs:
            worst = max(qs, key=lambda r: r["ours_s"] / r["baseline_s"] if r["baseline_s"] else 0)
            ratio = worst["ours_s"] / worst["baseline_s"]
            lines.append(f"Data-layer overhead at {scale}: worst {worst['figure'][6:]} {ratio:.2f}× raw SQL "
                         f"(goal ≤ 1.5×) — {'met' if ratio <= 1.5 else 'NOT met'}")
    return lines


def pick_prefix(records, prefix, scale):
    return [r for r in records if r["figure"].startswith(prefix) and r["scale"] == scale]


def machine() -> dict:
    import streamlit

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "ram_gb": round(mem / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "duckdb": duckdb.__version__, "streamlit": streamlit.__version__,
            "pandas": pd.__version__, "os": platform.platform()}


def write_readme(path: Path, records: list[dict], info: dict, command: str, seconds: float) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    block = "\n".join([
        start,
        f"Latest run: `{command}` on {time.strftime('%Y-%m-%d')}, {seconds / 60:.1f} minutes in all.",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gb']} GB RAM; Python {info['python']}, "
        f"DuckDB {info['duckdb']}, Streamlit {info['streamlit']}, pandas {info['pandas']}; {info['os']}.",
        "",
        "Each cell: ours / baseline, ×speedup = baseline ÷ ours (above 1: we are faster; below 1 against a "
        "floor: how far above it we are); `exp` = the log-log slope of our time against rows over the scales.",
        "",
        table(records, markdown=True),
        "",
        "Goals:",
        "",
        *[f"* {line}" for line in goals(records)],
        end,
    ])
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="S1 and S2 only, fewer repeats (under 5 minutes)")
    parser.add_argument("--scales", help="comma-separated, e.g. S1,S2,S3 (default S1,S2,S3; --quick: S1,S2)")
    parser.add_argument("--repeat", type=int, help="runs per figure, the median is reported (default 5; --quick 3)")
    parser.add_argument("--figures", help=f"comma-separated subset of {','.join(FIGURES)}")
    parser.add_argument("--pages", help=f"comma-separated subset of {','.join(PAGES)}")
    parser.add_argument("--no-load", action="store_true", help="skip the load tests")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None,
                        help="also run the load test in headless Chromium (default: yes, except with --quick)")
    parser.add_argument("--sessions", default=",".join(map(str, LOAD_SESSIONS)), help="load test session counts")
    parser.add_argument("--workers", default="1,2,4",
                        help="worker-process counts behind nginx for the workers figure (default 1,2,4)")
    parser.add_argument("--workers-scales", default="S1",
                        help="scales the workers figure runs at (default S1: page time is flat in rows, and each "
                             "scale costs ~7 minutes)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the datasets even if they are current")
    parser.add_argument("--work", type=Path, default=WORK, help="where datasets are built (default bench/work)")
    parser.add_argument("--out", type=Path, help="write results.json (and no README) here; default: bench/ for a "
                                                 "full run, else bench/work/partial/")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    scales = (args.scales or ("S1,S2" if args.quick else "S1,S2,S3")).split(",")
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {unknown}; choose from {list(SCALES)}")
    repeat = args.repeat or (3 if args.quick else 5)
    figures = args.figures.split(",") if args.figures else list(FIGURES)
    if args.no_load:
        figures = [f for f in figures if f not in ("load", "workers")]
    pages = args.pages.split(",") if args.pages else list(PAGES)
    sessions = tuple(int(n) for n in args.sessions.split(","))
    # Only a run of every scale replaces the documented results (bench/results.json and the README's
    # table); a quick or partial run writes beside the datasets, so it cannot erase the S3 figures.
    full = set(scales) == {"S1", "S2", "S3"} and set(figures) == set(FIGURES) and set(pages) == set(PAGES)
    out_dir = args.out or (BENCH if full else args.work / "partial")
    out_dir.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    tmp = args.work / "tmp"
    tmp.mkdir(exist_ok=True)

    records: list[Record] = []
    for name in scales:
        data = build_scale(name, args.work, args.rebuild)
        log(f"[{name}] {data.rows:,} rows, {len(data.regions):,} regions")
        t = time.perf_counter()
        if "bulk_load" in figures:
            records += fig_bulk_load(data, min(repeat, 3) if name == "S3" else repeat, tmp)
            log(f"[{name}] bulk_load done ({time.perf_counter() - t:.0f} s)")
        if "assess" in figures:
            records += fig_assess(data, repeat)
            log(f"[{name}] assess done ({time.perf_counter() - t:.0f} s)")
        if "queries" in figures:
            records += fig_queries(data, repeat)
            log(f"[{name}] queries done ({time.perf_counter() - t:.0f} s)")
        if "pages" in figures:
            records += fig_pages(data, repeat, pages)
            log(f"[{name}] pages done ({time.perf_counter() - t:.0f} s)")
        if "report" in figures:
            records += fig_report(data, repeat)
            log(f"[{name}] report done ({time.perf_counter() - t:.0f} s)")
        if "bomb" in figures:
            from bench.bombs import fig_bomb

            records += fig_bomb(data, repeat)
            log(f"[{name}] bomb done ({time.perf_counter() - t:.0f} s)")
        if "memory" in figures or "load" in figures:
            browser = args.browser if args.browser is not None else not args.quick
            records += fig_memory_and_load(data, "memory" in figures, "load" in figures, browser, sessions)
            log(f"[{name}] memory/load done ({time.perf_counter() - t:.0f} s)")
        if "workers" in figures and name in args.workers_scales.split(","):
            from bench.workers import fig_workers

            records += fig_workers(data, sessions, tuple(int(w) for w in args.workers.split(",")), tmp / "nginx")
            log(f"[{name}] workers behind nginx done ({time.perf_counter() - t:.0f} s)")

    out = [r.as_dict() for r in records]
    add_exponents(out)
    (out_dir / "results.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    print(table(out))
    print()
    for line in goals(out):
        print(line)
    print(f"\n{len(out)} records in {out_dir / 'results.json'}; {seconds / 60:.1f} minutes.")
    if args.out is None and full:
        command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_readme(BENCH / "README.md", out, machine(), command.strip(), seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
