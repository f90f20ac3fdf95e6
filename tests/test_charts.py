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


# --- thin data, one bar per year, print-ready PNGs (issue 11, item 7) ---------------------------------------

from monitor import series  # noqa: E402
from monitor.i18n import t  # noqa: E402


def layer_rows(spec, layer):
    """The data rows a layer draws (its named dataset, or the top-level one)."""
    name = layer.get("data", spec.get("data", {})).get("name")
    return spec["datasets"][name]


def brands_chart(lang="zh"):
    """老字号 as bundled: counts for 2018 and 2024 only, the 240 target in 2023."""
    observed = pd.DataFrame({"year": [2018, 2024], "value": [116.0, 275.0],
                             "source": ["红网 2018-10-19", "长沙晚报 12月17日转载"],
                             "source_url": ["https://hn.rednet.cn/content/2018/10/19/x.html",
                                            "https://www.yuhaojiang.com/x.html"]})
    return charts.build_series_chart(observed, pd.DataFrame(columns=["year", "value", "series"]), target_year=2023,
                                     target_value=240, unit="家", lang=lang, title="全省老字号数量突破240家")


def test_no_line_is_drawn_across_a_missing_year():
    observed = pd.DataFrame({"year": [2018, 2019, 2022, 2023], "value": [1.0, 2.0, 5.0, 6.0]})
    spec = charts.build_series_chart(observed, pd.DataFrame(columns=["year", "value", "series"]), target_year=None,
                                     target_value=None, unit="亿元").to_dict()
    lines = [layer for layer in spec["layer"] if layer["mark"]["type"] == "line"]
    assert lines, "the observed series is a line layer"
    for layer in lines:
        detail = layer["encoding"]["detail"]["field"]
        groups = {}
        for row in layer_rows(spec, layer):
            groups.setdefault((row["label"], row[detail]), []).append(row["year"])
        for years in groups.values():
            assert sorted(years) == list(range(min(years), max(years) + 1)), f"a line spans a gap: {years}"
    # 2018–2019 and 2022–2023: two runs, and the missing 2020–2021 is a band labelled 数据缺失
    assert {row["run"] for row in layer_rows(spec, lines[0])} == {"observed0", "observed1"}
    band = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"]
    assert [row["year"] for row in layer_rows(spec, band[0])] == [2020, 2021]
    texts = [row["label"] for layer in spec["layer"] if layer["mark"]["type"] == "text"
             for row in layer_rows(spec, layer)]
    assert "数据缺失" in texts


def test_the_brands_series_is_two_points_with_the_gap_labelled_in_both_languages():
    for lang, words in (("zh", "数据缺失"), ("en", "data missing")):
        spec = brands_chart(lang).to_dict()
        band = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
        assert [row["year"] for row in layer_rows(spec, band)] == [2019, 2020, 2021, 2022, 2023]
        assert {row["label"] for row in layer_rows(spec, band)} == {words}
        line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
        assert {row["run"] for row in layer_rows(spec, line)} == {"observed0", "observed1"}  # two lone points


def test_series_years_are_ordinal_integers_with_every_year_on_the_axis():
    spec = brands_chart().to_dict()
    for layer in spec["layer"]:
        x = layer["encoding"]["x"]
        assert x["field"] == "year" and x["type"] == "ordinal"
        assert x["scale"]["domain"] == list(range(2018, 2025))
        assert x["axis"]["labelFlush"] is False  # the first label under its point, not pushed inside the plot
        assert all(isinstance(row["year"], int) for row in layer_rows(spec, layer))


def test_growth_chart_has_one_whole_bar_per_year_on_an_ordinal_axis():
    rates = pd.DataFrame({"year": [2020, 2021, 2022], "yoy_pct": [-2.6, 14.4, 2.4],
                          "status": [None, None, "preliminary"]})
    spec = charts.build_growth_chart(rates, target_rate=7.5, lang="zh").to_dict()
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar" and "size" not in bars["mark"]  # band width, not a fixed size cut at the edge
    x = bars["encoding"]["x"]
    assert x["type"] == "ordinal" and x["field"] == "year" and x["scale"]["domain"] == [2020, 2021, 2022]
    years = [row["year"] for row in layer_rows(spec, bars)]
    assert years == [2020, 2021, 2022] and all(isinstance(y, int) for y in years)
    assert "format" not in x.get("axis", {})  # labels are the years themselves: no "2021 2021" from rounding


