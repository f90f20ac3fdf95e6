"""Which regions the monitor shows: the province, its prefectures, and the names to show them by.

One place for the lists the pages offer (they were rebuilt from the regions table in five places), read
from the registry's regions frame (``store.regions`` / ``registry.read_regions``: code, name_zh,
short_name_zh, name_en, level, parent_code); the province is ``config.PROVINCE_CODE``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .config import PROVINCE_CODE
from .i18n import pick


def province_code() -> str:
    """The province the plans are Hunan's: its region code."""
    return PROVINCE_CODE


def prefectures(regions: pd.DataFrame, province: str | None = None) -> list[str]:
    """Codes of the province's prefectures (市州), in the order of the regions frame (by code)."""
    parent = province or PROVINCE_CODE
    return regions[(regions.level == "prefecture") & (regions.parent_code == parent)].code.tolist()


def region_choices(regions: pd.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    """The province, then its prefectures, then any of `extra` not yet listed (in the order given, once each):
    what a page offers to choose from (extra: regions with their own targets, or with data)."""
    options = [PROVINCE_CODE, *prefectures(regions)]
    listed = set(options)
    for code in extra:
        if code not in listed:
            options.append(code)
            listed.add(code)
    return options


def short_names(regions: pd.DataFrame, lang: str) -> dict[str, str]:
    """Region code → the short name in `lang` (长沙 for 长沙市), else the full name in `lang`.

    The registry has short names in Chinese only; an English short name falls back to the English name
    (Changsha), never to the Chinese short name.
    """
    out: dict[str, str] = {}
    for row in regions.itertuples(index=False):
        short = getattr(row, f"short_name_{lang}", None)
        out[row.code] = short if isinstance(short, str) and short else pick(row, "name", lang)
    return out
