"""Readers for the files staff actually receive: .xlsx workbooks and the Statistics Bureau's wide tables.

One concern (issue 10 allows a long module for one concern): turning the files staff receive into the
importer's staging rows.

`read_any(con, data, file_name, layout=..., **options)` is the single entry point; with
`functools.partial` it is the `stage=` argument of `importer.import_file` and `importer.preview_file`.
It tells the format from the first bytes (an .xlsx is a zip: ``PK\\x03\\x04``) and the layout from the
header:

* **long** — the import format's own columns (indicator, region, period, value, unit, …). A long CSV
  goes straight to `importer.stage_long_csv`, which DuckDB reads with no per-row Python. In a
  workbook, every sheet that has the long header is read.
* **wide** — the Bureau's monthly tables: a region column, then one column per period
  ('2024', '2024-06', '2024年6月', '1-6月', '2024年1-6月', '1—6月'), optionally with growth-rate columns
  (a '增速'/'同比增长(%)' column after each period, a trailing block of them, or a '增速' header
  over a block) that become `yoy_pct`. Title lines, unit lines ('单位：亿元'), notes and merged
  title cells above the table are skipped by finding the header row. The indicator, unit, source
  and year come from options or, when recognisable, from the title, unit and source lines.

Every reader fills the same staging table as the long CSV, so validation, the diff and the write
are the importer's. Workbooks and wide CSVs are read in a child process with a time and a memory limit
(monitor.parse_worker; see READ_SECONDS), a long CSV by DuckDB in this process. A wide table stages one
row per cell, with `row_no` the cell's row and `loc_*`/`locrow_*` columns naming the header (or option,
or title line) a field came from, so a problem points at the cell the user has to fix. Cells are
normalised here, in Python, because these files are small: full-width digits and signs (NFKC), thousands separators, a unit written
in the cell ('1,234.5亿元') when it agrees with the table's, percent-formatted Excel cells. A cell
that holds an Excel formula is reported, never evaluated.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from .config import PROVINCE_CODE
from .importer import (
    EXPORT_INFO_COLUMNS,
    KNOWN_COLUMNS,
    MAX_FIELD_CHARS,
    PROBLEMS_PER_CHECK,
    REQUIRED_COLUMNS,
    EncodingError,
    Problem,
    StagedFile,
    create_empty_staging,
    decode_text,
    normalise_header,
    normalise_line_endings,
    stage_frame,
    stage_long_csv,
)
from .registry import Lookup
from .units import UNITS

LAYOUTS = ("auto", "long", "wide")
OPTION_NAMES = ("indicator", "unit", "source", "source_url", "year", "sheet", "period_type")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy binary .xls (OLE2)
HEADER_SCAN_ROWS = 30  # a header further down than this is not a header
PEEK_BYTES = 64 * 1024

# Cells that say "not published" in the Bureau's tables; nothing is stored for them (never 0).
MISSING_MARKERS = frozenset({"-", "--", "---", "—", "——", "–", "...", "......", "…", "……", "/", "无", "×", "x", "X",
                             "N/A", "n/a", "NA"})
# A total row of a table of Hunan's prefectures is the province.
TOTAL_NAMES = frozenset({"合计", "总计", "全省合计", "全省总计", "全省(合计)", "湖南省合计", "全省全市"})
INDICATOR_ALIASES = {"社会消费品零售额": "retail_sales", "社零额": "retail_sales", "社零总额": "retail_sales",
                     "进出口": "trade_total", "出口": "exports",
                     "进口": "imports"}  # customs releases head their blocks so
REGION_LABEL = re.compile(r"^(地区|市州|市\(州\)|地市|城市|区域|名称|地区名称|市州名称|单位名称|行政区划|区县|县市区|项目|指标)")
GROWTH_WORDS = re.compile(r"比上年同期|比去年同期|比上年|比去年|同比|增长率|增长|增速|增幅|增减|±")
VALUE_WORDS = re.compile(r"^(截至|截止)|(绝对额|绝对值|总额|金额|数值|本期|零售额|额|止|末)$")
UNIT_LINE = re.compile(r"(?:计量)?单位\s*[:：]\s*([^\s,，;；、/()（）]+)")
SOURCE_LINE = re.compile(r"^(?:注[:：]?\s*\d?[.、]?\s*)?(?:数据来源|资料来源|来源)\s*[:：]\s*(.+)$")
NOTE_START = re.compile(r"^(注|说明|备注|附注|资料来源|数据来源|来源|\*|※)")
NUMBER = re.compile(r"([+-]?[\d,]*\.?\d+(?:[eE][+-]?\d+)?)(\S*)")


# --------------------------------------------------------------------------- small helpers

class Report:
    """Problems found while reading, capped per kind like the SQL checks (the count says how many)."""

    def __init__(self, file_name: str):
        self.file = file_name
        self.problems: list[Problem] = []
        self.counts: dict[str, tuple[str, int]] = {}

    def add(self, severity: str, code: str, en: str, zh: str, sheet: str | None = None, row: int | None = None,
            column: str | None = None) -> None:
        n = self.counts.get(code, (severity, 0))[1] + 1
        self.counts[code] = (severity, n)
        if n <= PROBLEMS_PER_CHECK:
            self.problems.append(Problem(severity, code, en, zh, self.file, sheet, row, column))

    def error(self, code, en, zh, sheet=None, row=None, column=None) -> None:
        self.add("error", code, en, zh, sheet, row, column)

    def warning(self, code, en, zh, sheet=None, row=None, column=None) -> None:
        self.add("warning", code, en, zh, sheet, row, column)

    @property
    def has_errors(self) -> bool:
        return any(sev == "error" for sev, _ in self.counts.values())

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        for code, (severity, n) in self.counts.items():
            if n > PROBLEMS_PER_CHECK:
                more = n - PROBLEMS_PER_CHECK
                out.append(Problem(severity, code, f"… and {more} more cells with the same problem ({code})",
                                   f"……另有{more}处存在同样问题", self.file))
        return out


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def squeeze(text: str) -> str:
    """NFKC and no whitespace at all: '１－６月' → '1-6月', '长　沙　市' → '长沙市'."""
    return re.sub(r"\s+", "", nfkc(text))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value) -> str | None:
    """A cell as text, the way the user sees it: 2024.0 → '2024', a date → '2024-06-01'."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


@dataclass
class Number:
    text: str | None          # what to stage ('1234.5'); the raw text when it is not a number
    unit: str | None = None   # a unit written in the cell ('亿元', '%')
    missing: bool = False     # a 'not published' marker
    numeric: bool = False