def test_an_indicator_without_data_gets_a_sentence_not_a_chart():
    empty = pd.DataFrame(columns=["year", "value"])
    assert charts.nothing_to_draw(empty)
    assert charts.nothing_to_draw(pd.DataFrame({"year": [2021], "value": [None]}))
    assert charts.empty_note(empty, "zh") == t("chart.note.no_data", "zh") == "暂无该指标的数据，无法绘图。"
    assert charts.empty_note(empty, "en") == "No data for this indicator yet: nothing to chart."
    assert charts.empty_note(pd.DataFrame({"year": [2021], "value": [3.0]}), "zh") is None
    rates = pd.DataFrame({"year": [2021], "yoy_pct": [14.4]})
    assert charts.empty_note(rates, "zh", "yoy_pct") is None and charts.nothing_to_draw(rates)  # no "value" column


def test_the_legend_names_only_the_series_drawn_and_shows_lines_not_blobs():
    spec = brands_chart().to_dict()
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    colour = line["encoding"]["color"]
    assert colour["scale"]["domain"] == ["实际"]  # no path, no projection: no legend entries for them
    assert colour["legend"]["symbolType"] == "stroke"
    assert level_chart().to_dict()["layer"][-3]["encoding"]["color"]["scale"]["domain"] == ["实际", "目标路径"]


def test_the_target_label_sits_inside_the_plot_beside_the_diamond():
    spec = brands_chart().to_dict()
    label = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text"
                 and any(row.get("label") == "目标" for row in layer_rows(spec, layer)))
    assert label["mark"]["align"] == "right" and label["mark"]["dx"] < 0  # left of the last year's diamond


