"""How quotable a figure's source is: each source classed from a checked-in table of sites and publishers.

Classes (codes; words in the catalog under `source_class.*`):
- first_hand — 官方发布: the publisher's own site (statistics bureaus, customs, commerce, governments), or a
  responsible department's own returned task-ledger table (重点任务推进情况表, a figure it reported);
- official_reprint — 官方转载: an official text or report carried by another government or official site;
- news — 新闻报道: a news report (Xinhua, 人民网, 红网, newspapers' own sites);
- secondary — 二手汇编: a mirror, a repost on an unrelated site, a machine translation, a commercial
  compilation, or a figure with no link to check.

The rules are data (`data/source_classes.csv`): `host` matches the link's host or any of its subdomains
(empty: any host, and a figure without a link), `source_contains` a piece of the source text (empty: any);
the first matching row decides. A link missing from `source_url` is taken from the source text.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from .i18n import t

TABLE = Path(__file__).resolve().parent.parent / "data" / "source_classes.csv"
CLASSES = ("first_hand", "official_reprint", "news", "secondary")
FIRST_HAND = "first_hand"
COLUMN = "source_class"
_URL = re.compile(r"https?://[^\s,;，；()（）]+", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    host: str
    source_contains: str
    code: str
    publisher: str
    note: str

    def matches(self, host: str, source: str) -> bool:
        if self.host and not (host == self.host or host.endswith("." + self.host)):
            return False
        return not self.source_contains or self.source_contains.lower() in source.lower()


@lru_cache(maxsize=4)
def rules(path: str | None = None) -> tuple[Rule, ...]:
    """The table's rows in order; a row with an unknown class or a table without a catch-all is an error."""
    table = Path(path) if path else TABLE
    with table.open(encoding="utf-8", newline="") as handle:
        rows = [Rule(host=(r["host"] or "").strip().lower(), source_contains=(r["source_contains"] or "").strip(),
                     code=(r["class"] or "").strip(), publisher=(r["publisher"] or "").strip(),
                     note=(r["note"] or "").strip())
                for r in csv.DictReader(handle)]
    for number, rule in enumerate(rows, start=2):
        if rule.code not in CLASSES:
            raise ValueError(f"{table.name} 第{number}行：未知的来源类别“{rule.code}” / "
                             f"line {number}: unknown source class {rule.code!r} (one of {', '.join(CLASSES)})")
    if not rows or rows[-1].host or rows[-1].source_contains:
        raise ValueError(f"{table.name}：最后一行须为兜底规则（host、source_contains 均为空） / "
                         "the last row must be the catch-all (empty host and source_contains)")
    return tuple(rows)


def host_of(source: str | None, source_url: str | None) -> str:
    """The link's host, lower-case, without port, trailing dot or credentials; from the source text if no URL."""
    url = source_url.strip() if isinstance(source_url, str) else ""
    if not url and isinstance(source, str):
        found = _URL.search(source)
        url = found.group(0) if found else ""
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def rule_for(source: str | None, source_url: str | None) -> Rule:
    host = host_of(source, source_url)
    text = source if isinstance(source, str) else ""
    for rule in rules():
        if rule.matches(host, text):
            return rule
    return rules()[-1]  # unreachable: the last rule matches everything


@lru_cache(maxsize=4096)
def _classify(source: str, source_url: str) -> str:
    return rule_for(source, source_url).code


def classify(source: str | None, source_url: str | None) -> str:
    """The class code of a figure's source: first_hand, official_reprint, news or secondary."""
    return _classify(source if isinstance(source, str) else "", source_url if isinstance(source_url, str) else "")


def label(code: str | None, lang: str = "zh") -> str:
    return t(f"source_class.{code}", lang) if code in CLASSES else ""


def annotate(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a `source_class` column (from its `source` and `source_url` columns), classed once per
    distinct source, not once per row."""
    if "source" not in frame.columns:
        return frame
    # factorised per column, then per pair of codes (missing values are code -1): vectorised, no per-row Python
    text_codes, text_values = pd.factorize(frame["source"])
    if "source_url" in frame.columns:
        url_codes, url_values = pd.factorize(frame["source_url"])
    else:
        url_codes, url_values = np.full(len(frame), -1), []
    width = len(url_values) + 1
    pair_codes, pairs = pd.factorize((text_codes.astype(np.int64) + 1) * width + (url_codes + 1))

    def value(values, code):
        return values[code - 1] if code > 0 else ""
    classes = np.array([classify(value(text_values, p // width), value(url_values, p % width)) for p in pairs],
                       dtype=object)
    return frame.assign(**{COLUMN: classes[pair_codes] if len(frame) else pd.Series([], dtype=object)})


def labels(frame: pd.DataFrame, lang: str = "zh") -> list[str]:
    """The class of each row in words (the provenance tables' 来源类别 column)."""
    classed = frame if COLUMN in frame.columns else annotate(frame)
    return [label(code, lang) for code in classed[COLUMN]] if COLUMN in classed.columns else [""] * len(frame)


def first_hand_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows whose source is first-hand (the "仅显示一手来源" filter); classed here if not yet classed."""
    classed = frame if COLUMN in frame.columns else annotate(frame)
    return classed[classed[COLUMN] == FIRST_HAND]


def counts(frame: pd.DataFrame) -> dict[str, int]:
    """Figures per class, every class present (zero where none)."""
    classed = frame if COLUMN in frame.columns else annotate(frame)
    found = classed[COLUMN].value_counts()
    return {code: int(found.get(code, 0)) for code in CLASSES}
