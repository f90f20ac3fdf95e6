"""Import observations: read → stage → validate → diff against the store → write, all-or-nothing.

One concern (issue 10 allows a long module for one concern): the import pipeline, from staged rows to
the all-or-nothing write.

The pipeline works on a *staging* table of text cells inside DuckDB, so validation and the diff
run as set-based SQL (a million-row file validates in about the time DuckDB takes to read it).
Readers for other layouts (Excel, wide tables, other encodings) only need to produce the staging
table: columns of text plus `row_no` (the row as the user sees it in the file, header = row 1)
and `sheet`.

Nothing is written unless the whole file is valid. A value that differs from the stored one for
the same dataset, indicator, region and period is a revision: a new row with a newer vintage;
the old row stays.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from . import db as dbmod
from .periods import PERIOD_TYPES
from .registry import Lookup
from .units import UNITS

BEIJING = ZoneInfo("Asia/Shanghai")

REQUIRED_COLUMNS = ("indicator", "region", "period", "value", "unit", "source")
OPTIONAL_COLUMNS = ("yoy_pct", "source_url", "note", "quote", "status", "period_type", "release_date")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Columns our own export adds for people to read; ignored on import without a warning.
EXPORT_INFO_COLUMNS = ("indicator_name_zh", "indicator_name_en", "region_name_zh", "region_name_en",
                       "value_in_indicator_unit", "indicator_unit", "vintage", "dataset", "synthetic")
STATUSES = ("preliminary", "final", "revised")
YOY_PLAUSIBLE = (-50.0, 150.0)
EARLIEST_YEAR = 1949
# The csv module's own limit (128 KiB a field) would end the reading with a misleading message; fields are
# measured against MAX_FIELD_CHARS instead, so the limit is raised for this process.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
PROBLEMS_PER_CHECK = 20  # rows listed per kind of problem; the count says how many in all
DATASET_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
ROWS_LISTED = 10         # rows named in one duplicate's message; the count says how many in all


def now_beijing() -> datetime:
    return datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


# --------------------------------------------------------------------------- problems

@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    code: str
    message: str
    message_zh: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def location(self, lang: str = "en") -> str:
        """Where the problem is — file, sheet, row, column — in English or Chinese (`lang="zh"`)."""
        zh = lang == "zh"
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表{self.sheet}" if zh else f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"第{self.row}行" if zh else f"row {self.row}")
        if self.column:
            parts.append(f"列{self.column}" if zh else f"column {self.column}")
        return "，".join(parts) if zh else ", ".join(parts)

    def text(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"{'错误' if self.severity == 'error' else '警告'}：{self.location('zh')}：{self.message_zh}"
        return f"{self.severity}: {self.location()}: {self.message}"

    def __str__(self) -> str:
        return self.text()


class ImportRejected(Exception):
    """The file has errors; nothing was written."""

    def __init__(self, plan: "ImportPlan"):
        self.plan = plan
        super().__init__(self.summary())

    def summary(self, lang: str = "en") -> str:
        """The first five errors, one a line, and how many more there are."""
        first = self.plan.errors[:5]
        more = len(self.plan.errors) - len(first)
        tail = (f"\n……另有{more}个错误" if lang == "zh" else f"\n… and {more} more errors") if more > 0 else ""
        return "\n".join(p.text(lang) for p in first) + tail


class PlanChanged(Exception):
    """The database changed between the preview and the confirmation; preview again."""


# --------------------------------------------------------------------------- reading files

def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What a Chinese statistical table holds beyond ASCII: CJK characters and punctuation, full-width forms, general
# punctuation, circled numbers and a few Latin-1 signs (° ± · × ÷). Short GBK text can happen to be valid UTF-8
# (全省 = C8AB CAA1 reads as "ȫʡ"), but then it decodes to letters outside these ranges.
_CHINESE_TEXT = re.compile(r"[\u00a0-\u00b7\u00d7\u00f7\u2000-\u206f\u2100-\u218f\u2460-\u24ff\u25a0-\u25ff"
                           r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _reads_as_chinese_utf8(line: bytes) -> bool:
    """True when a line is UTF-8 and everything in it beyond ASCII is what Chinese tables hold."""
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return all(ch.isascii() or _CHINESE_TEXT.match(ch) for ch in text)


class EncodingError(ValueError):
    """A text file that cannot be decoded in one encoding; `message_zh` says the same in Chinese."""

    def __init__(self, message: str, message_zh: str, line: int | None = None):
        super().__init__(message)
        self.message_zh = message_zh
        self.line = line


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), else GB18030 (a superset of GBK).

    A file is decoded in one encoding or refused (EncodingError): a UTF-8 file with a GBK line (or the
    reverse) decodes "successfully" as GB18030 and garbles every UTF-8 line (湖南省统计局 → 婀栧崡鐪佺粺璁″眬),
    so a file that has both UTF-8 lines and lines that are not UTF-8 is refused, naming the first line
    in the minority encoding.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    first_utf8 = first_other = None
    for line_no, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        if _reads_as_chinese_utf8(line):
            first_utf8 = first_utf8 or line_no
        else:
            first_other = first_other or line_no
        if first_utf8 and first_other:
            bad = max(first_utf8, first_other)
            kind, kind_zh = ("is not UTF-8", "不是UTF-8编码") if bad == first_other else ("is UTF-8", "是UTF-8编码")
            raise EncodingError(
                f"the file mixes encodings: line {bad} {kind} while line {min(first_utf8, first_other)} is not; "
                "save the whole file in one encoding (CSV UTF-8) and try again",
                f"文件混用了多种编码：第{bad}行{kind_zh}，与第{min(first_utf8, first_other)}行不同；"
                "请将整个文件另存为同一编码（CSV UTF-8）后重试", bad)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line_no = data[:exc.start].count(b"\n") + 1
        raise EncodingError(
            f"the file is neither UTF-8 nor GBK/GB18030 text (undecodable byte at offset {exc.start}, line {line_no}); "
            "save it as CSV UTF-8 and try again",
            f"文件编码无法识别（应为UTF-8或GBK/GB18030的CSV；第{line_no}行有无法解码的字节）") from exc


def normalise_line_endings(data: bytes) -> bytes:
    """A file with CR-only line ends (classic Mac, some exporters) as LF lines; any other file unchanged."""
    if b"\r" in data and b"\n" not in data:
        return data.replace(b"\r", b"\n")
    return data


def normalise_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


@dataclass
class StagedFile:
    """A file read into the staging table `staging` of a connection."""

    file_name: str
    file_format: str
    rows: int
    columns: list[str]
    problems: list[Problem] = field(default_factory=list)


def stage_long_csv(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> StagedFile:
    """Read a long-format CSV into the temporary table `staging` (all text)."""
    problems: list[Problem] = []

    def fatal(code: str, en: str, zh: str, row: int | None = None) -> StagedFile:
        problems.append(Problem("error", code, en, zh, file_name, row=row))
        create_empty_staging(con, [])
        return StagedFile(file_name, "csv", 0, [], problems)

    if not data.strip():
        return fatal("empty_file", "the file is empty", "文件为空")
    data = normalise_line_endings(data)
    # A UTF-8 file is not decoded in Python: its header line is, and DuckDB checks the rest as it parses
    # (for a 200 MB file, decoding took longer than parsing). Anything else — a header that is not UTF-8,
    # a quoted line break in it, or a body DuckDB finds is not UTF-8 — is decoded whole, as before.
    text: str | None = None
    encoding = "utf-8"
    header_text = _utf8_header(data)
    if header_text is None:
        try:
            text, encoding = decode_text(data)
        except EncodingError as exc:
            return fatal("bad_encoding", str(exc), exc.message_zh, row=exc.line)
        header_text = text
    try:
        header_line = next(csv.reader(io.StringIO(header_text)), [])
    except csv.Error as exc:
        return fatal("malformed_csv", f"the header line cannot be parsed: {exc}", "表头行格式错误", row=1)
    longest = max((len(h) for h in header_line), default=0)
    if longest > MAX_FIELD_CHARS:
        return fatal("field_too_long", f"a header cell has {longest:,} characters; the limit is {MAX_FIELD_CHARS:,}",
                     f"表头单元格有{longest:,}个字符，超过上限{MAX_FIELD_CHARS:,}", row=1)
    headers = [normalise_header(h) for h in header_line]
    named = [h for h in headers if h]  # unnamed columns are ignored like any unknown one
    if len(set(named)) != len(named):
        dupes = sorted({h for h in named if named.count(h) > 1})
        return fatal("duplicate_column", f"column(s) named twice in the header: {', '.join(dupes)}",
                     f"表头中有重复列：{'、'.join(dupes)}", row=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        return fatal("missing_column",
                     f"missing column(s) {', '.join(missing)}; the header must contain {', '.join(REQUIRED_COLUMNS)}",
                     f"缺少列：{'、'.join(missing)}；表头须包含 {', '.join(REQUIRED_COLUMNS)}", row=1)
    for extra in [h for h in headers if h and h not in KNOWN_COLUMNS + EXPORT_INFO_COLUMNS]:
        problems.append(Problem("warning", "unknown_column",
                                f"column {extra!r} is not part of the format and is ignored",
                                f"列“{extra}”不属于导入格式，已忽略", file_name, row=1, column=extra))

    # DuckDB reads UTF-8 itself; other encodings are transcoded in Python first (DuckDB's own
    # GBK support is an extension that would need the network).
    columns = {f"c{i}": "VARCHAR" for i in range(len(headers))}
    parsed = None
    while parsed is None:
        if text is None:
            payload = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
        else:
            payload = text.encode("utf-8") if encoding != "utf-8" or data.startswith(UTF8_BOM) else data
        try:
            parsed = _parse_csv(payload, columns)
        except duckdb.Error as exc:
            if text is None:  # not read in Python yet: do so, then parse again or diagnose
                try:
                    text, encoding = decode_text(data)
                except EncodingError as bad:
                    return fatal("bad_encoding", str(bad), bad.message_zh, row=bad.line)
                if "unicode" in str(exc).lower():
                    continue
            row, detail = _diagnose_csv(text, len(headers))
            return fatal("malformed_csv", f"the CSV cannot be parsed: {detail or str(exc).splitlines()[0]}",
                         f"CSV格式错误：{detail or '无法解析'}", row=row)
    # Rename positional columns to the normalised header names (constants, not user SQL). The staging
    # table is a view over the parsed rows, which the connection keeps registered: no copy.
    renames = ", ".join(f'c{i} AS "{_ident(h)}"' for i, h in enumerate(headers) if h in KNOWN_COLUMNS)
    _drop_staging(con)
    con.register("staging_parsed", parsed)
    con.execute(f"CREATE TEMP VIEW staging AS SELECT row_no, sheet, {renames} FROM staging_parsed")
    rows = parsed.num_rows
    if rows == 0:
        problems.append(Problem("error", "no_rows", "the file has a header but no data rows",
                                "文件只有表头，没有数据行", file_name, row=2))
    return StagedFile(file_name, "csv", rows, [h for h in headers if h in KNOWN_COLUMNS], problems)


UTF8_BOM = b"\xef\xbb\xbf"


def _utf8_header(data: bytes) -> str | None:
    """The header line as text when it is UTF-8 and has no quoted line break, else None."""
    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    end = body.find(b"\n")
    line = body if end < 0 else body[:end + 1]
    if line.count(b'"') % 2:
        return None
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _parse_csv(payload: bytes, columns: dict[str, str]):
    """Parse CSV bytes strictly into an Arrow table of text (row_no as the user counts rows, header = 1).

    On a scratch connection: a parse error there cannot abort the caller's transaction."""
    temp_path = None
    try:
        with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as fh:
            temp_path = fh.name
            fh.write(payload)
        scratch = duckdb.connect(":memory:", config=dbmod.DUCKDB_CONFIG)
        try:
            return scratch.sql(
                "SELECT (row_number() OVER () + 1)::INTEGER AS row_no, NULL::VARCHAR AS sheet, * "
                "FROM read_csv($path, columns = $columns, header = true, auto_detect = false, delim = ',', "
                "quote = '\"', escape = '\"', strict_mode = true, null_padding = false)",
                params={"path": temp_path, "columns": columns},
            ).to_arrow_table()
        finally:
            scratch.close()
    finally:
        if temp_path:
            os.unlink(temp_path)


