"""The benchmark's machinery on a toy scale: it runs, and results.json has the documented shape.

No timing is asserted here — speed lives in bench/ (python bench/run.py).
"""

import json

from bench import run as bench_run

KEYS = {"figure", "scale", "rows", "ours_s", "baseline", "baseline_s", "speedup"}


def test_benchmark_runs_on_a_toy_scale_and_writes_well_formed_records(tmp_path, capsys):
    documented = [bench_run.BENCH / name for name in ("results.json", "README.md")]
    before = [p.read_bytes() if p.exists() else None for p in documented]
    assert bench_run.main(["--scales", "T0", "--repeat", "1", "--figures", "bulk_load,assess,queries,pages",
                           "--pages", "overview", "--work", str(tmp_path / "work")]) == 0
    # a partial run writes beside its datasets and leaves the documented full-run results alone
    assert [p.read_bytes() if p.exists() else None for p in documented] == before
    records = json.loads((tmp_path / "work" / "partial" / "results.json").read_text(encoding="utf-8"))
    assert records and all(KEYS <= set(r) for r in records)
    figures = {r["figure"] for r in records}
    assert {"bulk_load", "assess", "page_cold:overview", "page_warm:overview"} <= figures
    assert any(f.startswith("query:") for f in figures)
    for r in records:
        assert r["scale"] == "T0" and r["rows"] > 100
        assert isinstance(r["baseline"], str) and r["baseline"]
        assert r["ours_s"] > 0 and r["baseline_s"] > 0
        assert abs(r["speedup"] - r["baseline_s"] / r["ours_s"]) <= 1e-3 * r["speedup"]
        assert not r.get("errors")
    assert {r["baseline"] for r in records if r["figure"] == "bulk_load"} == {"naive_read_csv_row_insert",
                                                                              "duckdb_read_csv_floor"}
    assert "bulk_load" in capsys.readouterr().out  # the table was printed
