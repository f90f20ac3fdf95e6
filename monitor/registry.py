"""The registry: regions, indicators, plans and targets, kept as files under data/ and loaded into DuckDB.

One concern (issue 10 allows a long module for one concern): the registry files, their checks and loading.

Adding a target, an indicator or a region is a change to a data file, never to code.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from .config import DATA_DIR, PROVINCE_CODE
from .config import plans_dir as configured_plans_dir
from .target_kinds import TARGET_TYPES

REGION_FILES_GLOB = "regions*.csv"
INDICATORS_FILE = "indicators.toml"
DEPARTMENTS_FILE = "departments.csv"

COMPARATORS = (">", ">=", "<", "<=")


class RegistryError(ValueError):
    """A registry file is malformed; the message names the file and the entry."""


# --------------------------------------------------------------------------- reading files

def read_regions(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    rows = []
    for path in sorted(data_dir.glob(REGION_FILES_GLOB)):
        with path.open(encoding="utf-8", newline="") as fh:
            for line_no, row in enumerate(csv.DictReader(fh), start=2):
                code = (row.get("code") or "").strip()
                if len(code) != 6 or not code.isdigit():
                    raise RegistryError(f"{path.name} line {line_no}: region code must be 6 digits, got {code!r}")
                aliases = [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]
                rows.append({
                    "code": code,
                    "name_zh": row["name_zh"].strip(),
                    "short_name_zh": (row.get("short_name_zh") or row["name_zh"]).strip(),
                    "name_en": row["name_en"].strip(),
                    "level": row["level"].strip(),
                    "parent_code": (row.get("parent_code") or "").strip() or None,
                    "aliases": aliases,
                    "is_synthetic": False,
                })
    frame = pd.DataFrame(rows)
    dupes = frame[frame.code.duplicated()].code.tolist()
    if dupes:
        raise RegistryError(f"region codes listed twice in {REGION_FILES_GLOB}: {dupes}")
    return frame


def read_indicators(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    path = data_dir / INDICATORS_FILE
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    rows = []
    for ind_id, spec in raw.items():
        for required in ("name_zh", "name_en", "unit", "kind", "frequency", "direction"):
            if required not in spec:
                raise RegistryError(f"{path.name} [{ind_id}]: missing {required!r}")
        rows.append({
            "id": ind_id,
            "name_zh": spec["name_zh"],
            "name_en": spec["name_en"],
            "unit": spec["unit"],
            "kind": spec["kind"],
            "frequency": spec["frequency"],
            "direction": spec["direction"],
            "decimals": int(spec.get("decimals", 1)),
            "components": spec.get("components"),
            "allow_negative": bool(spec.get("allow_negative", False)),
            "publisher": spec.get("publisher"),
            "definition_zh": spec.get("definition_zh"),
            "definition_en": spec.get("definition_en"),
            "notes_zh": spec.get("notes_zh"),
            "notes_en": spec.get("notes_en"),
            "regional_yardstick": bool(spec.get("regional_yardstick", True)),
        })
    frame = pd.DataFrame(rows)
    known = set(frame.id)
    for row in rows:
        for comp in row["components"] or []:
            if comp not in known:
                raise RegistryError(f"{path.name} [{row['id']}]: component {comp!r} is not an indicator")
    return frame


PLAN_FILE_MAX_BYTES = 1_000_000        # a plan file is a few KB; a larger one is not a plan
SOURCE_TEXT_MAX_BYTES = 20_000_000     # the bundled notice is 43 KB
SOURCE_TEXT_SUFFIXES = (".txt", ".md")  # a plan's text is never a .toml, a .csv or anything else the app reads


def parse_plan_toml(name: str, data: bytes) -> dict:
    """A plan file's TOML, with a [plan] table and a list of [[targets]] tables, or RegistryError.

    Every way a file can be bad (not UTF-8, not TOML, nested deeper than the parser's recursion,
    a `plan` that is not a table) ends in RegistryError, which the CLI reports with exit status 2.
    """
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{name}: not UTF-8 text 不是UTF-8文本 ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{name}: not valid TOML 不是有效的TOML: {exc}") from exc
    except RecursionError as exc:
        raise RegistryError(f"{name}: nested too deeply to be a plan file 嵌套过深，不是方案文件") from exc
    plan = raw.get("plan")
    if not isinstance(plan, dict) or "id" not in plan:
        raise RegistryError(f"{name}: missing [plan] table with an id 缺少含id的[plan]表")
    targets = raw.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(spec, dict) for spec in targets):
        raise RegistryError(f"{name}: targets must be [[targets]] tables 目标须为[[targets]]表")
    return raw


def source_relative_path(name: str, source) -> PurePosixPath:
    """A plan's `source_file` as a path inside the plans folder, or RegistryError.

    Only plain relative paths such as `source/notice.txt` are accepted: no absolute path, no `..`,
    no hidden component, no backslash, and a text suffix (.txt, .md), so a plan can never name —
    and `targets add` can never write — a file outside the plans folder or a file of another kind.
    """
    if not isinstance(source, str) or not source.strip():
        raise RegistryError(f"{name}: source_file must be a relative path such as source/plan.txt "
                            "source_file须为相对路径，如 source/plan.txt")
    path = PurePosixPath(source)
    bad = ("\\" in source or "\x00" in source or ":" in source or path.is_absolute()
           or any(part in ("..", ".") or part.startswith(".") for part in path.parts))
    if bad:
        raise RegistryError(f"{name}: source_file {source!r} must be a relative path inside the plans folder, "
                            f"without '..' or an absolute path 须为方案目录内的相对路径，不得含“..”或绝对路径")
    if path.suffix.lower() not in SOURCE_TEXT_SUFFIXES:
        raise RegistryError(f"{name}: source_file {source!r} must be a text file ({', '.join(SOURCE_TEXT_SUFFIXES)}) "
                            f"source_file须为文本文件")
    return path


def plan_files(plans_dir: Path | None = None) -> list[Path]:
    return sorted((plans_dir or configured_plans_dir()).glob("*.toml"))


def read_plans(plans_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plans and their targets from data/plans/*.toml (one file per plan).

    Every target's quote must appear verbatim in the plan's source text (`source_file`, relative to
    the plan file): a target that does not quote its plan is refused.
    """
    plans, targets = [], []
    order = 0
    for path in plan_files(plans_dir):
        raw = parse_plan_toml(path.name, path.read_bytes())
        plan = raw["plan"]
        check_quotes(path, plan, raw.get("targets", []))
        goals = raw.get("goals") or {}
        plans.append({
            "id": plan["id"],
            "title_zh": plan["title_zh"],
            "title_en": plan["title_en"],
            "document_no": plan.get("document_no"),
            "issuer_zh": plan.get("issuer_zh"),
            "period_start": int(plan["period_start"]),
            "period_end": int(plan["period_end"]),
            "source_file": plan.get("source_file"),
            "registry_file": path.name,
            "goals_zh": goals.get("text_zh"),
        })
        homes = _target_homes(path, raw)
        for spec in raw.get("targets", []):
            order += 1
            row = _target_row(path, plan, spec, order)
            row["measure_id"] = homes.get(spec["id"])
            targets.append(row)
    plans_df, targets_df = pd.DataFrame(plans), pd.DataFrame(targets)
    for frame, what in ((plans_df, "plan"), (targets_df, "target")):
        dupes = frame[frame.id.duplicated()].id.tolist()
        if dupes:
            raise RegistryError(f"{what} ids used twice across data/plans: {dupes}")
    read_measures(plans_dir)  # measures and their departments must be valid for a plan to load at all
    return plans_df, targets_df


