"""The registry: regions, indicators, plans and targets, kept as files under data/ and loaded into DuckDB.

Adding a target, an indicator or a region is a change to a data file, never to code.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .config import DATA_DIR, PROVINCE_CODE
from .config import plans_dir as configured_plans_dir
from .target_kinds import TARGET_TYPES

REGION_FILES_GLOB = "regions*.csv"
INDICATORS_FILE = "indicators.toml"

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
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(f"{path.name}: not valid TOML: {exc}") from exc
        plan = raw.get("plan")
        if not plan or "id" not in plan:
            raise RegistryError(f"{path.name}: missing [plan] table with an id")
        check_quotes(path, plan, raw.get("targets", []))
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
        })
        for spec in raw.get("targets", []):
            order += 1
            targets.append(_target_row(path, plan, spec, order))
    plans_df, targets_df = pd.DataFrame(plans), pd.DataFrame(targets)
    for frame, what in ((plans_df, "plan"), (targets_df, "target")):
        dupes = frame[frame.id.duplicated()].id.tolist()
        if dupes:
            raise RegistryError(f"{what} ids used twice across data/plans: {dupes}")
    return plans_df, targets_df


def check_quotes(path: Path, plan: dict, specs: list[dict]) -> None:
    source = plan.get("source_file")
    if not source:
        raise RegistryError(f"{path.name}: [plan] needs source_file, the plan's text, so quotes can be checked")
    text_path = path.parent / source
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
    }


def registry_files(data_dir: Path = DATA_DIR, plans_dir: Path | None = None) -> list[Path]:
    plans = plan_files(plans_dir)
    sources = sorted({(p.parent / tomllib.loads(p.read_text(encoding="utf-8")).get("plan", {}).get("source_file", ""))
                      for p in plans} - {p.parent for p in plans})
    return (sorted(data_dir.glob(REGION_FILES_GLOB)) + [data_dir / INDICATORS_FILE] + plans
            + [s for s in sources if s.is_file()])


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
    check_references(regions, indicators, targets)
    # Synthetic regions (demo at national scale) are not in the files; keep them.
    con.execute("DELETE FROM regions WHERE NOT is_synthetic")
    con.register("regions_in", regions)
    con.execute("INSERT INTO regions SELECT code, name_zh, short_name_zh, name_en, level, parent_code, aliases, "
                "is_synthetic FROM regions_in")
    con.unregister("regions_in")
    for table, frame in (("indicators", indicators), ("plans", plans), ("targets", targets)):
        con.execute(f"DELETE FROM {table}")  # table names are constants here, never user input
        con.register("registry_in", frame)
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM registry_in")
        con.unregister("registry_in")
    return {"regions": len(regions), "indicators": len(indicators), "plans": len(plans), "targets": len(targets)}


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

def add_plan(plan_file: Path, plans_dir: Path | None = None, data_dir: Path = DATA_DIR,
             replace: bool = False) -> list[str]:
    """Validate a plan file (with its source text beside it) against the registry and copy both into the plans folder.

    This is how a prefecture's own targets (`region = "430100"`) join the registry without a code change.
    Returns the ids of the plan's targets. Raises RegistryError, and copies nothing, if anything is wrong.
    """
    import shutil
    import tempfile

    target_dir = plans_dir or configured_plans_dir()
    plan_file = Path(plan_file)
    try:
        raw = tomllib.loads(plan_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"{plan_file.name}: cannot read the plan file: {exc}") from exc
    source = (raw.get("plan") or {}).get("source_file")
    if not source:
        raise RegistryError(f"{plan_file.name}: [plan] needs source_file, the plan's text")
    source_path = plan_file.parent / source
    destination = target_dir / plan_file.name
    if destination.exists() and not replace and destination.read_bytes() != plan_file.read_bytes():
        raise RegistryError(f"{destination} exists; pass replace=True (--replace) to overwrite it")
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "plans"
        shutil.copytree(target_dir, trial)
        (trial / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(plan_file, trial / plan_file.name)
        if source_path.is_file():
            shutil.copyfile(source_path, trial / source)
        plans, targets = read_plans(trial)
        check_references(read_regions(data_dir), read_indicators(data_dir), targets)
    (target_dir / source).parent.mkdir(parents=True, exist_ok=True)
    if source_path.resolve() != (target_dir / source).resolve():
        shutil.copyfile(source_path, target_dir / source)
    shutil.copyfile(plan_file, destination)
    plan_id = raw["plan"]["id"]
    return targets[targets.plan_id == plan_id].id.tolist()
