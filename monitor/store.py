"""Named, parameterised queries over the store. Every page, the CLI and the engine read through here."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import pandas as pd
import pyarrow as pa

from .db import Reader
from .sources import annotate as with_source_class

OBSERVATION_COLUMNS = (
    "dataset, indicator_id, region_code, period, period_type, year, month, value, unit, value_published, "
    "unit_published, yoy_pct, source, source_url, quote, note, status, vintage, is_derived"
)


def regions(reader: Reader, level: str | None = None) -> pd.DataFrame:
    sql = "SELECT code, name_zh, short_name_zh, name_en, level, parent_code, is_synthetic FROM regions"
    params: list = []
    if level:
        sql += " WHERE level = ?"
        params.append(level)
    return reader.query_df(sql + " ORDER BY code", params)


def indicators(reader: Reader) -> pd.DataFrame:
    return reader.query_df(
        "SELECT id, name_zh, name_en, unit, kind, frequency, direction, decimals, components, publisher,"
        " definition_zh, definition_en, notes_zh, notes_en, regional_yardstick FROM indicators ORDER BY id")


def plans(reader: Reader) -> pd.DataFrame:
    return reader.query_df("SELECT * FROM plans ORDER BY id")


def targets(reader: Reader, region_code: str | None = None) -> pd.DataFrame:
    sql = ("SELECT t.*, p.title_zh AS plan_title_zh, p.title_en AS plan_title_en "
           "FROM targets t JOIN plans p ON p.id = t.plan_id")
    params: list = []
    if region_code:
        sql += " WHERE t.region_code = ?"
        params.append(region_code)
    return reader.query_df(sql + " ORDER BY t.sort_order", params)


def datasets(reader: Reader) -> pd.DataFrame:
    return reader.query_df(
        "SELECT d.*, (SELECT count(*) FROM observations o WHERE o.dataset = d.id) AS rows "
        "FROM datasets d ORDER BY d.id")


def observations(reader: Reader, dataset: str = "official", *, indicator_ids: list[str] | None = None,
                 region_codes: list[str] | None = None, known_at: datetime | None = None) -> pd.DataFrame:
    """The latest vintage of every period (or the one known at `known_at`), derived sums included."""
    if known_at is None:  # the writer's latest flag: filters reach the table scan
        sql = f"SELECT {OBSERVATION_COLUMNS} FROM observations_current WHERE dataset = ?"
        params: list = [dataset]
    else:
        sql = f"SELECT {OBSERVATION_COLUMNS} FROM observations_resolved(?) WHERE dataset = ?"
        params = [known_at, dataset]
    if indicator_ids is not None:
        sql += " AND list_contains(?, indicator_id)"
        params.append(list(indicator_ids))
    if region_codes is not None:
        sql += " AND list_contains(?, region_code)"
        params.append(list(region_codes))
    return reader.query_df(sql + " ORDER BY indicator_id, region_code, year, month, period_type", params)


ASSESSMENT_COLUMNS = "indicator_id, region_code, period, period_type, year, month, value, yoy_pct, status"

# One row per indicator, region and year: the annual figure, else the latest year-to-date figure of
# the year (the engine uses nothing else: an annual figure replaces that year's year-to-date ones).
_PER_YEAR = """
SELECT o.indicator_id, o.region_code, o.period, o.period_type, o.year, o.month, o.value, o.yoy_pct, o.status{extra}
FROM {source} o {join}
WHERE o.dataset = $dataset AND o.period_type IN ('annual', 'ytd') AND list_contains($ids, o.indicator_id)
  AND o.region_code IN (SELECT unnest($regions::VARCHAR[])) AND (o.value IS NOT NULL OR o.yoy_pct IS NOT NULL)
  AND o.year * 12 + o.month <= $as_of AND {years}
QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.region_code, o.year
                           ORDER BY o.period_type = 'annual' DESC, o.month DESC) = 1
