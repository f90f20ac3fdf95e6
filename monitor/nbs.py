"""Client for the National Bureau of Statistics (NBS) new data-release library.

One concern, kept whole on purpose (issue 10): the NBS portal's protocol, its catalogue, parsing, pacing and
archives; split, each part would need the others' private details.

Targets 国家统计局 新版数据发布库 (launched 2026-03-27) under
``/dg/website/publicrelease/web/external``. The legacy ``easyquery.htm`` API is
retired (403 ``reason:UrlACL``) and is deliberately not spoken here.

Layers, so every part can be tested without the network:

* pure request builders returning ``(method, path, params, json_body)``;
* pure parsers (``parse_esdata``, ``parse_period``, ``parse_value``,
  ``normalize_label``, ``resolve_fields``, ``assemble_rows``);
* :class:`NbsClient`, one ``requests.Session`` with browser-like headers,
  pacing, retries and the error taxonomy below;
* :func:`fetch_nbs`, which drives the checked-in registry
  (``data/nbs_registry.toml``) and returns a long-format :class:`FetchResult`.

Nothing in this module imports streamlit or touches the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import pandas as pd
import requests

from .i18n import t

__all__ = [
    "DEFAULT_BASE_URL", "API_PREFIX", "PATH_ESDATA", "PATH_ESDATA_ALT", "PATH_INDEX_TREE",
    "PATH_INDICATORS", "PATH_LATEST_DT", "PATH_DA_CATALOGS", "PATH_DAS", "PORTAL_PAGE_PATH",
    "REGISTRY_PATH", "COLUMNS", "PROVINCES",
    "NbsError", "SourceUnavailable", "RateLimited", "BlockedByWAF", "ServiceErrorPage", "EndpointRetired",
    "EndpointMoved", "BadRequest", "NoDataForPeriods", "MalformedResponse", "ApiError", "SchemaDrift",
    "NbsConfig", "NbsClient", "Archive", "ReplaySession", "replay_client", "PAGE_ROUTES", "ApiResponse", "FetchResult",
    "SeriesSpec", "FieldSpec",
    "period_token", "build_dts", "region_da", "build_index_tree_request",
    "build_indicators_request", "build_latest_dt_request", "build_da_catalog_request",
    "build_das_request", "build_esdata_request",
    "parse_period", "parse_value", "parse_latest_dt", "normalize_label", "indicator_label", "check_envelope",
    "parse_esdata", "classify_html", "match_tree_nodes", "resolve_fields", "assemble_rows",
    "load_registry", "fetch_nbs", "empty_rows",
]

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

DEFAULT_BASE_URL = "https://data.stats.gov.cn"
API_PREFIX = "/dg/website/publicrelease/web/external"
PATH_ESDATA = f"{API_PREFIX}/stream/esData"
PATH_ESDATA_ALT = f"{API_PREFIX}/getEsDataByCidAndDt"  # earlier name; fallback only
PATH_INDEX_TREE = f"{API_PREFIX}/new/queryIndexTreeAsync"
PATH_INDICATORS = f"{API_PREFIX}/new/queryIndicatorsByCid"
PATH_LATEST_DT = f"{API_PREFIX}/new/queryDtByCid"
PATH_DA_CATALOGS = f"{API_PREFIX}/getDaCatalogTreeByIndicatorCid"
PATH_DAS = f"{API_PREFIX}/getDasByDaCatalogId"
PORTAL_PAGE_PATH = "/dg/website/page.html"
DATA_PATHS = frozenset({PATH_ESDATA, PATH_ESDATA_ALT})

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "data" / "nbs_registry.toml"

OK_STATE = 20000
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36"
)
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

#: Exact output columns of :func:`fetch_nbs` rows, in order.
COLUMNS = (
    "indicator", "region", "period", "period_type", "value", "unit", "yoy_pct",
    "source", "source_url", "quote", "status", "note", "fetched_at",
)
PERIOD_TYPES = ("annual", "ytd", "month")
MEASURES = {
    # measure -> the output column it feeds
    "current_value": "value",
    "cumulative_value": "value",
    "yoy": "yoy_pct",
    "cumulative_growth": "yoy_pct",
}
MISSING_MARKERS = frozenset({"", "无", "-", "--", "…"})
PERIOD_RE = re.compile(r"^(\d{4})(\d{2})(MM|SS)$|^(\d{4})YY$")
_STRIP_CHARS = {",": "", "\u3000": "", "\xa0": ""}
_STRIP_TABLE = str.maketrans(_STRIP_CHARS)
_LABEL_BRACKETS = str.maketrans({"（": "(", "）": ")", "－": "-", "—": "-", "–": "-", "～": "-", "~": "-"})
#: A time-sliced leaf's suffix, after normalize_label: "(2021-2025)", "(2026-)", open starts
#: "(-2015)", open ends "(2018-至今)" / "(2018年-至今)" (real node names, see
#: tests/fixtures/nbs/real/tree_cache_subset.json).
_SLICE_RE = re.compile(r"^(?P<base>.*)\((?P<start>\d{4})?年?-(?P<end>\d{4}|至今)?年?\)$")

#: The 31 provincial-level regions, as (12-digit NBS code, show name).
PROVINCES: tuple[tuple[str, str], ...] = tuple(
    (f"{code}000000", name)
    for code, name in (
        ("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省"), ("140000", "山西省"),
        ("150000", "内蒙古自治区"), ("210000", "辽宁省"), ("220000", "吉林省"),
        ("230000", "黑龙江省"), ("310000", "上海市"), ("320000", "江苏省"), ("330000", "浙江省"),
        ("340000", "安徽省"), ("350000", "福建省"), ("360000", "江西省"), ("370000", "山东省"),
        ("410000", "河南省"), ("420000", "湖北省"), ("430000", "湖南省"), ("440000", "广东省"),
        ("450000", "广西壮族自治区"), ("460000", "海南省"), ("500000", "重庆市"),
        ("510000", "四川省"), ("520000", "贵州省"), ("530000", "云南省"), ("540000", "西藏自治区"),
        ("610000", "陕西省"), ("620000", "甘肃省"), ("630000", "青海省"),
        ("640000", "宁夏回族自治区"), ("650000", "新疆维吾尔自治区"),
    )
)
DAS_PRESETS = {"provinces": [{"text": name, "value": code} for code, name in PROVINCES]}


def _bi(key: str, **params: Any) -> str:
    """A message the user sees, in Chinese and English (words from monitor/locales/*.toml)."""
    return f"{t(key, 'zh', **params)} / {t(key, 'en', **params)}"


# --------------------------------------------------------------------------------------
# Errors (the error table: docs/nbs.md §5)
# --------------------------------------------------------------------------------------


class NbsError(Exception):
    """Base class: every failure of this client is one of its subclasses."""


class SourceUnavailable(NbsError):
    """Timeouts, connection failures or persistent 5xx after all retries."""


class RateLimited(NbsError):
    """HTTP 429 that persisted through the retries (or asked for a very long wait)."""


class BlockedByWAF(NbsError):
    """The Wangsu WAF answered with an HTML page / challenge instead of JSON."""


class ServiceErrorPage(NbsError):
    """HTTP 200 with the portal's HTML "服务异常" error page: the path or the parameters are
    wrong (the portal's answer to a request it does not understand). Not a block; not retried."""


class EndpointRetired(NbsError):
    """403 with ``reason:UrlACL``: the legacy endpoint is switched off for good."""


class EndpointMoved(NbsError):
    """404 on a known API path (after trying the alternate data path)."""


class BadRequest(NbsError):
    """The server rejected the request itself (500 on the data endpoint, or a 4xx)."""


class NoDataForPeriods(BadRequest):
    """HTTP 500 from the data endpoint for periods the portal has not published: the portal
    answers a request wholly after its latest period with a 500, not with empty data."""


class MalformedResponse(NbsError):
    """The body claimed to be JSON but could not be decoded, or lacks the envelope."""


class ApiError(NbsError):
    """The JSON envelope reports failure (``success`` false or ``state`` != 20000)."""

    def __init__(self, state: Any, message: str, *, url: str = "") -> None:
        self.state = state
        self.api_message = message
        self.url = url
        where = f" from {url}" if url else ""
        super().__init__(
            f"NBS API returned an error envelope{where}: state={state!r}, message={message!r}. "
            "The request was understood but refused; check the body (cid, indicatorIds, dts, "
            "rootId) against data/nbs_registry.toml and docs/nbs.md."
        )


class SchemaDrift(NbsError):
    """The catalogue no longer matches the registry (missing id, changed label or unit)."""


# --------------------------------------------------------------------------------------
# Pure request builders
# --------------------------------------------------------------------------------------

Request = tuple[str, str, "dict[str, str] | None", "dict[str, Any] | None"]


def period_token(freq: str, year: int, sub: int | None = None) -> str:
    """One NBS period token: ``("month", 2026, 8) -> "202608MM"``,
    ``("quarter", 2026, 4) -> "202604SS"``, ``("year", 2025) -> "2025YY"``."""
    year = int(year)
    if not 1900 <= year <= 2999:
        raise ValueError(f"year out of range: {year!r}")
    if freq == "year":
        if sub is not None:
            raise ValueError("annual tokens take no sub-period")
        return f"{year:04d}YY"
    if freq == "month":
        if sub is None or not 1 <= int(sub) <= 12:
            raise ValueError(f"month must be 1..12, got {sub!r}")
        return f"{year:04d}{int(sub):02d}MM"
    if freq == "quarter":
        if sub is None or not 1 <= int(sub) <= 4:
            raise ValueError(f"quarter must be 1..4, got {sub!r}")
        return f"{year:04d}{int(sub):02d}SS"
    raise ValueError(f"freq must be 'month', 'quarter' or 'year', got {freq!r}")


def _split_point(freq: str, point: int | tuple[int, int] | Sequence[int]) -> tuple[int, int | None]:
    if freq == "year":
        if isinstance(point, Sequence):  # a (year, month) pair, or any other sequence
            raise ValueError("annual dts points are plain years")
        return int(point), None
    if not isinstance(point, (tuple, list)) or len(point) != 2:
        raise ValueError(f"{freq} dts points are (year, {freq}) pairs, got {point!r}")
    return int(point[0]), int(point[1])


def build_dts(freq: str, start: int | tuple[int, int], end: int | tuple[int, int] | None = None) -> list[str]:
    """The ``dts`` field: ALWAYS a list (the WAF rejects the string form).

    ``build_dts("month", (2024, 1), (2026, 8)) == ["202401MM-202608MM"]``,
    ``build_dts("year", 2021, 2025) == ["2021YY-2025YY"]``; without ``end`` a
    single-period list such as ``["202607MM"]``.
    """
    y0, s0 = _split_point(freq, start)
    first = period_token(freq, y0, s0)
    if end is None:
        return [first]
    y1, s1 = _split_point(freq, end)
    last = period_token(freq, y1, s1)
    if (y1, s1 or 0) < (y0, s0 or 0):
        raise ValueError(f"dts range is reversed: {first} > {last}")
    return [first if first == last else f"{first}-{last}"]


def region_da(code: str, text: str) -> dict[str, str]:
    """One ``das`` entry; 6-digit GB/T 2260 codes are zero-padded to NBS's 12 digits."""
    code = str(code).strip()
    if re.fullmatch(r"\d{6}", code):
        code += "000000"
    if not re.fullmatch(r"\d{12}", code):
        raise ValueError(f"region code must have 6 or 12 digits, got {code!r}")
    return {"text": str(text), "value": code}


def build_index_tree_request(code: int | str, pid: str = "") -> Request:
    """Children of ``pid`` in database ``code`` (``pid=""`` returns the root)."""
    return ("GET", PATH_INDEX_TREE, {"pid": pid or "", "code": str(code)}, None)


def build_indicators_request(cid: str, *, dt: str = "", name: str = "") -> Request:
    """``GET new/queryIndicatorsByCid`` with what the portal's own page sends: ``cid``, ``dt``
    and ``name`` (``dt`` only filters the list, ``name`` is a keyword). No ``rootId``: no real
    client sends one (recorded calls send ``cid, dt, name`` or only ``cid``)."""
    return ("GET", PATH_INDICATORS, {"cid": cid, "dt": dt, "name": name}, None)


def build_latest_dt_request(cid: str, root_id: str) -> Request:
    return ("GET", PATH_LATEST_DT, {"cid": cid, "rootId": root_id}, None)


def build_da_catalog_request(indicator_cid: str) -> Request:
    return ("GET", PATH_DA_CATALOGS, {"indicatorCid": indicator_cid}, None)


def build_das_request(da_cid: str, *, root_id: str | None = None) -> Request:
    params = {"daCid": da_cid}
    if root_id:
        params["rootId"] = root_id
    return ("GET", PATH_DAS, params, None)


def build_esdata_request(
    cid: str,
    indicator_ids: Sequence[str],
    das: Sequence[Mapping[str, str]],
    dts: Sequence[str],
    root_id: str,
    *,
    show_type: str = "1",
    path: str = PATH_ESDATA,
) -> Request:
    """The ``POST stream/esData`` body, following every rule of docs/nbs.md §1:
    ``dts`` a list, ``daCatalogId`` empty, ``showType`` always present ("1" one region,
    "3" region matrix; "2" is latest-period-only and refused), 12-digit ``das``."""
    if isinstance(dts, str) or not isinstance(dts, Sequence):
        raise TypeError("dts must be a list of period tokens; the string form is blocked by the WAF")
    for token in dts:
        for part in str(token).split("-"):
            if not PERIOD_RE.match(part):
                raise ValueError(f"bad period token {part!r} in dts")
    show_type = str(show_type)
    if show_type not in ("1", "3"):
        raise ValueError("showType must be '1' (one region) or '3' (period x region); "
                         "'2' returns the latest period only")
    if not indicator_ids:
        raise ValueError("indicator_ids must not be empty")
    norm_das = [region_da(d["value"], d.get("text", "")) for d in das]
    if not norm_das:
        raise ValueError("das must list at least one region")
    if show_type == "1" and len(norm_das) != 1:
        raise ValueError("showType '1' serves one region; use '3' for several")
    body = {
        "cid": cid,
        "indicatorIds": list(indicator_ids),
        "daCatalogId": "",
        "das": norm_das,
        "showType": show_type,
        "dts": list(dts),
        "rootId": root_id,
    }
    return ("POST", path, None, body)


# --------------------------------------------------------------------------------------
# Pure parsers
# --------------------------------------------------------------------------------------


def parse_period(code: Any) -> tuple[str, int, int | None] | None:
    """``"202403MM" -> ("month", 2024, 3)``, ``"202404SS" -> ("quarter", 2024, 4)``,
    ``"2025YY" -> ("year", 2025, None)``; anything else (including the localized
    ``name``) -> ``None``."""
    if not isinstance(code, str):
        return None
    m = PERIOD_RE.match(code.strip())
    if not m:
        return None
    if m.group(4):
        return ("year", int(m.group(4)), None)
    year, sub, kind = int(m.group(1)), int(m.group(2)), m.group(3)
    if kind == "MM":
        return ("month", year, sub) if 1 <= sub <= 12 else None
    return ("quarter", year, sub) if 1 <= sub <= 4 else None


_TOKEN_IN_TEXT = re.compile(r"\d{6}(?:MM|SS)|\d{4}YY")


def parse_latest_dt(data: Any) -> tuple[str, int, int | None] | None:
    """The latest published period from a ``queryDtByCid`` answer (``{"dt_all": "202608MM",
    "dt_name": "2026年8月"}``); the newest token if ``dt_all`` holds several; ``None`` if absent."""
    if not isinstance(data, Mapping):
        return None
    parsed = [parse_period(tok) for tok in _TOKEN_IN_TEXT.findall(str(data.get("dt_all") or ""))]
    tokens = [tok for tok in parsed if tok is not None]
    return max(tokens, key=lambda p: (p[1], p[2] or 0)) if tokens else None


def _token_start(token: str) -> tuple[str, int, int | None] | None:
    return parse_period(str(token).split("-")[0])


def format_period(freq: str, year: int, sub: int | None) -> str:
    if freq == "year":
        return f"{year:04d}"
    if freq == "month":
        return f"{year:04d}-{sub:02d}"
    return f"{year:04d}Q{sub}"


def parse_value(raw: Any) -> Decimal | None:
    """A cell value. Missing markers ("", 无, -, --, …, None) -> ``None`` (never 0).
    Strips ``,``, U+3000 and U+00A0. Raises ``ValueError`` for any other non-number."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and raw != raw:  # NaN
            return None
        return Decimal(str(raw))
    text = str(raw).translate(_STRIP_TABLE).strip()
    if text in MISSING_MARKERS:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {raw!r}")
    return value


def normalize_label(label: Any) -> str:
    """Remove all whitespace (incl. U+3000) and map full-width brackets to ASCII."""
    return re.sub(r"\s+", "", str(label or "")).translate(_LABEL_BRACKETS)


def indicator_label(item: Mapping[str, Any]) -> str:
    """The label NBS shows for an indicator: ``i_showname`` only. ``_name`` is the *concept*
    (real recordings: ``_name`` "工业增加值" for "规上工业增加值同比增长 (%) ") and would pass
    for a wrong label, so there is no fallback: a missing ``i_showname`` is ``""``."""
    return str(item.get("i_showname") or "")


#: Markers of a Wangsu WAF challenge / block page (cookie scripts, JS checks, verification).
_CHALLENGE_MARKERS = ("wzws", "document.cookie", "location.reload", "challenge", "enable javascript",
                      "请开启javascript", "安全验证", "访问验证", "人机验证", "访问频率", "访问过于频繁")
#: Markers of the portal's own error page (wrong path or parameters).
_ERROR_PAGE_MARKERS = ("服务异常", "系统异常", "页面不存在", "页面找不到")


def classify_html(text: str) -> str:
    """``"challenge"`` for a WAF challenge/block page, ``"error_page"`` for the portal's
    "服务异常" error page, ``"unknown"`` otherwise (treated like a block, but worded so)."""
    low = text.lower()
    if any(m in low for m in _CHALLENGE_MARKERS):
        return "challenge"
    if any(m in text for m in _ERROR_PAGE_MARKERS):
        return "error_page"
    return "unknown"


def check_envelope(payload: Any, *, url: str = "") -> dict:
    """Validate the ``{success, state, message, data}`` envelope; return it."""
    if not isinstance(payload, dict) or ("success" not in payload and "state" not in payload):
        snippet = json.dumps(payload, ensure_ascii=False)[:200] if payload is not None else "null"
        raise MalformedResponse(
            f"Response from {url or 'NBS'} is JSON but has no success/state envelope "
            f"(first 200 chars: {snippet!r}). The API shape may have changed; re-check the "
            "protocol (docs/nbs.md) before trusting any data."
        )
    success = payload.get("success", True)
    state = payload.get("state", OK_STATE)
    try:
        state_ok = int(state) == OK_STATE
    except (TypeError, ValueError):
        state_ok = False
    if success is not True or not state_ok:
        raise ApiError(state, str(payload.get("message") or ""), url=url)
    return payload


def _region_of(item: Mapping[str, Any]) -> tuple[str | None, str]:
    code = item.get("areaCode") or item.get("da_value") or item.get("da")
    name = item.get("area") or item.get("da_name") or ""
    return (str(code).strip() if code else None), str(name).strip()


def parse_esdata(
    payload: Any,
    expected_indicator_ids: Iterable[str],
    *,
    requested_regions: Iterable[str] | None = None,
    warnings: list[str] | None = None,
    expected_cid: str | None = None,
    expected_units: Mapping[str, str] | None = None,
    requested_dts: Sequence[str] | None = None,
) -> list[dict]:
    """Flatten a ``stream/esData`` response into one dict per (period, indicator, region).

    ``payload`` is the whole envelope (or just its ``data`` list). Only items whose
    ``_id`` is in ``expected_indicator_ids`` are kept. Works for ``showType`` "1"
    (``da``/``da_name``) and "3" (``area``/``areaCode``). Each dict has: ``period_code,
    freq, year, sub, period, indicator_id, label, value`` (Decimal or None), ``raw_value,
    unit`` (``du_name``), ``region_code`` (12 digits), ``region_name``. Cells in regions
    not requested, unknown period codes and unparseable values are reported in
    ``warnings`` (values are then kept as missing, never 0).

    Per-value identity checks: a value whose ``catalogid`` is not ``expected_cid``, whose
    ``du_name`` is not its indicator's unit in ``expected_units``, or whose period lies
    outside ``requested_dts`` is dropped with a warning. Two *different* values for one cell
    (period, indicator, region) leave it unresolved (``value`` None, ``conflict`` True) with
    a warning — never "last one wins"; an identical repeat is ignored.
    """
    warn = warnings if warnings is not None else []
    expected = set(expected_indicator_ids)
    requested = [str(r) for r in requested_regions] if requested_regions is not None else None
    data = payload.get("data") if isinstance(payload, dict) else payload
    if data is None:
        data = []
    if not isinstance(data, list):
        raise MalformedResponse(f"esData 'data' should be a list of period blocks, got {type(data).__name__}")
    rows: list[dict] = []
    dropped_regions: dict[str, int] = {}
    mismatches: dict[tuple[str, str, str], int] = {}
    seen: dict[tuple[str, str, str], dict] = {}
    windows = []
    for tok in requested_dts or ():
        lo, _, hi = str(tok).partition("-")
        lo_p, hi_p = parse_period(lo), parse_period(hi or lo)
        if lo_p and hi_p:
            windows.append((lo_p[0], (lo_p[1], lo_p[2] or 0), (hi_p[1], hi_p[2] or 0)))
    for block in data:
        if not isinstance(block, dict):
            raise MalformedResponse(f"esData period block should be an object, got {type(block).__name__}")
        code = block.get("code")
        parsed = parse_period(code)
        if parsed is None:
            warn.append(f"skipped a period block with unrecognised code {code!r} (name {block.get('name')!r})")
            continue
        freq, year, sub = parsed
        if windows and not any(f == freq and lo <= (year, sub or 0) <= hi for f, lo, hi in windows):
            n = sum(1 for it in block.get("values") or [] if isinstance(it, dict) and it.get("_id") in expected)
            if n:
                k = ("period", str(code), ", ".join(str(t) for t in requested_dts or ()))
                mismatches[k] = mismatches.get(k, 0) + n
            continue
        for item in block.get("values") or []:
            if not isinstance(item, dict):
                continue
            ind_id = item.get("_id")
            if ind_id not in expected:
                continue
            region_code, region_name = _region_of(item)
            if region_code is None and requested is not None and len(requested) == 1:
                region_code = requested[0]
            if region_code is None:
                warn.append(f"{code}: value for indicator {ind_id} has no region; dropped")
                continue
            if requested is not None and region_code not in requested:
                key = f"{region_code} {region_name}".strip()
                dropped_regions[key] = dropped_regions.get(key, 0) + 1
                continue
            cat = str(item.get("catalogid") or "").strip()
            if expected_cid and cat and cat != expected_cid:
                k = ("catalog", cat, expected_cid)
                mismatches[k] = mismatches.get(k, 0) + 1
                continue
            unit = str(item.get("du_name") or "").strip()
            want_unit = (expected_units or {}).get(ind_id)
            if want_unit and unit and unit != want_unit:
                k = ("unit", f"{ind_id} {unit}", want_unit)
                mismatches[k] = mismatches.get(k, 0) + 1
                continue
            raw = item.get("value")
            try:
                value = parse_value(raw)
            except ValueError:
                warn.append(f"{code}: unparseable value {raw!r} for indicator {ind_id} "
                            f"in {region_code}; stored as missing")
                value = None
            cell_key = (str(code), str(ind_id), region_code)
            if cell_key in seen:
                first = seen[cell_key]
                if first["value"] != value and not first.get("conflict"):
                    warn.append(_bi("nbs.conflicting_values", period=code, indicator=ind_id, region=region_code,
                                    first=first["raw_value"], second=raw))
                    first.update(value=None, conflict=True, raw_value=[first["raw_value"], raw])
                continue
            rows.append({
                "period_code": code,
                "freq": freq,
                "year": year,
                "sub": sub,
                "period": format_period(freq, year, sub),
                "indicator_id": ind_id,
                "label": indicator_label(item),
                "value": value,
                "raw_value": raw,
                "unit": str(item.get("du_name") or ""),
                "region_code": region_code,
                "region_name": region_name,
            })
            seen[cell_key] = rows[-1]
    for (what, got, want), n in sorted(mismatches.items()):
        warn.append(_bi("nbs.identity_mismatch", n=n, what=what, got=got, want=want))
    for key, n in sorted(dropped_regions.items()):
        warn.append(f"dropped {n} value(s) for region {key}, which was not requested "
                    "(if this is 北京, NBS ignored 'das': is daCatalogId non-empty?)")
    return rows


def _node_name(node: Mapping[str, Any]) -> str:
    return str(node.get("name") or node.get("_name") or "")


def match_tree_nodes(nodes: Iterable[Mapping[str, Any]], label: str, *, allow_slices: bool = False,
                     warnings: list[str] | None = None) -> list[dict]:
    """Catalogue nodes whose normalized name equals ``label``; with ``allow_slices`` also
    time-sliced leaves such as ``社会消费品零售总额(2021-2025)``, ``(2026-)``, ``(-2015)``,
    ``(2018-至今)`` (full-width brackets/dashes and stray spaces allowed). A node that starts
    with the label and a bracket but whose suffix is not a recognisable slice is reported
    in ``warnings``, never dropped silently."""
    want = normalize_label(label)
    out = []
    for node in nodes:
        name = normalize_label(_node_name(node))
        if name == want:
            out.append(dict(node))
        elif allow_slices:
            m = _SLICE_RE.match(name)
            if m and m.group("base") == want and (m.group("start") or m.group("end")):
                out.append(dict(node))
            elif name.startswith(want + "(") and warnings is not None:
                warnings.append(_bi("nbs.slice_unrecognised", name=_node_name(node).strip(),
                                    id=node.get("_id"), label=label))
    return out


def _slice_years(node: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(first year, last year) of a catalogue leaf; ``None`` for an open start or end."""
    name = normalize_label(_node_name(node))
    m = _SLICE_RE.match(name)
    if m and (m.group("start") or m.group("end")):
        start = int(m.group("start")) if m.group("start") else None
        end = int(m.group("end")) if m.group("end") and m.group("end").isdigit() else None
        return start, end

    def year_of(v: Any) -> int | None:
        m2 = re.match(r"\s*(\d{4})", str(v or ""))
        return int(m2.group(1)) if m2 else None

    return year_of(node.get("sdate")), year_of(node.get("edate"))


def _is_leaf(node: Mapping[str, Any]) -> bool:
    v = node.get("isLeaf")
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "y", "yes")
    return bool(v)


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One NBS indicator (measure) and the output slot it feeds."""

    expected_label: str
    measure: str
    unit: str
    indicator: str
    period_type: str
    column: str
    indicator_id: str | None = None
    candidate_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesSpec:
    name: str
    title: str
    database_code: int
    root_id: str
    frequency: str  # "month" | "year"
    show_type: str
    das: tuple[dict, ...]
    fields: tuple[FieldSpec, ...]
    cid: str | None = None
    tree_path: tuple[str, ...] = ()
    core: bool = False


def _req(table: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise ValueError(f"registry: {where} lacks required key {key!r}")
    return table[key]


def load_registry(path: str | os.PathLike | None = None) -> dict[str, SeriesSpec]:
    """Load and validate ``data/nbs_registry.toml`` (see that file for the format)."""
    path = Path(path) if path is not None else REGISTRY_PATH
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    if doc.get("schema_version") != 1:
        raise ValueError(f"registry {path}: unsupported schema_version {doc.get('schema_version')!r}")
    out: dict[str, SeriesSpec] = {}
    for name, tbl in (doc.get("series") or {}).items():
        where = f"series.{name}"
        freq = _req(tbl, "frequency", where)
        if freq not in ("month", "year"):
            raise ValueError(f"registry: {where}.frequency must be 'month' or 'year'")
        cid = tbl.get("cid")
        tree_path = tuple(tbl.get("tree_path") or ())
        if bool(cid) == bool(tree_path):
            raise ValueError(f"registry: {where} needs exactly one of 'cid' or 'tree_path'")
        if "das_preset" in tbl:
            preset = tbl["das_preset"]
            if preset not in DAS_PRESETS:
                raise ValueError(f"registry: {where}.das_preset {preset!r} unknown")
            das = tuple(DAS_PRESETS[preset])
        else:
            das = tuple(region_da(d["value"], d["text"]) for d in _req(tbl, "das", where))
        fields = []
        slots = set()
        for i, f in enumerate(_req(tbl, "fields", where)):
            fw = f"{where}.fields[{i}]"
            measure = _req(f, "measure", fw)
            if measure not in MEASURES:
                raise ValueError(f"registry: {fw}.measure {measure!r} not in {sorted(MEASURES)}")
            column = _req(f, "column", fw)
            if column != MEASURES[measure]:
                raise ValueError(f"registry: {fw}: measure {measure!r} feeds {MEASURES[measure]!r}, not {column!r}")
            ptype = _req(f, "period_type", fw)
            if ptype not in PERIOD_TYPES:
                raise ValueError(f"registry: {fw}.period_type must be one of {PERIOD_TYPES}")
            if (ptype == "annual") != (freq == "year"):
                raise ValueError(f"registry: {fw}: period_type {ptype!r} does not fit frequency {freq!r}")
            ind_id = f.get("indicator_id")
            cands = tuple(f.get("candidate_ids") or ())
            if ind_id and cands:
                raise ValueError(f"registry: {fw} has both indicator_id and candidate_ids")
            if cid and not (ind_id or cands):
                raise ValueError(f"registry: {fw} needs indicator_id or candidate_ids (series has a fixed cid)")
            spec = FieldSpec(
                expected_label=_req(f, "expected_label", fw), measure=measure,
                unit=_req(f, "unit", fw), indicator=_req(f, "indicator", fw),
                period_type=ptype, column=column, indicator_id=ind_id or None, candidate_ids=cands,
            )
            slot = (spec.indicator, spec.period_type, spec.column)
            if slot in slots:
                raise ValueError(f"registry: {where} feeds {slot} twice")
            slots.add(slot)
            fields.append(spec)
        if not fields:
            raise ValueError(f"registry: {where} has no fields")
        out[name] = SeriesSpec(
            name=name, title=str(tbl.get("title", name)), database_code=int(_req(tbl, "database_code", where)),
            root_id=_req(tbl, "root_id", where), frequency=freq, show_type=str(tbl.get("show_type", "1")),
            das=das, fields=tuple(fields), cid=cid or None, tree_path=tree_path, core=bool(tbl.get("core", False)),
        )
    if not out:
        raise ValueError(f"registry {path} defines no series")
    return out


# --------------------------------------------------------------------------------------
# Label / id resolution and row assembly (pure)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedField:
    field: FieldSpec
    indicator_id: str
    live_label: str
    live_unit: str


_FIX_HINT = ("Check the series on https://data.stats.gov.cn/dg/website/page.html and update "
             "data/nbs_registry.toml (id, expected_label or unit) once the meaning is confirmed.")


def resolve_fields(spec: SeriesSpec, cid: str, indicators: Sequence[Mapping[str, Any]]) -> list[ResolvedField]:
    """Confirm every registry field against a ``queryIndicatorsByCid`` list.

    A fixed ``indicator_id`` must be listed and its normalized label must equal
    ``expected_label``; ``candidate_ids`` (or, without ids, the whole list) are searched
    for exactly one item with the expected label. The unit (``du_name``), when NBS gives
    one, must equal the registry unit. Any mismatch raises :class:`SchemaDrift`.
    """
    by_id = {str(it.get("_id")): it for it in indicators if it.get("_id")}
    listed = "; ".join(f"{k}={indicator_label(v).strip()!r}" for k, v in list(by_id.items())[:12])
    out: list[ResolvedField] = []
    for f in spec.fields:
        want = normalize_label(f.expected_label)
        if f.indicator_id:
            item = by_id.get(f.indicator_id)
            if item is None:
                raise SchemaDrift(
                    f"series {spec.name!r}: indicator {f.indicator_id} ({f.expected_label}) is not "
                    f"listed under cid {cid} any more (queryIndicatorsByCid listed {len(by_id)}: "
                    f"{listed or 'nothing'}). NBS may have re-issued its ids. {_FIX_HINT}")
            got = normalize_label(indicator_label(item))
            if got != want:
                raise SchemaDrift(
                    f"series {spec.name!r}: indicator {f.indicator_id} under cid {cid} is now labelled "
                    f"{indicator_label(item)!r} (normalized {got!r}); the registry expects {want!r}. "
                    f"The series may have been redefined. {_FIX_HINT}")
        else:
            pool = [by_id[c] for c in f.candidate_ids if c in by_id] if f.candidate_ids else list(by_id.values())
            matches = [it for it in pool if normalize_label(indicator_label(it)) == want]
            if len(matches) != 1:
                scope = (f"candidates {list(f.candidate_ids)}" if f.candidate_ids else "the leaf")
                what = "no indicator" if not matches else f"{len(matches)} indicators"
                raise SchemaDrift(
                    f"series {spec.name!r}: {what} in {scope} of cid {cid} carry the label {want!r} "
                    f"(queryIndicatorsByCid listed {len(by_id)}: {listed or 'nothing'}). {_FIX_HINT}")
            item = matches[0]
        live_unit = str(item.get("du_name") or "").strip()
        if live_unit and live_unit != f.unit:
            raise SchemaDrift(
                f"series {spec.name!r}: indicator {item.get('_id')} now has unit {live_unit!r}; the "
                f"registry expects {f.unit!r}. Values would be mis-scaled. {_FIX_HINT}")
        out.append(ResolvedField(f, str(item["_id"]), indicator_label(item), live_unit))
    ids = [r.indicator_id for r in out]
    if len(set(ids)) != len(ids):
        raise SchemaDrift(f"series {spec.name!r}: two registry fields resolved to the same NBS id ({ids}). {_FIX_HINT}")
    return out


def _fmt_source(cid: str, value_id: str | None, yoy_id: str | None) -> str:
    parts = [f"cid={cid}"]
    if value_id:
        parts.append(f"indicator={value_id}")
    if yoy_id:
        parts.append(f"{'yoy_indicator' if value_id else 'indicator'}={yoy_id}")
    return f"国家统计局 数据发布库 ({', '.join(parts)})"


def assemble_rows(
    spec: SeriesSpec,
    cells: Iterable[Mapping[str, Any]],
    *,
    since_year: int,
    fetched_at: str,
    warnings: list[str] | None = None,
) -> list[dict]:
    """Turn parsed cells into output rows (dicts with exactly :data:`COLUMNS`).

    Each cell must carry, besides the :func:`parse_esdata` keys, ``field`` (its
    :class:`FieldSpec`), ``cid``, ``root_id`` and ``source_url``. A value and its growth
    rate for the same (indicator, region, period_type, period) share one row. January
    values are kept where present (NBS has published January empty only since 2012; an
    empty January simply makes no row). February month rows are dropped (NBS publishes only
    the Jan–Feb cumulative, which is the ``YYYY-02`` ytd row).
    Rows whose value and rate are both missing are dropped (counted in ``warnings``).
    The latest period with data of each (indicator, region, period_type) is marked
    ``preliminary``.
    """
    warn = warnings if warnings is not None else []
    want_freq = spec.frequency
    slots: dict[tuple, dict] = {}
    skipped_feb = 0
    for cell in cells:
        f: FieldSpec = cell["field"]
        if cell["freq"] != want_freq:
            warn.append(f"{cell['period_code']}: {cell['freq']} period in a {want_freq} series; skipped")
            continue
        if cell["year"] < since_year:
            continue
        has_value = cell["value"] is not None
        if want_freq == "month" and cell["sub"] == 2 and f.period_type == "month":
            skipped_feb += has_value
            continue
        region6 = str(cell["region_code"])[:6]
        key = (f.indicator, region6, f.period_type, cell["period"])
        slot = slots.setdefault(key, {
            "value": None, "yoy": None, "value_id": None, "yoy_id": None, "unit": None,
            "cid": cell["cid"], "root_id": cell["root_id"], "source_url": cell["source_url"],
            "da": cell["region_code"], "path": cell.get("path"),
        })
        col, id_col = ("value", "value_id") if f.column == "value" else ("yoy", "yoy_id")
        if slot[id_col] is not None:
            # a second cell for the same slot (e.g. two leaves overlapping): equal values agree;
            # different ones leave the slot unresolved, never "last one wins"
            if slot[col] != cell["value"] and not slot.get(f"{col}_conflict"):
                warn.append(_bi("nbs.conflicting_values", period=cell["period_code"],
                                indicator=f"{slot[id_col]}/{cell['indicator_id']}", region=cell["region_code"],
                                first=slot[col], second=cell["value"]))
                slot[col], slot[f"{col}_conflict"] = None, True
            continue
        if cell.get("conflict"):
            slot[f"{col}_conflict"] = True
        slot[col], slot[id_col] = cell["value"], cell["indicator_id"]
        if col == "value":
            slot["unit"] = cell.get("unit") or f.unit
            slot["cid"], slot["root_id"], slot["source_url"] = cell["cid"], cell["root_id"], cell["source_url"]
        elif slot["value_id"] is None:
            slot["cid"], slot["root_id"], slot["source_url"] = cell["cid"], cell["root_id"], cell["source_url"]
    if skipped_feb:
        warn.append(f"ignored {skipped_feb} February current-period value(s): NBS publishes only the "
                    "Jan–Feb cumulative (kept as the YYYY-02 ytd row)")
    value_units = {(f.indicator, f.period_type): f.unit for f in spec.fields if f.column == "value"}
    rows: list[dict] = []
    empty = 0
    for (indicator, region6, ptype, period), s in sorted(slots.items()):
        if s["value"] is None and s["yoy"] is None:
            empty += 1
            continue
        unit = s["unit"] or value_units.get((indicator, ptype)) or "%"
        note = {"cid": s["cid"], "indicator_id": s["value_id"] or s["yoy_id"], "root_id": s["root_id"]}
        if s["value_id"] and s["yoy_id"]:
            note["yoy_indicator_id"] = s["yoy_id"]
        note["da"] = s["da"]
        if s["path"]:
            note["path"] = s["path"]  # the catalogue path actually used
        rows.append({
            "indicator": indicator,
            "region": region6,
            "period": period,
            "period_type": ptype,
            "value": float(s["value"]) if s["value"] is not None else float("nan"),
            "unit": unit,
            "yoy_pct": float(s["yoy"]) if s["yoy"] is not None else float("nan"),
            "source": _fmt_source(s["cid"], s["value_id"], s["yoy_id"]),
            "source_url": s["source_url"],
            "quote": "",
            "status": "",
            "note": json.dumps(note, ensure_ascii=False, separators=(",", ":")),
            "fetched_at": fetched_at,
        })
    if empty:
        warn.append(f"{empty} period/region slot(s) had only empty or 无 cells (unpublished or "
                    "suppressed) and produced no rows")
    latest: dict[tuple, str] = {}
    for r in rows:
        k = (r["indicator"], r["region"], r["period_type"])
        latest[k] = max(latest.get(k, ""), r["period"])
    for r in rows:
        if latest[(r["indicator"], r["region"], r["period_type"])] == r["period"]:
            r["status"] = "preliminary"
    return rows


# --------------------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------------------


#: The portal page route of each database code (sent in the Referer, as the page would).
PAGE_ROUTES = {1: "monthData", 2: "quarterData", 3: "yearData", 4: "fsMonthData", 5: "fsQuarterData",
               6: "fsYearData", 7: "mainMonthData", 8: "mainYearData"}


def _canonical(method: str, path: str, params: Mapping[str, Any] | None, body: Any) -> str:
    return json.dumps([method.upper(), path, sorted((str(k), str(v)) for k, v in (params or {}).items()),
                       body], ensure_ascii=False, sort_keys=True)


class Archive:
    """Write every raw API response, with its request and a SHA-256 of the body, before it
    is parsed: ``NNNN_<endpoint>.json`` (request, status, content type, hash) beside
    ``NNNN_<endpoint>.body`` (the bytes as received). A failed parse can then be replayed
    (:class:`ReplaySession`) without asking the portal again."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.seq = len(list(self.dir.glob("[0-9]*.json")))

    def record(self, method: str, path: str, url: str, params: Mapping[str, Any] | None, body: Any,
               resp: requests.Response) -> Path:
        self.seq += 1
        stem = f"{self.seq:04d}_{path.rstrip('/').rsplit('/', 1)[-1]}"
        raw = resp.content or b""
        (self.dir / f"{stem}.body").write_bytes(raw)
        meta = {
            "method": method, "path": path, "url": url, "params": dict(params or {}), "request_body": body,
            "status": resp.status_code, "content_type": resp.headers.get("Content-Type", ""),
            "sha256": hashlib.sha256(raw).hexdigest(), "body_file": f"{stem}.body",
            "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        target = self.dir / f"{stem}.json"
        target.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return target


class ReplaySession:
    """A stand-in for ``requests.Session`` that answers from an :class:`Archive` directory:
    each request gets the next recorded answer to the same method, path, parameters and
    body (hash checked). A request that was not recorded is a ``requests.ConnectionError``."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.headers: requests.structures.CaseInsensitiveDict = requests.structures.CaseInsensitiveDict()
        self.cookies = requests.cookies.RequestsCookieJar()
        self.dir = Path(directory)
        self.queues: dict[str, list[dict]] = {}
        for meta_path in sorted(self.dir.glob("[0-9]*.json")):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            key = _canonical(meta["method"], meta["path"], meta["params"], meta["request_body"])
            self.queues.setdefault(key, []).append(meta)
        if not self.queues:
            raise ValueError(_bi("nbs.archive_empty", dir=self.dir))

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def request(self, method: str, url: str, params: Mapping[str, Any] | None = None, data: bytes | None = None,
                **_: Any) -> requests.Response:
        path = urlsplit(url).path
        body = json.loads(data) if data else None
        queue = self.queues.get(_canonical(method, path, params, body))
        if not queue:
            if path == PORTAL_PAGE_PATH:  # the warm-up page is not archived
                return self._response(200, b"<html></html>", "text/html", url)
            raise requests.ConnectionError(_bi("nbs.archive_miss", method=method.upper(), path=path,
                                               params=json.dumps(params or {}, ensure_ascii=False)))
        meta = queue.pop(0) if len(queue) > 1 else queue[0]
        raw = (self.dir / meta["body_file"]).read_bytes()
        if hashlib.sha256(raw).hexdigest() != meta["sha256"]:
            raise MalformedResponse(_bi("nbs.archive_hash", file=meta["body_file"]))
        return self._response(meta["status"], raw, meta["content_type"], meta["url"])

    @staticmethod
    def _response(status: int, raw: bytes, ctype: str, url: str) -> requests.Response:
        resp = requests.Response()
        resp.status_code, resp._content, resp.url = status, raw, url
        resp.headers = requests.structures.CaseInsensitiveDict({"Content-Type": ctype})
        return resp


def replay_client(directory: str | os.PathLike) -> "NbsClient":
    """A client that answers every request from an archive, without pauses or retries."""
    return NbsClient(NbsConfig(pace_s=0, max_retries=0, block_backoff_s=0, warm_up=False),
                     session=ReplaySession(directory),  # type: ignore[arg-type]  # answers as a Session does
                     sleep=lambda _s: None)


def _env_base_url() -> str:
    return (os.environ.get("NBS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def _env_verify() -> bool | str:
    bundle = os.environ.get("NBS_CA_BUNDLE")
    return bundle if bundle else True


@dataclass
class NbsConfig:
    """Connection settings. ``base_url`` defaults to ``$NBS_BASE_URL`` or the real host;
    paths always stay the real ones. ``verify`` may be a CA-bundle path
    (``$NBS_CA_BUNDLE``); verification is never switched off implicitly."""

    base_url: str = field(default_factory=_env_base_url)
    timeout: tuple[float, float] = (5, 30)
    verify: bool | str = field(default_factory=_env_verify)
    #: at least this long between requests (other maintained clients: >= 1.5 s; the portal
    #: blocks for 10-30 minutes after about a hundred quick requests) ...
    pace_s: float = 1.5
    #: ... plus a random 0..pace_jitter_s seconds, so the requests do not tick like a clock
    pace_jitter_s: float = 1.0
    max_retries: int = 3
    backoff_s: tuple[float, ...] = (0.5, 1.0, 2.0)
    jitter: float = 0.25  # extra random fraction of each backoff delay
    #: pause before the one retry after a WAF block or challenge (plus jitter)
    block_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0
    empty_data_retries: int = 2
    warm_up: bool = True
    user_agent: str = CHROME_UA
    esdata_path: str = PATH_ESDATA
    esdata_alt_path: str = PATH_ESDATA_ALT

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")


@dataclass
class ApiResponse:
    payload: dict
    url: str


class NbsClient:
    """One polite ``requests.Session`` against the NBS data-release API.

    ``sleep``, ``clock`` and ``rng`` are injectable so tests run instantly and
    deterministically. Non-fatal notices (source gaps, path fallbacks, failed warm-ups)
    collect in ``warnings``; :func:`fetch_nbs` drains them per series.
    """

    def __init__(
        self,
        config: NbsConfig | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        archive_dir: str | os.PathLike | None = None,
    ) -> None:
        self.config = config or NbsConfig()
        self.session = session or requests.Session()
        #: when set, every raw API response is written there with its request and a hash,
        #: before it is parsed (see :class:`Archive`; replay with :class:`ReplaySession`)
        self.archive = Archive(archive_dir) if archive_dir is not None else None
        #: the portal page route of the database being fetched (Referer), e.g. "monthData"
        self.route = ""
        self.sleep = sleep if sleep is not None else time.sleep  # looked up now: patchable in tests
        self.clock = clock
        self.rng = rng
        self.warnings: list[str] = []
        self._last_call: float | None = None
        self._warmed = False
        self._esdata_path = self.config.esdata_path
        #: cid -> ((freq, year, sub), name) of the latest period queryDtByCid reported
        self.latest_periods: dict[str, tuple[tuple[str, int, int | None], str]] = {}
        self.today: Callable[[], date] = lambda: datetime.now(timezone.utc).date()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.config.base_url))
        self.session.headers.update({
            "User-Agent": self.config.user_agent,
            "Accept": "application/json, text/plain, */*",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
            "Origin": origin,
            "Referer": f"{self.config.base_url}{PORTAL_PAGE_PATH}",
        })

    # -- plumbing ---------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        return f"{self.config.base_url}{path}"

    def drain_warnings(self) -> list[str]:
        out, self.warnings = self.warnings, []
        return out

    def _pace(self) -> None:
        pace = self.config.pace_s
        if pace > 0 and self._last_call is not None:
            wait = pace + self.config.pace_jitter_s * self.rng() - (self.clock() - self._last_call)
            if wait > 0:
                self.sleep(wait)
        self._last_call = self.clock()

    def _block_pause(self) -> None:
        """After a WAF block or challenge: wait ``block_backoff_s`` (+ jitter) before the retry."""
        base = self.config.block_backoff_s
        if base > 0:
            self.sleep(base + base * self.config.jitter * self.rng())

    def referer(self) -> str:
        page = f"{self.config.base_url}{PORTAL_PAGE_PATH}"
        return f"{page}#/pc/national/{self.route}" if self.route else page

    def _backoff(self, attempt: int, retry_after: float | None = None) -> None:
        if retry_after is not None:
            self.sleep(retry_after)
            return
        delays = self.config.backoff_s or (0.5,)
        base = delays[min(attempt, len(delays) - 1)]
        self.sleep(base + base * self.config.jitter * self.rng())

    def warm_up(self) -> None:
        """GET the portal page once to pick up the WAF cookie (``wzws_cid``)."""
        self._warmed = True
        self._pace()
        try:
            self.session.get(
                self.url_for(PORTAL_PAGE_PATH),
                headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
                timeout=self.config.timeout, verify=self.config.verify, allow_redirects=True,
            )
        except requests.RequestException as exc:
            self.warnings.append(f"warm-up GET {PORTAL_PAGE_PATH} failed ({type(exc).__name__}); continuing")

    @staticmethod
    def _retry_after(resp: requests.Response) -> float | None:
        raw = resp.headers.get("Retry-After")
        if not raw:
            return None
        raw = raw.strip()
        if raw.isdigit():
            return float(raw)
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())

    @staticmethod
    def _text(resp: requests.Response) -> str:
        if "charset" in resp.headers.get("Content-Type", "").lower():
            text = resp.text
        else:
            text = resp.content.decode("utf-8", errors="replace")
        return text.lstrip("\ufeff")

    def call(self, request: Request) -> ApiResponse:
        """Send one built request with pacing, retries and the error taxonomy."""
        method, path, params, body = request
        url = self.url_for(path)
        cfg = self.config
        if cfg.warm_up and not self._warmed:
            self.warm_up()
        is_data = path in DATA_PATHS or path in (cfg.esdata_path, cfg.esdata_alt_path)
        headers = {"Referer": self.referer()}
        data = None
        if method.upper() == "POST":
            headers["Content-Type"] = JSON_CONTENT_TYPE
            data = json.dumps(body if body is not None else {}, ensure_ascii=False).encode("utf-8")
        attempt = 0
        waf_retry_used = False
        while True:
            self._pace()
            try:
                resp = self.session.request(
                    method, url, params=params, data=data, headers=headers,
                    timeout=cfg.timeout, verify=cfg.verify, allow_redirects=True,
                )
            except requests.exceptions.SSLError as exc:
                raise SourceUnavailable(
                    f"TLS verification failed for {url}: {exc}. Some networks serve NBS with an "
                    "incomplete certificate chain: point NBS_CA_BUNDLE (NbsConfig.verify) at a CA "
                    "bundle that completes it; do not disable verification.") from exc
            except requests.TooManyRedirects as exc:
                if not waf_retry_used:
                    waf_retry_used = True
                    self._block_pause()
                    self.warm_up()
                    continue
                raise BlockedByWAF(
                    f"{url} kept redirecting (WAF 307 challenge loop) even after a warm-up GET of "
                    f"{PORTAL_PAGE_PATH}. Make sure cookies persist in the session, slow down, and "
                    "retry later.") from exc
            except (requests.Timeout, requests.ConnectionError) as exc:
                if attempt < cfg.max_retries:
                    self._backoff(attempt)
                    attempt += 1
                    continue
                raise SourceUnavailable(
                    f"{method} {url} failed {attempt + 1} times ({type(exc).__name__}: {exc}). NBS is "
                    "unreachable or too slow from here; retry later or check the network/proxy. "
                    "Nothing was written.") from exc

            if self.archive is not None:  # the raw answer, before anything is parsed
                self.archive.record(method.upper(), path, url, params, body, resp)
            status = resp.status_code
            text = self._text(resp)
            if status == 429 or (status >= 500 and not (status == 500 and is_data)):
                retry_after = self._retry_after(resp)
                if retry_after is not None and retry_after > cfg.max_retry_after_s:
                    raise RateLimited(
                        f"{url} answered {status} asking to wait {retry_after:.0f} s (> "
                        f"{cfg.max_retry_after_s:.0f} s). Run the fetch again later.")
                if attempt < cfg.max_retries:
                    self._backoff(attempt, retry_after)
                    attempt += 1
                    continue
                if status == 429:
                    raise RateLimited(
                        f"{url} kept answering 429 Too Many Requests after {attempt + 1} attempts. "
                        "Increase NbsConfig.pace_s (NBS has no documented limit; probes suggest "
                        "≤ 2 requests/s, serial) and retry later.")
                raise SourceUnavailable(
                    f"{url} kept answering HTTP {status} after {attempt + 1} attempts: NBS-side "
                    f"failure. Retry later. Body starts: {text[:200]!r}")
            if status == 500:  # data endpoint: no data for the periods, or a malformed body; never retried
                unpublished = self._unpublished(body)
                if unpublished:
                    raise NoDataForPeriods(_bi("nbs.no_data_500", url=url, cid=(body or {}).get("cid"),
                                               dts=", ".join(unpublished[0]), latest=unpublished[1]))
                raise BadRequest(
                    f"{url} answered 500 to our request body, which usually means a malformed body "
                    "(missing showType, or dts given as a string). Fix the request builder; not "
                    f"retried. Body sent: {(data or b'').decode('utf-8')[:500]}")
            if status == 404:
                raise EndpointMoved(
                    f"{url} answered 404: the NBS API path has moved. Check the portal's network "
                    "calls for the new path and update monitor/nbs.py.")
            if status == 403:
                if "UrlACL" in text:
                    raise EndpointRetired(
                        f"{url} answered 403 reason:UrlACL: this endpoint is retired (or geo-fenced). "
                        "Do not retry; use the new data-release API (stream/esData).")
                if not waf_retry_used:
                    waf_retry_used = True
                    self._block_pause()
                    self.warm_up()
                    continue
                raise BlockedByWAF(
                    f"{url} answered 403 (WAF) even after a warm-up. Check that requests carry a "
                    "desktop-browser User-Agent, Origin and Referer; slow down and retry later.")
            if status >= 400:
                raise BadRequest(
                    f"{url} answered HTTP {status}: the server rejected the request. Check the "
                    f"request builder. Body starts: {text[:200]!r}")
            if status >= 300:
                raise BlockedByWAF(f"{url} answered {status} without a usable redirect; the WAF may "
                                   "be challenging this client. Retry later.")

            # A WAF page is HTML (body starts with "<"), or any non-JSON content type whose
            # body is not JSON either. A JSON content type with a broken body is malformed.
            ctype = resp.headers.get("Content-Type", "").lower()
            payload: Any = None
            blocked = text.lstrip().startswith("<")
            if not blocked:
                try:
                    payload = json.loads(text)
                except ValueError as exc:
                    if "json" in ctype:
                        raise MalformedResponse(
                            f"{url} returned a body that is not valid JSON ({exc}); first 200 chars: "
                            f"{text[:200]!r}. Nothing was written; retry later, and if it persists "
                            "record the response and re-check the protocol.") from exc
                    blocked = True
            if blocked:
                if classify_html(text) == "error_page":
                    # The portal's own "服务异常" page: a wrong path or parameters, not a block.
                    raise ServiceErrorPage(_bi("nbs.service_error_page", method=method.upper(), url=url,
                                               params=json.dumps(params or {}, ensure_ascii=False),
                                               start=text.strip()[:80]))
                if not waf_retry_used:
                    waf_retry_used = True
                    self._block_pause()
                    self.warm_up()
                    continue
                raise BlockedByWAF(
                    f"{url} answered {status} with an HTML/non-JSON page ({ctype or 'no content type'}; "
                    f"starts {text[:80]!r}): a WAF challenge or block page, even after a warm-up GET "
                    f"of {PORTAL_PAGE_PATH}. Do not parse it. Slow down, make sure dts is a JSON "
                    "list, and retry later. " + _bi("nbs.waf_block", url=url))
            check_envelope(payload, url=url)
            return ApiResponse(payload=payload, url=url)

    # -- endpoints --------------------------------------------------------------------

    def query_index_tree(self, code: int | str, pid: str = "") -> list[dict]:
        data = self.call(build_index_tree_request(code, pid)).payload.get("data")
        if data is None:
            return []
        if not isinstance(data, list):
            raise MalformedResponse(f"queryIndexTreeAsync 'data' should be a list, got {type(data).__name__}")
        return data

    def query_indicators(self, cid: str, *, dt: str = "", name: str = "") -> list[dict]:
        data = self.call(build_indicators_request(cid, dt=dt, name=name)).payload.get("data")
        if isinstance(data, dict):
            items = data.get("list") or []
        elif isinstance(data, list):
            items = data
        elif data is None:
            items = []
        else:
            raise MalformedResponse(f"queryIndicatorsByCid 'data' has unexpected type {type(data).__name__}")
        return [it for it in items if isinstance(it, dict)]

    def query_latest_dt(self, cid: str, root_id: str) -> dict:
        data = self.call(build_latest_dt_request(cid, root_id)).payload.get("data") or {}
        latest = parse_latest_dt(data)
        if latest is not None:
            self.latest_periods[cid] = (latest, str(data.get("dt_name") or data.get("dt_all")))
        return data

    def _unpublished(self, body: Any) -> tuple[list[str], str] | None:
        """If every period requested in ``body`` starts after the latest one the portal has
        published (from queryDtByCid, else after the last finished period by the calendar),
        return (the dts, the latest period's name) — a 500 then means "no data"."""
        if not isinstance(body, Mapping) or not isinstance(body.get("dts"), list) or not body["dts"]:
            return None
        found = [_token_start(tok) for tok in body["dts"]]
        starts = [st for st in found if st is not None]
        if len(starts) < len(found):
            return None
        known = self.latest_periods.get(str(body.get("cid")))
        if known is not None:
            (freq, year, sub), name = known
            limit = (year, sub or 0)
        else:
            today = self.today()
            freq = starts[0][0]
            limit = (today.year - 1, 0) if freq == "year" else (today.year, today.month - 1)
            name = "?"
        if all(st[0] == freq and (st[1], st[2] or 0) > limit for st in starts):
            return [str(tok) for tok in body["dts"]], name
        return None

    def query_da_catalogs(self, indicator_cid: str) -> list[dict]:
        return self.call(build_da_catalog_request(indicator_cid)).payload.get("data") or []

    def query_das(self, da_cid: str, *, root_id: str | None = None) -> list[dict]:
        return self.call(build_das_request(da_cid, root_id=root_id)).payload.get("data") or []

    def _es_data_once(self, path: str, body: dict) -> ApiResponse:
        retries = self.config.empty_data_retries
        for attempt in range(retries + 1):
            resp = self.call(("POST", path, None, body))
            data = resp.payload.get("data")
            if data is not None and not isinstance(data, list):
                raise MalformedResponse(f"{resp.url}: 'data' should be a list of period blocks, "
                                        f"got {type(data).__name__}")
            if data:
                return resp
            if attempt < retries:
                self._backoff(attempt)
        self.warnings.append(_bi("nbs.source_gap", url=resp.url, n=retries + 1, cid=body.get("cid"),
                                 dts=body.get("dts")))
        return resp

    def es_data(self, body: dict) -> ApiResponse:
        """``POST stream/esData``; on 404 tries ``getEsDataByCidAndDt`` once (and sticks
        to it for this client). Empty ``data`` is retried, then returned with a warning."""
        primary = self._esdata_path
        alternate = self.config.esdata_alt_path if primary == self.config.esdata_path else self.config.esdata_path
        try:
            return self._es_data_once(primary, body)
        except EndpointMoved as first:
            try:
                resp = self._es_data_once(alternate, body)
            except EndpointMoved as second:
                raise EndpointMoved(
                    f"both data paths answered 404 ({self.url_for(primary)} and "
                    f"{self.url_for(alternate)}). NBS moved its data endpoint again: find the new "
                    "path in the portal's network calls and update NbsConfig.esdata_path.") from second
            self._esdata_path = alternate
            self.warnings.append(f"{primary} answered 404; used {alternate} instead "
                                 f"(set NbsConfig.esdata_path to make this permanent). [{first}]")
            return resp


