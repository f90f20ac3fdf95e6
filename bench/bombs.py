"""Workbook bombs and viewers (`bench/run.py --figures bomb`; issue 16 item 10): how fast an upload of a
10-million-cell workbook is refused, what a viewer's page takes meanwhile, and what reading workbooks in a child
process (monitor/parse_worker.py) costs a normal small upload.

Records (each against a baseline measured in the same run):

* **bomb_refusal:<bomb>** — `import_flow.preview` (the data page's path) of a bomb, until it is refused, vs a
  preview of a 20-row workbook. Bombs: `10M_cells` (10,000 rows × 1,000 cells, 315 KB: refused from the zip
  directory, its XML inflates to 150 MB), `declared_grid` (a sheet declaring A1:XFD1048576: refused in the
  child when openpyxl opens it), `far_cells` (1,000 rows with one cell in column XFD: 16 million cells once
  expanded, refused in the child while streaming).
* **viewer_during_bomb:overview** — warm reruns of the overview in AppTest while another thread uploads the
  far-cells bomb over and over, vs the same reruns with nothing else running (`idle`).
* **viewer_during_heavy:overview** — warm reruns of the overview while a workbook inside every bound
  (`HEAVY_ROWS` long-format rows) is read in the child process, vs while it is read in a thread of the same
  process (`in_process`: how reading worked before, holding the interpreter lock the page needs).
* **small_read:xlsx** — reading a 20-row workbook alone (`readers.workbook_rows`) in the child vs in process:
  the child's round trip (fork, pickling both ways, the socket).
* **small_preview:xlsx** — preview of a 20-row workbook through the child process vs read in process
  (`in_process`); `small_preview:wide_csv` the same for a small wide CSV (also read in the child);
  `small_preview:csv` — a 20-row long CSV (never sent to the child) against the workbook's baseline.

The helper process is started (and its start timed: `helper_start_s`) before anything is measured; the data page
starts it when an editor opens the import section.
"""

from __future__ import annotations

import contextlib
import threading
import time

HEAVY_ROWS = 40_000
SMALL_ROWS = 20


@contextlib.contextmanager
def in_process():
    """Workbooks read in this process, as before the child process (the baseline)."""
    from monitor import parse_worker

    saved = parse_worker.run
    parse_worker.run = lambda function, *args, seconds, memory_mb: function(*args)  # type: ignore[assignment]
    try:
        yield
    finally:
        parse_worker.run = saved  # type: ignore[assignment]


def bombs() -> dict[str, bytes]:
    from tests.test_workbook_bombs import HEADER_ROW, sheet, workbook

    dense = "".join("<row>" + "<c><v>1</v></c>" * 1000 + "</row>" for _ in range(10_000))
    far = HEADER_ROW + "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(2, 1002))
    return {"10M_cells": workbook(sheet(dense)), "declared_grid": workbook(sheet(HEADER_ROW, "A1:XFD1048576")),
            "far_cells": workbook(sheet(far))}