"""
_WINDOWS = "(SELECT unnest($windows::STRUCT(id VARCHAR, lo INTEGER, hi INTEGER)[], recursive := true))"
# Figures whose window years lo-2 and hi+1 both have a value need nothing outside the window.
_NEEDING_CONTEXT = f"""
SELECT k.id, k.code, k.lo, k.hi
FROM (SELECT w.id, w.lo, w.hi, r.code FROM {_WINDOWS} w CROSS JOIN (SELECT unnest($regions::VARCHAR[]) AS code) r) k
ANTI JOIN (
    SELECT m.indicator_id, m.region_code FROM assessment_main m JOIN {_WINDOWS} w ON w.id = m.indicator_id
    GROUP BY ALL
    HAVING bool_or(m.year = w.lo - 2 AND m.value IS NOT NULL) AND bool_or(m.year = w.hi + 1 AND m.value IS NOT NULL)
) ok ON ok.indicator_id = k.id AND ok.region_code = k.code
"""
# For the others, the years the engine's reasons name: the latest before and the first after the window,
# with a value, and with any figure at all.
_CONTEXT = """
SELECT {columns} FROM ({per_year}) p
WINDOW g AS (PARTITION BY p.indicator_id, p.region_code)
QUALIFY p.year = max(p.year) FILTER (WHERE p.year < p.lo - 2 AND p.value IS NOT NULL) OVER g
     OR p.year = max(p.year) FILTER (WHERE p.year < p.lo - 2) OVER g
     OR p.year = min(p.year) FILTER (WHERE p.year > p.hi + 1 AND p.value IS NOT NULL) OVER g
     OR p.year = min(p.year) FILTER (WHERE p.year > p.hi + 1) OVER g
"""


class _Window(TypedDict):
    """One indicator's years read by the assessments (a row of the $windows parameter)."""

    id: str
    lo: int
    hi: int


def assessment_observations(reader: Reader, dataset: str, indicator_ids: list[str], region_codes: list[str], *,
                            known_at: datetime | None = None, as_of_ordinal: int | None = None,
                            windows: dict[str, tuple[int, int]] | None = None) -> pd.DataFrame:
    """The observations the assessment engine uses, reduced in SQL (columns ASSESSMENT_COLUMNS).

    `assess.assess()` gives the same result on these rows as on every observation of the indicators
    and regions: per indicator, region and year only the annual figure, else the latest year-to-date
    one, up to `as_of_ordinal` (year × 12 + month). `windows` {indicator: (first base year, last target
    year)} drops the years no assessment of that indicator reads — all but lo−2 … hi+1 — keeping, where
    lo−2 or hi+1 has no value, the nearest earlier and later years the reasons of a 'na' status name.
    """
    source = "observations_current" if known_at is None else "observations_resolved($known_at)"
    params: dict = {"dataset": dataset, "ids": list(indicator_ids), "regions": list(region_codes),
                    "as_of": int(as_of_ordinal) if as_of_ordinal is not None else 1 << 40}
    if known_at is not None:
        params["known_at"] = known_at
    win: list[_Window] = [{"id": k, "lo": int(lo), "hi": int(hi)} for k, (lo, hi) in sorted((windows or {}).items())
                          if k in set(indicator_ids)]
    if not win:
        main_sql = _PER_YEAR.format(source=source, extra="", join="", years="TRUE")
    else:
        everywhere = len(win) == len(set(indicator_ids))
        constant = (f"o.year BETWEEN {min(w['lo'] for w in win) - 2} AND {max(w['hi'] for w in win) + 1}"
                    if everywhere else "TRUE")  # integers we computed; lets the filter reach the scans
        main_sql = _PER_YEAR.format(source=source, extra="", join=f"LEFT JOIN {_WINDOWS} w ON w.id = o.indicator_id",
                                    years=f"{constant} AND (w.id IS NULL OR o.year BETWEEN w.lo - 2 AND w.hi + 1)")
        params["windows"] = win
    with reader.cursor() as cur:
        main = cur.sql(main_sql, params=params).to_arrow_table()
        if not win:
            return main.to_pandas()
        frame = main.to_pandas()
        # Usually every figure has a value at both edges (one row per figure and year): nothing to add.
        edge_lo = frame["indicator_id"].map({w["id"]: w["lo"] - 2 for w in win})
        edge_hi = frame["indicator_id"].map({w["id"]: w["hi"] + 1 for w in win})
        valued = frame["value"].notna()
        figures = len(win) * len(set(params["regions"]))
        if (int((valued & (frame["year"] == edge_lo)).sum()) == figures
                and int((valued & (frame["year"] == edge_hi)).sum()) == figures):
            return frame
        cur.register("assessment_main", main)
        try:
            need = cur.sql(_NEEDING_CONTEXT, params={"windows": win, "regions": params["regions"]}).fetchall()
        finally:
            cur.unregister("assessment_main")
        if need:
            per_year = _PER_YEAR.format(
                source=source, extra=", n.lo, n.hi",
                join="JOIN (SELECT unnest($need::STRUCT(id VARCHAR, code VARCHAR, lo INTEGER, hi INTEGER)[],"
                     " recursive := true)) n ON n.id = o.indicator_id AND n.code = o.region_code",
                years="(o.year < n.lo - 2 OR o.year > n.hi + 1)")
            context_params = {**params, "need": [{"id": i, "code": c, "lo": lo, "hi": hi} for i, c, lo, hi in need],
                              "ids": sorted({n[0] for n in need}), "regions": sorted({n[1] for n in need})}
            context_params.pop("windows")
            columns = ", ".join(f"p.{c.strip()}" for c in ASSESSMENT_COLUMNS.split(","))
            context = cur.sql(_CONTEXT.format(columns=columns, per_year=per_year),
                              params=context_params).to_arrow_table()
            main = pa.concat_tables([main, context])
    return main.to_pandas()


