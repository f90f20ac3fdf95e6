"""DuckDB access: migrations, a read-only reader, and one serialised writer.

DuckDB allows one writing process per file, and a process that holds the file read-write blocks
every other process, even readers. So nothing ever opens the live file read-write:

* readers attach the live file READ_ONLY (many processes and threads at once);
* a writer takes an exclusive lock file, copies the live file to a private temporary file,
  writes there inside a transaction, checkpoints, fsyncs and atomically renames the copy over
  the live file.

A failure or a killed process at any point leaves the live file exactly as it was (the rename is
the only step that changes it, and it is atomic). Readers that were open keep reading the old
file until they reconnect; `Reader.is_current()` tells them when to.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from .config import MIGRATIONS_DIR

# No extension may be downloaded at run time: the machines have no general internet.
DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False}


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """The single value of a query that always returns one row (count(*), max(…), INSERT … RETURNING id)."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise RuntimeError(f"expected one row, got none from: {sql[:120]}")
    return row[0]


class DatabaseMissing(FileNotFoundError):
    """The database file does not exist yet (run `python -m monitor init`)."""


# --------------------------------------------------------------------------- migrations

def migration_files() -> list[tuple[int, str, Path]]:
    files = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        files.append((int(path.name[:4]), path.stem, path))
    return files


def latest_schema_version() -> int:
    files = migration_files()
    return files[-1][0] if files else 0


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = scalar(con, "SELECT count(*) FROM duckdb_tables() "
                         "WHERE table_name = 'schema_migrations' AND database_name = current_database()")
    if not exists:
        return set()
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction. Re-running is a no-op."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = applied_versions(con)
    applied = []
    for version, name, path in migration_files():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class FileIdentity:
    inode: int
    mtime_ns: int
    size: int


def file_identity(path: Path) -> FileIdentity | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return FileIdentity(st.st_ino, st.st_mtime_ns, st.st_size)


class Reader:
    """A read-only view of the live database file, safe to share across threads.

    Use one cursor per query (`with reader.cursor() as cur:`); DuckDB connections must not be
    shared between threads, cursors may.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.identity = file_identity(self.path)
        if self.identity is None:
            raise DatabaseMissing(f"database file not found: {self.path} (run `python -m monitor init`)")
        # A private in-memory instance that attaches the file: `duckdb.connect(path)` would hand back
        # DuckDB's cached instance of the *old* file after a writer swapped a new one in.
        self._con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
        self._con.execute("ATTACH ? AS monitor_db (READ_ONLY)", [str(self.path)])
        self._con.execute("USE monitor_db")

    def is_current(self) -> bool:
        """False once a writer has replaced the file this reader attached."""
        return file_identity(self.path) == self.identity

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._con.cursor()
        try:
            cur.execute("USE monitor_db")
            yield cur
        finally:
            cur.close()

    def query_df(self, sql: str, params: list | tuple | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(sql, list(params or [])).df()

    def query_rows(self, sql: str, params: list | tuple | None = None) -> list[tuple]:
        with self.cursor() as cur:
            return cur.execute(sql, list(params or [])).fetchall()

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- writing

class WriteLock:
    """An exclusive advisory lock beside the database file; serialises writers across processes and threads."""

    def __init__(self, db_file: Path):
        self.lock_path = db_file.with_name(db_file.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> "WriteLock":
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _temp_prefix(db_file: Path) -> str:
    return f".{db_file.name}.writing-"


def _remove_stale_temp_files(db_file: Path) -> None:
    # Called with the write lock held, so any temporary file left is from a writer that died.
    for stale in db_file.parent.glob(_temp_prefix(db_file) + "*"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def writer(path: str | os.PathLike) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a private copy of the database for writing, inside one transaction.

    On normal exit the transaction commits and the copy replaces the live file atomically. On any
    exception the copy is discarded and the live file is untouched. The schema is migrated first,
    so a new file comes out ready to use.
    """
    db_file = Path(path)
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with WriteLock(db_file):
        _remove_stale_temp_files(db_file)
        temp = db_file.with_name(f"{_temp_prefix(db_file)}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        if db_file.exists():
            shutil.copyfile(db_file, temp)
        con = duckdb.connect(str(temp), config=DUCKDB_CONFIG)
        try:
            migrate(con)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("CHECKPOINT")
            con.close()
            _fsync_file(temp)
            os.replace(temp, db_file)
            _fsync_dir(db_file.parent)
        finally:
            with contextlib.suppress(Exception):
                con.close()
            for leftover in (temp, temp.with_name(temp.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
