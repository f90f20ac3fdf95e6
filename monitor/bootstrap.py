"""Create, migrate and fill the database: the plan registry and the bundled official figures.

`ensure_database` is what the app and the CLI call on start-up: it does nothing when the file is
already current (schema migrated, registry and bundled data loaded from the same files), so
starting the app never writes unless something changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import db as dbmod
from .config import DATA_DIR, OFFICIAL_DIR
from .importer import ImportPlan, now_beijing, prepare, sha256_bytes, stage_long_csv, write_plan
from .registry import files_digest, load_registry, registry_files

BUNDLE_KEY = "bundle_sha256"
BUNDLED_USER = "bundled data (python -m monitor init)"


def official_files(official_dir: Path = OFFICIAL_DIR) -> list[Path]:
    return sorted(official_dir.glob("*.csv"))


def bundle_digest(with_data: bool = True) -> str:
    files = registry_files(DATA_DIR) + (official_files() if with_data else [])
    return files_digest(files) + (":data" if with_data else ":registry")


@dataclass
class InitReport:
    path: Path
    registry: dict
    imports: list[ImportPlan]
    changed: bool

    def lines(self) -> list[str]:
        if not self.changed:
            return [f"{self.path}: up to date (schema, plan registry and bundled data)."]
        out = [f"{self.path}: {self.registry['regions']} regions, {self.registry['indicators']} indicators, "
               f"{self.registry['plans']} plans with {self.registry['targets']} targets loaded."]
        for plan in self.imports:
            out.append(f"  {plan.file_name}: {plan.added} added, {plan.revised} revised, {plan.unchanged} unchanged")
        return out


def is_current(path: Path, with_data: bool = True) -> bool:
    if not path.exists():
        return False
    try:
        with dbmod.Reader(path) as reader:
            versions = {r[0] for r in reader.query_rows("SELECT version FROM schema_migrations")}
            if max(versions, default=0) < dbmod.latest_schema_version():
                return False
            row = reader.query_rows("SELECT value FROM meta WHERE key = ?", [BUNDLE_KEY])
    except Exception:
        return False
    if not row:
        return False
    stored = row[0][0]
    # A database loaded with data stays current for a "registry only" request too.
    return stored == bundle_digest(with_data) or (not with_data and stored == bundle_digest(True))


def initialise(path: str | os.PathLike, with_data: bool = True, force: bool = False) -> InitReport:
    """Migrate, reload the registry and (unless with_data is False) load the bundled official figures."""
    path = Path(path)
    if not force and is_current(path, with_data):
        return InitReport(path, {}, [], changed=False)
    plans: list[ImportPlan] = []
    with dbmod.writer(path) as con:
        registry = load_registry(con)
        if with_data:
            for csv_path in official_files():
                data = csv_path.read_bytes()
                started = now_beijing()
                staged = stage_long_csv(con, data, f"data/official/{csv_path.name}")
                plan = prepare(con, staged, sha256_bytes(data), "official")
                if not plan.is_valid:
                    raise RuntimeError("bundled data failed validation:\n"
                                       + "\n".join(str(p) for p in plan.errors[:10]))
                if plan.added or plan.revised:
                    write_plan(con, plan, BUNDLED_USER, started)
                plans.append(plan)
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [BUNDLE_KEY, bundle_digest(with_data)])
    return InitReport(path, registry, plans, changed=True)


def ensure_database(path: str | os.PathLike) -> InitReport:
    """What start-up calls: initialise with the bundled data if the file is missing or stale."""
    return initialise(path, with_data=True)