def observation_regions(reader: Reader, dataset: str, indicator_id: str) -> list[str]:
    """Region codes with at least one figure of the indicator (derived sums included), sorted."""
    rows = reader.query_rows(
        "SELECT DISTINCT region_code FROM observations_current WHERE dataset = ? AND indicator_id = ? ORDER BY 1",
        [dataset, indicator_id])
    return [r[0] for r in rows]


def observation_facets(reader: Reader, dataset: str = "official") -> dict:
    """What the stored figures of a dataset cover: indicator ids, region codes, first and last year (filter choices)."""
    row = reader.query_rows(
        "SELECT list(DISTINCT indicator_id ORDER BY indicator_id), list(DISTINCT region_code ORDER BY region_code),"
        " min(year), max(year), count(*) FROM observations_latest WHERE dataset = ?", [dataset])[0]
    return {"indicator_ids": list(row[0] or []), "region_codes": list(row[1] or []),
            "first_year": row[2], "last_year": row[3], "rows": row[4]}


def find_observations(reader: Reader, dataset: str = "official", *, indicator_ids: list[str] | None = None,
                      region_codes: list[str] | None = None, year_from: int | None = None,
                      year_to: int | None = None, search: str | None = None,
                      limit: int = 500) -> tuple[pd.DataFrame, int]:
    """Stored figures (latest vintage) with their provenance and names, filtered in SQL: (first `limit` rows, matches).

    `search` matches, case-insensitively and literally (no wildcards), the indicator and region names
    and ids, the period, the source, its URL, the quote and the note.
    """
    where = ["o.dataset = ?"]
    params: list = [dataset]
    if indicator_ids:
        where.append("list_contains(?, o.indicator_id)")
        params.append(list(indicator_ids))
    if region_codes:
        where.append("list_contains(?, o.region_code)")
        params.append(list(region_codes))
    if year_from is not None:
        where.append("o.year >= ?")
        params.append(int(year_from))
    if year_to is not None:
        where.append("o.year <= ?")
        params.append(int(year_to))
    text = (search or "").strip()
    if text:
        where.append(
            "strpos(lower(concat_ws(' ', o.indicator_id, i.name_zh, i.name_en, o.region_code, r.name_zh, r.name_en,"
            " o.period, o.source, o.source_url, o.quote, o.note)), lower(?)) > 0")
        params.append(text)
    # The matches are counted and the first `limit` picked (a top-N, no sort of every match) in two scans;
    # names are joined to the rows shown. A search also reads the names, so it joins them first.
    names = ("LEFT JOIN indicators i ON i.id = o.indicator_id LEFT JOIN regions r ON r.code = o.region_code "
             if text else "")
    matches = f"FROM observations_latest o {names}WHERE {' AND '.join(where)}"  # fixed fragments; values are parameters
    frame = reader.query_df(
        "SELECT o.indicator_id, i.name_zh AS indicator_name_zh, i.name_en AS indicator_name_en,"
        " o.region_code, r.name_zh AS region_name_zh, r.name_en AS region_name_en,"
        " o.period, o.period_type, o.value_published, o.unit_published, o.value, o.unit, o.yoy_pct, o.status,"
        " o.source, o.source_url, o.quote, o.note, o.vintage, o.import_id, "
        f" (SELECT count(*) {matches}) AS matched "
        f"FROM (SELECT o.* {matches} ORDER BY o.indicator_id, o.region_code, o.year, o.month, o.period_type"
        "  LIMIT ?) o "
        "LEFT JOIN indicators i ON i.id = o.indicator_id LEFT JOIN regions r ON r.code = o.region_code "
        "ORDER BY o.indicator_id, o.region_code, o.year, o.month, o.period_type",
        params + params + [int(limit)])
    if len(frame):
        matched = int(frame["matched"].iloc[0])
    else:
        matched = int(reader.query_rows(f"SELECT count(*) {matches}", params)[0][0]) if limit <= 0 else 0
    return with_source_class(frame.drop(columns=["matched"])), matched


