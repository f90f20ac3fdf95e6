"""Text from plans, data and file names is shown as text, never as Markdown (issue 16 item 4): a plan whose
name or quote holds Markdown image syntax, or an uploaded file so named, must not make the browser load an image."""

from __future__ import annotations

import re
import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor import bootstrap
from monitor.config import PLANS_DIR
from monitor.registry import add_plan
from tests.conftest import PROJECT_ROOT
from ui import auth
from ui.text import code, md, t_md

APP = str(PROJECT_ROOT / "app.py")
NAME = "![t](http://attacker.example/name.png)零售"
QUOTE = "社零![q](http://attacker.example/quote.png)增长6%以上"
PLAN = f'''[plan]
id = "hostile_city"
title_zh = "<img src=x> [标题](http://attacker.example/title) 方案"
title_en = "Hostile **plan** ![p](http://attacker.example/plan.png)"
period_start = 2024
period_end = 2025
source_file = "source/hostile_city.txt"

[[targets]]
id = "hostile_target"
clause = "一、`目标` $x$"
indicator = "retail_sales"
name_zh = "{NAME}"
name_en = "{NAME}"
quote_zh = "{QUOTE}"
target_type = "average_growth"
base_period = "2023"
target_period = "2025"
target_value = 6
comparator = ">="
unit = "%"
direction = "increase"
region = "430100"

[[targets]]
id = "hostile_aim"
clause = "二、|表|"
name_zh = "{NAME}（无数值）"
name_en = "{NAME} (no number)"
quote_zh = "{QUOTE}"
target_type = "no_numeric_target"
target_period = "2025"
region = "430100"
'''
RENDERED_AS_MARKDOWN = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader",
                        "metric", "expander")


def markdown_texts(at: AppTest) -> str:
    """Every text the browser renders as Markdown (bodies, labels and help tooltips), as protobuf text."""
    return "\n".join(str(el.proto) for kind in RENDERED_AS_MARKDOWN for el in getattr(at, kind))


def assert_no_live_markdown(at: AppTest) -> None:
    text = markdown_texts(at)
    assert "attacker.example" in text  # the hostile text is on the page…
    for live in ("![t](", "![q](", "![p](", "[标题]("):
        assert live not in text  # …but only escaped, so no image is fetched and no link is made
    assert not re.search(r"(?<!\\)<img", text)  # an HTML tag would be shown as text anyway; escaped all the same


def test_md_escapes_what_markdown_would_act_on_and_keeps_the_text():
    assert md(NAME) == r"!\[t\](http://attacker.example/name.png)零售"
    assert md("a*b*_c_ `x` <b> $y$ ~z~ |t| #h \\") == r"a\*b\*\_c\_ \`x\` \<b\> \$y\$ \~z\~ \|t\| \#h \\"
    assert md("第一行\n\n# 第二行") == r"第一行 \# 第二行"
    assert md(None) == "" and md(float("nan")) == "" and md("长沙市 1,904.3 亿元") == "长沙市 1,904.3 亿元"
    assert code("a`b") == "`a'b`"
    assert "!\\[t\\]" in t_md("overview.missing", "zh", reason=NAME)


@pytest.fixture
def hostile_app(tmp_path, monkeypatch):
    plans = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, plans)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(plans))
    incoming = tmp_path / "incoming"
    (incoming / "source").mkdir(parents=True)
    (incoming / "source" / "hostile_city.txt").write_text(f"一、目标\n{QUOTE}\n", encoding="utf-8")
    (incoming / "hostile_city.toml").write_text(PLAN, encoding="utf-8")
    add_plan(incoming / "hostile_city.toml")
    db = tmp_path / "x.duckdb"
    bootstrap.initialise(db)
    monkeypatch.setenv("MONITOR_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()

    def run(page: str | None = None, **query) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in query.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)  # a deep link: the page opens with its query parameters
        at.run()
        assert not at.exception, at.exception
        return at
    return run


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_with_the_city_selected_renders_plan_text_as_text(hostile_app, lang):
    assert_no_live_markdown(hostile_app(region="430100", lang=lang))


def test_indicator_page_renders_plan_text_as_text(hostile_app):
    assert_no_live_markdown(hostile_app("pages/indicator.py", ind="retail_sales", region="430100",
                                        target="hostile_target"))


def test_method_page_renders_plan_text_as_text(hostile_app):
    for lang in ("zh", "en"):
        assert_no_live_markdown(hostile_app("pages/method.py", lang=lang))


def unlocked_editor(db_path, monkeypatch) -> AppTest:
    """An AppTest session on `db_path` that has unlocked editing on the data page with the editor password."""
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    monkeypatch.setenv(auth.PASSWORD_ENV, "correct horse battery staple")
    auth.THROTTLE.reset()
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    at.text_input(key="data_password").input("correct horse battery staple")
    at.button[0].click().run()
    return at


def test_an_uploaded_file_name_is_shown_as_text_in_the_editors_messages(db_path, monkeypatch):
    at = unlocked_editor(db_path, monkeypatch)
    name = "![t](http://attacker.example/fn.png).csv"
    data = "indicator,region,period,value,unit,source\nretail_sales,长沙市,2019,4287.3,亿元,湖南省统计局\n".encode()
    at.file_uploader[0].upload(name, data, "text/csv").run()
    at.button(key="data_confirm").click().run()
    assert not at.exception, at.exception
    successes = "\n".join(str(el.value) for el in at.success)
    assert r"!\[t\](http://attacker.example/fn.png).csv" in successes
    text = markdown_texts(at)
    assert "![t](" not in text  # neither the success message nor the last-import line renders it


def test_a_returned_ledger_file_and_department_names_are_shown_as_text_to_editors(db_path, monkeypatch):
    """The ledger page as an editor sees it: the template button names a department (data), the preview and a
    refusal at Confirm name the uploaded file and quote it; all shown as text."""
    import duckdb

    from monitor import ledger
    from monitor.export import XLSX_MIME
    from tests.test_ledger import fill, template

    returned = fill(template(db_path), {1: {"progress": "新增限上企业1200家。", "status": "按计划推进"}})
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE departments SET short_name_zh = short_name_zh || ?", [NAME])
    at = unlocked_editor(db_path, monkeypatch)
    at.switch_page("pages/ledger.py").run()
    assert not at.exception, at.exception
    labels = "\n".join(str(el.proto) for el in at.get("download_button"))
    assert r"!\\[t\\](http://attacker.example/name.png)" in labels and "![t](" not in labels

    name = "![t](http://attacker.example/fn.png).xlsx"
    at.file_uploader(key="ledger_upload").upload(name, returned, XLSX_MIME).run()

    def refuse(*args, **kwargs):  # a refusal at Confirm (the file changed meanwhile, say) quoting the file name
        raise ledger.LedgerRejected([ledger.LedgerProblem("not_a_template", file=name)])
    monkeypatch.setattr(ledger, "import_returned", refuse)
    at.button(key="ledger_confirm").click().run()
    assert not at.exception, at.exception
    shown = markdown_texts(at)
    assert r"!\[t\](http://attacker.example/fn.png).xlsx" in "\n".join(str(el.value) for el in at.success)
    assert "attacker.example/fn.png" in "\n".join(el.value for el in at.text)  # the problems, as plain text
    assert "![t](" not in shown
