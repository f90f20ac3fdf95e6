"""One catalog for every UI string: both languages have the same keys, and every key the code uses exists."""

import re

from monitor.i18n import catalog, pick, t
from tests.conftest import PROJECT_ROOT

# t("literal.key", ...) calls; f-string keys are checked by listing their expansions below.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")
DYNAMIC_PREFIXES = {
    "status.": ["achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na", "not_scored"],
    "status_help.": ["achieved", "on_track", "accelerate", "lagging", "reversing", "missed", "na", "not_scored"],
    "qualifier.": ["estimate", "stale", "base_substituted", "series_break"],
    "qualifier_help.": ["estimate", "stale", "base_substituted", "series_break"],
    "period_type.": ["annual", "ytd", "month"],
    "data_status.": ["preliminary", "final", "revised", "none"],
    "dataset.": ["official", "demo"],
    "chart.series.": ["observed", "path", "projection"],
    "nav.": ["overview", "indicator", "prefectures", "data", "method"],
    "measure.": ["level", "growth", "share", "per_capita", "contribution"],
}


def source_files():
    for folder in ("app.py", "pages", "ui", "monitor"):
        path = PROJECT_ROOT / folder
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def test_both_catalogs_have_the_same_keys():
    zh, en = set(catalog("zh")), set(catalog("en"))
    assert zh - en == set(), f"missing in en.toml: {sorted(zh - en)}"
    assert en - zh == set(), f"missing in zh.toml: {sorted(en - zh)}"


def test_every_literal_key_used_in_code_exists():
    keys = set(catalog("zh"))
    used = {m for f in source_files() for m in LITERAL_KEY.findall(f.read_text(encoding="utf-8"))}
    assert used, "the scan found no t() calls at all"
    assert used - keys == set()


def test_dynamic_keys_exist():
    keys = set(catalog("zh"))
    for prefix, names in DYNAMIC_PREFIXES.items():
        for name in names:
            assert prefix + name in keys


def test_translation_and_fallback():
    assert t("status.achieved", "zh") == "已完成"
    assert t("status.achieved", "en") == "Target achieved"
    assert t("status.achieved", "fr") == "已完成"  # unknown language → Chinese
    assert t("no.such.key", "en") == "no.such.key"
    assert "2025-06" in t("overview.as_of", "en", as_of="2025-06", dataset="x")


def test_pick_bilingual_fields():
    row = {"name_zh": "长沙市", "name_en": "Changsha"}
    assert pick(row, "name", "en") == "Changsha" and pick(row, "name", "zh") == "长沙市"
    assert pick({"name_zh": "长沙市", "name_en": None}, "name", "en") == "长沙市"