def history(reader: Reader, dataset: str, indicator_id: str, region_code: str, period: str) -> pd.DataFrame:
    """Every vintage of one figure, newest first: revisions stay visible."""
    return reader.query_df(
        "SELECT o.period_type, o.value, o.unit, o.value_published, o.unit_published, o.yoy_pct, o.status, o.vintage,"
        " o.source, o.source_url, o.quote, o.note, o.import_id, l.file_name, l.user_name "
        "FROM observations o LEFT JOIN import_log l ON l.id = o.import_id "
        "WHERE o.dataset = ? AND o.indicator_id = ? AND o.region_code = ? AND o.period = ? "
        "ORDER BY o.vintage DESC, o.id DESC", [dataset, indicator_id, region_code, period])


def import_log(reader: Reader, limit: int = 200) -> pd.DataFrame:
    return reader.query_df("SELECT * FROM import_log ORDER BY id DESC LIMIT ?", [limit])


def export_frame(reader: Reader, dataset: str = "official", all_vintages: bool = False) -> pd.DataFrame:
    """All observations with provenance, in the long import format plus names and vintage.

    The first columns are exactly the import format (value and unit as published), so an export
    can be imported again; the rest are for people to read.
    """
    source = "observations" if all_vintages else "observations_latest"
    return with_source_class(reader.query_df(
        "SELECT o.indicator_id AS indicator, o.region_code AS region, o.period,"
        " o.value_published AS value, o.unit_published AS unit, o.yoy_pct,"
        " o.source, o.source_url, o.note, o.quote, o.status, o.period_type,"
        " i.name_zh AS indicator_name_zh, i.name_en AS indicator_name_en,"
        " r.name_zh AS region_name_zh, r.name_en AS region_name_en,"
        " o.value AS value_in_indicator_unit, o.unit AS indicator_unit, o.vintage, o.dataset,"
        " d.is_synthetic AS synthetic "
        f"FROM {source} o "  # one of two constant names
        "JOIN datasets d ON d.id = o.dataset "
        "LEFT JOIN indicators i ON i.id = o.indicator_id LEFT JOIN regions r ON r.code = o.region_code "
        "WHERE o.dataset = ? ORDER BY o.indicator_id, o.region_code, o.year, o.month, o.period_type, o.vintage",
        [dataset]))


