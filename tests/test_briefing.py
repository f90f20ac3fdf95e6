"""The monitoring report (monitor/briefing.py and `python -m monitor report`), read back with python-docx:
headings in order, one table row per target agreeing with `assess --json`, every engine sentence, the charts,
the sources, the synthetic banner, both languages, the page and the fonts of the house style."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import docx
import pytest
from docx.oxml.ns import qn

from monitor import briefing, cli, store
from monitor.assess import assess_store
from monitor.briefing import ReportOptions, build_report
from monitor.db import Reader
from monitor.formatting import fmt_as_of, fmt_date, fmt_rate
from monitor.i18n import t

TODAY = dt.date(2026, 11, 29)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Read:
    """A .docx read back: paragraphs as (style name, text), tables as lists of rows of cell texts, images."""

    def __init__(self, content: bytes):
        self.doc = docx.Document(io.BytesIO(content))
        self.paragraphs = [(p.style.name, p.text) for p in self.doc.paragraphs]
        self.tables = [[[c.text for c in row.cells] for row in table.rows] for table in self.doc.tables]
        self.images = [part.blob for part in self.doc.part.package.parts if part.content_type == "image/png"]

    def texts(self, style: str | None = None) -> list[str]:
        return [text for name, text in self.paragraphs if style is None or name == style]

    def section(self, heading: str) -> list[str]:
        """Texts after the heading with this text, up to the next heading of the same or a higher level."""
        names = [n for n, _ in self.paragraphs]
        start = [text for _, text in self.paragraphs].index(heading)
        level = names[start]
        out = []
        for name, text in self.paragraphs[start + 1:]:
            if name.startswith("Heading") and name <= level:
                break
            out.append(text)
        return out


def assess_json(db, capsys, *args) -> list[dict]:
    assert cli.main(["assess", "--db", str(db), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def report(db, **options) -> briefing.Report:
    with Reader(db) as reader:
        return build_report(reader, ReportOptions(today=TODAY, **options))


@pytest.fixture(scope="module")
def official_2022_06(template_db):
    """The report on the bundled official data as of June 2022, built once for the tests that only read it."""
    return report(template_db, as_of="2022-06")


@pytest.fixture(scope="module")
def official_2022_06_en(template_db):
    return report(template_db, as_of="2022-06", lang="en")


@pytest.fixture(scope="module")
def demo_2024(demo_template):
    """The report on the synthetic demo data (prefectures) as of 2024, built once."""
    return report(demo_template, dataset="demo", as_of="2024")


def plan_titles(db, lang: str) -> list[str]:
    with Reader(db) as reader:
        plans = store.plans(reader)
    return [getattr(p, f"title_{lang}") for p in plans.sort_values("id").itertuples()]


def test_headings_come_in_the_issues_order_with_official_numbering(official_2022_06, template_db):
    read = Read(official_2022_06.content)
    assert read.texts("Title") == ["湖南省消费流通行动方案监测报告"]
    assert read.texts("Subtitle") == ["（数据截至2022年6月　官方数据　2026年11月29日生成）"]
    assert read.texts("Heading 1") == ["一、总体情况", "二、分目标情况", "三、市州比较", "四、数据说明"]
    # 重点任务推进 only with a task ledger: the bundled database has none
    assert not any(t("report.ledger", "zh") in text for text in read.texts())
    level2 = read.texts("Heading 2")
    consumption, open_economy = plan_titles(template_db, "zh")  # consumption_… < open_economy_…
    assert level2 == [f"（一）{consumption}", f"（二）{open_economy}", "（一）数据来源",
                      "（二）数据不足、无法评估的目标", "（三）数据口径与局限"]
    # level 3: the status groups, worst first, numbered 1. 2. within each plan, from assess --json's statuses
    with Reader(template_db) as reader:
        frame = assess_store(reader, as_of="2022-06")
    expected = []
    for _plan, rows in frame.sort_values("plan_id").groupby("plan_id", sort=False):
        groups = [t("report.status_group", "zh", status=t(f"status.{s}", "zh"), n=int((rows.status == s).sum()))
                  for s in briefing.STATUS_GROUP_ORDER if (rows.status == s).any()]
        if (rows.status == "not_scored").any():
            groups.append(t("report.unscored_group", "zh", n=int((rows.status == "not_scored").sum())))
        expected += [f"{i}.{g}" for i, g in enumerate(groups, 1)]
    assert read.texts("Heading 3") == expected and expected[0] == "1.符合进度（2个）"


def test_one_table_row_per_target_with_the_status_and_completion_of_assess_json(official_2022_06, template_db,
                                                                               capsys):
    records = assess_json(template_db, capsys, "--as-of", "2022-06")
    read = Read(official_2022_06.content)
    header = ["目标", "目标值", "最新值（期别）", "完成度", "时序进度", "状态"]
    target_tables = [table for table in read.tables if table[0] == header]
    assert len(target_tables) == 2  # one per plan
    rows = [row for table in target_tables for row in table[1:]]
    scored = [r for r in records if r["status"] != "not_scored"]
    assert len(rows) == len(scored) and len(scored) >= 45  # the whole plans: 45+ quantified targets
    with Reader(template_db) as reader:
        names = dict(zip(store.targets(reader).id, store.targets(reader).name_zh))
    by_name = {names[r["target_id"]]: r for r in scored}
    for name, _target, _latest, completion, time_share, status in rows:
        record = by_name[name]
        assert status.split("（")[0] == t(f"status.{record['status']}", "zh")
        assert completion == fmt_rate(record["completion"])
        assert time_share == fmt_rate(record["expected_share"])  # the schedule the sentence compares with
    # by hand: 2021 retail sales 18596.9亿元 of 20000 → 93.0%; the target path's 2021 value
    # 16258.1 × 1.071487 = 17420.4 is 87.1% of 20000 (issue 11: the sentence's 时序进度, not 1 of 3 years)
    retail = next(row for row in rows if row[0] == "社会消费品零售总额突破2万亿元")
    assert retail == ["社会消费品零售总额突破2万亿元", "> 20000亿元（2023年）", "18596.9亿元（2021年）", "93.0%",
                      "87.1%", retail[5]]
    assert retail[5].startswith("符合进度")


def test_every_engine_sentence_is_in_the_report(official_2022_06, template_db, capsys):
    records = assess_json(template_db, capsys, "--as-of", "2022-06")
    text = "\n".join(Read(official_2022_06.content).texts())
    missing = [r["target_id"] for r in records if r["sentence_zh"] not in text]
    assert missing == []
    assert "2021年，全省社会消费品零售总额18596.9亿元，完成目标的93.0%，高于时序进度5.9个百分点；后续年均需增长3.7%。" in text


def test_sentences_are_grouped_by_status_worst_first(demo_template, demo_2024, capsys):
    records = assess_json(demo_template, capsys, "--dataset", "demo", "--as-of", "2024")
    read = Read(demo_2024.content)
    consumption = read.section(read.texts("Heading 2")[0])
    headings = [text for text in consumption if text.split(".")[0].isdigit()]
    order = ["未完成", "逆向变化", "进度明显滞后", "需加快进度", "符合进度", "已完成"]
    seen = [next(s for s in order if h.split(".", 1)[1].startswith(s)) for h in headings if "无量化" not in h]
    assert seen == sorted(seen, key=order.index) and seen
    # every sentence of a status sits under that status's heading
    plan = "consumption_2021_2023"
    for record in (r for r in records if r["plan_id"] == plan and r["status"] in briefing.STATUS_GROUP_ORDER):
        label = t(f"status.{record['status']}", "zh")
        group = next(h for h in headings if h.split(".", 1)[1].startswith(label))
        assert record["sentence_zh"] in read.section(group)


def test_the_headline_charts_are_pictures_with_content(official_2022_06):
    read = Read(official_2022_06.content)
    assert len(read.doc.inline_shapes) == 4  # level and growth of each plan's headline indicator
    assert len(read.images) == 4
    for blob in read.images:
        assert blob.startswith(PNG_SIGNATURE) and len(blob) > 10_000
    captions = [text for text in read.texts("Caption") if text]
    assert captions[0] == "图1　社会消费品零售总额突破2万亿元：实际值与目标路径"
    assert [c.split("　")[0] for c in captions] == ["图1", "图2", "图3", "图4"]


def test_the_sources_section_lists_every_url_of_the_figures_used(official_2022_06, template_db, capsys):
    records = assess_json(template_db, capsys, "--as-of", "2022-06")
    keys = sorted({k for r in records for k in r["observation_keys"]})
    with Reader(template_db) as reader:
        urls = set(store.provenance(reader, "official", keys).source_url.dropna()) - {""}
    assert urls, "the bundled figures have URLs"
    sources = "\n".join(Read(official_2022_06.content).section("（一）数据来源"))
    assert [u for u in urls if u not in sources] == []
    assert set(official_2022_06.source_urls) >= urls
    # the prefecture ranking's figure (岳阳 2020) is a figure used too
    assert "http://en.yueyang.gov.cn/21690/21715/content_503791.html" in sources


def test_targets_without_data_are_listed_with_what_is_missing(official_2022_06, template_db, capsys):
    records = assess_json(template_db, capsys, "--as-of", "2022-06")
    missing = "\n".join(Read(official_2022_06.content).section("（二）数据不足、无法评估的目标"))
    na = [r for r in records if r["status"] == "na"]
    assert len(na) >= 13
    assert all(r["sentence_zh"] in missing for r in na)
    assert "缺少2021年全年新增限额以上批零住餐企业数" in missing


def test_caveats_name_the_qualifiers_and_the_indicators_notes(template_db):
    read = Read(report(template_db).content)  # latest: the 2022 retail figure is an estimate, and stale
    caveats = "\n".join(read.section("（三）数据口径与局限"))
    assert "预估：" + t("qualifier_help.estimate", "zh") in caveats
    assert "数据滞后：" in caveats
    assert "第四次全国经济普查后" in caveats  # the retail-sales indicator's note (series break)


def test_synthetic_data_get_the_banner_and_the_demo_file_name(demo_2024, official_2022_06):
    read = Read(demo_2024.content)
    assert read.paragraphs[0] == ("Report Banner", t("report.banner", "zh"))
    assert demo_2024.file_name == "DEMO-synthetic_湖南省消费流通行动方案监测报告_截至2024年.docx"
    assert demo_2024.synthetic
    assert official_2022_06.file_name == "湖南省消费流通行动方案监测报告_截至2022年6月.docx"
    assert t("report.banner", "zh") not in Read(official_2022_06.content).texts()


def test_prefecture_comparison_names_the_top_and_bottom_three(demo_2024):
    read = Read(demo_2024.content)
    part = read.section("三、市州比较")
    ranking = next(table for table in read.tables if table[0][0] == t("prefectures.col_rank", "zh"))
    assert len(ranking) == 15  # a header and the 14 prefectures
    ranks = [int(row[0]) for row in ranking[1:]]
    assert ranks[0] == 1 and ranks == sorted(ranks)  # competition ranking: ties share a rank
    growth = [float(row[3]) for row in ranking[1:]]
    assert growth == sorted(growth, reverse=True)
    short = {"长沙市": "长沙", "湘西土家族苗族自治州": "湘西州"}
    names = [short.get(row[1], row[1].removesuffix("市")) for row in ranking[1:]]
    sentence = next(text for text in part if text.startswith("同比增速居前三位"))
    assert sentence == f"同比增速居前三位的是{'、'.join(names[:3])}，居后三位的是{'、'.join(names[:-4:-1])}。"
    # gap to the yardstick (the plan's 7.5%) = growth − 7.5, with its sign
    growth, gap = float(ranking[1][3]), ranking[1][4]
    assert gap == f"{growth - 7.5:+.1f}"


def test_the_english_report_has_the_same_rows_and_the_english_sentences(official_2022_06_en, template_db, capsys):
    records = assess_json(template_db, capsys, "--as-of", "2022-06")
    made = official_2022_06_en
    read = Read(made.content)
    assert made.file_name == "Hunan_Province_monitoring_report_as_of_June_2022.docx"
    assert read.texts("Heading 1") == ["1. Overview", "2. Targets", "3. Prefectures compared", "4. About the data"]
    assert read.texts("Heading 2")[:2] == [f"2.{i} {title}" for i, title in
                                           enumerate(plan_titles(template_db, "en"), 1)]
    text = "\n".join(read.texts())
    assert [r["target_id"] for r in records if r["sentence_en"] not in text] == []
    rows = [row for table in read.tables if table[0][0] == "Target" for row in table[1:]]
    assert len(rows) == sum(1 for r in records if r["status"] != "not_scored")
    statuses = sorted(row[5].split(" (")[0] for row in rows)
    assert statuses == sorted(t(f"status.{r['status']}", "en") for r in records if r["status"] != "not_scored")
    assert len(read.images) == 4 and all(b.startswith(PNG_SIGNATURE) for b in read.images)
    sources = "\n".join(read.section("4.1 Sources"))
    assert all(u in sources for u in made.source_urls)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(read.texts("Heading 1")))


def test_english_demo_report_has_the_english_banner(demo_template):
    made = report(demo_template, dataset="demo", lang="en", as_of="2024-06")
    assert Read(made.content).paragraphs[0][1] == t("report.banner", "en")
    assert made.file_name.startswith("DEMO-synthetic_") and made.file_name.endswith("as_of_June_2024.docx")


def east_asian_font(style) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def test_page_margins_and_east_asian_fonts_follow_the_house_style(official_2022_06):
    doc = Read(official_2022_06.content).doc
    section = doc.sections[0]
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin]
    assert [round(length.mm, 1) for length in sizes] == [210, 297, 37, 35, 28, 26]  # stored in twips
    expected = {"Normal": ("仿宋_GB2312", 16), "Title": ("方正小标宋简体", 22), "Heading 1": ("黑体", 16),
                "Heading 2": ("楷体_GB2312", 16), "Heading 3": ("仿宋_GB2312", 16)}
    for name, (font, size) in expected.items():
        style = doc.styles[name]
        assert east_asian_font(style) == font, name
        assert style.font.size.pt == size, name
        # no theme font left that Word would prefer over the named one
        assert style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    # 22 lines of 28 characters. The text block is 156 mm × 225 mm = 442.2 pt × 637.8 pt. Lines: a fixed pitch of
    # 28.9 pt (578 twips) fits 22 (635.8 pt) and not 23 (664.7 pt); Word's line grid has the same pitch.
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "578")
    assert doc.styles["Normal"].paragraph_format.line_spacing.pt == pytest.approx(28.9)
    # characters: 16 pt condensed by 0.25 pt (−5 twentieths) is 15.75 pt; 28 take 441 pt ≤ 442.2 < 29 × 15.75
    spacing = doc.styles["Normal"].element.rPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:val")) == "-5"


def test_tables_repeat_their_header_row_and_pages_are_numbered(official_2022_06):
    doc = Read(official_2022_06.content).doc
    for table in doc.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert 'w:instr="PAGE"' in xml and "— " in xml and " —" in xml


def test_english_uses_a_plain_serif(official_2022_06_en):
    doc = Read(official_2022_06_en.content).doc
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == "Times New Roman", name


def test_the_plan_filter_keeps_one_plans_targets(template_db, capsys):
    records = assess_json(template_db, capsys, "--as-of", "2022-06")
    made = report(template_db, as_of="2022-06", plan="open_economy_2021_2023")
    read = Read(made.content)
    assert set(made.frame.plan) == {"open_economy_2021_2023"}
    assert len([h for h in read.texts("Heading 2") if "行动方案" in h]) == 1
    rows = [row for table in read.tables if table[0][0] == "目标" for row in table[1:]]
    assert len(rows) == sum(1 for r in records if r["plan_id"] == "open_economy_2021_2023"
                            and r["status"] != "not_scored") > 10


def test_an_unknown_plan_is_refused_in_both_languages(template_db, tmp_path, capsys):
    with pytest.raises(ValueError, match="未知的方案.*unknown plan"):
        report(template_db, plan="no_such_plan")
    out = tmp_path / "r.docx"
    assert cli.main(["report", "--db", str(template_db), "--plan", "no_such_plan", "--format", "docx",
                     str(out)]) == 2
    assert "unknown plan" in capsys.readouterr().err and not out.exists()


def department_targets(db, code: str) -> set[str]:
    """By the registry: the targets stated in the tasks a department leads or co-leads."""
    from monitor import measures
    with Reader(db) as reader:
        mine = measures.measures_of_department(reader, code)
    return {target for ids in mine[mine.kind == "task"].target_ids for target in ids}


def test_the_department_filter_keeps_the_targets_of_the_measures_it_leads_or_co_leads(template_db):
    made = report(template_db, as_of="2022-06", dept="商务厅")  # the short name of 省商务厅
    assert made.dept_applied is True
    assert set(made.frame.target_id) == department_targets(template_db, "commerce")
    assert "new_above_quota_firms_2021_2023" in set(made.frame.target_id)   # task 1, led by 省商务厅
    read = Read(made.content)
    assert t("report.overall_filter_dept", "zh", dept="省商务厅") in read.texts()
    english = report(template_db, as_of="2022-06", dept="commerce", lang="en")
    assert sorted(english.frame.target_id) == sorted(made.frame.target_id)
    assert t("report.overall_filter_dept", "en", dept="Hunan Department of Commerce") in Read(english.content).texts()


def test_an_unknown_department_is_refused(template_db, tmp_path, capsys):
    out = tmp_path / "r.docx"
    assert cli.main(["report", "--db", str(template_db), "--dept", "省教育厅教研室", "--format", "docx", str(out)]) == 2
    err = capsys.readouterr().err
    assert "未知的部门" in err and "unknown department" in err and not out.exists()


def test_the_ledger_section_appears_only_with_a_ledger(template_db, tmp_path):
    # the task ledger's reports (monitor/ledger.py): 2022-Q2 — co_m01 on schedule (a corrected vintage of an
    # earlier 'behind'), co_m02 behind; every other task of the period is overdue (its report was due 10 July)
    db = tmp_path / "ledger.duckdb"
    shutil.copyfile(template_db, db)
    from monitor.db import writer
    with writer(db) as con:
        for measure, status, latest in (("co_m01", "behind", False), ("co_m01", "on_schedule", True),
                                        ("co_m02", "behind", True)):
            con.execute("INSERT INTO progress_reports (dataset, measure_id, period, department_code, role, status,"
                        " progress_text, vintage, is_latest) VALUES ('official', ?, '2022-Q2', 'commerce', 'lead', ?,"
                        " '进展', now(), ?)", [measure, status, latest])
    read = Read(report(db, as_of="2022-06").content)
    assert read.texts("Heading 1") == ["一、总体情况", "二、分目标情况", "三、市州比较", "四、重点任务推进",
                                       "五、数据说明"]
    part = read.section("四、重点任务推进")
    with Reader(db) as reader:
        tasks = len(__import__("monitor.measures").measures.measures(reader))
    assert part[0].startswith(f"2022年第2季度纳入台账的任务{tasks}项")
    assert "按计划推进1个" in part[0] and "进度滞后1个" in part[0] and f"逾期未报{tasks - 2}个" in part[0]
    assert "2.提振实体商业（商务厅，进度滞后）" in part[1] and "1.培育壮大流通主体" not in part[1]


def test_the_cli_writes_the_same_document_as_the_module(template_db, tmp_path, capsys):
    out = tmp_path / "report.docx"
    assert cli.main(["report", "--db", str(template_db), "--as-of", "2022-06", "--format", "docx", str(out)]) == 0
    assert "湖南省消费流通行动方案监测报告_截至2022年6月.docx" in capsys.readouterr().out
    from_cli = Read(out.read_bytes())
    with Reader(template_db) as reader:
        module = Read(build_report(reader, ReportOptions(as_of="2022-06")).content)
    assert from_cli.paragraphs == module.paragraphs and from_cli.tables == module.tables
    assert fmt_date(dt.date.today()) in from_cli.texts("Subtitle")[0]


def test_periods_and_dates_read_as_officials_write_them():
    assert fmt_as_of("2022-06") == "2022年6月" and fmt_as_of("2022") == "2022年"
    assert fmt_as_of("2022-06", "en") == "June 2022" and fmt_as_of("2022", "en") == "2022"
    assert fmt_as_of(None) == "—"
    assert fmt_date(dt.date(2023, 4, 13)) == "2023年4月13日"
    assert fmt_date(dt.date(2023, 4, 13), "en") == "13 April 2023"


def test_heading_numbers_in_both_languages():
    assert [briefing.heading_number(1, n, "zh") for n in (1, 4, 10, 11, 20, 23)] == \
        ["一、", "四、", "十、", "十一、", "二十、", "二十三、"]
    assert briefing.heading_number(2, 3, "zh") == "（三）" and briefing.heading_number(3, 2, "zh") == "2."
    assert briefing.heading_number(2, 3, "en", parent=2) == "2.3 "


def test_a_department_without_targets_gets_a_report_that_says_so(template_db):
    from monitor import measures
    with Reader(template_db) as reader:
        departments = measures.departments(reader)
    without = [c for c in departments.code if not department_targets(template_db, c)]
    assert without, "every department has a quantified target"
    made = report(template_db, as_of="2022-06", dept=without[0])
    assert made.dept_applied is True and made.frame.empty
    read = Read(made.content)
    assert t("report.overall_none", "zh") in read.texts()
    assert not [table for table in read.tables if table[0][0] == "目标"]
