"""The Streamlit app through app.py, in AppTest: every page renders; statuses, language, deep links, charts."""

import json
import re

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor.i18n import t
from tests.conftest import PROJECT_ROOT
from ui.pages import PAGES

APP = str(PROJECT_ROOT / "app.py")
PREFECTURE_CODES = {"430100", "430200", "430300", "430400", "430500", "430600", "430700", "430800", "430900",
                    "431000", "431100", "431200", "431300", "433100"}
STATUS_KEYS = ("achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na")


def app_for(db, monkeypatch):
    """A factory of AppTests on `db`, with fresh Streamlit caches and optional URL parameters."""
    monkeypatch.setenv("MONITOR_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(**query):
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in query.items():
            at.query_params[key] = value
        return at
    return make


@pytest.fixture
def app(db_path, monkeypatch):
    return app_for(db_path, monkeypatch)


BADGE = re.compile(r":[a-z]+-badge\[(?::material/[a-z_]+: )?([^\]]+)\]")


def all_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


def badges(at) -> list[str]:
    """Labels of st.badge elements (markdown of the form :green-badge[:material/icon: label])."""
    return [m.group(1) for el in at.markdown for m in BADGE.finditer(str(el.value))]


def test_no_page_is_listed_twice():
    paths = [p[1] for p in PAGES]
    urls = [p[0] for p in PAGES]
    assert len(set(paths)) == len(paths) and len(set(urls)) == len(urls)
    assert sum(1 for p in PAGES if p[3]) == 1
    on_disk = {f"pages/{f.name}" for f in (PROJECT_ROOT / "pages").glob("*.py")}
    assert set(paths) == on_disk  # every page file is registered, none twice


@pytest.mark.parametrize("page", [p[1] for p in PAGES])
def test_every_page_renders_without_exception(app, page):
    at = app().run()
    assert not at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception


def test_overview_lists_every_target_with_a_status(app, template_db):
    from monitor import store
    from monitor.db import Reader
    at = app().run()
    assert not at.exception
    with Reader(template_db) as reader:
        targets = store.targets(reader)
    table = at.dataframe[0].value
    numeric = targets[targets.target_type != "no_numeric_target"]
    # issue 11: codes come after names, under a localized header
    assert table.columns[0] == t("table.target", "zh") and table.columns[-1] == t("table.target_id", "zh")
    assert set(table[t("table.target_id", "zh")]) == set(numeric.id)
    labels = {t(f"status.{s}", "zh") for s in STATUS_KEYS}
    assert set(table[t("table.status", "zh")]) <= labels
    assert set(badges(at)) & labels
    text = all_text(at)
    for quote in targets[targets.target_type == "no_numeric_target"].quote_zh:
        assert quote in text  # aims without a number are listed, with the plan's words


def test_switching_to_english_changes_the_labels(app):
    at = app().run()
    assert at.title[0].value == t("app.title", "zh")
    at.sidebar.button_group(key="lang").set_value("en").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="asof").label == t("sidebar.asof", "en")  # the frame is drawn again, in English
    assert at.title[0].value == t("app.title", "en")
    english = {t(f"status.{s}", "en") for s in STATUS_KEYS}
    assert set(badges(at)) & english
    assert not set(badges(at)) & {t(f"status.{s}", "zh") for s in STATUS_KEYS}


def test_language_from_the_url(app):
    at = app(lang="en").run()
    assert at.title[0].value == t("app.title", "en")


def test_deep_link_opens_indicator_and_region(app):
    at = app(ind="gdp", region="430100")
    at.switch_page("pages/indicator.py").run()  # the link opens the page directly
    assert not at.exception
    assert at.selectbox(key="ind").value == "gdp"
    assert at.selectbox(key="region").value == "430100"
    assert any("13270.7" in str(v) or 13270.7 in list(v) for v in at.dataframe[-1].value.to_dict("list").values())


def test_indicator_chart_spec_has_observed_series_and_target_path(app):
    at = app(ind="retail_sales", region="430000").run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    charts = at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
    assert charts, "no chart rendered"
    # Streamlit ships chart data as Arrow datasets beside the Vega-Lite spec.
    data = pd.concat([pa.ipc.open_stream(ds.data.data).read_all().to_pandas()
                      for el in charts for ds in el.proto.datasets])
    observed = data[data.get("label") == "实际"]
    assert set(observed.year) >= {2020, 2021}
    assert set(observed.value) >= {16258.1, 18596.85}
    assert (data.get("label") == "目标路径").any()
    spec = json.loads(charts[0].proto.spec)
    assert "strokeDash" in json.dumps(spec)  # the path is drawn dashed


@pytest.mark.parametrize("measure", ["level", "growth", "share", "per_capita", "contribution"])
def test_prefectures_page_renders_for_each_measure(app, measure):
    at = app(ind="retail_sales", measure=measure).run()
    at.switch_page("pages/prefectures.py").run()
    assert not at.exception, at.exception
    assert at.button_group(key="measure").value == measure
    table = at.dataframe[0].value
    assert len(table) == 14  # every prefecture is listed, with or without data


def test_prefectures_deep_link_focuses_a_prefecture(app):
    at = app(ind="retail_sales", period="2023", region="430600", compare="430100")
    at.switch_page("pages/prefectures.py").run()
    assert not at.exception
    assert at.selectbox(key="region").value == "430600"
    assert at.selectbox(key="compare").value == "430100"
    assert "### 岳阳市" in [m.value for m in at.markdown]


@pytest.fixture
def demo_app(demo_db, monkeypatch):
    return app_for(demo_db, monkeypatch)


def test_demo_data_ranks_all_14_prefectures_and_maps_them(demo_app):
    at = demo_app(dataset="demo", ind="retail_sales", measure="share")
    at.switch_page("pages/prefectures.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    ranks = table[t("prefectures.col_rank", "zh")]
    assert sorted(ranks.dropna().astype(int)) == list(range(1, 15))  # all 14 ranked, none missing
    charts = at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
    specs = [json.loads(el.proto.spec) for el in charts]
    assert any("geoshape" in json.dumps(s) for s in specs), "no map drawn"
    # The map's lookup data (shipped as Arrow) holds every prefecture with its measure.
    data = pd.concat([pa.ipc.open_stream(ds.data.data).read_all().to_pandas() for el in charts
                      for ds in el.proto.datasets])
    mapped = data.dropna(subset=["adcode"]) if "adcode" in data else data.iloc[0:0]
    assert set(mapped.adcode) == PREFECTURE_CODES
    assert mapped.measure.notna().all()


def test_demo_dataset_shows_the_synthetic_banner_on_every_page(demo_app):
    for page in [p[1] for p in PAGES]:
        at = demo_app(dataset="demo")
        at.switch_page(page).run() if page != "pages/overview.py" else at.run()
        assert not at.exception, (page, at.exception)
        warnings = [w.value for w in at.warning]
        assert any(t("demo.banner", "zh") in w for w in warnings), page