def target_periods(reader: Reader, dataset: str = "official") -> list[str]:
    """Periods that hold data for an indicator some target uses, newest first (choices for 'as of')."""
    # Read the stored rows, not the view that computes derived sums (20x slower at 10^7 rows): a derived
    # indicator has a figure where every one of its components has a value, as in that view.
    targeted = [r[0] for r in reader.query_rows(
        "SELECT DISTINCT indicator_id FROM targets WHERE indicator_id IS NOT NULL ORDER BY 1")]
    rows = reader.query_rows(
        "WITH parts AS (SELECT id AS derived_id, unnest(components) AS component, len(components) AS n_parts"
        "               FROM indicators WHERE components IS NOT NULL AND list_contains($2, id)),"
        " derived AS (SELECT o.period, o.year, o.month FROM observations_latest o"
        "             JOIN parts p ON o.indicator_id = p.component WHERE o.dataset = $1"
        "             GROUP BY p.derived_id, o.region_code, o.period_type, o.period, o.year, o.month"
        "             HAVING count(o.value) = any_value(p.n_parts))"
        " SELECT DISTINCT period, year, month FROM ("
        "  SELECT o.period, o.year, o.month FROM observations_latest o"
        "  WHERE o.dataset = $1 AND list_contains($2, o.indicator_id)"
        "  UNION ALL SELECT * FROM derived)"
        " ORDER BY year DESC, month DESC, period DESC", [dataset, targeted])
    return [r[0] for r in rows]


def provenance(reader: Reader, dataset: str, keys: list[str]) -> pd.DataFrame:
    """Source, URL, quote, vintage and status of the figures named by "indicator|region|period_type|period" keys."""
    if not keys:
        return pd.DataFrame(columns=["indicator_id", "region_code", "period", "period_type", "value_published",
                                     "unit_published", "yoy_pct", "source", "source_url", "quote", "note",
                                     "status", "vintage", "is_derived", "source_class"])
    parts = [k.split("|") for k in keys]
    indicators = sorted({p[0] for p in parts})
    regions = sorted({p[1] for p in parts if len(p) > 1})
    return with_source_class(reader.query_df(
        "SELECT indicator_id, region_code, period, period_type, value_published, unit_published, yoy_pct, source,"
        " source_url, quote, note, status, vintage, is_derived FROM observations_current "
        "WHERE dataset = ? AND list_contains(?, indicator_id) AND list_contains(?, region_code)"  # reach the scan
        " AND list_contains(?, indicator_id || '|' || region_code || '|' || period_type || '|' || period) "
        "ORDER BY indicator_id, region_code, year, month", [dataset, indicators, regions, keys]))


def revisions(reader: Reader, dataset: str = "official", limit: int = 200) -> pd.DataFrame:
    """Revised figures, newest first: each vintage that replaced an earlier one, with the old and new values.

    One row per revision (a figure revised twice appears twice), with who imported it from which file.
    """
    return reader.query_df(
        "WITH v AS ("
        " SELECT o.*,"
        "  lag(o.id) OVER w AS old_id, lag(o.value) OVER w AS old_value, lag(o.yoy_pct) OVER w AS old_yoy_pct,"
        "  lag(o.value_published) OVER w AS old_value_published, lag(o.unit_published) OVER w AS old_unit_published,"
        "  lag(o.source) OVER w AS old_source, lag(o.vintage) OVER w AS old_vintage"
        " FROM observations o WHERE o.dataset = ?"
        # only figures stored more than once can have been revised: those with a row no longer latest
        "  AND (o.indicator_id, o.region_code, o.period_type, o.period) IN (SELECT (indicator_id, region_code,"
        "   period_type, period) FROM observations WHERE dataset = ? AND NOT is_latest)"
        " WINDOW w AS (PARTITION BY o.indicator_id, o.region_code, o.period_type, o.period ORDER BY o.vintage, o.id)"
        ") "
        "SELECT v.indicator_id, i.name_zh AS indicator_name_zh, v.region_code, r.name_zh AS region_name_zh,"
        " v.period, v.period_type, v.old_value, v.value AS new_value, v.unit,"
        " v.old_yoy_pct, v.yoy_pct AS new_yoy_pct,"
        " v.old_value_published, v.old_unit_published, v.value_published AS new_value_published,"
        " v.unit_published AS new_unit_published,"
        " v.old_source, v.source AS new_source, v.old_vintage, v.vintage AS new_vintage, v.status,"
        " v.import_id, l.file_name, l.user_name "
        "FROM v LEFT JOIN import_log l ON l.id = v.import_id "
        "LEFT JOIN indicators i ON i.id = v.indicator_id LEFT JOIN regions r ON r.code = v.region_code "
        "WHERE v.old_id IS NOT NULL ORDER BY v.vintage DESC, v.id DESC LIMIT ?",
        [dataset, dataset, limit])