def _drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop `staging`, a table (readers of laid-out files) or a view (the long CSV)."""
    kinds = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'staging'"
                        " AND table_catalog = 'temp'").fetchall()
    for (kind,) in kinds:
        con.execute("DROP VIEW staging" if kind == "VIEW" else "DROP TABLE staging")


def stage_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    """Stage an already-read table (Excel, wide layouts): text columns plus row_no and sheet."""
    _drop_staging(con)
    con.register("staging_in", frame)
    con.execute("CREATE TEMP TABLE staging AS SELECT * FROM staging_in")
    con.unregister("staging_in")


def _ident(name: str) -> str:
    if name not in KNOWN_COLUMNS:
        raise ValueError(f"unexpected column {name!r}")
    return name


def create_empty_staging(con: duckdb.DuckDBPyConnection, columns: list[str] | None = None) -> None:
    """An empty staging table, for a reader that found nothing it could stage (its problems say why)."""
    _drop_staging(con)
    con.execute("CREATE TEMP TABLE staging (row_no INTEGER, sheet VARCHAR)")


def _diagnose_csv(text: str, n_columns: int) -> tuple[int | None, str | None]:
    """Find the first row whose field count differs from the header's, or with an oversized field, for a
    precise message."""
    try:
        for row_no, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
            longest = max((len(f) for f in fields), default=0)
            if longest > MAX_FIELD_CHARS:
                return row_no, (f"row {row_no} has a field of {longest:,} characters, more than the limit of "
                                f"{MAX_FIELD_CHARS:,} (is a quotation mark left open?)")
            if fields and len(fields) != n_columns:
                return row_no, f"row {row_no} has {len(fields)} fields, the header has {n_columns}"
    except csv.Error as exc:
        return None, str(exc)
    return None, None


# --------------------------------------------------------------------------- validation (SQL)

def _lookup_tables(con: duckdb.DuckDBPyConnection, lookup: Lookup) -> None:
    keys = pd.DataFrame({"key": list(lookup.region_by_key), "code": list(lookup.region_by_key.values())})
    con.execute("DROP TABLE IF EXISTS region_keys")
    con.register("region_keys_in", keys)
    con.execute("CREATE TEMP TABLE region_keys AS SELECT * FROM region_keys_in")
    con.unregister("region_keys_in")
    ind_rows = []
    for ind_id, spec in lookup.indicators.items():
        for key in (ind_id, spec["name_zh"]):
            ind_rows.append({"key": key, "id": ind_id, "unit": spec["unit"], "allow_negative": spec["allow_negative"],
                             "derived": bool(spec["components"])})
    inds = pd.DataFrame(ind_rows).drop_duplicates("key")
    con.execute("DROP TABLE IF EXISTS indicator_keys")
    con.register("indicator_keys_in", inds)
    con.execute("CREATE TEMP TABLE indicator_keys AS SELECT * FROM indicator_keys_in")
    con.unregister("indicator_keys_in")
    units = pd.DataFrame([{"unit": u, "family": fam, "factor": f} for u, (fam, f) in UNITS.items()])
    con.execute("DROP TABLE IF EXISTS unit_factors")
    con.register("unit_factors_in", units)
    con.execute("CREATE TEMP TABLE unit_factors AS SELECT * FROM unit_factors_in")
    con.unregister("unit_factors_in")


# Control characters other than tab, LF and CR: no figure, source or note holds them, and an .xlsx cell cannot.
CONTROL_CHARACTERS_RE2 = r"[\x{00}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}\x{7F}]"
FREE_TEXT_COLUMNS = ("source", "source_url", "quote", "note")
MAX_FIELD_CHARS = 32_767  # Excel's limit for a cell; no figure, source or note is longer
SHOWN_CHARS = 80          # a cell quoted in a message is cut to this length


def _clean(expression: str) -> str:
    """SQL for a text column with control characters removed (an emptied cell becomes NULL)."""
    return f"nullif(regexp_replace({expression}, '{CONTROL_CHARACTERS_RE2}', '', 'g'), '')"


def _shown(value, escape: bool = False):
    """A cell as quoted in a message: at most SHOWN_CHARS characters; control characters as escapes if asked
    (the English messages quote with repr(), which escapes them itself)."""
    if not isinstance(value, str):
        return value
    cut = value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
    if escape:
        cut = "".join(ch if ch.isprintable() or ch in "\t" else repr(ch)[1:-1] for ch in cut)
    return cut


def _col(columns: list[str], name: str) -> str:
    """SQL for a trimmed staging column, or NULL when the file does not have it."""
    return f"nullif(trim(s.{name}), '')" if name in columns else "NULL::VARCHAR"


NORMALISE_SQL = """
CREATE OR REPLACE TEMP TABLE normalised AS
WITH raw AS (
    SELECT s.row_no, s.sheet,
        {indicator} AS indicator_raw, {region} AS region_raw, {period} AS period_raw,
        {value} AS value_raw, {unit} AS unit_raw, {yoy} AS yoy_raw, {source_clean} AS source,
        {source} AS source_in, {source_url} AS source_url_in, {quote} AS quote_in, {note} AS note_in,
        {source_url_clean} AS source_url, {quote_clean} AS quote, {note_clean} AS note, lower({status}) AS status_raw,
        lower({period_type}) AS period_type_raw, {vintage} AS vintage_raw{locations}
    FROM staging s
), parsed AS (
    SELECT raw.*,
        ik.id AS indicator_id, ik.unit AS indicator_unit, ik.allow_negative, ik.derived,
        rk.code AS region_code,
        regexp_extract(period_raw, '^(\\d{{4}})(?:-(\\d{{1,2}}))?$', ['y', 'm']) AS pm,
        TRY_CAST(replace(value_raw, ',', '') AS DOUBLE) AS value_num,
        TRY_CAST(replace(replace(yoy_raw, '%', ''), ',', '') AS DOUBLE) AS yoy_pct,
        uf.family AS unit_family, uf.factor AS unit_factor,
        iu.family AS indicator_family, iu.factor AS indicator_factor,
        TRY_CAST(vintage_raw AS TIMESTAMP) AS vintage_ts
    FROM raw
    LEFT JOIN indicator_keys ik ON ik.key = raw.indicator_raw
    LEFT JOIN region_keys rk ON rk.key = lower(raw.region_raw)
    LEFT JOIN unit_factors uf ON uf.unit = coalesce(raw.unit_raw, ik.unit)
    LEFT JOIN unit_factors iu ON iu.unit = ik.unit
)
SELECT parsed.*,
    coalesce(unit_raw, indicator_unit) AS unit_published,
    value_num AS value_published,
    CASE WHEN value_num IS NOT NULL AND unit_family = indicator_family
         THEN round(value_num * unit_factor / indicator_factor, 9) END AS value,
    TRY_CAST(nullif(pm.y, '') AS INTEGER) AS year,
    CASE WHEN nullif(pm.m, '') IS NULL THEN 12 ELSE TRY_CAST(pm.m AS INTEGER) END AS month,
    CASE WHEN nullif(pm.y, '') IS NULL THEN NULL
         WHEN nullif(pm.m, '') IS NULL THEN 'annual'
         ELSE coalesce(period_type_raw, 'ytd') END AS period_type,
    CASE WHEN nullif(pm.m, '') IS NULL THEN pm.y ELSE pm.y || '-' || lpad(pm.m, 2, '0') END AS period
