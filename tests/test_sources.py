"""Source classes: hand-checked links from the bundled data land in the class a reader would give them,
the table is well formed, the store's frames and the export carry the class, and the first-hand filter
keeps exactly the official releases."""

import pandas as pd
import pytest

from monitor import sources, store
from monitor.db import Reader
from monitor.i18n import t
from tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize("source, url, expected", [
    # the publisher's own site
    ("湖南省统计局: 2023年湖南省经济社会发展情况发布词",
     "https://tjj.hunan.gov.cn/hntj/m/mxxgk/202401/t20240119_32629749.html", "first_hand"),
    ("国家统计局 English press release 2025-01-18",
     "https://www.stats.gov.cn/english/PressRelease/202501/t20250117_1958337.html", "first_hand"),
    ("岳阳市统计局: 岳阳市2022年国民经济和社会发展统计公报",
     "https://yueyang.gov.cn/tjj/22777/22781/content_2053794.html", "first_hand"),
    ("岳阳市人民政府英文网 'Economy' page, 2021-04-25",
     "http://en.yueyang.gov.cn/21690/21715/content_503791.html", "first_hand"),
    ("海关总署", "http://changsha.customs.gov.cn/changsha_customs/index.html", "first_hand"),
    # the statistics bureau's site reposting a radio report: a reprint, though on the publisher's host
    ("湖南省统计局网站转湖南人民广播电台 2025-01-23",
     "http://tjj.hunan.gov.cn/hntj/tjgz/mthntj/202501/t20250123_33574079.html", "official_reprint"),
    # a county site reposting a 人民网 report of provincial statistics
    ("人民网 2020-08-25, 平江县政府网转载; 湖南省统计局数据",
     "https://pingjiang.gov.cn/35048/35055/35061/content_1736826.html", "official_reprint"),
    # the provincial English portal is not hunan.gov.cn (no subdomain match on a longer name)
    ("湖南省人民政府英文网 2024-01-25; 湖南省商务厅 2024-01-22",
     "http://enghunan.gov.cn/hneng/News/Localnews/202401/t20240125_32632822.html", "official_reprint"),
    # a trailing dot in the host is the same host
    ("Xinhua 2022-12-13 via 中国一带一路网 (English)", "https://eng.yidaiyilu.gov.cn./p/0MQ5LSJ3.html",
     "official_reprint"),
    # news reports
    ("红网 2021-10-28; 省统计局", "https://hn.rednet.cn/content/2021/10/28/content_10284539.html", "news"),
    ("Xinhua 2023-04-18 via 人民网英文版; 长沙海关", "http://en.people.cn/n3/2023/0418/c90000-20006478.html", "news"),
    ("长沙晚报 2023-07-18; 长沙海关新闻发布会", "https://www.icswb.com/h/100049/20230718/824093.html", "news"),
    ("株洲晚报 2021-03", "http://bk.zzlib.net:88/paper/evening/202103/103245.html", "news"),  # port ignored
    # mirrors, machine translations, compilations
    ("mirror of 中国人民银行长沙中心支行《湖南省金融运行报告(2021)》",
     "http://hedianzhan.com.cn/topic/1591186.html", "secondary"),
    ("English machine translation of China Daily 2023-01-14; 2023年湖南省政府工作报告",
     "https://www.breakinglatest.news/business/hunan/", "secondary"),
    # "中国新闻网 转载" on a site that is not 中国新闻网: the host decides, not the claim
    ("中国新闻网 2022-01-24 转载; 2021年湖南省经济和社会发展情况新闻发布会",
     "http://iv.gtxh.cn/iv/2022/0124/28190.html", "secondary"),
    ("tjcn.org转载: 长沙市2022年国民经济和社会发展统计公报", "http://www.tjcn.org/tjgb/18hn/37451.html", "secondary"),
    # no link at all: nothing to check
    ("湖南省统计局", "", "secondary"),
    (None, None, "secondary"),
])
def test_hand_checked_links_are_classed_as_a_reader_would(source, url, expected):
    assert sources.classify(source, url) == expected


def test_a_link_given_only_in_the_source_text_is_used():
    source = ("https://hnydyl-en.rednet.cn/content/646841/53/14115990.html (红网英文 2024-07-19, from "
              "enghunan.gov.cn; 湖南省统计局 2024-07-17)")
    assert sources.host_of(source, "") == "hnydyl-en.rednet.cn"
    assert sources.classify(source, "") == "news"


def test_the_table_is_ordered_specific_first_and_ends_with_the_catch_all():
    rules = sources.rules()
    assert rules[-1].host == "" and rules[-1].source_contains == "" and rules[-1].code == "secondary"
    assert {r.code for r in rules} == set(sources.CLASSES)
    assert all(r.note for r in rules), "every rule says why"
    hosts = [r.host for r in rules]
    # a more specific host is listed before the broader one it falls under
    assert hosts.index("tjj.hunan.gov.cn") < hosts.index("hunan.gov.cn") < hosts.index("gov.cn")
    assert hosts.index("yueyang.gov.cn") < hosts.index("gov.cn")


