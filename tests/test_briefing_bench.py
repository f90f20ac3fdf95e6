"""The benchmark's report figure on a toy scale: it runs and records cold and warm builds beside `assess --json`.

No timing is asserted (speed lives in bench/: python bench/run.py --figures report).
"""

import json

from bench import run as bench_run


def test_the_report_figure_runs_on_a_toy_scale(tmp_path, capsys):
    assert bench_run.main(["--scales", "T0", "--repeat", "1", "--figures", "report",
                           "--work", str(tmp_path / "work")]) == 0
    records = json.loads((tmp_path / "work" / "partial" / "results.json").read_text(encoding="utf-8"))
    assert [r["figure"] for r in records] == ["report_cold", "report_warm"]
    for r in records:
        assert r["scale"] == "T0" and r["baseline"] == "assess_json_same_view"
        assert r["ours_s"] > 0 and r["baseline_s"] > 0
        assert r["targets"] >= 45 and r["docx_bytes"] > 50_000  # every target of both plans, and the charts' pictures
    assert "report_warm" in capsys.readouterr().out