FROM parsed
"""

# Each check: code, severity, column, SQL condition on `normalised`, English and Chinese message templates.
# Templates may use {value} (the offending cell) and {extra}.
CHECKS: list[tuple[str, str, str, str, str, str, str]] = [
    ("missing_indicator", "error", "indicator", "indicator_raw IS NULL", "indicator_raw",
     "the indicator is empty", "指标为空"),
    ("unknown_indicator", "error", "indicator", "indicator_raw IS NOT NULL AND indicator_id IS NULL", "indicator_raw",
     "unknown indicator {value!r}{extra}", "未知指标“{value}”{extra}"),
    ("derived_indicator", "error", "indicator", "derived", "indicator_raw",
     "{value!r} is computed from its component series; import those instead",
     "“{value}”由分项指标汇总计算，请导入分项数据"),
    ("missing_region", "error", "region", "region_raw IS NULL", "region_raw", "the region is empty", "地区为空"),
    ("unknown_region", "error", "region", "region_raw IS NOT NULL AND region_code IS NULL", "region_raw",
     "unknown region {value!r}{extra}", "未知地区“{value}”{extra}"),
    ("bad_period", "error", "period",
     "period_raw IS NULL OR year IS NULL OR month NOT BETWEEN 1 AND 12", "period_raw",
     "period must be YYYY (a year) or YYYY-MM (January to that month), got {value!r}",
     "期别应为YYYY（年度）或YYYY-MM（1至该月累计），实际为“{value}”"),
    ("bad_period_type", "error", "period_type",
     f"period_type_raw IS NOT NULL AND (period_type_raw NOT IN {PERIOD_TYPES} "
     "OR (period_type_raw = 'annual') <> (nullif(pm.m, '') IS NULL))", "period_type_raw",
     "period_type must match the period: 'annual' for YYYY, 'ytd' or 'month' for YYYY-MM; got {value!r}",
     "期别类型与期别不符：YYYY为annual，YYYY-MM为ytd或month；实际为“{value}”"),
    ("period_too_early", "error", "period", f"year < {EARLIEST_YEAR}", "period_raw",
     f"period {{value!r}} is before {EARLIEST_YEAR}", f"期别“{{value}}”早于{EARLIEST_YEAR}年"),
    ("future_period", "error", "period", "year * 12 + month > $today_ordinal", "period_raw",
     "period {value!r} is in the future", "期别“{value}”在未来"),
    ("value_not_numeric", "error", "value", "value_raw IS NOT NULL AND value_num IS NULL", "value_raw",
     "value {value!r} is not a number", "数值“{value}”不是数字"),
    ("yoy_not_numeric", "error", "yoy_pct", "yoy_raw IS NOT NULL AND yoy_pct IS NULL", "yoy_raw",
     "yoy_pct {value!r} is not a number", "同比增速“{value}”不是数字"),
    ("no_value", "error", "value", "value_raw IS NULL AND yoy_raw IS NULL", "value_raw",
     "the row has neither a value nor a growth rate", "该行既无数值也无增速"),
    ("negative_value", "error", "value", "value_num < 0 AND NOT coalesce(allow_negative, true)", "value_raw",
     "value {value} is negative, which this indicator cannot be", "数值{value}为负，该指标不可能为负"),
    ("unknown_unit", "error", "unit", "unit_raw IS NOT NULL AND unit_family IS NULL", "unit_raw",
     "unknown unit {value!r}", "未知单位“{value}”"),
    ("unit_mismatch", "error", "unit",
     "unit_family IS NOT NULL AND indicator_family IS NOT NULL AND unit_family <> indicator_family",
     "unit_raw", "unit {value!r} does not fit the indicator, whose unit is {extra}",
     "单位“{value}”与指标单位{extra}不符"),
    ("missing_source", "error", "source", "source IS NULL", "source",
     "the source is empty; every number needs its source", "来源为空，每个数据都须注明来源"),
    ("bad_status", "error", "status", f"status_raw IS NOT NULL AND status_raw NOT IN {STATUSES}", "status_raw",
     "status must be one of preliminary, final, revised; got {value!r}",
     "状态应为preliminary、final或revised，实际为“{value}”"),
    ("bad_release_date", "error", "release_date", "vintage_raw IS NOT NULL AND vintage_ts IS NULL", "vintage_raw",
     "release_date {value!r} is not a date (YYYY-MM-DD)", "发布日期“{value}”不是日期（YYYY-MM-DD）"),
    ("unit_converted", "warning", "unit",
     "unit_family IS NOT NULL AND unit_family = indicator_family"
     " AND unit_raw IS NOT NULL AND unit_raw <> indicator_unit",
     "unit_raw", "value converted from {value} to {extra}", "数值已由{value}换算为{extra}"),
    ("implausible_yoy", "warning", "yoy_pct",
     f"yoy_pct < {YOY_PLAUSIBLE[0]} OR yoy_pct > {YOY_PLAUSIBLE[1]}", "yoy_raw",
     "year-on-year change {value}% is outside the plausible range; please check it",
     "同比增速{value}%超出合理范围，请核对"),
    ("bad_source_url", "error", "source_url",
     "source_url IS NOT NULL AND NOT regexp_matches(source_url, '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$')", "source_url",
     "source_url must be an http:// or https:// address, got {value!r}",
     "来源网址须以http://或https://开头，实际为“{value}”"),
] + [
    ("control_characters", "warning", text_column, f"regexp_matches({text_column}_in, '{CONTROL_CHARACTERS_RE2}')",
     f"{text_column}_in", "control characters removed from the text {value!r}", "已删除文本中的控制字符：“{value}”")
    for text_column in FREE_TEXT_COLUMNS
] + [
    ("field_too_long", "error", text_column, f"length({text_column}_in) > {MAX_FIELD_CHARS}", f"{text_column}_in",
     f"the text is longer than {MAX_FIELD_CHARS:,} characters: {{value!r}}",
     f"文本超过{MAX_FIELD_CHARS:,}个字符：“{{value}}”")
    for text_column in FREE_TEXT_COLUMNS
] + [
    # One check per text column, so the problem names the column that holds the formula-like text.
    ("formula_like_text", "warning", text_column, f"regexp_matches({text_column}, '^[=+@]')", text_column,
     "the text {value!r} starts with =, + or @; it is stored as text and neutralised in exports",
     "文本“{value}”以=、+或@开头，按文本保存，导出时已转义")
    for text_column in ("quote", "note", "source")
]

# Readers of laid-out tables (wide, Excel) may say where a field came from when it is not the row's own
# cell: `loc_<field>` names the column as the user sees it (e.g. the header "1-6月" of a wide table,
# or "indicator (option)"), `locrow_<field>` the row (e.g. the header row for a period; 0 = no row).
# The long CSV has neither, and its checks run exactly as before.
LOCATED_FIELDS = KNOWN_COLUMNS


def validate_staged(con: duckdb.DuckDBPyConnection, staged: StagedFile, lookup: Lookup,
                    today: date | None = None) -> list[Problem]:
    """Normalise `staging` into `normalised` and return the problems found (errors and warnings)."""
    today = today or now_beijing().date()
    _lookup_tables(con, lookup)
    cols = staged.columns
    locations = location_columns(con)
    con.execute(NORMALISE_SQL.format(
        locations="".join(f", s.{name}" for name in locations),
        indicator=_col(cols, "indicator"), region=_col(cols, "region"), period=_col(cols, "period"),
        value=_col(cols, "value"), unit=_col(cols, "unit"), yoy=_col(cols, "yoy_pct"),
        source=_col(cols, "source"), source_url=_col(cols, "source_url"), quote=_col(cols, "quote"),
        note=_col(cols, "note"), status=_col(cols, "status"), period_type=_col(cols, "period_type"),
        vintage=_col(cols, "release_date"),
        **{f"{name}_clean": _clean(_col(cols, name)) for name in FREE_TEXT_COLUMNS},
    ))
    problems: list[Problem] = []
    today_ordinal = today.year * 12 + today.month
    conditions = [c[3].replace('$today_ordinal', str(today_ordinal)) for c in CHECKS]
    # One pass counts the rows of every check; only a check with rows is queried for them. A clean
    # million-row file is scanned once instead of once per check.
    hit_counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE coalesce(({c}), false))" for c in conditions)
        + " FROM normalised").fetchone() or ()  # an aggregate always returns its one row
    for (code, severity, column, _condition, value_col, en, zh), condition, n_hits in zip(CHECKS, conditions,
                                                                                           hit_counts):
        if not n_hits:
            continue
        if f"loc_{column}" in locations or f"locrow_{column}" in locations:
            # Several staged rows may share one source cell (a wide table's period header, an option):
            # report each place once.
            loc = f"loc_{column}" if f"loc_{column}" in locations else "NULL"
            locrow = f"locrow_{column}" if f"locrow_{column}" in locations else "NULL"
            sql = (f"SELECT r, sheet, v, iu, c, count(*) OVER () AS n FROM ("
                   f" SELECT DISTINCT coalesce({locrow}, row_no) AS r, sheet, {value_col} AS v, indicator_unit AS iu,"
                   f" coalesce({loc}, '{column}') AS c FROM normalised WHERE {condition}"
                   f") ORDER BY r, c LIMIT {PROBLEMS_PER_CHECK}")
        else:
            sql = (f"SELECT row_no, sheet, {value_col}, indicator_unit, '{column}', count(*) OVER () AS n "
                   f"FROM normalised WHERE {condition} ORDER BY row_no LIMIT {PROBLEMS_PER_CHECK}")
        hits = con.execute(sql).fetchall()
        for row_no, sheet, value, indicator_unit, where, total in hits:
            extra_en, extra_zh = _extra(code, value, indicator_unit, lookup)
            problems.append(Problem(severity, code, en.format(value=_shown(value), extra=extra_en),
                                    zh.format(value=_shown(value, escape=True), extra=extra_zh), staged.file_name, sheet,
                                    row_no or None, where))
        if hits and hits[0][5] > PROBLEMS_PER_CHECK:
            more = hits[0][5] - PROBLEMS_PER_CHECK
            problems.append(Problem(severity, code, f"… and {more} more rows with the same problem ({code})",
                                    f"……另有{more}行存在同样问题", staged.file_name, None, None, column))
    problems.extend(_duplicate_problems(con, staged.file_name, locations))
    # Row order reads best; problems without a row (summaries) go last. sort() is stable.
    problems.sort(key=lambda p: p.row if p.row is not None else 1 << 30)
    return problems


def location_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The `loc_<field>` / `locrow_<field>` columns of the staging table (none for the long CSV)."""
    names = [row[0] for row in con.execute("SELECT column_name FROM (DESCRIBE staging)").fetchall()]
    allowed = {f"{prefix}_{field}" for prefix in ("loc", "locrow") for field in LOCATED_FIELDS}
    return [name for name in names if name in allowed]