def fig_bomb(data, repeat: int) -> list:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    from bench import run as r
    from monitor import import_flow, parse_worker, readers
    from monitor.db import Reader
    from monitor.registry import Lookup
    from tests.test_workbook_bombs import long_workbook

    set_log_level("error")
    records = []
    t = time.perf_counter()
    parse_worker.warm()
    parse_worker._current_helper().wait_ready()
    helper_start = time.perf_counter() - t
    r.log(f"[{data.name}] bomb: helper process ready in {helper_start:.2f} s")

    def preview(name: str, payload: bytes, **options):
        with Reader(data.app_db) as reader:
            return import_flow.preview(reader, import_flow.ImportRequest.make(name, payload, options=options))

    small_xlsx = long_workbook(SMALL_ROWS)
    small_csv = ("indicator,region,period,value,unit,source\n" + "".join(
        f"retail_sales,长沙市,{2000 + i},{i}.5,亿元,湖南省统计局\n" for i in range(SMALL_ROWS))).encode()
    runs = max(repeat, 5)
    small_worker = r.timed(lambda: preview("small.xlsx", small_xlsx), runs)
    with in_process():
        small_inline = r.timed(lambda: preview("small.xlsx", small_xlsx), runs)
    small_csv_times = r.timed(lambda: preview("small.csv", small_csv), runs)
    small_wide = ("地区,2024年1-6月,2024年1-7月\n" + "".join(f"{region},{i}.5,{i}.6\n" for i, region in enumerate(
        ("长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "张家界市", "益阳市", "郴州市")))).encode()
    wide_options = {"indicator": "retail_sales", "source": "湖南省统计局", "unit": "亿元"}
    wide_worker = r.timed(lambda: preview("small_wide.csv", small_wide, **wide_options), runs)
    with in_process():
        wide_inline = r.timed(lambda: preview("small_wide.csv", small_wide, **wide_options), runs)
    extra = {"helper_start_s": helper_start}
    read_args = (small_xlsx, readers.Report("small.xlsx"), "auto", readers.Options(), Lookup(), readers.MAX_WORKBOOK_CELLS)
    read_child, read_inline = [], []
    for _ in range(4 * runs):  # alternating, so both see the same load
        read_child += r.timed(lambda: parse_worker.run(readers.workbook_rows, *read_args, seconds=60, memory_mb=1536), 1)
        read_inline += r.timed(lambda: readers.workbook_rows(*read_args), 1)
    records.append(r.Record("small_read:xlsx", data.name, SMALL_ROWS, r.median(read_child), "in_process",
                            r.median(read_inline), "the 20-row workbook's read alone: the child's round trip", dict(extra)))
    r.log(f"[{data.name}] small workbook read: {r.median(read_child) * 1000:.1f} ms in the child, "
          f"{r.median(read_inline) * 1000:.1f} ms in process")
    records.append(r.Record("small_preview:xlsx", data.name, SMALL_ROWS, r.median(small_worker), "in_process",
                            r.median(small_inline), "20-row workbook, read in the child process", dict(extra)))
    records.append(r.Record("small_preview:csv", data.name, SMALL_ROWS, r.median(small_csv_times), "in_process",
                            r.median(small_inline), "20-row CSV (DuckDB, in process) vs the 20-row workbook in process"))
    records.append(r.Record("small_preview:wide_csv", data.name, SMALL_ROWS, r.median(wide_worker), "in_process",
                            r.median(wide_inline), "10-row wide CSV (20 cells), read in the child process"))
    r.log(f"[{data.name}] small wide CSV preview: {r.median(wide_worker) * 1000:.0f} ms in the child, "
          f"{r.median(wide_inline) * 1000:.0f} ms in process")
    r.log(f"[{data.name}] small preview: xlsx {r.median(small_worker) * 1000:.0f} ms in the child, "
          f"{r.median(small_inline) * 1000:.0f} ms in process; csv {r.median(small_csv_times) * 1000:.0f} ms")

    for name, payload in bombs().items():
        codes: list[str] = []

        def refuse(name=name, payload=payload, codes=codes):
            shown = preview(f"{name}.xlsx", payload)
            codes[:] = [p.code for p in shown.plan.errors]
        times = r.timed(refuse, runs)
        records.append(r.Record(f"bomb_refusal:{name}", data.name, 0, r.median(times), "small_xlsx_preview",
                                r.median(small_worker), f"{len(payload):,} bytes; refused with {','.join(codes)}",
                                {"max_s": max(times), "refused": codes == ["workbook_too_large"]}))
        r.log(f"[{data.name}] bomb {name} ({len(payload):,} bytes): refused in {r.median(times):.3f} s "
              f"(max {max(times):.3f}), {codes}")

    def viewer_times(load=None) -> list[float]:
        """Warm reruns of the overview while `load()` runs over and over in another thread."""
        with r.environment(MONITOR_DB=data.app_db), r.server_like_apptest():
            at = AppTest.from_file(str(r.APP), default_timeout=600)
            at.query_params["dataset"] = r.DATASET
            at.run()
            stop = threading.Event()

            def loop():
                while not stop.is_set():
                    load()
            thread = threading.Thread(target=loop, daemon=True) if load else None
            if thread:
                thread.start()
                time.sleep(0.2)
            try:
                times = r.timed(at.run, max(repeat, 5))
            finally:
                stop.set()
                if thread:
                    thread.join()
            assert not at.exception, at.exception
            return times

    far = bombs()["far_cells"]
    idle = viewer_times()
    during = viewer_times(lambda: preview("far_cells.xlsx", far))
    records.append(r.Record("viewer_during_bomb:overview", data.name, data.rows, r.median(during), "idle",
                            r.median(idle), "warm reruns while the far-cells bomb is uploaded over and over",
                            {"max_s": max(during)}))
    r.log(f"[{data.name}] overview during bomb uploads {r.median(during):.3f} s (max {max(during):.3f}), "
          f"idle {r.median(idle):.3f} s")

    heavy = long_workbook(HEAVY_ROWS)
    during_worker = viewer_times(lambda: preview("heavy.xlsx", heavy))
    with in_process():
        during_inline = viewer_times(lambda: preview("heavy.xlsx", heavy))
    records.append(r.Record("viewer_during_heavy:overview", data.name, data.rows, r.median(during_worker),
                            "in_process", r.median(during_inline),
                            f"warm reruns while a {HEAVY_ROWS:,}-row workbook is read", {"max_s": max(during_worker)}))
    r.log(f"[{data.name}] overview during a {HEAVY_ROWS:,}-row workbook: {r.median(during_worker):.3f} s with the child "
          f"process, {r.median(during_inline):.3f} s read in process")
    return records
