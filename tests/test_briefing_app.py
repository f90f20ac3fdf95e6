"""The overview's 生成监测报告（Word） button (ui/report_button.py) in AppTest: its document is the CLI's for the
same view — dataset, as-of period, region and language — compared by text and tables, not bytes."""

from __future__ import annotations

import streamlit

from monitor import cli
from monitor.i18n import t
from tests.test_app import app_for
from tests.test_briefing import Read


def recorded_downloads(monkeypatch) -> dict:
    """Record every st.download_button's arguments by key, still drawing the real button."""
    calls: dict = {}
    real = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        calls[kwargs.get("key")] = {"label": label, "data": data, **kwargs}
        return real(label, data, *args, **kwargs)
    monkeypatch.setattr(streamlit, "download_button", recording)
    return calls


def cli_report(db, tmp_path, capsys, *args) -> Read:
    out = tmp_path / "cli.docx"
    assert cli.main(["report", "--db", str(db), *args, "--format", "docx", str(out)]) == 0
    capsys.readouterr()
    return Read(out.read_bytes())


def button_report(make, calls, **query):
    at = make(**query)
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    lang = query.get("lang", "zh")
    assert t("report.button", lang) in labels
    button = calls["overview_report"]
    assert button["label"] == t("report.button", lang) and callable(button["data"])  # built only when clicked
    return button["file_name"], Read(button["data"]())


def test_the_button_builds_the_clis_document_for_the_default_view(db_path, monkeypatch, tmp_path, capsys):
    calls = recorded_downloads(monkeypatch)
    name, document = button_report(app_for(db_path, monkeypatch), calls)
    assert name == "湖南省消费流通行动方案监测报告_截至2025年6月.docx"  # 最新: the newest period with data
    expected = cli_report(db_path, tmp_path, capsys, "--region", "430000")
    assert document.paragraphs == expected.paragraphs
    assert document.tables == expected.tables
    assert len(document.images) == len(expected.images) == 4


def test_the_button_follows_the_view_demo_data_as_of_and_english(demo_db, monkeypatch, tmp_path, capsys):
    calls = recorded_downloads(monkeypatch)
    name, document = button_report(app_for(demo_db, monkeypatch), calls, lang="en", dataset="demo", asof="2024-06",
                                   region="430100")
    assert name == "DEMO-synthetic_Changsha_monitoring_report_as_of_June_2024.docx"
    expected = cli_report(demo_db, tmp_path, capsys, "--dataset", "demo", "--as-of", "2024-06", "--region", "430100",
                          "--lang", "en")
    assert document.paragraphs == expected.paragraphs
    assert document.tables == expected.tables
    assert document.paragraphs[0][1] == t("report.banner", "en")
    assert document.texts("Title") == ["Changsha: monitoring report on the consumption and circulation action plans"]