def _extra(code: str, value, indicator_unit, lookup: Lookup) -> tuple[str, str]:
    if code == "unknown_region" and value:
        suggestion = lookup.suggest_region(str(value))
        return ((f"; did you mean {suggestion}?", f"，是否应为“{suggestion}”？") if suggestion else ("", ""))
    if code == "unknown_indicator" and value:
        suggestion = lookup.suggest_indicator(str(value))
        return ((f"; did you mean {suggestion}?", f"，是否应为“{suggestion}”？") if suggestion else ("", ""))
    if code in ("unit_mismatch", "unit_converted"):
        return str(indicator_unit), str(indicator_unit)
    return "", ""


def _duplicate_problems(con: duckdb.DuckDBPyConnection, file_name: str,
                        locations: tuple[str, ...] | list[str] = ()) -> list[Problem]:
    # In a wide table a duplicate is a region listed twice: point at the region column.
    column = "list(n.loc_region ORDER BY n.row_no)[1]" if "loc_region" in locations else "NULL"
    # The duplicated keys first (a plain count per key), then the rows' lists for those keys only.
    rows = con.execute(
        "WITH dup AS (SELECT indicator_id, region_code, period_type, period FROM normalised"
        " WHERE indicator_id IS NOT NULL AND region_code IS NOT NULL AND period IS NOT NULL"
        " GROUP BY ALL HAVING count(*) > 1) "
        "SELECT n.indicator_id, n.region_code, n.period_type, n.period,"
        f" list(n.row_no ORDER BY n.row_no)[1:{ROWS_LISTED}] AS rows,"
        f" list(n.sheet ORDER BY n.row_no)[1:{ROWS_LISTED}] AS sheets, {column} AS loc, count(*) AS n_rows "
        "FROM normalised n JOIN dup d ON d.indicator_id = n.indicator_id AND d.region_code = n.region_code"
        " AND d.period_type IS NOT DISTINCT FROM n.period_type AND d.period = n.period "
        "GROUP BY n.indicator_id, n.region_code, n.period_type, n.period ORDER BY rows[1] LIMIT ?",
        [PROBLEMS_PER_CHECK]
    ).fetchall()
    problems = []
    for ind, region, ptype, period, row_nos, sheets, loc, n_rows in rows:
        if len(set(sheets)) > 1:
            listed = ", ".join(f"{r} ({s})" for r, s in zip(row_nos, sheets))
        else:
            listed = ", ".join(str(r) for r in row_nos)
        more_en = f" and {n_rows - len(row_nos):,} more, {n_rows:,} in all" if n_rows > len(row_nos) else ""
        more_zh = f"等，共{n_rows:,}行" if n_rows > len(row_nos) else ""
        problems.append(Problem(
            "error", "duplicate_row",
            f"{ind} / {region} / {period} ({ptype}) appears more than once in the file (rows {listed}{more_en})",
            f"{ind} / {region} / {period}（{ptype}）在文件中重复出现（第{listed}行{more_zh}）",
            file_name, sheets[1], row_nos[1], loc or "period"))
    return problems