def check_quotes(path: Path, plan: dict, specs: list[dict]) -> None:
    source = plan.get("source_file")
    if not source:
        raise RegistryError(f"{path.name}: [plan] needs source_file, the plan's text, so quotes can be checked")
    text_path = path.parent / source_relative_path(path.name, source)
    if not text_path.is_file():
        raise RegistryError(f"{path.name}: source_file {source!r} not found beside the plan file")
    text = text_path.read_text(encoding="utf-8")
    for spec in specs:
        quote = spec.get("quote_zh", "")
        if not quote or quote not in text:
            raise RegistryError(f"{path.name} target {spec.get('id', '?')!r}: "
                                f"quote_zh does not appear verbatim in {source}")


def _target_row(path: Path, plan: dict, spec: dict, order: int) -> dict:
    where = f"{path.name} target {spec.get('id', '?')!r}"
    for required in ("id", "name_zh", "name_en", "quote_zh", "target_type", "target_period"):
        if required not in spec:
            raise RegistryError(f"{where}: missing {required!r}")
    ttype = spec["target_type"]
    if ttype not in TARGET_TYPES:
        raise RegistryError(f"{where}: target_type must be one of {TARGET_TYPES}, got {ttype!r}")
    if ttype != "no_numeric_target":
        for required in ("indicator", "target_value", "comparator", "base_period", "direction"):
            if required not in spec:
                raise RegistryError(f"{where}: a {ttype} target needs {required!r}")
        if spec["comparator"] not in COMPARATORS:
            raise RegistryError(f"{where}: comparator must be one of {COMPARATORS}")
    thresholds = spec.get("thresholds", [0.95, 0.60, 0.0])
    return {
        "id": spec["id"],
        "plan_id": plan["id"],
        "clause": spec.get("clause"),
        "indicator_id": spec.get("indicator"),
        "name_zh": spec["name_zh"],
        "name_en": spec["name_en"],
        "quote_zh": spec["quote_zh"],
        "target_type": ttype,
        "base_period": str(spec["base_period"]) if "base_period" in spec else None,
        "base_value": float(spec["base_value"]) if "base_value" in spec else None,
        "target_period": str(spec["target_period"]),
        "target_value": float(spec["target_value"]) if "target_value" in spec else None,
        "comparator": spec.get("comparator"),
        "unit": spec.get("unit"),
        "direction": spec.get("direction"),
        "region_code": str(spec.get("region", PROVINCE_CODE)),
        "thresholds": [float(x) for x in thresholds],
        "notes_zh": spec.get("notes_zh"),
        "notes_en": spec.get("notes_en"),
        "sort_order": order,
        "decision_zh": spec.get("decision_zh"),
        "decision_en": spec.get("decision_en"),
    }