def test_a_table_with_an_unknown_class_is_refused_in_both_languages(tmp_path):
    bad = tmp_path / "classes.csv"
    bad.write_text("host,source_contains,class,publisher,note\nexample.com,,official,,x\n,,secondary,,any\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="未知的来源类别.*unknown source class 'official'"):
        sources.rules(str(bad))
    no_catch_all = tmp_path / "partial.csv"
    no_catch_all.write_text("host,source_contains,class,publisher,note\nexample.com,,news,,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="catch-all"):
        sources.rules(str(no_catch_all))


def test_bundled_figures_per_class():
    """The first 86 bundled figures (the first research round, unchanged at the top of the file), counted by hand
    from their hosts: 8 on the publishers' own sites, 3 official reprints (the bureau's radio repost and 2 平江县
    reposts), 20 news reports, 55 secondary (mirrors and reposts). The 58 rows merged from the second round add
    2 first-hand figures, both from www.stats.gov.cn (the national bureau's own releases)."""
    bundled = pd.read_csv(PROJECT_ROOT / "data" / "official" / "hunan_official.csv", dtype=str)
    first_round = sources.annotate(bundled.iloc[:86])
    own = first_round[first_round.source_class == "first_hand"]
    # tjj.hunan.gov.cn: 2023 发布词 (1) + 简明信息138期 (2) = 3; yueyang.gov.cn: 统计公报 (1) + English page (2) = 3;
    # eng.huaihua.gov.cn: 2 — 8 in all
    assert sorted(own.source_url.str.extract(r"//([^/]+)/")[0].value_counts().items()) == [
        ("en.yueyang.gov.cn", 2), ("eng.huaihua.gov.cn", 2), ("tjj.hunan.gov.cn", 3), ("yueyang.gov.cn", 1)]
    assert sources.counts(first_round) == {"first_hand": 8, "official_reprint": 3, "news": 20, "secondary": 55}
    everything = sources.annotate(bundled)
    added = everything.iloc[86:]
    assert set(added[added.source_class == "first_hand"].source_url.str.extract(r"//([^/]+)/")[0]) == {
        "www.stats.gov.cn"}
    assert sum(sources.counts(everything).values()) == len(bundled) == 144


def test_first_hand_filter_keeps_only_official_releases():
    frame = pd.DataFrame({
        "period": ["2021", "2022", "2023", "2024"],
        "source": ["湖南省统计局", "mirror", "红网", "平江县政府网转载"],
        "source_url": ["http://tjj.hunan.gov.cn/a.html", "http://hedianzhan.com.cn/b.html",
                       "https://hn.rednet.cn/c.html", "https://pingjiang.gov.cn/d.html"],
    })
    kept = sources.first_hand_only(frame)
    assert kept.period.tolist() == ["2021"]
    assert kept.source_class.tolist() == ["first_hand"]
    assert sources.first_hand_only(frame.iloc[1:]).empty
    assert sources.counts(frame) == {"first_hand": 1, "official_reprint": 1, "news": 1, "secondary": 1}


def test_annotate_classes_each_row_and_keeps_the_rows():
    frame = pd.DataFrame({"source": ["红网", None, "红网"],
                          "source_url": ["https://hn.rednet.cn/x", None, "https://hn.rednet.cn/x"],
                          "value": [1.0, 2.0, 3.0]})
    out = sources.annotate(frame)
    assert out.source_class.tolist() == ["news", "secondary", "news"]
    assert out.value.tolist() == [1.0, 2.0, 3.0] and "source_class" not in frame.columns


def test_class_words_exist_in_both_languages():
    for code in sources.CLASSES:
        assert sources.label(code, "zh") != sources.label(code, "en")
        assert sources.label(code, "zh") == t(f"source_class.{code}", "zh")
    assert [sources.label(c) for c in sources.CLASSES] == ["官方发布", "官方转载", "新闻报道", "二手汇编"]
    assert sources.label(None) == ""
    assert "官方发布" in t("method.source_classes", "zh") and "Official release" in t("method.source_classes", "en")


def test_store_frames_and_the_export_carry_the_class(db_path):
    with Reader(db_path) as reader:
        everything = store.observations(reader, "official")
        exported = store.export_frame(reader, "official")
        page, _ = store.find_observations(reader, "official", search="tjj.hunan.gov.cn")
        keys = [f"{r.indicator_id}|{r.region_code}|{r.period_type}|{r.period}"
                for r in everything.head(5).itertuples()]
        prov = store.provenance(reader, "official", keys)
    assert "source_class" not in everything.columns  # the engine's and charts' reads stay as they were
    for frame in (exported, page, prov):
        assert "source_class" in frame.columns
        assert set(frame.source_class) <= set(sources.CLASSES)
    assert len(page) and set(page.source_class) <= {"first_hand", "official_reprint"}
    # the stored figures are classed as the bundled file's rows are
    stored = exported[~exported.source.isna()]
    assert (stored.source_class == [sources.classify(s, u) for s, u in zip(stored.source, stored.source_url)]).all()


def test_labels_name_each_rows_class_in_the_language():
    frame = pd.DataFrame({"source": ["国家统计局", "x"], "source_url": ["https://www.stats.gov.cn/a", ""]})
    assert sources.labels(frame, "zh") == ["官方发布", "二手汇编"]
    assert sources.labels(sources.annotate(frame), "en") == ["Official release", "Secondary compilation"]