# --------------------------------------------------------------------------- diff and write

DIFF_SQL = """
CREATE OR REPLACE TEMP TABLE incoming AS
WITH latest AS (
    SELECT * FROM observations_latest WHERE dataset = $dataset
)
SELECT n.row_no, n.sheet, n.indicator_id, n.region_code, n.period, n.period_type, n.year, n.month,
    n.value, n.indicator_unit AS unit, n.value_published, n.unit_published, n.yoy_pct,
    n.source, n.source_url, n.quote, n.note, n.status_raw AS status, n.vintage_ts,
    l.id AS previous_id, l.value AS previous_value, l.yoy_pct AS previous_yoy_pct,
    l.vintage AS previous_vintage, l.source AS previous_source,
    CASE
        WHEN l.id IS NULL THEN 'added'
        WHEN ((n.value IS NULL AND l.value IS NULL) OR abs(n.value - l.value) <= 1e-9 * greatest(1, abs(l.value)))
         AND ((n.yoy_pct IS NULL AND l.yoy_pct IS NULL)
              OR abs(n.yoy_pct - l.yoy_pct) <= 1e-9 * greatest(1, abs(l.yoy_pct)))
         AND n.unit_published IS NOT DISTINCT FROM l.unit_published
         AND n.source IS NOT DISTINCT FROM l.source
         AND n.source_url IS NOT DISTINCT FROM l.source_url
         AND n.quote IS NOT DISTINCT FROM l.quote
         AND n.note IS NOT DISTINCT FROM l.note
         AND coalesce(n.status_raw, l.status) IS NOT DISTINCT FROM l.status
        THEN 'unchanged'
        ELSE 'revised'
    END AS change
FROM normalised n
LEFT JOIN latest l
  ON l.indicator_id = n.indicator_id AND l.region_code = n.region_code
 AND l.period_type = n.period_type AND l.period = n.period
ORDER BY n.row_no
"""


