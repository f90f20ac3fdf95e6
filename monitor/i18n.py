"""One message catalog for every UI string, in Chinese (default) and English.

Catalogs live in monitor/locales/{zh,en}.toml as nested tables; keys are dotted paths
("overview.title"). `t()` falls back to Chinese, then to the key itself, so a missing English
string shows up visibly instead of crashing; tests check both catalogs have the same keys.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{lang}.toml"
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params) -> str:
    """The message for `key` in `lang`, formatted with `params` (str.format syntax)."""
    lang = normalise_language(lang)
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**params) if params else text


def pick(row, field: str, lang: str) -> str:
    """A bilingual field of a registry row: `name_zh`/`name_en` style, falling back to Chinese."""
    lang = normalise_language(lang)
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    value = get(f"{field}_{lang}")
    if value is None or value != value:  # None or NaN
        value = get(f"{field}_zh")
    return "" if value is None or value != value else str(value)


def choose(lang: str, zh, en):
    """Of a text stored in both languages (a log message, an import problem), the one for `lang`; the English
    one where the Chinese is missing (rows written before the catalog had it). Works on values and Series."""
    if normalise_language(lang) != "zh":
        return en
    if hasattr(zh, "fillna"):
        return zh.fillna(en)
    return zh if isinstance(zh, str) and zh else en