# --------------------------------------------------------------------------------------
# Fetch orchestration
# --------------------------------------------------------------------------------------


@dataclass
class FetchResult:
    rows: pd.DataFrame
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    core_series: tuple[str, ...] = ()

    @property
    def core_failures(self) -> list[tuple[str, str, str]]:
        """Failures of series marked ``core`` in the registry (these should fail a run)."""
        return [f for f in self.failures if f[0] in self.core_series]


def empty_rows() -> pd.DataFrame:
    return _to_frame([])


def _to_frame(records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for col in COLUMNS:
        if col in ("value", "yoy_pct"):
            df[col] = df[col].astype("float64")
        else:
            df[col] = df[col].astype("str")
    return df.reset_index(drop=True)


#: At most this many catalogue requests when a registered tree path no longer leads to the
#: leaf and the whole tree is searched by label (each request is paced).
MAX_TREE_SEARCH_CALLS = 60


def _walk_registered(tree: Callable[[str], list[dict]], spec: SeriesSpec, root_id: str,
                     warn: list[str]) -> tuple[list[dict], list[str]]:
    """Follow ``spec.tree_path`` from the root; raise :class:`SchemaDrift` where it breaks."""
    pid = root_id
    walked: list[str] = []
    for depth, label in enumerate(spec.tree_path):
        last = depth == len(spec.tree_path) - 1
        nodes = tree(pid)
        matches = match_tree_nodes(nodes, label, allow_slices=last, warnings=warn)
        if not matches:
            names = [_node_name(n).strip() for n in nodes]
            raise SchemaDrift(
                f"series {spec.name!r}: no catalogue node {label!r} under {' › '.join(walked) or 'the root'} "
                f"of database {spec.database_code} (found: {names[:20]}). {_FIX_HINT}")
        walked.append(label)
        if not last:
            if len(matches) > 1:
                raise SchemaDrift(f"series {spec.name!r}: {len(matches)} nodes named {label!r} under "
                                  f"{' › '.join(walked[:-1]) or 'the root'}; ambiguous. {_FIX_HINT}")
            pid = str(matches[0]["_id"])
            continue
        leaves = [m for m in matches if _is_leaf(m)]
        if not leaves:
            raise SchemaDrift(f"series {spec.name!r}: {' › '.join(walked)} is no longer a leaf. {_FIX_HINT}")
        return leaves, walked
    raise SchemaDrift(f"series {spec.name!r}: empty tree_path")  # pragma: no cover (registry forbids)


def _search_leaf(tree: Callable[[str], list[dict]], spec: SeriesSpec, root_id: str,
                 warn: list[str]) -> tuple[list[dict], list[str]] | None:
    """Breadth-first search of the whole tree for leaves labelled like the registered leaf.
    The shallowest level holding it wins; two different parents there are ambiguous."""
    label = spec.tree_path[-1]
    level: list[tuple[str, list[str]]] = [(root_id, [])]
    calls = 0
    while level:
        hits: dict[tuple[str, ...], list[dict]] = {}
        below: list[tuple[str, list[str]]] = []
        for pid, path in level:
            if calls >= MAX_TREE_SEARCH_CALLS:
                raise SchemaDrift(
                    f"series {spec.name!r}: searched {calls} catalogue nodes of database {spec.database_code} "
                    f"for {label!r} without finding it; stopped to stay polite. {_FIX_HINT}")
            calls += 1
            nodes = tree(pid)
            for m in match_tree_nodes(nodes, label, allow_slices=True, warnings=warn):
                if _is_leaf(m):
                    hits.setdefault(tuple(path), []).append(m)
            below += [(str(n["_id"]), path + [_node_name(n).strip()]) for n in nodes
                      if n.get("_id") and not _is_leaf(n)]
        if len(hits) > 1:
            where = "; ".join(" › ".join(p + (label,)) for p in hits)
            raise SchemaDrift(f"series {spec.name!r}: {label!r} is a leaf in several places ({where}); "
                              f"ambiguous. {_FIX_HINT}")
        if hits:
            (found_path, leaves), = hits.items()
            return leaves, list(found_path) + [label]
        level = below
    return None


def _discover_leaves(client: NbsClient, spec: SeriesSpec, since_year: int,
                     warn: list[str]) -> tuple[str, list[dict], list[str]]:
    """Find the series' catalogue leaves: the registered path first, else the leaf's label
    anywhere under the root (reported as a changed path, not fatal). Returns the root id,
    the leaves covering ``since_year`` or later, and the path actually used."""
    roots = client.query_index_tree(spec.database_code, "")
    if not roots or not roots[0].get("_id"):
        raise SchemaDrift(f"series {spec.name!r}: queryIndexTreeAsync returned no root for database code "
                          f"{spec.database_code}. {_FIX_HINT}")
    root_id = str(roots[0]["_id"])
    if root_id != spec.root_id:
        warn.append(_bi("nbs.root_changed", code=spec.database_code, live=root_id, registered=spec.root_id))
    cache: dict[str, list[dict]] = {}

    def tree(pid: str) -> list[dict]:
        if pid not in cache:
            cache[pid] = client.query_index_tree(spec.database_code, pid)
        return cache[pid]

    notes: list[str] = []  # the walk and the search may both meet one odd node: say it once
    try:
        try:
            leaves, path = _walk_registered(tree, spec, root_id, notes)
        except SchemaDrift as registered:
            found = _search_leaf(tree, spec, root_id, notes)
            if found is None:
                raise SchemaDrift(f"{registered} Searched the whole tree for {spec.tree_path[-1]!r} too: "
                                  "not found.") from registered
            leaves, path = found
            notes.append(_bi("nbs.path_changed", series=spec.name, registered=" › ".join(spec.tree_path),
                             used=" › ".join(path)))
    finally:
        warn.extend(dict.fromkeys(notes))
    keep = []
    for leaf in leaves:
        _, end = _slice_years(leaf)
        if end is None or end >= since_year:
            keep.append(leaf)
    if not keep:
        warn.append(_bi("nbs.no_leaf_covers", path=" › ".join(path), since=since_year))
    return root_id, keep, path


def _dts_up_to_latest(client: NbsClient, spec: SeriesSpec, cid: str, root_id: str, since_year: int,
                      today: date, warn: list[str]) -> list[str] | None:
    """The ``dts`` from ``since_year`` to the latest period the portal has published for
    ``cid`` (asked with queryDtByCid first); without an answer, to the last finished period by
    the calendar. ``None`` (and a warning) when nothing from ``since_year`` on is published:
    the portal answers a lone future period with a 500, so it is never requested."""
    freq = spec.frequency
    latest = name = None
    try:
        data = client.query_latest_dt(cid, root_id)
        latest = parse_latest_dt(data)
        name = str((data or {}).get("dt_name") or (data or {}).get("dt_all") or "")
    except (ApiError, MalformedResponse, ServiceErrorPage, BadRequest, EndpointMoved) as exc:
        warn.append(_bi("nbs.latest_dt_failed", cid=cid, error=type(exc).__name__))
    if latest is not None and latest[0] != freq:
        warn.append(_bi("nbs.latest_dt_mismatch", cid=cid, got=name, freq=freq))
        latest = None
    end: tuple[int, int | None]
    if latest is None:
        end = (today.year - 1, None) if freq == "year" else (
            (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12))
        name = format_period(freq, end[0], end[1])
    else:
        end = (latest[1], latest[2])
    if (since_year, 1 if freq == "month" else 0) > (end[0], end[1] or 0):
        warn.append(_bi("nbs.no_data_yet", series=spec.name, cid=cid, since=since_year, latest=name))
        return None
    if freq == "month":
        return build_dts("month", (since_year, 1), (end[0], end[1] or 12))  # a month is always set for "month"
    return build_dts("year", since_year, end[0])


def _fetch_series(client: NbsClient, spec: SeriesSpec, since_year: int, today: date,
                  fetched_at: str, warn: list[str]) -> list[dict]:
    path: list[str] = []
    client.route = PAGE_ROUTES.get(spec.database_code, "")
    if spec.cid:
        targets_raw = [(spec.cid, spec.root_id)]
    else:
        root_id, leaves, path = _discover_leaves(client, spec, since_year, warn)
        targets_raw = [(str(leaf["_id"]), root_id) for leaf in leaves]
    cells: list[dict] = []
    requested = [d["value"] for d in spec.das]
    for cid, root_id in targets_raw:
        dts = _dts_up_to_latest(client, spec, cid, root_id, since_year, today, warn)
        if dts is None:
            continue
        resolved = resolve_fields(spec, cid, client.query_indicators(cid))
        by_id = {r.indicator_id: r.field for r in resolved}
        body = build_esdata_request(cid, list(by_id), spec.das, dts, root_id,
                                    show_type=spec.show_type)[3]
        assert body is not None  # built from a cid and fields, never empty
        try:
            resp = client.es_data(body)
        except NoDataForPeriods as exc:
            warn.append(str(exc))
            continue
        units = {r.indicator_id: r.field.unit for r in resolved}
        for cell in parse_esdata(resp.payload, by_id, requested_regions=requested, warnings=warn,
                                 expected_cid=cid, expected_units=units, requested_dts=dts):
            cell.update(field=by_id[cell["indicator_id"]], cid=cid, root_id=root_id, source_url=resp.url)
            if path:
                cell["path"] = " › ".join(path)
            cells.append(cell)
    return assemble_rows(spec, cells, since_year=since_year, fetched_at=fetched_at, warnings=warn)


def fetch_nbs(
    since_year: int,
    *,
    client: NbsClient | None = None,
    series: Iterable[str] | None = None,
    registry: Mapping[str, SeriesSpec] | None = None,
    today: date | None = None,
    fetched_at: str | None = None,
) -> FetchResult:
    """Fetch every registry series (or those named in ``series``) from ``since_year`` on.

    Each series is confirmed against ``queryIndicatorsByCid`` first; a failure (drift,
    WAF, timeout, …) is recorded in ``failures`` as ``(series, error class, message)``
    and the other series continue. ``rows`` always has exactly :data:`COLUMNS`.
    """
    since_year = int(since_year)
    today = today or datetime.now(timezone.utc).date()
    if not 1949 <= since_year <= today.year:
        raise ValueError(f"since_year must be between 1949 and {today.year}, got {since_year}")
    reg = dict(registry) if registry is not None else load_registry()
    names = list(reg) if series is None else list(series)
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise ValueError(f"unknown NBS series {unknown}; known: {sorted(reg)}")
    client = client or NbsClient()
    fetched_at = fetched_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    records: list[dict] = []
    failures: list[tuple[str, str, str]] = []
    warnings: list[str] = [f"{w}" for w in client.drain_warnings()]
    seen: dict[tuple, str] = {}
    for name in names:
        spec = reg[name]
        series_warn: list[str] = []
        try:
            rows = _fetch_series(client, spec, since_year, today, fetched_at, series_warn)
        except NbsError as exc:
            failures.append((name, type(exc).__name__, str(exc)))
            rows = []
        series_warn.extend(client.drain_warnings())
        warnings.extend(f"{name}: {w}" for w in series_warn)
        for r in rows:
            key = (r["indicator"], r["region"], r["period_type"], r["period"])
            if key in seen:
                warnings.append(f"{name}: row {key} already produced by {seen[key]}; dropped the duplicate")
                continue
            seen[key] = name
            records.append(r)
    return FetchResult(
        rows=_to_frame(records), failures=failures, warnings=warnings,
        core_series=tuple(n for n in names if reg[n].core),
    )
