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
import stat
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


class DatabaseUnreadable(Exception):
    """The database file exists but DuckDB cannot open it: damaged, or written by a newer DuckDB."""

    def __init__(self, path: Path, cause: BaseException | str):
        detail = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        self.path, self.detail, self.version = path, detail, duckdb.__version__
        super().__init__(
            f"the database file {path} cannot be read ({detail}). It is damaged, or was written by a newer DuckDB "
            f"than this app's {duckdb.__version__}. Restore it from a backup; or move it aside and run "
            f"`python -m monitor init` to rebuild it from the bundled data (imported figures must then be imported "
            f"again). Nothing was changed. "
            f"数据库文件无法读取（已损坏，或由更新版本的DuckDB写入；本应用使用DuckDB {duckdb.__version__}）。"
            f"请从备份恢复；或将其移走后运行 python -m monitor init 以内置数据重建（已导入的数据需重新导入）。未做任何修改。")


def _attach_error(path: Path, exc: BaseException, shown: Path | None = None) -> DatabaseUnreadable:
    """DatabaseUnreadable for a failed open, naming the live file even when a private copy was opened."""
    message = str(exc)
    if shown is not None:
        message = message.replace(str(shown), str(path))
    return DatabaseUnreadable(path, message)


class DatabaseReadOnly(PermissionError):
    """The database file is read-only (its owner made it so, e.g. chmod 444): nothing may replace it."""


def check_writable(db_file: Path) -> os.stat_result | None:
    """The file's status when it may be replaced (None when it does not exist yet), else DatabaseReadOnly.

    A writer replaces the file by a rename, which the folder's permissions allow even when the file itself
    is read-only; a file without any write permission bit, or one this user may not write, is refused."""
    try:
        status = db_file.stat()
    except FileNotFoundError:
        return None
    if not status.st_mode & 0o222 or not os.access(db_file, os.W_OK):
        raise DatabaseReadOnly(
            f"{db_file} is read-only (mode {stat.S_IMODE(status.st_mode):o}); nothing was written. Make it writable "
            f"(chmod u+w) if it should change 数据库文件为只读，未写入任何内容；如需修改请先设为可写")
    return status


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
        try:
            self._con.execute("ATTACH ? AS monitor_db (READ_ONLY)", [str(self.path)])
        except duckdb.Error as exc:
            self._con.close()
            raise _attach_error(self.path, exc) from exc
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


def fsync_file(path: Path) -> None:
    """Flush a file to disk (the writer and the backup both rename a finished copy into place)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry after a rename; not every file system allows it, which is harmless."""
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
        status = check_writable(db_file)
        temp = db_file.with_name(f"{_temp_prefix(db_file)}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        con = None
        try:  # from the first byte copied: a failure (a full disk) removes the partial copy below
            if status is not None:
                shutil.copyfile(db_file, temp)
            try:
                con = duckdb.connect(str(temp), config=DUCKDB_CONFIG)
            except duckdb.Error as exc:  # a damaged or newer file: say so about the live file, not our copy
                raise _attach_error(db_file, exc, temp) from exc
            migrate(con)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (e.g. "No space left on device") has ended the transaction already; the
                # ROLLBACK's own error ("no transaction is active") must not hide the real cause.
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
                raise
            con.execute("CHECKPOINT")
            con.close()
            fsync_file(temp)
            if status is not None:  # keep the owner's mode and ownership, not mkstemp's or the writer's
                os.chmod(temp, stat.S_IMODE(status.st_mode))
                with contextlib.suppress(PermissionError):
                    os.chown(temp, status.st_uid, status.st_gid)
            os.replace(temp, db_file)
            fsync_dir(db_file.parent)
        finally:
            if con is not None:
                with contextlib.suppress(Exception):
                    con.close()
            for leftover in (temp, temp.with_name(temp.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