@dataclass
class ImportPlan:
    file_name: str
    file_sha256: str
    file_format: str
    dataset: str
    rows_in_file: int
    problems: list[Problem]
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    previous_import: dict | None = None  # the last successful import of the same file, if any
    # What the diff was made against: a digest of each row's change and of the stored row it was compared
    # with. Another write to any of those figures between a preview and its confirmation changes it.
    basis: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def is_no_op(self) -> bool:
        return self.is_valid and self.added == 0 and self.revised == 0

    def counts(self) -> tuple[int, int, int]:
        return self.added, self.revised, self.unchanged


def dataset_problem(con: duckdb.DuckDBPyConnection, dataset: str, file_name: str,
                    new_dataset: bool = False) -> Problem | None:
    """An error when the dataset does not exist (a typo such as `offical` would store rows no page shows),
    unless it is to be created (`new_dataset`) and its id is a plain lower-case name."""
    if new_dataset:
        if not DATASET_ID.fullmatch(dataset or ""):
            return Problem("error", "bad_dataset",
                           f"a new dataset id must be lower-case letters, digits and _, got {dataset!r}",
                           f"新数据集的标识只能由小写字母、数字和下划线组成，实际为“{dataset}”", file_name)
        return None
    known = [row[0] for row in con.execute("SELECT id FROM datasets ORDER BY id").fetchall()]
    if dataset in known:
        return None
    return Problem("error", "unknown_dataset",
                   f"there is no dataset {dataset!r} (known: {', '.join(known)}); check the name, or create it "
                   "explicitly (--new-dataset)",
                   f"没有名为“{dataset}”的数据集（现有：{'、'.join(known)}）；请检查名称，或明确新建（--new-dataset）",
                   file_name)


