"""Backups of the database file, and restoring one, both under the writer's lock.

The live file only ever changes by an atomic rename made with `db.WriteLock` held (see monitor/db.py).
So a copy taken with that lock held is exactly one state of the database: if an import is running,
the backup waits for it and holds the state after it; an import started during a backup waits for
the backup. Restoring goes the same way as a write: under the lock, the backup is copied to a
private temporary file beside the live one, checked, migrated, fsynced and renamed over the live
file, so readers keep reading the old file until they notice the new one, and a failure at any
step leaves the live file as it was. The file being replaced stays beside it (`….before-restore-…`),
as a hard link, so a restore can itself be undone.

Messages for people are given in Chinese and English, as the importer's are.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from .db import DUCKDB_CONFIG, WriteLock, fsync_dir, fsync_file, latest_schema_version, migrate, scalar

# Every table the first migration creates: a file without them is not a database of this app.
REQUIRED_TABLES = ("schema_migrations", "meta", "datasets", "regions", "indicators", "plans", "targets",
                   "import_log", "observations")
# DuckDB's main header: 8 bytes of checksum, then the magic bytes.
DUCKDB_MAGIC = b"DUCK"


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed. The message is in Chinese and English."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh}\n{en}")


@dataclass(frozen=True)
class DatabaseSummary:
    path: Path
    schema_version: int
    observations: int
    datasets: tuple[str, ...]
    size_bytes: int

    def line(self) -> str:
        return (f"{self.path}: schema version {self.schema_version}, {self.observations:,} observations "
                f"(datasets: {', '.join(self.datasets) or '—'}), {self.size_bytes / 1e6:.1f} MB")


# --------------------------------------------------------------------------- checking a file

def inspect(path: str | os.PathLike) -> DatabaseSummary:
    """Check that `path` is a database of this app that this version can open; raise BackupError if not.

    Opens the file read-only in a private DuckDB instance; never changes it.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到文件：{path}", f"no such file: {path}")
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[8:12] != DUCKDB_MAGIC:
        raise BackupError(f"{path} 不是 DuckDB 数据库文件，不能用于恢复。",
                          f"{path} is not a DuckDB database file; it cannot be restored.")
    con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
    try:
        try:
            con.execute("ATTACH ? AS candidate (READ_ONLY)", [str(path)])
        except duckdb.Error as exc:
            raise BackupError(f"{path} 无法打开（文件损坏，或由不兼容的 DuckDB 版本写入）：{exc}",
                              f"{path} cannot be opened (damaged, or written by an incompatible DuckDB "
                              f"version): {exc}") from exc
        tables = {row[0] for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'candidate'").fetchall()}
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            raise BackupError(f"{path} 不是本系统（消费流通监测）的数据库：缺少数据表 {', '.join(missing)}。",
                              f"{path} is not a database of this app (xiaofei-monitor): it lacks the table(s) "
                              f"{', '.join(missing)}.")
        version = scalar(con, "SELECT coalesce(max(version), 0) FROM candidate.schema_migrations")
        latest = latest_schema_version()
        if version > latest:
            raise BackupError(f"{path} 的数据库结构版本为 {version}，比本程序支持的 {latest} 新；"
                              "请先升级程序再恢复。",
                              f"{path} has schema version {version}, newer than this app's {latest}; "
                              "upgrade the app before restoring it.")
        observations = scalar(con, "SELECT count(*) FROM candidate.observations")
        datasets = tuple(row[0] for row in con.execute(
            "SELECT DISTINCT dataset FROM candidate.observations ORDER BY dataset").fetchall())
    finally:
        con.close()
    return DatabaseSummary(path, int(version), int(observations), datasets, path.stat().st_size)


# --------------------------------------------------------------------------- helpers

def _timestamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def default_backup_name(db_file: Path) -> str:
    return f"{db_file.stem}-{_timestamp()}{db_file.suffix or '.duckdb'}"


# --------------------------------------------------------------------------- backup

def backup(db_file: str | os.PathLike, out: str | os.PathLike, *, overwrite: bool = False) -> DatabaseSummary:
    """Copy the live database to `out` (a file, or a directory to put a dated file in) under the writer's lock.

    A path ending in "/" is a directory, created if it does not exist yet.

    The copy is written to a temporary name beside `out`, fsynced, checked and then renamed, so `out`
    never holds half a backup. Returns the summary of the backup.
    """
    db_file = Path(db_file).resolve()
    as_directory = str(out).endswith(("/", os.sep))  # `backup backups/`: a directory, made if missing
    out = Path(out).expanduser()
    if as_directory:
        out.mkdir(parents=True, exist_ok=True)
    if out.is_dir():
        out = out / default_backup_name(db_file)
    out = out.resolve()
    if not db_file.is_file():
        raise BackupError(f"数据库文件不存在：{db_file}（请先运行 python -m monitor init）",
                          f"database file not found: {db_file} (run `python -m monitor init` first)")
    if out == db_file or out.name.startswith(f".{db_file.name}.writing-") and out.parent == db_file.parent:
        raise BackupError("备份文件不能是数据库文件本身。", "the backup cannot be the database file itself.")
    if out.exists() and not overwrite:
        raise BackupError(f"{out} 已存在；请换一个文件名，或加 --force 覆盖。",
                          f"{out} already exists; choose another name or pass --force to overwrite it.")
    if not out.parent.is_dir():
        raise BackupError(f"目录不存在：{out.parent}", f"no such directory: {out.parent}")
    temp = out.with_name(f".{out.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with WriteLock(db_file):
            # No writer can rename a new file in while the lock is held: this is one state of the database.
            shutil.copyfile(db_file, temp)
        fsync_file(temp)
        summary = inspect(temp)
        os.replace(temp, out)
        fsync_dir(out.parent)
    except OSError as exc:
        raise BackupError(f"备份失败，未写入 {out}：{exc}", f"the backup failed; {out} was not written: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return DatabaseSummary(out, summary.schema_version, summary.observations, summary.datasets, summary.size_bytes)


# --------------------------------------------------------------------------- restore

@dataclass(frozen=True)
class RestoreResult:
    restored: DatabaseSummary
    previous: Path | None  # where the replaced file was kept, if there was one
    migrated: list[int]

    def lines(self) -> list[str]:
        out = [f"restored / 已恢复: {self.restored.line()}"]
        if self.migrated:
            out.append(f"  migrations applied / 已升级数据库结构: {', '.join(map(str, self.migrated))}")
        if self.previous:
            out.append(f"  the replaced database was kept as / 被替换的数据库保留为: {self.previous}")
        return out


def restore(db_file: str | os.PathLike, source: str | os.PathLike, *, keep_previous: bool = True) -> RestoreResult:
    """Replace the live database with the backup `source`, through the same lock, copy and rename as a write.

    `source` must be a database of this app (checked before anything is touched). An older schema is
    migrated in the copy. The live file being replaced is kept beside it as `<name>.before-restore-<time>`
    unless `keep_previous` is False. Running app processes notice the new file on their next query.
    """
    db_file = Path(db_file).resolve()
    source = Path(source).expanduser().resolve()
    inspect(source)  # refuse early, with the reason, before taking the lock
    if source == db_file:
        raise BackupError("要恢复的文件就是当前数据库本身。", "the file to restore is the live database itself.")
    db_file.parent.mkdir(parents=True, exist_ok=True)
    temp = db_file.with_name(f".{db_file.name}.writing-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    previous: Path | None = None
    try:
        with WriteLock(db_file):
            shutil.copyfile(source, temp)
            checked = inspect(temp)  # the copy, not just the original, is a database of this app
            con = duckdb.connect(str(temp), config=DUCKDB_CONFIG)
            try:
                migrated = migrate(con)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            fsync_file(temp)
            if keep_previous and db_file.exists():
                previous = db_file.with_name(f"{db_file.name}.before-restore-{_timestamp()}")
                if previous.exists():
                    previous = previous.with_name(f"{previous.name}-{uuid.uuid4().hex[:6]}")
                try:
                    os.link(db_file, previous)  # no copy: the old file's data stay where they are
                except OSError:
                    shutil.copyfile(db_file, previous)
            os.replace(temp, db_file)
            fsync_dir(db_file.parent)
    except OSError as exc:
        raise BackupError(f"恢复失败，数据库未改变：{exc}", f"the restore failed; the database is unchanged: {exc}") from exc
    finally:
        for leftover in (temp, temp.with_name(temp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    restored = DatabaseSummary(db_file, max(checked.schema_version, *migrated) if migrated else checked.schema_version,
                               checked.observations, checked.datasets, db_file.stat().st_size)
    return RestoreResult(restored, previous, migrated)