def test_png_download_is_landscape_at_least_1600_px_wide_with_title_unit_and_source():
    chart = brands_chart()
    png = charts.chart_png(chart)
    width, height = charts.png_size(png)
    assert width >= 1600 and width > height
    assert 1.2 <= width / height <= 1.7  # near A4 landscape (297/210 = 1.41)
    spec = charts.print_spec(chart)
    assert spec["title"]["text"] == "全省老字号数量突破240家" and spec["title"]["subtitle"] == "单位：家"
    note = spec["vconcat"][1]["data"]["values"][0]["note"]
    assert note.startswith("数据来源：2018：红网 2018-10-19（新闻报道）")
    assert "2024：长沙晚报 12月17日转载（二手汇编）" in note
    english = charts.print_spec(brands_chart("en"), lang="en")
    assert english["title"]["subtitle"] == "Unit: 家"
    assert english["vconcat"][1]["data"]["values"][0]["note"].startswith("Source: 2018: 红网 2018-10-19 (News report)")
    # legends above the plot: below it they would fall under the footnote
    line = next(layer for layer in spec["vconcat"][0]["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["color"]["legend"]["orient"] == "top"


def test_png_size_reads_the_header():
    png = charts.chart_png(level_chart(), scale=1)
    width, height = charts.png_size(png)
    assert width >= 800 and width > height  # the print width at 1×
    import pytest
    with pytest.raises(ValueError):
        charts.png_size(b"GIF89a" + b"\0" * 30)


def test_map_legend_labels_are_whole_numbers_for_large_values_and_regions_without_data_are_grey():
    assert charts.legend_format([2000.0, 30000.0]) == ",.0f"
    assert charts.legend_format([1.2, 7.5]) == ".1f"
    assert charts.legend_format([0.12, 0.5]) == ".2f"
    from monitor.geo import prefecture_shapes
    shapes = prefecture_shapes()
    values = pd.DataFrame({"adcode": ["430100", "430200"], "name": ["长沙市", "株洲市"], "measure": [30000.0, None]})
    spec = charts.build_choropleth(shapes, values, measure_title="亿元").to_dict()
    colour = spec["encoding"]["color"]
    assert colour["legend"]["format"] == ",.0f" and colour["legend"]["direction"] == "horizontal"
    assert spec["mark"]["invalid"] == "show" and spec["config"]["scale"]["invalid"]["color"] == {"value": "#d9d9d9"}


def test_runs_and_gaps_of_years():
    assert series.runs([2020, 2021, 2024]) == [0, 0, 1]
    assert series.runs([2018, 2024]) == [0, 1]
    assert series.runs([]) == []
    assert series.gaps([2018, 2024]) == [(2019, 2023)]
    assert series.gaps([2020, 2021, 2023, 2025]) == [(2022, 2022), (2024, 2024)]
    assert series.gaps([2021]) == []


def test_a_single_value_gets_a_readable_axis_not_one_tick():
    """One observed figure and no target: the value axis spans ±10 % around it (was one tick, "14.000000")."""
    observed = pd.DataFrame({"year": [2023], "value": [14.0]})
    spec = charts.build_series_chart(observed, pd.DataFrame(columns=["year", "value", "series"]), target_year=None,
                                     target_value=None, unit="%").to_dict()
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["y"]["scale"]["domain"] == [12.6, 15.4]
    assert "domain" not in level_chart().to_dict()["layer"][0]["encoding"]["y"]["scale"]


# --- the indicator page (AppTest) ----------------------------------------------------------------------------

def _indicator_page(db_path, monkeypatch, **query):
    from tests.test_app import app_for

    at = app_for(db_path, monkeypatch)(**query)
    at.switch_page("pages/indicator.py").run()
    assert not at.exception, at.exception
    return at


def test_indicator_page_shows_a_sentence_not_a_chart_for_an_indicator_without_data(db_path, monkeypatch):
    """Trade in services (one target) has no bundled figure: no chart at all, the catalog sentence once.
    (Imports were the example until the second research round bundled their figures.)"""
    at = _indicator_page(db_path, monkeypatch, ind="service_trade", region="430000")
    assert at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart") == []
    notes = [i.value for i in at.info if i.value == t("chart.note.no_data", "zh")]
    assert len(notes) == 1


def test_indicator_page_filters_to_first_hand_sources(db_path, monkeypatch):
    """Hunan GDP: 2019–2024 from news, mirrors, the bureau's own 2023 release and its 2024 repost of a radio report;
    仅显示一手来源 keeps 2023 alone."""
    at = _indicator_page(db_path, monkeypatch, ind="gdp", region="430000")
    column = t("source_class.column", "zh")
    table = next(d.value for d in at.dataframe if column in d.value.columns)
    assert set(table[column]) == {"新闻报道", "二手汇编", "官方发布", "官方转载"}
    at.toggle(key="first_hand").set_value(True).run()
    table = next(d.value for d in at.dataframe if column in d.value.columns)
    assert table[t("prov.period", "zh")].tolist() == ["2023"] and table[column].tolist() == ["官方发布"]


def test_the_reason_a_target_cannot_be_assessed_is_printed_once(db_path, monkeypatch):
    """老字号 on the bundled data: 数据不足, its reason inside the sentence, not repeated in a box below it."""
    at = _indicator_page(db_path, monkeypatch, ind="time_honoured_brands", region="430000")
    reason = "缺少2020年基期值"
    shown = [str(el.value) for el in list(at.markdown) + list(at.info)]
    assert sum(text.count(reason) for text in shown) == 1


def test_small_multiples_and_comparison_keep_time_order_and_break_lines_at_gaps():
    """长沙 has 2015, 2016 and 2018 (no 2017); 株洲 only 2018 and 2016, listed first and out of order."""
    frame = pd.DataFrame({"name": ["株洲", "株洲", "长沙", "长沙", "长沙"], "x": ["2018", "2016", "2018", "2015", "2016"],
                          "value": [5.0, 4.0, 3.0, 1.0, 2.0]})
    spec = charts.build_small_multiples(frame, order=["长沙", "株洲"]).to_dict()
    line = spec["spec"]["layer"][0]
    assert line["encoding"]["x"]["sort"] == "ascending"
    rows = spec["datasets"][spec["data"]["name"]]
    runs = {}
    for row in rows:
        runs.setdefault(row["run"], []).append(int(row["x"]))
    assert {k: sorted(v) for k, v in runs.items()} == {"长沙#0": [2015, 2016], "长沙#1": [2018],
                                                       "株洲#0": [2016], "株洲#1": [2018]}
    comparison = charts.build_comparison_chart(frame, measure_title="%").to_dict()
    layer = comparison["layer"][0]
    assert layer["encoding"]["x"]["sort"] == "ascending" and layer["encoding"]["detail"]["field"] == "run"
