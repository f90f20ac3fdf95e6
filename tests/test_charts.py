"""Chart specs carry the observed series, the target path and the CJK font; PNG export renders Chinese."""

import pandas as pd

from monitor import charts


def level_chart(lang="zh"):
    observed = pd.DataFrame({"year": [2020, 2021], "value": [16258.1, 18596.85]})
    path = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "value": [16258.1, 17420.3, 18665.6, 20000.0],
                         "series": ["path"] * 4})
    return charts.build_series_chart(observed, path, target_year=2023, target_value=20000, unit="亿元", lang=lang,
                                     title="社会消费品零售总额")


def test_series_chart_spec_has_observed_path_and_target():
    spec = level_chart().to_dict()
    assert spec["config"]["font"].startswith("WenQuanYi Micro Hei")
    values = [row for ds in spec["datasets"].values() for row in ds]
    labels = {row.get("label") for row in values}
    assert {"实际", "目标路径", "目标"} <= labels
    dash = spec["layer"][0]["encoding"]["strokeDash"]
    assert dash["field"] == "label"


def test_english_labels():
    values = [row for ds in level_chart("en").to_dict()["datasets"].values() for row in ds]
    assert {"Observed", "Target path"} <= {row.get("label") for row in values}


def test_png_export_renders():
    png = charts.chart_png(level_chart(), scale=1)
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_growth_and_ytd_charts_build():
    rates = pd.DataFrame({"year": [2021, 2022], "yoy_pct": [14.4, 2.4], "status": [None, "preliminary"]})
    spec = charts.build_growth_chart(rates, target_rate=7.5, lang="zh").to_dict()
    assert any(row.get("rate") == 7.5 for ds in spec["datasets"].values() for row in ds)
    ytd = pd.DataFrame({"year": [2021], "month": [9], "completion": [0.765], "time_share": [0.75]})
    assert charts.build_ytd_chart(ytd).to_dict()["layer"]


def test_a_chart_is_built_once_per_content():
    """Builders give the same chart object back for equal arguments (reruns reuse it), a new one otherwise."""
    frame = pd.DataFrame({"name": ["长沙", "长沙"], "x": ["2021", "2022"], "value": [1.0, 2.0]})
    first = charts.build_small_multiples(frame, order=["长沙"], yardstick=7.5)
    assert charts.build_small_multiples(frame.copy(), order=["长沙"], yardstick=7.5) is first
    assert charts.build_small_multiples(frame.assign(value=[1.0, 2.5]), order=["长沙"], yardstick=7.5) is not first
    assert charts.build_small_multiples(frame, order=["长沙"], yardstick=7.5, shared_scale=True) is not first
    assert charts.build_small_multiples(frame, order=["长沙"], yardstick=None) is not first


def test_small_multiples_are_one_grid_of_fixed_size_panels_in_the_given_order():
    frame = pd.DataFrame({"name": ["株洲", "长沙", "长沙"], "x": ["2021", "2021", "2022"], "value": [3.0, 1.0, 2.0]})
    spec = charts.build_small_multiples(frame, order=["长沙", "株洲"], yardstick=7.5).to_dict()
    assert spec["columns"] == 4
    assert spec["facet"]["field"] == "name" and spec["facet"]["sort"] == ["长沙", "株洲"]
    assert spec["spec"]["width"] == 200 and spec["spec"]["height"] == 110
    assert spec["resolve"]["scale"]["y"] == "independent"
    rule = [layer for layer in spec["spec"]["layer"] if layer["mark"]["type"] == "rule"]
    assert rule and rule[0]["encoding"]["y"]["datum"] == 7.5
    shared = charts.build_small_multiples(frame, order=["长沙", "株洲"], shared_scale=True).to_dict()
    assert "resolve" not in shared
    assert len(shared["spec"]["layer"]) == 1  # no yardstick, no rule