def read_number(value, *, percent_format: bool = False) -> Number:
    """Normalise a numeric cell: NFKC, thousands separators, a unit or % written in the cell."""
    if value is None:
        return Number(None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if percent_format:  # Excel stores 5.2% as 0.052
            return Number(cell_text(round(value * 100, 10)), "%", numeric=True)
        return Number(cell_text(value), numeric=True)
    text = cell_text(value)
    if text is None:
        return Number(None)
    squeezed = squeeze(text)
    if squeezed in MISSING_MARKERS or nfkc(text).strip() in MISSING_MARKERS:
        return Number(None, missing=True)
    match = NUMBER.fullmatch(squeezed)
    if match:
        number, suffix = match.group(1).replace(",", ""), match.group(2)
        if suffix == "":
            return Number(number, numeric=True)
        if suffix == "%" or suffix in UNITS:
            return Number(number, suffix, numeric=True)
    return Number(text)


def region_text(value) -> str | None:
    """A region cell: NFKC, no inner spaces ('长　沙' as tables align names), footnote marks dropped."""
    text = cell_text(value)
    if text is None:
        return None
    text = squeeze(text)
    text = re.sub(r"(\(\d+\)|[*※#①②③④⑤⑥⑦⑧⑨⑩])+$", "", text)
    if text in TOTAL_NAMES:
        return PROVINCE_CODE
    return text or None


# --------------------------------------------------------------------------- reading grids

@dataclass
class Grid:
    """One sheet (or a CSV) as rows of cell values; formula and percent-formatted cells marked (0-based)."""

    sheet: str | None
    rows: list[list]
    formulas: set[tuple[int, int]] = field(default_factory=set)
    percent: set[tuple[int, int]] = field(default_factory=set)

    def cell(self, r: int, c: int):
        row = self.rows[r] if r < len(self.rows) else []
        return row[c] if c < len(row) else None

    def is_empty(self) -> bool:
        return not any(cell_text(v) for row in self.rows for v in row)


# Bounds on a workbook's size, checked before and while parsing: a 458 KB file can declare 10 million
# cells (it took 61 s and ~700 MB to read, and the server's viewers waited meanwhile). A statistical table
# has thousands of cells; a long-format workbook a few hundred thousand. Larger files go in as CSV.
MAX_WORKBOOK_CELLS = 2_000_000
MAX_WORKBOOK_XML_BYTES = 64 * 1024 * 1024  # the sheets' and shared strings' XML, uncompressed
# A row reaching further right than this is refused as it is read. openpyxl pads every row to its last cell,
# so 1,000 rows with one cell in column XFD are 16 million cells: counting them up to MAX_WORKBOOK_CELLS took
# 1.7 s on the loaded server; this bound stops at the first such row. A Bureau table has a column per period
# (and one per growth rate): 30 years of months with growth rates are 721 columns.
MAX_WORKBOOK_COLUMNS = 1_000


class WorkbookTooLarge(ValueError):
    """A workbook beyond MAX_WORKBOOK_CELLS or MAX_WORKBOOK_XML_BYTES; refused before or while reading it."""

    def __init__(self, what: str, what_zh: str, sheet: str | None = None):
        super().__init__(f"the workbook is too large to import: {what}; save the table as CSV (UTF-8) and import that")
        self.message_zh = f"工作簿过大，无法导入：{what_zh}；请另存为CSV（UTF-8）后导入"
        self.sheet = sheet


def check_workbook_size(data: bytes) -> None:
    """Refuse a workbook whose uncompressed sheet XML is beyond the bound — from the zip directory, without
    inflating anything (a zip bomb is caught here)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = sum(info.file_size for info in archive.infolist()
                  if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml")
    if xml > MAX_WORKBOOK_XML_BYTES:
        raise WorkbookTooLarge(f"its sheets hold {xml:,} bytes of XML uncompressed (limit {MAX_WORKBOOK_XML_BYTES:,})",
                               f"工作表解压后XML共{xml:,}字节（上限{MAX_WORKBOOK_XML_BYTES:,}）")


def read_workbook(data: bytes, max_cells: int | None = None) -> list[Grid]:
    """Every worksheet of an .xlsx, read in openpyxl's read-only (streaming) mode, formulas as written.

    Bounded: WorkbookTooLarge before parsing when the XML or a sheet's declared dimensions are beyond
    the limits, and while streaming as soon as the cells read pass MAX_WORKBOOK_CELLS (a sheet may
    declare no dimension, or a false one)."""
    import openpyxl  # only needed for workbooks

    max_cells = MAX_WORKBOOK_CELLS if max_cells is None else max_cells
    check_workbook_size(data)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    grids = []
    cells = 0
    try:
        for sheet in book.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            declared = (sheet.max_row or 0) * (sheet.max_column or 0)
            if declared > max_cells:
                raise WorkbookTooLarge(
                    f"sheet {sheet.title!r} declares {declared:,} cells ({sheet.calculate_dimension()}; "
                    f"limit {max_cells:,})",
                    f"工作表“{sheet.title}”声明了{declared:,}个单元格（上限{max_cells:,}）", sheet.title)
            sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
            grid = Grid(sheet.title, [])
            for r, row in enumerate(sheet.iter_rows()):
                if len(row) > MAX_WORKBOOK_COLUMNS:
                    last = column_letter(len(row) - 1)
                    raise WorkbookTooLarge(
                        f"row {r + 1} of sheet {sheet.title!r} reaches column {last} ({len(row):,} columns, limit "
                        f"{MAX_WORKBOOK_COLUMNS:,}: delete any cells right of the table)",
                        f"工作表“{sheet.title}”第{r + 1}行延伸到{last}列（{len(row):,}列，上限{MAX_WORKBOOK_COLUMNS:,}列；"
                        "请删除表格右侧的单元格）", sheet.title)
                cells += len(row)
                if cells > max_cells:
                    raise WorkbookTooLarge(
                        f"it holds more than {max_cells:,} cells (sheet {sheet.title!r}, row {r + 1})",
                        f"单元格超过{max_cells:,}个（工作表“{sheet.title}”第{r + 1}行）", sheet.title)
                values = []
                for c, cell in enumerate(row):
                    value = cell.value
                    if getattr(cell, "data_type", None) == "f":
                        grid.formulas.add((r, c))
                        value = value if isinstance(value, str) else str(getattr(value, "text", value))
                    elif isinstance(value, (int, float)) and is_percent_format(getattr(cell, "number_format", None)):
                        grid.percent.add((r, c))
                    values.append(value)
                grid.rows.append(values)
            grids.append(grid)
    finally:
        book.close()
    return grids


def is_percent_format(number_format: str | None) -> bool:
    """True for '0.0%' (Excel shows 0.052 as 5.2%), not for '0.0"%"' or '0.0\\%' (a literal sign)."""
    if not number_format:
        return False
    bare = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in bare


def peek_text(data: bytes) -> str | None:
    """The start of a text file, decoded as UTF-8 or GB18030, for detecting the layout."""
    head = data[:PEEK_BYTES]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.getincrementaldecoder(encoding)().decode(head, final=len(data) <= PEEK_BYTES)
        except UnicodeDecodeError:
            continue
    return None


# --------------------------------------------------------------------------- periods in headers

@dataclass(frozen=True)
class HeaderPeriod:
    year: int | None
    month: int | None     # None for a year
    period_type: str | None  # annual / ytd / month; None = a single month, ytd or month per option
    text: str

    def resolve(self, year: int | None, period_type: str | None) -> tuple[str, str] | None:
        """('2024-06', 'ytd'); None when the header has no year and none was given."""
        y = self.year or year
        if y is None:
            return None
        if self.month is None:
            return f"{y:04d}", "annual"
        ptype = self.period_type or (period_type if self.month > 1 else "ytd") or "ytd"
        return f"{y:04d}-{self.month:02d}", ptype


_DASHES = re.compile(r"(?<=\d)(?:[-‐‑‒–—―−~〜]|至|到)+(?=\d)")
_SUFFIX_TYPE = r"(?P<s>累计值|累计|当月值|当月)?"
# '1-12月' is read as what it says, the January–December cumulative ('2023-12', ytd), never as the annual
# figure ('2023'): a monthly report's 1-12月 is the preliminary cumulative, published weeks before the annual
# figure (统计公报, 年鉴), which can differ. Stored apart (monitor/periods.py: ytd is the cumulative), both are
# kept; the assessment lets a 1-12月 row stand in for the year only until an annual row exists
# (monitor/assess/inputs.py, per_year). Only '2023年' or '2023年全年' is an annual figure.
_PERIOD_FORMS = [
    (re.compile(r"(?:(?P<y>\d{4})年)?1-(?P<m>\d{1,2})月份?" + _SUFFIX_TYPE), "ytd"),
    (re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月份?" + _SUFFIX_TYPE), None),
    (re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})" + _SUFFIX_TYPE), None),
    (re.compile(r"(?P<m>\d{1,2})月份?" + _SUFFIX_TYPE), None),
    (re.compile(r"(?P<y>\d{4})年?(?:全年)?"), "annual"),
]


def clean_header(text: str) -> str:
    text = squeeze(text)
    return _DASHES.sub("-", text)


def match_period(text: str, *, search: bool = False) -> HeaderPeriod | None:
    """Parse a header (already cleaned) as a period; `search` finds one inside a longer title."""
    for pattern, kind in _PERIOD_FORMS:
        match = pattern.search(text) if search else pattern.fullmatch(text)
        if not match:
            continue
        groups = match.groupdict()
        year = int(groups["y"]) if groups.get("y") else None
        if year is not None and not 1900 <= year <= 2100:
            continue
        if kind == "annual":
            return HeaderPeriod(year, None, "annual", match.group(0))
        month = int(groups["m"])
        if not 1 <= month <= 12:
            continue
        suffix = groups.get("s") or ""
        ptype = kind or ("ytd" if suffix.startswith("累计") else "month" if suffix.startswith("当月") else None)
        return HeaderPeriod(year, month, ptype, match.group(0))
    return None


@dataclass
class Column:
    index: int
    kind: str                  # value | growth | other | empty
    period: HeaderPeriod | None = None
    unit: str | None = None    # a unit in the header's brackets: '绝对额(亿元)'
    text: str = ""             # the header as written (for messages)


def classify_header(value, index: int) -> Column:
    if isinstance(value, (datetime, date)):  # Excel turned '2024-06' into a date
        text = f"{value.year:04d}-{value.month:02d}"
        return Column(index, "value", match_period(text), text=text)
    raw = cell_text(value)
    if raw is None:
        return Column(index, "empty")
    text = clean_header(raw)
    unit = None
    bracket = re.search(r"[(\[【]([^()\[\]【】]*)[)\]】]", text)
    if bracket:
        inner = bracket.group(1)
        if inner in UNITS or inner == "%":
            unit = inner
        text = (text[:bracket.start()] + text[bracket.end():])
    if GROWTH_WORDS.search(text) or unit == "%" or text.endswith("%"):
        rest = GROWTH_WORDS.sub("", text).replace("%", "").replace("()", "")
        rest = VALUE_WORDS.sub("", rest)
        if not rest:
            return Column(index, "growth", None, text=raw)
        period = match_period(rest)
        return Column(index, "growth" if period else "other", period, text=raw)
    stripped = VALUE_WORDS.sub("", text)
    period = match_period(stripped) if stripped else None
    if period:
        return Column(index, "value", period, unit if unit != "%" else None, text=raw)
    return Column(index, "other", None, unit, text=raw)


def label_kind(value) -> str | None:
    """'growth' for '增速(%)', 'value' for '绝对额(亿元)', None for anything else (a title, a name, a number)."""
    if classify_header(value, 0).kind == "growth":
        return "growth"
    text = cell_text(value)
    if text is None:
        return None
    text = re.sub(r"[(\[【][^()\[\]【】]*[)\]】]", "", clean_header(text))
    return "value" if text and not VALUE_WORDS.sub("", text) else None


def is_value_label(value) -> bool:
    return label_kind(value) is not None


# --------------------------------------------------------------------------- the wide layout

@dataclass
class Options:
    indicator: str | None = None
    unit: str | None = None
    source: str | None = None
    source_url: str | None = None
    year: int | None = None
    sheet: str | None = None
    period_type: str | None = None


@dataclass
class Table:
    """Where the parts of a wide table are."""

    header_row: int                 # 0-based row of the period header
    last_header_row: int            # the header may take two rows (a sub-header under merged periods)
    region_col: int
    columns: list[Column]           # the period area, classified
    labels: dict[int, str]          # column index → label for messages
    title_period: HeaderPeriod | None = None


def _texts(grid: Grid, r: int) -> list[tuple[int, str]]:
    return [(c, t) for c, v in enumerate(grid.rows[r]) if (t := cell_text(v))]


def _title_info(grid: Grid, upto: int) -> tuple[list[tuple[int, int, str]], HeaderPeriod | None]:
    """Text lines above row `upto` (row, column, text) and the period a title states, if any."""
    lines = []
    for r in range(min(upto, len(grid.rows))):
        for c, text in _texts(grid, r):
            lines.append((r, c, text))
    period = None
    for _r, _c, text in lines:
        if UNIT_LINE.search(text) or SOURCE_LINE.match(squeeze(text)):
            continue
        period = match_period(clean_header(text), search=True)
        if period:
            break
    return lines, period


def find_table(grid: Grid) -> Table | None:
    """Find the header row: the first whose later cells parse as periods (or, failing that, a
    '地区 | 绝对额 | 增速' header under a title that states the period)."""
    for r in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        row = grid.rows[r]
        columns = [classify_header(v, c) for c, v in enumerate(row)]
        first = next((c.index for c in columns if c.kind in ("value", "growth") and c.period), None)
        # A data row whose figure happens to be 2024 is not a header: a header has no other numbers.
        numbers = any(c.kind == "other" and read_number(row[c.index]).numeric for c in columns)
        if first is not None and first > 0 and not numbers:
            later = [c for c in columns[first:] if c.kind != "empty"]
            periodish = [c for c in later if c.kind in ("value", "growth")]
            if len(periodish) * 2 >= len(later):
                return _build_table(grid, r, columns, first)
        texts = _texts(grid, r)
        if len(texts) >= 2 and REGION_LABEL.match(squeeze(texts[0][1])):
            region_col = texts[0][0]
            rest = [c for c in columns[region_col + 1:] if c.kind != "empty"]
            values = [c for c in rest if c.kind in ("value", "other")]
            growth = [c for c in rest if c.kind == "growth"]
            _lines, title_period = _title_info(grid, r)
            if title_period and len(values) <= 1 and len(growth) <= 1 and not any(c.period for c in rest) \
                    and all(is_value_label(grid.cell(r, c.index)) for c in values):
                for c in values:
                    c.kind, c.period = "value", title_period
                for c in growth:
                    c.period = title_period
                labels = _labels(grid, [r], region_col, len(row))
                return Table(r, r, region_col, rest, labels, title_period)
    return None


def _build_table(grid: Grid, r: int, columns: list[Column], first: int) -> Table:
    before = columns[:first]
    labelled = [c.index for c in before if c.kind != "empty" and REGION_LABEL.match(clean_header(c.text))]
    non_empty = [c.index for c in before if c.kind != "empty"]
    region_col = labelled[-1] if labelled else (non_empty[-1] if non_empty else first - 1)
    area = [c for c in columns if c.index > region_col]
    width = max(len(grid.rows[r]), 1)
    last = r
    below = r + 1
    if below < len(grid.rows) and _is_subheader(grid, below, region_col):
        # Merged periods over (value, growth) pairs: '1-6月' spanning two columns, '绝对额 | 增速' below.
        last = below
        width = max(width, len(grid.rows[below]))
        period = None
        area = []
        for c in range(region_col + 1, width):
            head = classify_header(grid.cell(r, c), c)
            if head.period:
                period = head.period
            sub = classify_header(grid.cell(below, c), c)
            sub_text = cell_text(grid.cell(below, c))
            if period is None or (sub_text is None and head.kind == "empty"):
                area.append(Column(c, "empty"))
                continue
            kind = "growth" if sub.kind == "growth" else "value"
            area.append(Column(c, kind, period, sub.unit if kind == "value" else None))
        return Table(r, last, region_col, area, _labels(grid, [r, below], region_col, width))
    above = r - 1
    rows = [r]
    above_cells = [grid.cell(above, c.index) for c in area] if above >= 0 else []
    above_kinds = [label_kind(v) for v in above_cells if cell_text(v)]
    if above_kinds and None not in above_kinds:
        # Labels over blocks of period columns: '绝对额(亿元)' over the values, '增速(%)' over a trailing
        # block of growth rates (merged, so only the block's first cell has the label).
        rows = [above, r]
        filled = None
        for column, value in zip(area, above_cells):
            if cell_text(value):
                filled = label_kind(value)
            if filled == "growth" and column.kind == "value":
                column.kind = "growth"
    return Table(r, last, region_col, area, _labels(grid, rows, region_col, width))


def _is_subheader(grid: Grid, r: int, region_col: int) -> bool:
    row = grid.rows[r]
    head = cell_text(grid.cell(r, region_col))
    if head and not REGION_LABEL.match(squeeze(head)):
        return False
    cells = [v for v in row[region_col + 1:] if cell_text(v)]
    if not cells:
        return False
    kinds = [label_kind(v) for v in cells]
    return "growth" in kinds and None not in kinds


def _labels(grid: Grid, rows: list[int], region_col: int, width: int) -> dict[int, str]:
    """Column labels as the user sees them: the header text (over two rows joined, merged cells
    carried right), with the column letter when the text is empty or not unique."""
    carried: dict[int, str] = {}
    labels: dict[int, str] = {}
    for c in range(width):
        parts = []
        for r in rows:
            text = cell_text(grid.cell(r, c))
            if text:
                carried[r] = text
            elif c > region_col and r != rows[-1] and r in carried:
                text = carried[r]  # merged across columns
            if text:
                parts.append(text)
        labels[c] = " ".join(parts)
    counts: dict[str, int] = {}
    for text in labels.values():
        counts[text] = counts.get(text, 0) + 1
    return {c: (f"column {column_letter(c)}" if not text else
                f"{text} (column {column_letter(c)})" if counts[text] > 1 else text)
            for c, text in labels.items()}


# --------------------------------------------------------------------------- several indicators side by side

@dataclass
class Block:
    name: str            # the indicator's name as the table writes it, over its columns
    columns: list[int]   # 0-based columns under the name (a value and a growth column, or one of them)


def find_indicator_blocks(grid: Grid) -> tuple[int, int, list[Block]] | None:
    """A table of several indicators side by side, as statistical monthly reports print prefecture figures:
    '地区 | 地区生产总值 | | 规模以上工业增加值 | | …' (names merged over pairs of columns), then
    '| 绝对额（亿元） | 增长（%） | …' below, the period in the title. (header row, region column, blocks)."""
    for r in range(min(HEADER_SCAN_ROWS, len(grid.rows) - 1)):
        texts = _texts(grid, r)
        if len(texts) < 3 or not REGION_LABEL.match(squeeze(texts[0][1])):
            continue
        region_col = texts[0][0]
        if not _is_subheader(grid, r + 1, region_col):
            continue
        heads = [classify_header(grid.cell(r, c), c) for c, _text in texts[1:]]
        if any(h.period for h in heads):
            return None  # periods over pairs of columns: the ordinary wide table
        width = max(len(grid.rows[r]), len(grid.rows[r + 1]))
        blocks: list[Block] = []
        for c in range(region_col + 1, width):
            name = cell_text(grid.cell(r, c))
            if name:
                blocks.append(Block(squeeze(name), []))
            if blocks and cell_text(grid.cell(r + 1, c)):
                blocks[-1].columns.append(c)
        blocks = [b for b in blocks if b.columns]
        return (r, region_col, blocks) if len(blocks) >= 2 else None
    return None


def block_grid(grid: Grid, header_row: int, region_col: int, block: Block) -> Grid:
    """The grid as if the table held this block alone: the title above, '地区 | 绝对额 | 增长' as the header,
    every other column empty (rows and columns keep their places, so messages name the cells as written)."""
    keep = {region_col, *block.columns}
    rows = []
    for r, row in enumerate(grid.rows):
        if r < header_row:  # the title's period, unit and source lines; not its words (they may name one block)
            rows.append([_title_part(v) for v in row])
        elif r == header_row:
            rows.append([grid.cell(r + 1, c) if c in block.columns else grid.cell(r, c) if c == region_col else None
                         for c in range(max(keep) + 1)])
        elif r == header_row + 1:
            rows.append([])
        else:
            rows.append([grid.cell(r, c) if c in keep else None for c in range(max(keep) + 1)])
    formulas = {(r, c) for r, c in grid.formulas if c in keep}
    percent = {(r, c) for r, c in grid.percent if c in keep}
    return Grid(grid.sheet, rows, formulas, percent)


def _title_part(value):
    text = cell_text(value)
    if text is None or UNIT_LINE.search(text) or SOURCE_LINE.match(squeeze(text)):
        return value
    period = match_period(clean_header(text), search=True)
    return period.text if period else None


def read_indicator_blocks(grid: Grid, found: tuple[int, int, list[Block]], options: Options, lookup: Lookup,
                          report: Report) -> list[dict]:
    """Rows of every block whose indicator the registry knows; the others are listed in the report and skipped."""
    header_row, region_col, blocks = found
    names = sorted(((squeeze(nfkc(spec["name_zh"])), ind) for ind, spec in lookup.indicators.items()),
                   key=lambda item: -len(item[0]))
    names += [(squeeze(k), v) for k, v in INDICATOR_ALIASES.items()]
    rows: list[dict] = []
    for block in blocks:
        indicator = lookup.indicator_id(block.name) or next((ind for name, ind in names if name == block.name), None)
        where = f"column {column_letter(block.columns[0])}"
        if indicator is None:
            report.warning("block_skipped", f"the block {block.name!r} is not an indicator the registry knows; "
                                            "its columns are skipped",
                           f"“{block.name}”不是已登记的指标，该栏已跳过", grid.sheet, header_row + 1, where)
            continue
        sub = block_grid(grid, header_row, region_col, block)
        table = find_table(sub)
        if table is None:
            report.warning("block_skipped", f"the block {block.name!r} has no value or growth column under it; "
                                            "it is skipped",
                           f"“{block.name}”下没有数值或增速列，已跳过", grid.sheet, header_row + 1, where)
            continue
        rows += read_wide(sub, table, replace(options, indicator=indicator), lookup, report)
    return rows


def _resolve_indicator(lookup: Lookup, lines: list[tuple[int, int, str]]) -> tuple[str, int, int] | None:
    names = sorted(((nfkc(spec["name_zh"]), ind) for ind, spec in lookup.indicators.items()),
                   key=lambda item: -len(item[0]))
    names += sorted(INDICATOR_ALIASES.items(), key=lambda item: -len(item[0]))
    for r, c, text in lines:
        text = squeeze(text)
        for name, ind in names:
            if squeeze(name) in text:
                return ind, r, c
    return None


def read_wide(grid: Grid, table: Table, options: Options, lookup: Lookup, report: Report) -> list[dict]:
    """Stage rows (one per cell) for a wide table whose header was found."""
    sheet = grid.sheet
    lines, _title_period = _title_info(grid, table.header_row)
    after = [(r, c, t) for r in range(table.last_header_row + 1, len(grid.rows)) for c, t in _texts(grid, r)]

    def where(r: int, c: int) -> tuple[str, int]:
        return f"column {column_letter(c)}", r + 1

    # Indicator: option, else the title.
    found = _resolve_indicator(lookup, lines)
    if options.indicator:
        indicator, ind_loc, ind_row = options.indicator, "indicator (option)", 0
        chosen = lookup.indicator_id(options.indicator)
        if found and chosen and found[0] != chosen:
            report.warning("option_overrides_file",
                           f"indicator={options.indicator} was given, but the title names {found[0]}; using {chosen}",
                           f"已指定指标{options.indicator}，但标题对应{found[0]}；按指定指标导入",
                           sheet, found[1] + 1, f"column {column_letter(found[2])}")
    elif found:
        indicator = found[0]
        ind_loc, ind_row = where(found[1], found[2])
    else:
        title = next(((r, c, t) for r, c, t in lines if not UNIT_LINE.search(nfkc(t))), None)
        report.error("no_indicator",
                     "cannot tell which indicator the table holds: "
                     + (f"the title {title[2]!r} names none we know" if title else "there is no title line")
                     + "; pass indicator= (--indicator ID)",
                     "无法判断表中指标：标题未包含已知指标名称；请指定指标（--indicator）",
                     sheet, title[0] + 1 if title else table.header_row + 1,
                     f"column {column_letter(title[1])}" if title else "indicator (option)")
        return []

    # Unit: option, else a '单位：' line, else the header's brackets, else each cell's own.
    unit_line = next(((r, c, m.group(1)) for r, c, t in lines + after if (m := UNIT_LINE.search(nfkc(t)))), None)
    header_units = {c.unit for c in table.columns if c.kind == "value" and c.unit}
    if options.unit:
        unit, unit_loc, unit_row = options.unit, "unit (option)", 0
        stated = unit_line[2] if unit_line else (next(iter(header_units)) if len(header_units) == 1 else None)
        if stated and stated != options.unit:
            report.warning("option_overrides_file",
                           f"unit={options.unit} was given, but the table says {stated}; "
                           f"values are read as {options.unit}",
                           f"已指定单位{options.unit}，但表中单位为{stated}；按指定单位导入",
                           sheet, unit_line[0] + 1 if unit_line else table.header_row + 1,
                           f"column {column_letter(unit_line[1])}" if unit_line else None)
    elif unit_line:
        unit = unit_line[2]
        unit_loc, unit_row = where(unit_line[0], unit_line[1])
    elif len(header_units) == 1:
        unit = next(iter(header_units))
        first = next(c for c in table.columns if c.unit)
        unit_loc, unit_row = table.labels[first.index], table.header_row + 1
    else:
        unit, unit_loc, unit_row = None, None, None

    # Source: option, else a '数据来源：' line.
    source_line = next(((r, c, m.group(1).strip()) for r, c, t in lines + after
                        if (m := SOURCE_LINE.match(nfkc(t).strip()))), None)
    if options.source:
        source, src_loc, src_row = options.source, "source (option)", 0
    elif source_line:
        source = source_line[2]
        src_loc, src_row = where(source_line[0], source_line[1])
    else:
        report.error("no_source",
                     "the table names no source (no '数据来源：' line); every number needs one: "
                     "pass source= (--source TEXT)",
                     "表中未注明数据来源；每个数据都须注明来源，请指定来源（--source）",
                     sheet, None, "source (option)")
        return []

    # Year for headers without one: option, else the title.
    title_year = None
    for _r, _c, text in lines:
        if (m := re.search(r"(\d{4})年", nfkc(text))) and 1900 <= int(m.group(1)) <= 2100:
            title_year = int(m.group(1))
            break
    year = options.year or title_year
    if options.year and title_year and options.year != title_year:
        report.warning("option_overrides_file",
                       f"year={options.year} was given, but the title says {title_year}; "
                       f"headers without a year are read as {options.year}",
                       f"已指定年份{options.year}，但标题为{title_year}年；未写年份的表头按{options.year}年读取",
                       sheet, None, "year (option)")

    # Periods: value and growth columns by period.
    header_row = table.header_row + 1
    value_cols: dict[tuple[str, str], Column] = {}
    growth_cols: dict[tuple[str, str], Column] = {}
    order: list[tuple[str, str]] = []
    fatal = False
    unpaired: Column | None = None  # the value column just before, for a growth column that names no period
    for column in table.columns:
        label = table.labels.get(column.index, f"column {column_letter(column.index)}")
        if column.kind == "empty":
            continue
        if column.kind == "other":
            if any(cell_text(grid.cell(r, column.index)) for r in range(table.last_header_row + 1, len(grid.rows))):
                report.warning("unknown_column",
                               f"column {label!r} is neither a period nor a growth rate; it is ignored",
                               f"列“{label}”既不是期别也不是增速，已忽略", sheet, header_row, label)
            continue
        period = column.period
        if column.kind == "growth" and period is None:
            if unpaired is None or unpaired.index != column.index - 1:
                report.error("growth_without_period",
                             f"growth column {label!r} names no period and does not follow a period column",
                             f"增速列“{label}”未注明期别，且不紧随期别列", sheet, header_row, label)
                fatal = True
                continue
            period = unpaired.period
        if period is None:  # never: a value column always names its period (classify_header)
            continue
        unpaired = column if column.kind == "value" else None
        resolved = period.resolve(year, options.period_type)
        if resolved is None:
            report.error("no_year",
                         f"the header {label!r} has no year and neither the title nor year= (--year) gives one",
                         f"表头“{label}”未写年份，标题中也没有；请指定年份（--year）", sheet, header_row, label)
            fatal = True
            continue
        if column.kind == "value" and period.month and period.month > 1 and period.period_type is None \
                and not options.period_type:
            report.warning("period_assumed_ytd",
                           f"column {label!r} is read as the cumulative figure for January–{period.month} "
                           f"(1-{period.month}月累计), as in the long format; pass period_type='month' "
                           "(--period-type month) if it holds that month alone",
                           f"列“{label}”按1-{period.month}月累计读取；如为当月数据，请指定--period-type month",
                           sheet, header_row, label)
        target = growth_cols if column.kind == "growth" else value_cols
        if resolved in target:
            other = table.labels.get(target[resolved].index)
            report.error("duplicate_period_column",
                         f"columns {other!r} and {label!r} both hold {resolved[0]} ({resolved[1]})",
                         f"列“{other}”与“{label}”为同一期别{resolved[0]}", sheet, header_row, label)
            fatal = True
            continue
        target[resolved] = column
        if resolved not in order:
            order.append(resolved)
    if fatal:
        return []
    if not order:
        report.error("no_periods", "the header has no period columns", "表头中没有期别列", sheet, header_row, None)
        return []

    # Data rows.
    region_label = table.labels.get(table.region_col, f"column {column_letter(table.region_col)}")
    data_rows = []
    for r in range(table.last_header_row + 1, len(grid.rows)):
        cells = [grid.cell(r, c.index) for c in table.columns if c.kind in ("value", "growth")]
        region_raw = cell_text(grid.cell(r, table.region_col))
        if not any(cell_text(v) for v in cells):
            texts = _texts(grid, r)
            if not texts or NOTE_START.match(squeeze(texts[0][1])) or texts[0][0] != table.region_col:
                continue  # blank line, note or source line
            report.warning("empty_row", f"row {r + 1} ({region_raw}) has no figures; it is skipped",
                           f"第{r + 1}行（{region_raw}）没有数据，已跳过", sheet, r + 1, region_label)
            continue
        if region_raw and NOTE_START.match(squeeze(region_raw)):
            continue
        data_rows.append(r)

    # Without a table-level unit every figure must carry its own.
    if unit is None:
        for r in data_rows:
            for slot in order:
                value_col = value_cols.get(slot)
                if value_col is None or (r, value_col.index) in grid.formulas:
                    continue
                number = read_number(grid.cell(r, value_col.index))
                if number.text is not None and number.unit is None:
                    report.error("no_unit",
                                 "the table states no unit (no '单位：' line, none in the header or the cells); "
                                 "pass unit= (--unit 亿元)",
                                 "表中未注明单位（无“单位：”行，表头和单元格中也没有）；请指定单位（--unit）",
                                 sheet, r + 1, table.labels.get(value_col.index))
                    return []

    staged = []
    for r in data_rows:
        region = region_text(grid.cell(r, table.region_col))
        for slot in order:
            vcol, gcol = value_cols.get(slot), growth_cols.get(slot)
            row = {
                "row_no": r + 1, "sheet": sheet, "indicator": indicator, "region": region,
                "period": slot[0], "period_type": slot[1], "value": None, "unit": unit, "yoy_pct": None,
                "source": source, "source_url": options.source_url,
                "loc_indicator": ind_loc, "locrow_indicator": ind_row,
                "loc_region": region_label,
                "loc_unit": unit_loc, "locrow_unit": unit_row,
                "loc_source": src_loc, "locrow_source": src_row,
            }
            ok, marked = True, False
            for kind, cell_col in (("value", vcol), ("yoy_pct", gcol)):
                if cell_col is None:
                    continue
                cell_label = table.labels.get(cell_col.index)
                row[f"loc_{kind}"] = cell_label
                if kind == "value" or "loc_period" not in row:
                    row["loc_period"] = row["loc_period_type"] = cell_label
                    row["locrow_period"] = row["locrow_period_type"] = header_row
                if (r, cell_col.index) in grid.formulas:
                    report.error("formula_cell",
                                 f"the cell holds a formula ({grid.cell(r, cell_col.index)}), not a number; "
                                 "replace it with its value (paste as values) and import again",
                                 f"单元格为公式（{grid.cell(r, cell_col.index)}），不是数值；请粘贴为数值后重新导入",
                                 sheet, r + 1, cell_label)
                    ok = False
                    continue
                raw = grid.cell(r, cell_col.index)
                number = read_number(raw, percent_format=(r, cell_col.index) in grid.percent)
                if number.missing:
                    marked = True
                    continue
                if kind == "yoy_pct":
                    row["yoy_pct"] = number.text if number.unit in (None, "%") else cell_text(raw)
                    continue
                if number.unit is not None:  # '1,234.5亿元': the cell says its unit
                    if unit is not None and number.unit != unit:
                        report.error("unit_conflict",
                                     f"the cell {cell_text(raw)!r} says {number.unit} but the table's unit is {unit}",
                                     f"单元格“{cell_text(raw)}”的单位{number.unit}与表中单位{unit}不一致",
                                     sheet, r + 1, cell_label)
                        ok = False
                        continue
                    row["unit"], row["loc_unit"], row["locrow_unit"] = number.unit, cell_label, r + 1
                row["value"] = number.text
            if not ok:
                continue
            if marked and row["value"] is None and row["yoy_pct"] is None:
                labels = " / ".join(table.labels.get(c.index) or "" for c in (vcol, gcol) if c is not None)
                report.warning("not_published", "the cell is marked as not published; nothing is stored for it",
                               "单元格标为无数据，未导入", sheet, r + 1, labels)
                continue
            staged.append(row)
    return staged


# --------------------------------------------------------------------------- the long layout in a workbook

def find_long_header(grid: Grid) -> tuple[int, list[str]] | None:
    for r in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        headers = [normalise_header(cell_text(v) or "") for v in grid.rows[r]]
        if sum(h in KNOWN_COLUMNS for h in headers) >= 2:
            return r, headers
    return None


def read_long_sheet(grid: Grid, header_row: int, headers: list[str], report: Report) -> list[dict] | None:
    sheet = grid.sheet
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        report.error("missing_column",
                     f"missing column(s) {', '.join(missing)}; the header must contain {', '.join(REQUIRED_COLUMNS)}",
                     f"缺少列：{'、'.join(missing)}；表头须包含 {', '.join(REQUIRED_COLUMNS)}", sheet, header_row + 1)
        return None
    dupes = sorted({h for h in headers if h and headers.count(h) > 1})
    if dupes:
        report.error("duplicate_column", f"column(s) named twice in the header: {', '.join(dupes)}",
                     f"表头中有重复列：{'、'.join(dupes)}", sheet, header_row + 1)
        return None
    for extra in [h for h in headers if h and h not in KNOWN_COLUMNS + EXPORT_INFO_COLUMNS]:
        report.warning("unknown_column", f"column {extra!r} is not part of the format and is ignored",
                       f"列“{extra}”不属于导入格式，已忽略", sheet, header_row + 1, extra)
    index = {h: c for c, h in enumerate(headers) if h in KNOWN_COLUMNS}
    rows = []
    for r in range(header_row + 1, len(grid.rows)):
        if not any(cell_text(v) for v in grid.rows[r]):
            continue
        row = {"row_no": r + 1, "sheet": sheet}
        ok = True
        for name, c in index.items():
            value = grid.cell(r, c)
            if (r, c) in grid.formulas:
                report.error("formula_cell",
                             f"the cell holds a formula ({value}), not a value; replace it with its value "
                             "(paste as values) and import again",
                             f"单元格为公式（{value}），请粘贴为数值后重新导入", sheet, r + 1, name)
                ok = False
                continue
            if name == "period" and isinstance(value, (datetime, date)):
                row[name] = f"{value.year:04d}-{value.month:02d}"  # Excel turned '2024-06' into a date
            elif name in ("value", "yoy_pct"):
                number = read_number(value, percent_format=name == "yoy_pct" and (r, c) in grid.percent)
                row[name] = number.text if number.numeric else cell_text(value)
                if name == "value" and number.numeric and number.unit:
                    row["_cell_unit"] = number.unit
            elif name in ("source", "source_url", "quote", "note"):
                row[name] = cell_text(value)
            elif name == "region":
                row[name] = region_text(value)
            else:
                text = cell_text(value)
                row[name] = squeeze(text) if text else None
        cell_unit = row.pop("_cell_unit", None)
        if cell_unit:
            if row.get("unit") in (None, cell_unit):
                row["unit"] = cell_unit
            else:
                report.error("unit_conflict",
                             f"the value cell says {cell_unit} but the unit column says {row['unit']}",
                             f"数值单元格单位{cell_unit}与单位列{row['unit']}不一致", sheet, r + 1, "value")
                ok = False
        if ok:
            rows.append(row)
    if not rows and not report.has_errors:
        report.error("no_rows", "the sheet has a header but no data rows", "该工作表只有表头，没有数据行",
                     sheet, header_row + 2)
    return rows


# --------------------------------------------------------------------------- the entry point

STAGING_TEXT = tuple(KNOWN_COLUMNS)
LOC_TEXT = ("loc_indicator", "loc_region", "loc_period", "loc_period_type", "loc_value", "loc_yoy_pct", "loc_unit",
            "loc_source")
LOC_ROWS = ("locrow_indicator", "locrow_period", "locrow_period_type", "locrow_unit", "locrow_source")


def _fatal(con, report: Report, file_format: str, code: str, en: str, zh: str, sheet=None, row=None,
           column=None) -> StagedFile:
    report.error(code, en, zh, sheet, row, column)
    create_empty_staging(con, [])
    return StagedFile(report.file, file_format, 0, [], report.finish())


def parse_options(report: Report, layout: str, options: dict) -> Options | None:
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise TypeError(f"read_any() got unexpected option(s) {', '.join(unknown)}; known: {', '.join(OPTION_NAMES)}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    clean: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in options.items()}
    clean = {k: v for k, v in clean.items() if v not in (None, "")}
    if "year" in clean:
        try:
            year = int(clean["year"])
            if not 1949 <= year <= 2100:
                raise ValueError
            clean["year"] = year
        except (TypeError, ValueError):
            report.error("bad_option", f"year must be a year such as 2024, got {options['year']!r}",
                         f"年份应为如2024的四位数，实际为“{options['year']}”", column="year (option)")
            return None
    if clean.get("period_type") not in (None, "ytd", "month"):
        report.error("bad_option", f"period_type must be ytd or month, got {clean['period_type']!r}",
                     f"期别类型应为ytd或month，实际为“{clean['period_type']}”", column="period_type (option)")
        return None
    return Options(**clean)


def read_any(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, layout: str = "auto",
             **options) -> StagedFile:
    """Read any supported file into the staging table of `con` (see the module docstring).

    `layout` is "auto", "long" or "wide"; `options` (indicator, unit, source, source_url, year, sheet,
    period_type) describe a wide table where the file does not, and `sheet` picks one sheet of a
    workbook. Usable as `stage=functools.partial(read_any, layout=..., **options)`.
    """
    report = Report(file_name)
    opts = parse_options(report, layout, options)
    is_xlsx = data.startswith(XLSX_MAGIC)
    file_format = "xlsx" if is_xlsx else "csv"
    if opts is None:
        create_empty_staging(con, [])
        return StagedFile(file_name, file_format, 0, [], report.finish())
    if data.startswith(XLS_MAGIC):
        return _fatal(con, report, "xls", "xls_not_supported",
                      "this is a legacy Excel .xls file; save it as .xlsx (Excel Workbook) or CSV and import that",
                      "这是旧版Excel .xls文件；请另存为.xlsx或CSV后导入")
    if is_xlsx:
        return _read_xlsx(con, data, report, layout, opts)
    return _read_csv(con, data, report, layout, opts)


def reader_for(layout: str = "auto", options: dict | None = None):
    """The `stage` function for importer.import_file / preview_file that reads with this layout and options."""
    clean = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    return functools.partial(read_any, layout=layout or "auto", **clean)


def _ignored_options(report: Report, opts: Options, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(opts, name) is not None:
            report.warning("option_ignored", f"option {name} applies to wide tables only and is ignored",
                           f"选项{name}仅用于宽表，已忽略", column=f"{name} (option)")


WIDE_ONLY = ("indicator", "unit", "source", "source_url", "year", "period_type")


def _read_csv(con, data: bytes, report: Report, layout: str, opts: Options) -> StagedFile:
    if opts.sheet:
        _ignored_options(report, opts, ("sheet",))
    data = normalise_line_endings(data)
    head = peek_text(data) if data.strip() else None
    if layout == "auto" and head is not None:
        try:
            first = next(csv.reader(io.StringIO(head.split("\n", 1)[0])), [])
        except csv.Error:
            first = []
        if sum(normalise_header(h) in KNOWN_COLUMNS for h in first) < 2:
            layout = "wide"
    if layout != "wide":  # long, or not recognisably wide (empty, undecodable): the long reader says why
        _ignored_options(report, opts, WIDE_ONLY)
        staged = stage_long_csv(con, data, report.file)
        staged.problems = report.finish() + staged.problems
        return staged
    return _read_in_child(con, report, "csv", wide_csv_rows, data, report, opts, Lookup.from_connection(con))


def wide_csv_rows(data: bytes, report: Report, opts: Options, lookup: Lookup) -> RowsRead:
    """Read a wide CSV (line endings normalised) into staging rows, without a database: what the child runs."""

    def fatal(code: str, en: str, zh: str, row=None) -> RowsRead:
        report.error(code, en, zh, row=row)
        return RowsRead(report, "csv")

    try:
        text, _encoding = decode_text(data)
    except EncodingError as exc:
        return fatal("bad_encoding", str(exc), exc.message_zh, row=exc.line)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        return fatal("malformed_csv", f"the CSV cannot be parsed: {exc}", "CSV格式错误")
    for row_no, fields in enumerate(rows, start=1):
        longest = max((len(f) for f in fields), default=0)
        if longest > MAX_FIELD_CHARS:
            return fatal("field_too_long",
                         f"a cell has {longest:,} characters, more than the limit of {MAX_FIELD_CHARS:,} "
                         "(is a quotation mark left open?)",
                         f"单元格有{longest:,}个字符，超过上限{MAX_FIELD_CHARS:,}（是否有未闭合的引号？）", row=row_no)
    grid = Grid(None, rows)
    table = find_table(grid)
    blocks = find_indicator_blocks(grid) if table is None else None
    if blocks is not None:
        rows_out = read_indicator_blocks(grid, blocks, opts, lookup, report)
        header_row = blocks[0] + 2
    elif table is None:
        return fatal("no_header",
                     "no table header found: neither the long format's columns "
                     f"({', '.join(REQUIRED_COLUMNS)}) nor a wide table (a region column, then periods such as "
                     "'2024年1-6月' or '1-6月')",
                     "未找到表头：既不是长表格式（indicator,region,period,…），也不是宽表（地区列后接期别列，如“1-6月”）")
    else:
        rows_out = read_wide(grid, table, opts, lookup, report)
        header_row = table.last_header_row + 1
    if not rows_out:
        if not report.has_errors:
            report.error("no_rows", "the table has a header but no data rows", "表格只有表头，没有数据行",
                         row=header_row + 1)
        return RowsRead(report, "csv-wide")
    table_out, columns = _staging_table(rows_out, wide=True)
    return RowsRead(report, "csv-wide", table_out, columns)


# Workbooks and wide CSVs are read in a child process (monitor.parse_worker): both are read cell by cell in
# Python, holding the interpreter lock the server's viewers need. A workbook inside the bounds above (1.9
# million cells) took 24 s; a 2.9 MB wide CSV (440,000 cells) 43 s, on the loaded two-core server. The child
# is killed past these limits and the file refused (nothing is written); the largest workbook the bounds allow
# needs about 0.5-1 GB to read. A long CSV stays in this process: DuckDB parses and validates it in C++
# without the interpreter lock (a 206 MB file in 3.5 s), and sending the bytes to a child would only add a copy.
READ_SECONDS = 60.0
READ_MEMORY_MB = 1536


@dataclass
class RowsRead:
    """What the child returns: the reader's report, the format, and the staging rows as an Arrow table."""

    report: Report
    file_format: str
    table: pa.Table | None = None
    columns: list[str] = field(default_factory=list)


def _read_in_child(con, report: Report, file_format: str, function, *args) -> StagedFile:
    """Stage what `function(*args) -> RowsRead` reads, run in a child process under READ_SECONDS and READ_MEMORY_MB."""
    from . import parse_worker

    try:
        read = parse_worker.run(function, *args, seconds=READ_SECONDS, memory_mb=READ_MEMORY_MB)
    except parse_worker.WorkerFailed as exc:
        if file_format == "xlsx":
            return _fatal(con, report, file_format, "workbook_too_large",
                          f"the workbook is too large to import: {exc}; save the table as CSV (UTF-8) and import that",
                          f"工作簿过大，无法导入：{exc.message_zh}；请另存为CSV（UTF-8）后导入")
        return _fatal(con, report, file_format, "file_too_large",
                      f"the table is too large to read: {exc}; split it into smaller files, or import it in the "
                      "long format (indicator,region,period,value,…)",
                      f"表格过大，无法读取：{exc.message_zh}；请拆分为较小的文件，或改用长表格式（indicator,region,period,value,…）导入")
    except RuntimeError as exc:  # a reader bug in the child: report it like an unreadable file
        return _fatal(con, report, file_format, "bad_xlsx" if file_format == "xlsx" else "malformed_csv",
                      f"the file cannot be read ({exc})", "无法读取该文件")
    if read.table is None:
        create_empty_staging(con, [])
    else:
        stage_frame(con, read.table)
    return StagedFile(read.report.file, read.file_format, read.table.num_rows if read.table is not None else 0,
                      read.columns, read.report.finish())


def _read_xlsx(con, data: bytes, report: Report, layout: str, opts: Options) -> StagedFile:
    try:
        check_workbook_size(data)  # from the zip directory, in this process: no parsing yet
    except WorkbookTooLarge as exc:
        return _fatal(con, report, "xlsx", "workbook_too_large", str(exc), exc.message_zh, sheet=exc.sheet)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return _fatal(con, report, "xlsx", "bad_xlsx",
                      f"the file is a zip archive but not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                      "文件不是可读取的.xlsx工作簿")
    return _read_in_child(con, report, "xlsx", workbook_rows, data, report, layout, opts, Lookup.from_connection(con),
                          MAX_WORKBOOK_CELLS)


def _staging_table(rows: list[dict], wide: bool) -> tuple[pa.Table, list[str]]:
    """The staging table's rows as Arrow (what _stage stages), and the long columns present."""
    present = [c for c in STAGING_TEXT if any(r.get(c) is not None for r in rows)]
    for needed in REQUIRED_COLUMNS:
        if needed not in present:
            present.append(needed)
    fields = [pa.field("row_no", pa.int32()), pa.field("sheet", pa.string())]
    fields += [pa.field(c, pa.string()) for c in present]
    if wide:
        fields += [pa.field(c, pa.string()) for c in LOC_TEXT] + [pa.field(c, pa.int32()) for c in LOC_ROWS]
    schema = pa.schema(fields)
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in fields} for r in rows], schema=schema), present