def prepare(con: duckdb.DuckDBPyConnection, staged: StagedFile, data_sha256: str, dataset: str,
            today: date | None = None, new_dataset: bool = False) -> ImportPlan:
    """Validate the staged rows and diff them against the store. Writes only temporary tables."""
    lookup = Lookup.from_connection(con)
    problems = list(staged.problems)
    unknown = dataset_problem(con, dataset, staged.file_name, new_dataset)
    if unknown:
        problems.insert(0, unknown)
    # Validate whatever was staged even when the reader found problems of its own (a formula cell, a
    # unit that contradicts the table's): the report should list everything in one go. Readers stage
    # nothing when the file as a whole cannot be read.
    if staged.rows:
        problems += validate_staged(con, staged, lookup, today)
    plan = ImportPlan(staged.file_name, data_sha256, staged.file_format, dataset, staged.rows, problems)
    if plan.is_valid:
        con.execute(DIFF_SQL.replace("$dataset", "?"), [dataset])
        counts = dict(con.execute("SELECT change, count(*) FROM incoming GROUP BY change").fetchall())
        plan.added, plan.revised, plan.unchanged = (counts.get(k, 0) for k in ("added", "revised", "unchanged"))
        plan.basis = str(dbmod.scalar(
            con, "SELECT count(*) || ':' || coalesce(sum(hash(row_no, sheet, change, coalesce(previous_id, -1))::HUGEINT), 0)"
            " FROM incoming"))
        prev = con.execute(
            "SELECT id, finished_at, user_name FROM import_log WHERE file_sha256 = ? AND dataset = ? "
            "AND outcome = 'success' ORDER BY id DESC LIMIT 1", [data_sha256, dataset]).fetchone()
        if prev:
            plan.previous_import = {"id": prev[0], "finished_at": prev[1], "user_name": prev[2]}
    return plan


def changes(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pd.DataFrame:
    """The additions and revisions of the last `prepare` on this connection, for a preview."""
    return con.execute(
        "SELECT change, row_no, sheet, indicator_id, region_code, period, period_type, previous_value, value, "
        "previous_yoy_pct, yoy_pct, unit, unit_published, value_published, source, previous_vintage "
        "FROM incoming WHERE change <> 'unchanged' ORDER BY change DESC, row_no LIMIT ?", [limit]).df()


def _log(con: duckdb.DuckDBPyConnection, plan: ImportPlan, outcome: str, user: str, started: datetime,
         message: str, message_zh: str, request_id: str | None = None) -> int:
    return dbmod.scalar(
        con, "INSERT INTO import_log (started_at, finished_at, file_name, file_sha256, file_format, dataset,"
        " rows_in_file, rows_added, rows_revised, rows_unchanged, user_name, outcome, message, message_zh, request_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [started, now_beijing(), plan.file_name, plan.file_sha256, plan.file_format, plan.dataset, plan.rows_in_file,
         plan.added, plan.revised, plan.unchanged, user, outcome, message[:2000], message_zh[:2000], request_id])


def write_plan(con: duckdb.DuckDBPyConnection, plan: ImportPlan, user: str, started: datetime,
               vintage: datetime | None = None, request_id: str | None = None) -> int:
    """Insert the additions and revisions of a prepared plan and log the import. Caller owns the transaction."""
    vintage = vintage or now_beijing()
    outcome = "success" if (plan.added or plan.revised) else "no_op"
    message = f"{plan.added} added, {plan.revised} revised, {plan.unchanged} unchanged"
    message_zh = f"新增{plan.added}条，修订{plan.revised}条，未变{plan.unchanged}条"
    if outcome == "no_op" and plan.previous_import:
        message += f"; same file as import #{plan.previous_import['id']}"
        message_zh += f"；与第{plan.previous_import['id']}次导入的文件相同"
    import_id = _log(con, plan, outcome, user, started, message, message_zh, request_id)
    # Ids are taken from the sequence as one block and numbered as the rows are read: a nextval per row
    # made the insert single-threaded (1.05 → 0.65 s for a million rows).
    n_rows = plan.added + plan.revised
    last_id = dbmod.scalar(con, "SELECT max(nextval('observation_id_seq')) FROM range(?)", [n_rows]) \
        if n_rows else 0
    con.execute(
        "INSERT INTO observations (id, dataset, indicator_id, region_code, period, period_type, year, month, value,"
        " unit, value_published, unit_published, yoy_pct, source, source_url, quote, note, status, vintage, import_id,"
        " is_latest) "
        "SELECT ? + row_number() OVER (), ?, indicator_id, region_code, period, period_type, year,"
        " month, value, unit, value_published, unit_published, yoy_pct, source, source_url, quote, note,"
        " CASE WHEN status IS NULL AND change = 'revised' THEN 'revised' ELSE status END,"
        " coalesce(vintage_ts, ?), ?, true "
        "FROM incoming WHERE change <> 'unchanged'",  # incoming is in file order
        [(last_id or 0) - n_rows, plan.dataset, vintage, import_id],
    )
    if plan.revised:
        # A revised figure now has two candidate latest rows: keep the flag on the newest vintage only
        # (usually the new row; the old one if the file carried an older release date).
        con.execute(
            "UPDATE observations SET is_latest = false WHERE id IN ("
            " SELECT o.id FROM observations o"
            " JOIN (SELECT DISTINCT indicator_id, region_code, period_type, period FROM incoming"
            "       WHERE change = 'revised') r USING (indicator_id, region_code, period_type, period)"
            " WHERE o.dataset = ? AND o.is_latest"
            " QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.region_code, o.period_type, o.period"
            "                            ORDER BY o.vintage DESC, o.id DESC) > 1)",
            [plan.dataset])
    return import_id


def import_in_transaction(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, dataset: str = "official",
                          user: str = "cli", stage=None, today: date | None = None, vintage: datetime | None = None,
                          new_dataset: bool = False, log_no_op: bool = True, before_write=None,
                          started: datetime | None = None,
                          request_id: str | None = None) -> tuple[ImportPlan, int | None]:
    """Stage → validate → diff → write one file inside the caller's transaction: (plan, import id).

    The one sequence every writer uses — import_file (CLI, data page, fetch), bootstrap's bundled
    data and the demo's inputs. Raises ImportRejected, writing nothing, if the file has errors.
    `log_no_op=False` writes no log entry for a file with nothing new (bootstrap re-checking its data).
    `before_write(plan)` runs between the diff and the write (import_file's guards; it may raise).
    """
    started = started or now_beijing()
    staged = (stage or stage_long_csv)(con, data, file_name)
    plan = prepare(con, staged, sha256_bytes(data), dataset, today, new_dataset)
    if not plan.is_valid:
        raise ImportRejected(plan)
    if before_write is not None:
        before_write(plan)
    if new_dataset:
        con.execute("INSERT INTO datasets (id, name_zh, name_en, is_synthetic, description) "
                    "VALUES (?, ?, ?, false, ?) ON CONFLICT (id) DO NOTHING",
                    [dataset, dataset, dataset, f"created by {user} importing {file_name}"])
    if plan.is_no_op and not log_no_op:
        return plan, None
    return plan, write_plan(con, plan, user, started, vintage, request_id)