def _target_homes(path: Path, raw: dict) -> dict[str, str | None]:
    """Where each target is stated: a measure id, or None for the plan's 发展目标 ([goals]).

    A plan file with [goals] or [[measures]] must place every target exactly once; a plan file with
    neither (a prefecture's list of targets) places none. A listed id that is not a target is an error.
    """
    target_ids = [spec.get("id") for spec in raw.get("targets", [])]
    measures, goals = raw.get("measures", []), raw.get("goals")
    if not measures and goals is None:
        return {}
    homes: dict[str, str | None] = {}
    places = [(None, "[goals]", (goals or {}).get("targets", []))]
    places += [(m.get("id"), f"measure {m.get('id', '?')!r}", m.get("targets", [])) for m in measures]
    for measure_id, where, listed in places:
        for target_id in listed:
            if target_id not in target_ids:
                raise RegistryError(f"{path.name} {where}: lists target {target_id!r}, which is not a target of this plan")
            if target_id in homes:
                first = "[goals]" if homes[target_id] is None else f"measure {homes[target_id]!r}"
                raise RegistryError(f"{path.name} {where}: target {target_id!r} is already listed by {first}")
            homes[target_id] = measure_id
    missing = [t for t in target_ids if t not in homes]
    if missing:
        raise RegistryError(f"{path.name}: targets not listed by [goals] or any measure: {missing}")
    return homes


