"""Small view components shared by the pages: status badges, cards, download buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import altair as alt
import pandas as pd
import streamlit as st

from monitor import charts, export, sources
from monitor.assess import progress as assess_progress
from monitor.formatting import is_missing
from monitor.i18n import t

# Status → (badge colour, icon). The label text always accompanies the colour.
BadgeColour = Literal["green", "yellow", "orange", "red", "gray"]  # a subset of st.badge's colours
STATUS_STYLE: dict[str, tuple[BadgeColour, str]] = {
    "achieved": ("green", ":material/check_circle:"),
    "on_track": ("green", ":material/trending_up:"),
    "accelerate": ("yellow", ":material/speed:"),
    "lagging": ("orange", ":material/hourglass_bottom:"),
    "reversing": ("red", ":material/trending_down:"),
    "missed": ("red", ":material/cancel:"),
    "na": ("gray", ":material/help:"),
    "not_scored": ("gray", ":material/remove:"),
}
STATUS_ORDER = tuple(STATUS_STYLE)


def as_list(value) -> list:
    """A list from a cell that may hold a list, a numpy array, None or NaN."""
    if value is None or isinstance(value, float):
        return []
    return list(value)


def status_label(status: str, lang: str, yardstick: bool = False) -> str:
    """已完成/未完成 for a region's own targets; 达到参照/低于参照 for a provincial target used as its yardstick."""
    return assess_progress.status_label(status, lang, yardstick=bool(yardstick))


def status_badge(status: str, lang: str, qualifiers: list[str] | None = None, yardstick: bool = False) -> None:
    colour: str
    colour, icon = STATUS_STYLE.get(status, ("gray", ":material/help:"))
    if yardstick and status in ("achieved", "missed"):  # a reference, not the region's own result
        colour = "blue" if status == "achieved" else "orange"
    with st.container(horizontal=True, gap="small"):
        st.badge(status_label(status, lang, yardstick), icon=icon, color=colour)  # type: ignore[arg-type]  # one of STATUS_STYLE's colour names
        for qualifier in qualifiers or []:
            st.badge(t(f"qualifier.{qualifier}", lang), color="gray", help=t(f"qualifier_help.{qualifier}", lang))


def data_status_label(value, lang: str) -> str:
    return t(f"data_status.{value}", lang) if isinstance(value, str) else t("data_status.none", lang)


def period_type_label(value, lang: str) -> str:
    return t(f"period_type.{value}", lang) if isinstance(value, str) else ""


def shown_number(value) -> str:
    """A figure as published, for a table: its own digits (no float noise), a dash when missing."""
    if is_missing(value):
        return "—"
    return f"{float(value):,.4f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"


def provenance_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Figures with their provenance, as people read them: period, value and unit as published, status,
    source, URL, quote, note and vintage (columns of store.observations / store.find_observations)."""
    return pd.DataFrame({
        t("prov.period", lang): frame.period,
        t("prov.period_type", lang): [period_type_label(p, lang) for p in frame.period_type],
        t("prov.value", lang): [shown_number(v) for v in frame.value_published],
        t("prov.unit", lang): frame.unit_published.fillna(""),
        t("prov.yoy", lang): [shown_number(v) for v in frame.yoy_pct],
        t("prov.status", lang): [data_status_label(s, lang) for s in frame.status],
        t("prov.source", lang): frame.source,
        t("source_class.column", lang): sources.labels(frame, lang),
        t("prov.url", lang): frame.source_url.fillna(""),
        t("prov.quote", lang): frame.quote.fillna(""),
        t("prov.note", lang): frame.note.fillna(""),
        t("prov.vintage", lang): frame.vintage,
    })


def synthetic_banner(lang: str) -> None:
    st.warning(t("demo.banner", lang), icon=":material/science:")


def download_table(frame: pd.DataFrame | Callable[[], pd.DataFrame], base_name: str, lang: str, key: str,
                   synthetic: bool = False) -> None:
    """CSV (UTF-8 with BOM, for Excel) and .xlsx downloads of a table.

    `frame` may be a callable returning the table, for a whole dataset the page does not otherwise read;
    either way the files are built only when a button is clicked. Synthetic data are marked in the
    file name, a `synthetic` column and, in the workbook, a README sheet.
    """
    if synthetic:
        base_name = f"DEMO-synthetic_{base_name}"
    notes = [t("demo.banner", "zh") + " / " + t("demo.banner", "en")] if synthetic else None

    def table() -> pd.DataFrame:
        out = frame() if callable(frame) else frame
        return out.assign(synthetic=True) if synthetic else out

    # The files are built when a button is clicked, never on a rerun: the workbook alone took ~20 ms of
    # every rerun of each page with a table.
    def csv_data() -> bytes:
        return export.to_csv_bytes(table())

    def xlsx_data() -> bytes:
        return export.to_xlsx_bytes(table(), notes=notes)

    with st.container(horizontal=True, gap="small"):
        st.download_button(t("download.csv", lang), data=csv_data, file_name=f"{base_name}.csv",
                           mime=export.CSV_MIME, key=f"{key}_csv", on_click="ignore", icon=":material/download:")
        st.download_button(t("download.xlsx", lang), data=xlsx_data,
                           file_name=f"{base_name}.xlsx", mime=export.XLSX_MIME, key=f"{key}_xlsx",
                           on_click="ignore", icon=":material/table:")


def download_chart_png(chart: alt.TopLevelMixin, file_name: str, lang: str, key: str) -> None:
    """PNG rendered on the server (vl-convert, CJK font), only when clicked."""
    st.download_button(t("download.png", lang), data=lambda: charts.chart_png(chart, lang=lang),
                       file_name=f"{file_name}.png", mime="image/png", key=key, on_click="ignore",
                       icon=":material/image:")