def resolve_stage(stage=None, layout: str | None = None, options: dict | None = None):
    """The reader: `stage` if given, else readers.read_any with this layout and options, else the long CSV."""
    if stage is not None:
        return stage
    if layout is None and not options:
        return stage_long_csv
    from .readers import reader_for  # readers builds on this module, so it is imported when first asked for

    return reader_for(layout or "auto", options)


@dataclass
class ImportResult:
    plan: ImportPlan
    outcome: str  # success | no_op
    import_id: int
    repeated: bool = False  # this confirmation had been carried out already (a second click): nothing new written

    def summary(self) -> str:
        p = self.plan
        if self.outcome == "no_op":
            again = (f" (this file was already imported as import #{p.previous_import['id']} "
                     f"on {p.previous_import['finished_at']:%Y-%m-%d %H:%M})") if p.previous_import else ""
            return f"{p.file_name}: nothing to change — all {p.unchanged} rows are already stored{again}."
        return (f"{p.file_name}: {p.added} rows added, {p.revised} revised (old values kept as earlier vintages), "
                f"{p.unchanged} unchanged.")


def log_attempt(db_path: str | os.PathLike, plan: ImportPlan, outcome: str, user: str, started: datetime,
                message: str, message_zh: str | None = None) -> None:
    """Record a rejected or failed attempt in its own transaction (the data itself was not touched)."""
    with dbmod.writer(db_path) as con:
        _log(con, plan, outcome, user, started, message, message if message_zh is None else message_zh)


class _AlreadyDone(Exception):
    def __init__(self, result: "ImportResult"):
        super().__init__("already imported")
        self.result = result


def _earlier_result(con: duckdb.DuckDBPyConnection, request_id: str) -> ImportResult | None:
    """The import a confirmation already made, from the log, or None."""
    row = con.execute(
        "SELECT id, file_name, file_sha256, file_format, dataset, rows_in_file, rows_added, rows_revised,"
        " rows_unchanged, outcome FROM import_log WHERE request_id = ? AND outcome IN ('success', 'no_op')"
        " ORDER BY id DESC LIMIT 1", [request_id]).fetchone()
    if row is None:
        return None
    import_id, name, sha, fmt, dataset, rows, added, revised, unchanged, outcome = row
    plan = ImportPlan(name, sha, fmt, dataset, rows or 0, [], added, revised, unchanged)
    return ImportResult(plan, outcome, import_id, repeated=True)


def _log_quietly(db_path, plan: ImportPlan, outcome: str, user: str, started: datetime, message: str,
                 message_zh: str | None = None) -> None:
    """log_attempt, unless logging fails too (the disk that failed the import is still full): the caller
    re-raises the import's own error, which is the cause the user must see, not the logging's."""
    try:
        log_attempt(db_path, plan, outcome, user, started, message, message_zh)
    except Exception:  # noqa: BLE001 — deliberately secondary to the error being raised
        pass


def import_file(db_path: str | os.PathLike, data: bytes, file_name: str, *, dataset: str = "official",
                user: str = "cli", stage=None, expected_counts: tuple[int, int, int] | None = None,
                today: date | None = None, vintage: datetime | None = None,
                new_dataset: bool = False, expected_basis: str | None = None,
                request_id: str | None = None, layout: str | None = None,
                options: dict | None = None) -> ImportResult:
    """Import one file all-or-nothing. Raises ImportRejected (nothing written) when the file has errors.

    `stage(con, data, file_name) -> StagedFile` reads the file into the staging table; without one,
    `layout` and `options` choose readers.read_any's reading, and with neither the long CSV format is
    read. A confirmed preview is guarded by `expected_basis` (the preview's
    `plan.basis`): if any figure the preview compared against was written since, PlanChanged is raised
    and nothing is written (`expected_counts`, the older guard, compares only the counts). `request_id`
    names the confirmation: a second import with the same id returns the first one's result
    (`repeated=True`) and writes nothing.
    """
    stage = resolve_stage(stage, layout, options)
    started = now_beijing()
    plan: ImportPlan | None = None

    def guard(prepared: ImportPlan) -> None:
        nonlocal plan
        plan = prepared
        if expected_counts is not None and prepared.counts() != tuple(expected_counts):
            raise PlanChanged(
                f"the data changed since the preview (expected {expected_counts} added/revised/unchanged, "
                f"now {prepared.counts()}); review the preview again")
        if expected_basis is not None and prepared.basis != expected_basis:
            raise PlanChanged("figures the preview compared against were written since the preview; "
                              "review the preview again")

    try:
        with dbmod.writer(db_path) as con:
            done = _earlier_result(con, request_id) if request_id else None
            if done is not None:
                raise _AlreadyDone(done)  # leaves the transaction: the live file is not even replaced
            written, import_id = import_in_transaction(
                con, data, file_name, dataset=dataset, user=user, stage=stage, today=today, vintage=vintage,
                new_dataset=new_dataset, before_write=guard, started=started, request_id=request_id)
            outcome = "success" if (written.added or written.revised) else "no_op"
        return ImportResult(written, outcome, import_id or 0)
    except _AlreadyDone as done:
        return done.result
    except ImportRejected as exc:
        _log_quietly(db_path, exc.plan, "rejected", user, started, exc.summary(), exc.summary("zh"))
        raise
    except (PlanChanged, dbmod.DatabaseReadOnly):
        raise
    except Exception as exc:
        if plan is not None:
            _log_quietly(db_path, plan, "failed", user, started, f"{type(exc).__name__}: {exc}")
        raise


def preview_file(reader: dbmod.Reader, data: bytes, file_name: str, *, dataset: str = "official", stage=None,
                 today: date | None = None, new_dataset: bool = False, layout: str | None = None,
                 options: dict | None = None) -> tuple[ImportPlan, pd.DataFrame]:
    """Validate and diff a file against the live database without writing: (plan, changes).
    The reader is chosen as in import_file."""
    stage = resolve_stage(stage, layout, options)
    with reader.cursor() as con:
        staged = stage(con, data, file_name)
        plan = prepare(con, staged, sha256_bytes(data), dataset, today, new_dataset)
        diff = changes(con) if plan.is_valid else pd.DataFrame()
    return plan, diff
