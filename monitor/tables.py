"""Tables as staff paste them into a report: localized headers, names before codes, rates as percentages with
one decimal, title lines naming the dataset, the 截至 period and the source — for .xlsx (real number formats,
not text) and CSV (UTF-8 with BOM) alike.

A ``ReportTable`` carries raw numbers and a format per column; ``to_xlsx`` / ``to_csv`` apply them, so the
figure in a download reads as on the page (one formatter: ``monitor.formatting``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pandas as pd

from .assess.progress import row_kind, status_label
from .export import neutralise_text
from .formatting import fmt_number, fmt_period, fmt_rate, half_up, is_missing, unit_label
from .i18n import pick, t

# column formats: "text", "percent" (a fraction shown as 95.2%), "number" (one decimal), "count" (whole),
# "ratio" (two decimals)
EXCEL_FORMATS = {"percent": "0.0%", "number": "#,##0.0", "count": "#,##0", "ratio": "0.00", "points": "+0.0;-0.0;0.0"}


@dataclass
class ReportTable:
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def csv_frame(self) -> pd.DataFrame:
        """Numbers rounded half up as shown; percentages as percentage values under a '(%)' header."""
        out = pd.DataFrame(index=self.frame.index)
        for column in self.frame.columns:
            kind = self.formats.get(column, "text")
            values = self.frame[column]
            if kind == "percent":
                out[f"{column}（%）"] = [None if is_missing(v) else half_up(100 * v, 1) for v in values]
            elif kind in ("number", "points"):
                out[column] = [None if is_missing(v) else half_up(v, 1) for v in values]
            elif kind == "count":
                out[column] = [None if is_missing(v) else int(half_up(v, 0)) for v in values]
            elif kind == "ratio":
                out[column] = [None if is_missing(v) else half_up(v, 2) for v in values]
            else:
                out[column] = [None if is_missing(v) else neutralise_text(str(v)) for v in values]
        return out


def display_frame(table: ReportTable, lang: str) -> pd.DataFrame:
    """The table as a page shows it: every number through the one formatter, a dash where missing."""
    out = pd.DataFrame(index=table.frame.index)
    for column in table.frame.columns:
        kind = table.formats.get(column, "text")
        values = table.frame[column]
        if kind == "percent":
            out[column] = [fmt_rate(v, lang) for v in values]
        elif kind == "points":
            out[column] = ["—" if is_missing(v) else ("+" if v >= 0 else "-") + fmt_number(abs(v), 1, lang)
                           for v in values]
        elif kind in ("number", "count", "ratio"):
            decimals = {"number": 1, "count": 0, "ratio": 2}[kind]
            out[column] = [fmt_number(v, decimals, lang) for v in values]
        else:
            out[column] = ["" if is_missing(v) else str(v) for v in values]
    return out


def to_csv(table: ReportTable) -> bytes:
    return table.csv_frame().to_csv(index=False).encode("utf-8-sig")


def to_xlsx(table: ReportTable, sheet_name: str = "table") -> bytes:
    """Title and note lines above the header, real number formats, widths that fit, frozen header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name[:31]
    lines = [table.title, *table.notes]
    for r, line in enumerate(lines, start=1):
        sheet.cell(r, 1, neutralise_text(line)).font = Font(bold=(r == 1), size=14 if r == 1 else 10)
    header = len(lines) + 1
    for c, column in enumerate(table.frame.columns, start=1):
        sheet.cell(header, c, column).font = Font(bold=True)
        kind = table.formats.get(column, "text")
        width = max([_width(str(column))] + [_width(str(v)) for v in table.frame[column].head(200) if v is not None])
        sheet.column_dimensions[get_column_letter(c)].width = min(60, max(8, width + 2)) if kind == "text" else 12
        for r, value in enumerate(table.frame[column], start=header + 1):
            if is_missing(value):
                continue
            cell = sheet.cell(r, c, neutralise_text(value) if isinstance(value, str) else value)
            if kind in EXCEL_FORMATS:
                cell.number_format = EXCEL_FORMATS[kind]
            elif isinstance(value, str) and len(value) > 60:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def overview_table(assessment: pd.DataFrame, lang: str, *, dataset_name: str, as_of: str | None,
                   synthetic: bool = False) -> ReportTable:
    """The overview's targets as a report table: names first, status words, figures with their units."""
    rows = []
    for row in assessment.itertuples():
        kind = row_kind(row)
        growth = kind.is_growth
        rows.append({
            t("table.target", lang): pick(row._asdict(), "target_name", lang),
            t("table.region", lang): pick(row._asdict(), "region_name", lang),
            t("table.status", lang): status_label(row.status, lang, yardstick=bool(row.yardstick)),
            t("table.latest_value", lang): row.observed_rate if growth else row.latest_value,
            t("table.unit", lang): "%" if growth else unit_label(row.indicator_unit, lang),
            t("table.latest_period", lang): fmt_period(row.latest_period, row.latest_period_type, lang),
            t("table.target_value", lang): row.target_level if row.yardstick else row.target_value,
            t("table.completion", lang): row.completion,
            t("table.time_share", lang): row.expected_share,
            t("table.schedule_gap", lang): row.schedule_gap_pp,
            t("table.ratio", lang): row.progress_ratio,
            t("table.sentence", lang): pick(row._asdict(), "sentence", lang),
            t("table.target_id", lang): row.target_id,
        })
    frame = pd.DataFrame(rows)
    if growth_rows := [i for i, r in enumerate(assessment.itertuples()) if row_kind(r).is_growth]:
        latest = t("table.latest_value", lang)
        frame.loc[growth_rows, latest] = frame.loc[growth_rows, latest] * 100
    formats = {t("table.latest_value", lang): "number", t("table.target_value", lang): "number",
               t("table.completion", lang): "percent", t("table.time_share", lang): "percent",
               t("table.schedule_gap", lang): "points", t("table.ratio", lang): "ratio"}
    as_of_text = fmt_period(as_of, None, lang) if as_of else t("tables.latest", lang)
    notes = [t("tables.as_of", lang, dataset=dataset_name, as_of=as_of_text), t("tables.source_note", lang)]
    if synthetic:
        notes.insert(0, t("demo.banner", lang))
    return ReportTable(t("tables.overview_title", lang), frame, formats, notes)


