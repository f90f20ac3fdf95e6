"""Paths and settings shared by the CLI, the app and the tests."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
PLANS_DIR = DATA_DIR / "plans"
OFFICIAL_DIR = DATA_DIR / "official"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

DEFAULT_DB_PATH = DATA_DIR / "monitor.duckdb"
PROVINCE_CODE = "430000"
NATIONAL_CODE = "000000"


def plans_dir() -> Path:
    """Where plan files live: $MONITOR_PLANS_DIR, else data/plans (the bundled plans)."""
    env = os.environ.get("MONITOR_PLANS_DIR")
    return Path(env).expanduser().resolve() if env else PLANS_DIR


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $MONITOR_DB, else data/monitor.duckdb."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("MONITOR_DB")
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DB_PATH