# --------------------------------------------------------------------------- departments and measures

def read_departments(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """data/departments.csv: code, name_zh (as the plans write it), short_name_zh, name_en, kind."""
    path = data_dir / DEPARTMENTS_FILE
    rows = []
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as fh:
            for line_no, row in enumerate(csv.DictReader(fh), start=2):
                rows.append(_department_row(row, f"{path.name} line {line_no}", None))
    return _check_departments(pd.DataFrame(rows, columns=DEPARTMENT_COLUMNS), path.name)


DEPARTMENT_COLUMNS = ["code", "name_zh", "short_name_zh", "name_en", "kind", "plan_id"]


def _department_row(row: dict, where: str, plan_id: str | None) -> dict:
    values = {k: (row.get(k) or "").strip() for k in ("code", "name_zh", "short_name_zh", "name_en", "kind")}
    for required in ("code", "name_zh", "name_en"):
        if not values[required]:
            raise RegistryError(f"{where}: missing {required!r}")
    return {**values, "short_name_zh": values["short_name_zh"] or values["name_zh"], "kind": values["kind"] or None,
            "plan_id": plan_id}


def _check_departments(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    for column in ("code", "name_zh"):
        dupes = frame[frame[column].duplicated()][column].tolist()
        if dupes:
            raise RegistryError(f"{where}: department {column} listed twice: {dupes}")
    return frame


def read_measures(plans_dir: Path | None = None, data_dir: Path = DATA_DIR
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Departments, measures and measure–department links of every plan file.

    A plan file's [[measures]] name their departments as the text writes them (lead, co_departments);
    a notice's [[requirements]] list the bodies they name (named). Every name must be a department of
    data/departments.csv or of the plan file's own [[departments]] (a city's bureaus); an unknown name is
    a RegistryError naming the file and the measure. Each measure's text_zh must appear verbatim in the
    plan's source text.
    """
    departments = read_departments(data_dir)
    measures, links = [], []
    order = 0
    local_rows = []
    parsed = []
    for path in plan_files(plans_dir):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        plan = raw.get("plan") or {}
        for i, row in enumerate(raw.get("departments", []), start=1):
            local_rows.append(_department_row(row, f"{path.name} [[departments]] #{i}", plan.get("id")))
        parsed.append((path, plan, raw))
    if local_rows:
        departments = _check_departments(pd.concat([departments, pd.DataFrame(local_rows)], ignore_index=True),
                                         f"{DEPARTMENTS_FILE} and the plans' [[departments]]")
    code_of = dict(zip(departments.name_zh, departments.code))
    for path, plan, raw in parsed:
        source = path.parent / plan.get("source_file", "")
        text = source.read_text(encoding="utf-8") if source.is_file() else ""
        sections_en = {s.get("title_zh"): s.get("title_en") for s in raw.get("sections", [])}
        entries = [("task", m) for m in raw.get("measures", [])] + [("requirement", r) for r in raw.get("requirements", [])]
        for kind, spec in entries:
            order += 1
            where = f"{path.name} {'measure' if kind == 'task' else 'requirement'} {spec.get('id', '?')!r}"
            for required in ("id", "number", "title_zh", "text_zh"):
                if required not in spec:
                    raise RegistryError(f"{where}: missing {required!r}")
            if spec["text_zh"] not in text:
                raise RegistryError(f"{where}: text_zh does not appear verbatim in {plan.get('source_file')}")
            if kind == "task":
                if not spec.get("lead"):
                    raise RegistryError(f"{where}: missing 'lead' (the first name of its 责任单位 line)")
                names = [("lead", spec["lead"])] + [("co", n) for n in spec.get("co_departments", [])]
            else:
                names = [("named", n) for n in spec.get("named", [])]
            for position, (role, name) in enumerate(names, start=1):
                if name not in code_of:
                    raise RegistryError(f"{where}: unknown department {name!r} (add it to data/{DEPARTMENTS_FILE} "
                                        f"or to the plan file's [[departments]])")
                links.append({"measure_id": spec["id"], "department_code": code_of[name], "role": role,
                              "position": position})
            number = spec["number"]
            label = str(number)
            if isinstance(number, str):
                number = "一二三四五六七八九十".index(number) + 1 if number in "一二三四五六七八九十" else int(number)
            section = spec.get("section")
            measures.append({
                "id": spec["id"], "plan_id": plan.get("id"), "kind": kind, "number": int(number), "number_label": label,
                "section_zh": section, "section_en": sections_en.get(section), "title_zh": spec["title_zh"],
                "title_en": spec.get("title_en"), "text_zh": spec["text_zh"],
                "lead_code": code_of[spec["lead"]] if kind == "task" else None, "sort_order": order,
            })
    measures_df = pd.DataFrame(measures, columns=MEASURE_COLUMNS)
    links_df = pd.DataFrame(links, columns=["measure_id", "department_code", "role", "position"])
    dupes = measures_df[measures_df.id.duplicated()].id.tolist()
    if dupes:
        raise RegistryError(f"measure ids used twice across data/plans: {dupes}")
    twice = links_df[links_df.duplicated(["measure_id", "department_code"])]
    if len(twice):
        raise RegistryError(f"measure {twice.measure_id.iloc[0]!r}: department {twice.department_code.iloc[0]!r} named twice")
    return departments, measures_df, links_df


MEASURE_COLUMNS = ["id", "plan_id", "kind", "number", "number_label", "section_zh", "section_en", "title_zh", "title_en",
                   "text_zh", "lead_code", "sort_order"]


def registry_files(data_dir: Path = DATA_DIR, plans_dir: Path | None = None) -> list[Path]:
    plans = plan_files(plans_dir)
    sources: set[Path] = set()
    for plan in plans:
        source = parse_plan_toml(plan.name, plan.read_bytes())["plan"].get("source_file")
        if source:
            sources.add(plan.parent / source_relative_path(plan.name, source))
    departments = [data_dir / DEPARTMENTS_FILE] if (data_dir / DEPARTMENTS_FILE).is_file() else []
    return (sorted(data_dir.glob(REGION_FILES_GLOB)) + [data_dir / INDICATORS_FILE] + departments + plans
            + [s for s in sorted(sources) if s.is_file()])


def files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- loading into DuckDB

def check_references(regions: pd.DataFrame, indicators: pd.DataFrame, targets: pd.DataFrame) -> None:
    known_regions, known_indicators = set(regions.code), set(indicators.id)
    for row in targets.itertuples():
        if isinstance(row.indicator_id, str) and row.indicator_id not in known_indicators:
            raise RegistryError(f"target {row.id!r}: unknown indicator {row.indicator_id!r}")
        if row.region_code not in known_regions:
            raise RegistryError(f"target {row.id!r}: unknown region {row.region_code!r}")


def load_registry(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR, plans_dir: Path | None = None) -> dict:
    """Replace the registry tables with the contents of the files. Runs inside the caller's transaction."""
    regions = read_regions(data_dir)
    indicators = read_indicators(data_dir)
    plans, targets = read_plans(plans_dir)
    departments, measures, links = read_measures(plans_dir, data_dir)
    check_references(regions, indicators, targets)
    # Synthetic regions (demo at national scale) are not in the files; keep them.
    con.execute("DELETE FROM regions WHERE NOT is_synthetic")
    con.register("regions_in", regions)
    con.execute("INSERT INTO regions SELECT code, name_zh, short_name_zh, name_en, level, parent_code, aliases, "
                "is_synthetic FROM regions_in")
    con.unregister("regions_in")
    for table, frame in (("indicators", indicators), ("plans", plans), ("targets", targets),
                         ("departments", departments), ("measures", measures), ("measure_departments", links)):
        con.execute(f"DELETE FROM {table}")  # table names are constants here, never user input
        con.register("registry_in", frame)
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM registry_in")
        con.unregister("registry_in")
    return {"regions": len(regions), "indicators": len(indicators), "plans": len(plans), "targets": len(targets),
            "measures": int((measures.kind == "task").sum()), "departments": len(departments)}


# --------------------------------------------------------------------------- lookups for validation

@dataclass
class Lookup:
    """Name → code lookups built from the registry tables, with suggestions for near misses."""

    region_by_key: dict[str, str] = field(default_factory=dict)
    region_names: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection) -> "Lookup":
        lookup = cls()
        regions = con.execute(
            "SELECT code, name_zh, short_name_zh, name_en, aliases, level FROM regions "
            # Counties share short names with prefectures (长沙县 vs 长沙): the higher level wins.
            "ORDER BY CASE level WHEN 'country' THEN 0 WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 ELSE 3 END, code"
        ).fetchall()
        for code, name_zh, short_zh, name_en, aliases, _level in regions:
            lookup.region_names[code] = name_zh
            for key in (code, name_zh, short_zh, name_en, *(aliases or [])):
                if key:
                    lookup.region_by_key.setdefault(key.strip().casefold(), code)
        for row in con.execute(
            "SELECT id, name_zh, unit, kind, components, allow_negative FROM indicators"
        ).fetchall():
            lookup.indicators[row[0]] = {
                "name_zh": row[1], "unit": row[2], "kind": row[3], "components": row[4], "allow_negative": row[5],
            }
        return lookup

    def region_code(self, text: str) -> str | None:
        return self.region_by_key.get(text.strip().casefold())

    def indicator_id(self, text: str) -> str | None:
        """An indicator id, or its Chinese name as published."""
        text = text.strip()
        if text in self.indicators:
            return text
        for ind_id, spec in self.indicators.items():
            if spec["name_zh"] == text:
                return ind_id
        return None

    def suggest_region(self, text: str) -> str | None:
        text = text.strip()
        names = list(self.region_names.values())
        for name in names:  # a prefix or a contained short form, e.g. 湘西州 → 湘西土家族苗族自治州
            if text and (name.startswith(text.rstrip("州市县区省")) and len(text) >= 2):
                return name
        close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
        return close[0] if close else None

    def suggest_indicator(self, text: str) -> str | None:
        ids = list(self.indicators)
        close = difflib.get_close_matches(text.strip(), ids, n=1, cutoff=0.6)
        if close:
            return close[0]
        by_name = {v["name_zh"]: k for k, v in self.indicators.items()}
        close = difflib.get_close_matches(text.strip(), list(by_name), n=1, cutoff=0.6)
        return by_name[close[0]] if close else None


# --------------------------------------------------------------------------- adding a plan

def _symlink_on_the_way(base: Path, relative: PurePosixPath) -> Path | None:
    """The first component of base/relative that is a symbolic link (base itself is trusted), else None."""
    current = base
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def _read_regular_file(base: Path, relative: PurePosixPath, limit: int, what: str) -> bytes:
    """The bytes of base/relative, refusing symbolic links anywhere below base, non-regular files and huge files."""
    link = _symlink_on_the_way(base, relative)
    if link is not None:
        raise RegistryError(f"{what} {link} is a symbolic link; links are not followed 是符号链接，不予跟随")
    path = base / Path(*relative.parts)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError as exc:
        raise RegistryError(f"{what} {relative} not found beside the plan file 未找到") from exc
    except OSError as exc:
        raise RegistryError(f"{what} {relative}: cannot read 无法读取: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RegistryError(f"{what} {relative} is not a regular file 不是普通文件")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise RegistryError(f"{what} {relative} is larger than {limit:,} bytes 文件过大")
    return data


def _check_destination(base: Path, relative: PurePosixPath, data: bytes, replace: bool) -> bool:
    """Whether base/relative needs writing; RegistryError if it may not be written.

    Refused: a symbolic link anywhere on the way (base itself is trusted), a folder or other non-file
    in the way, and an existing file with other contents unless `replace`.
    """
    link = _symlink_on_the_way(base, relative)
    if link is not None:
        raise RegistryError(f"{link} is a symbolic link; nothing is written through links 是符号链接，不予写入")
    current = base
    for part in relative.parts[:-1]:
        current = current / part
        if current.exists() and not current.is_dir():
            raise RegistryError(f"{current} is not a folder 不是文件夹")
    destination = base / Path(*relative.parts)
    if not destination.exists():
        return True
    if not destination.is_file():
        raise RegistryError(f"{destination} exists and is not a file 已存在且不是文件")
    if destination.read_bytes() == data:
        return False
    if not replace:
        raise RegistryError(f"{destination} exists with other contents; pass --replace to overwrite it "
                            f"已存在且内容不同，如需覆盖请加 --replace")
    return True


def _write_atomically(base: Path, relative: PurePosixPath, data: bytes) -> None:
    """Write base/relative through a temporary file beside it and a rename: never half a file, never through a link."""
    import tempfile

    destination = base / Path(*relative.parts)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".adding-", dir=destination.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_plan(plan_file: Path, plans_dir: Path | None = None, data_dir: Path = DATA_DIR, replace: bool = False) -> list[str]:
    """Validate a plan file (with its source text beside it) against the registry and copy both into the plans folder.

    This is how a prefecture's own targets (`region = "430100"`) join the registry without a code change.
    Returns the ids of the plan's targets. Raises RegistryError, and writes nothing anywhere, if anything is wrong:
    the plan is tried together with the installed plans in a temporary folder first. Both files are read
    without following symbolic links and written only inside the plans folder (never through a link), as
    new files or — with `replace` — over a file of the same kind (plan over plan, text over text).
    """
    import shutil
    import tempfile

    target_dir = plans_dir or configured_plans_dir()
    plan_file = Path(plan_file)
    name = plan_file.name
    if plan_file.suffix.lower() != ".toml" or name.startswith("."):
        raise RegistryError(f"{name}: a plan file is a .toml file 方案文件须为 .toml 文件")
    if plan_file.is_symlink():
        raise RegistryError(f"{plan_file} is a symbolic link; links are not followed 是符号链接，不予跟随")
    plan_bytes = _read_regular_file(plan_file.parent, PurePosixPath(name), PLAN_FILE_MAX_BYTES, "plan file")
    raw = parse_plan_toml(name, plan_bytes)
    source_value = raw["plan"].get("source_file")
    if not source_value:
        raise RegistryError(f"{name}: [plan] needs source_file, the plan's text 缺少 source_file")
    source = source_relative_path(name, source_value)
    source_bytes = _read_regular_file(plan_file.parent, source, SOURCE_TEXT_MAX_BYTES, "source_file")
    plan_relative = PurePosixPath(name)
    writes = [(relative, data) for relative, data in ((source, source_bytes), (plan_relative, plan_bytes))
              if _check_destination(target_dir, relative, data, replace)]
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "plans"
        if target_dir.is_dir():
            shutil.copytree(target_dir, trial, symlinks=True)
        else:
            trial.mkdir()
        for relative, data in ((source, source_bytes), (plan_relative, plan_bytes)):
            destination = trial / Path(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.unlink(missing_ok=True)
            destination.write_bytes(data)
        plans, targets = read_plans(trial)
        check_references(read_regions(data_dir), read_indicators(data_dir), targets)
    for relative, data in writes:
        _write_atomically(target_dir, relative, data)
    plan_id = raw["plan"]["id"]
    return targets[targets.plan_id == plan_id].id.tolist()