# How many decimals each comparison measure reads with (share in %, per-capita yuan, contribution in points).
MEASURE_FORMATS = {"growth": "number", "share": "number", "per_capita": "count", "contribution": "ratio"}


def ranking_table(ranking: pd.DataFrame, lang: str, *, names: dict[str, str], indicator_name: str, unit: str,
                  measure: str, measure_title: str, period: str, period_type: str, dataset_name: str,
                  statuses: dict[str, str] | None = None, status_title: str = "", has_yardstick: bool = False,
                  synthetic: bool = False) -> ReportTable:
    """The prefecture ranking as the page shows it and staff paste it: names first, the code last, localized
    headers, numbers rounded as on the page, the measure's column only when it is not the value or growth,
    the yardstick gap only where there is a yardstick, the status column only where a target judges it."""
    statuses = statuses or {}
    value_title = t("format.paren", lang, text=t("prefectures.col_value", lang), note=unit_label(unit, lang))
    columns = {
        t("prefectures.col_rank", lang): ranking["rank"].to_numpy(),
        t("prefectures.col_name", lang): [names.get(code, code) for code in ranking.region_code],
        value_title: ranking.value.to_numpy(),
        t("prefectures.col_yoy", lang): ranking.yoy_pct.to_numpy(),
        measure_title: ranking.measure.to_numpy(),
        t("prefectures.col_rank_change", lang): [_rank_change(c) for c in ranking.rank_change],
        t("prefectures.col_gap", lang): ranking.gap_to_yardstick.to_numpy(),
        status_title: [status_label(statuses[code], lang, yardstick=True) if code in statuses else "—"
                       for code in ranking.region_code],
        t("prefectures.col_note", lang): [t("prefectures.no_data_note", lang) if m else "" for m in ranking.missing],
        t("prefectures.col_code", lang): ranking.region_code.to_numpy(),
    }
    if measure in ("level", "growth"):  # the measure is already the value or the growth column
        columns.pop(measure_title)
    if not has_yardstick:  # no yardstick for this measure: no gap column, no yardstick words
        columns.pop(t("prefectures.col_gap", lang))
    if not statuses:
        columns.pop(status_title, None)
    frame = pd.DataFrame(columns)
    formats = {t("prefectures.col_rank", lang): "count", value_title: "number", t("prefectures.col_yoy", lang): "number",
               measure_title: MEASURE_FORMATS.get(measure, "number"), t("prefectures.col_gap", lang): "points"}
    formats = {column: kind for column, kind in formats.items() if column in frame.columns}
    title = t("tables.ranking_title", lang, indicator=indicator_name, period=fmt_period(period, period_type, lang),
              measure=t(f"measure.{measure}", lang))
    notes = [t("tables.as_of", lang, dataset=dataset_name, as_of=fmt_period(period, period_type, lang)),
             t("tables.ranking_note", lang)]
    if synthetic:
        notes.insert(0, t("demo.banner", lang))
    return ReportTable(title, frame, formats, notes)


def _rank_change(change) -> str:
    """▲2 / ▼1 / = against the previous period; a dash where either period has no rank."""
    if is_missing(change):
        return "—"
    if change > 0:
        return f"▲{int(change)}"
    if change < 0:
        return f"▼{-int(change)}"
    return "="