def workbook_rows(data: bytes, report: Report, layout: str, opts: Options, lookup: Lookup,
                  max_cells: int = MAX_WORKBOOK_CELLS) -> RowsRead:
    """Read a workbook into staging rows, without a database: what the child process runs."""

    def fatal(file_format: str, code: str, en: str, zh: str, sheet=None, row=None, column=None) -> RowsRead:
        report.error(code, en, zh, sheet, row, column)
        return RowsRead(report, file_format)

    try:
        grids = read_workbook(data, max_cells)
    except WorkbookTooLarge as exc:
        return fatal("xlsx", "workbook_too_large", str(exc), exc.message_zh, sheet=exc.sheet)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        return fatal("xlsx", "bad_xlsx",
                     f"the file is a zip archive but not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                     "文件不是可读取的.xlsx工作簿")
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises its own exception types for broken parts
        return fatal("xlsx", "bad_xlsx", f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                     "无法读取该.xlsx工作簿")
    if opts.sheet:
        chosen = [g for g in grids if g.sheet == opts.sheet]
        if not chosen:
            names = ", ".join(g.sheet or "" for g in grids)
            return fatal("xlsx", "no_such_sheet", f"no sheet named {opts.sheet!r}; the sheets are {names}",
                         f"没有名为“{opts.sheet}”的工作表；现有工作表：{names}", column="sheet (option)")
        grids = chosen
    rows: list[dict] = []
    formats = set()
    for grid in grids:
        if grid.is_empty():
            continue
        long_header = find_long_header(grid) if layout in ("auto", "long") else None
        if long_header:
            formats.add("xlsx")
            got = read_long_sheet(grid, long_header[0], long_header[1], report)
            rows += got or []
            continue
        table = find_table(grid) if layout in ("auto", "wide") else None
        blocks = find_indicator_blocks(grid) if table is None and layout in ("auto", "wide") else None
        if blocks is not None:
            formats.add("xlsx-wide")
            rows += read_indicator_blocks(grid, blocks, opts, lookup, report)
            continue
        if table:
            formats.add("xlsx-wide")
            got = read_wide(grid, table, opts, lookup, report)
            if not got and not report.has_errors:
                report.error("no_rows", "the table has a header but no data rows", "表格只有表头，没有数据行",
                             grid.sheet, table.last_header_row + 2)
            rows += got
            continue
        expected = {"long": "long ", "wide": "wide "}.get(layout, "")
        report.warning("sheet_skipped", f"sheet {grid.sheet!r} has no {expected}table header and is skipped",
                       f"工作表“{grid.sheet}”没有可识别的表头，已跳过", grid.sheet)
    del grids
    if "xlsx-wide" not in formats:
        _ignored_options(report, opts, WIDE_ONLY)
    file_format = "xlsx-wide" if formats == {"xlsx-wide"} else "xlsx"
    if not formats and not report.has_errors:
        what = {"long": "the long format's columns", "wide": "a wide table header"}.get(layout, "a table header")
        return fatal(file_format, "no_header", f"no sheet of the workbook has {what}", "工作簿中没有可识别表头的工作表")
    if not rows:
        return RowsRead(report, file_format)
    table_out, columns = _staging_table(rows, wide="xlsx-wide" in formats)
    return RowsRead(report, file_format, table_out, columns)
