"""Heavy parsing in a child process with a wall-time and a memory limit, off the process that serves viewers.

Why (issue 16, item 10): reading a workbook is pure Python (openpyxl) and holds the interpreter lock. A
1.9-million-cell workbook — inside the static bounds of readers.py — took 24 s to read on the server
machine, and every viewer's page of the same Streamlit process waited meanwhile; a pathological file could
also exhaust the server's memory. Here it runs in a child that is killed when it passes its time, and whose
address space is capped (RLIMIT_AS) so that it, not the server, runs out of memory.

How: one helper process per server process (`python -m monitor.parse_worker SOCKET`), started on first
use (or by `warm()`) with the readers already imported, forks a fresh child per request. A fresh
interpreter per request would cost the imports every time (3.3 s on the loaded two-core server); forking
the server itself is unsafe (it has threads). multiprocessing's forkserver would do the same, but a child
it starts re-runs the parent's `__main__` — under Streamlit that is the app script (Streamlit installs it
as `__main__`), so every parse would run the whole app. The helper is single-threaded, so its fork is safe.

Protocol, over a Unix socket in a private directory: the request is a pickled (function, args, limits);
the child answers with its pid first (so the caller can kill it on time-out), then a pickled
(("ok", value) | ("memory", None) | ("error", (type name, text))) + (its niceness,). The child runs at a lower
priority than the server (NICENESS), so viewers' page runs get the cores first. The function is pickled by reference
and must be a module-level function of this package. The helper exits when its caller's pipe closes.

`run()` raises WorkerFailed (`reason` "time", "memory" or "crashed", with English and Chinese messages)
when the child passed a limit or died; nothing the child did reaches the database — it only returns values.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pickle
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRELOAD = ("monitor.readers", "openpyxl", "openpyxl.reader.excel")
NICENESS = 10           # added to the child's niceness
START_SECONDS = 120.0    # the helper imports the readers once: 3 s on the loaded server, more under load
_HEADER = struct.Struct("!Q")


class WorkerFailed(RuntimeError):
    """The child passed its time or memory limit, or died; `message_zh` says it in Chinese."""

    def __init__(self, reason: str, message: str, message_zh: str):
        super().__init__(message)
        self.reason = reason
        self.message_zh = message_zh


@dataclass
class Run:
    """One request, as seen by the caller: which function, in which child, how it ended."""

    number: int  # counts the requests of this process, from 1
    function: str
    pid: int | None
    outcome: str = "running"  # ok / error / time / memory / crashed
    niceness: int | None = None  # the child's, as it reported with its answer


RUNS: list[Run] = []  # the latest requests of this process (for tests and the benchmark), newest last
_MAX_RUNS = 50
_numbers = itertools.count(1)


def latest_run() -> int:
    """The number of the latest request (0 before any): `runs_after(latest_run())` then lists the next ones."""
    return RUNS[-1].number if RUNS else 0


def runs_after(number: int) -> list[Run]:
    return [r for r in RUNS if r.number > number]


# --------------------------------------------------------------------------- framing

def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket) -> bytes:
    (n,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    return _recv_exact(sock, n)


# --------------------------------------------------------------------------- the caller's side

class _Helper:
    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="monitor-parse-")  # mode 0700: only this user connects
        self.path = os.path.join(self.directory, "socket")
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor.parse_worker", self.path], cwd=root, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.ready = False
        self.owner = os.getpid()

    def wait_ready(self) -> None:
        if self.ready:
            return
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_SECONDS)
        line = self.proc.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.stop()
            raise WorkerFailed("crashed", "the parsing helper process did not start",
                               "解析辅助进程未能启动")
        self.ready = True

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for name in (self.path,):
            try:
                os.unlink(name)
            except OSError:
                pass
        try:
            os.rmdir(self.directory)
        except OSError:
            pass


_lock = threading.Lock()
_helper: _Helper | None = None


def _current_helper() -> _Helper:
    global _helper
    with _lock:
        if _helper is None or not _helper.alive():
            if _helper is not None and _helper.owner == os.getpid():
                _helper.stop()
            _helper = _Helper()
        helper = _helper
    return helper


def warm() -> None:
    """Start the helper now (it takes seconds to import the readers) without waiting for it."""
    _current_helper()


@atexit.register
def _stop_helper() -> None:
    if _helper is not None and _helper.owner == os.getpid():
        _helper.stop()


def _limits_text(seconds: float, memory_mb: int) -> tuple[str, str]:
    return f"{seconds:g} s and {memory_mb:,} MB", f"{seconds:g}秒、{memory_mb:,} MB"


def run(function, *args: Any, seconds: float, memory_mb: int) -> Any:
    """`function(*args)` in a fresh child of the helper, which is killed after `seconds` (wall time) and may
    use `memory_mb` more memory than it started with. Returns the function's value; re-raises nothing from
    the child: an exception there becomes RuntimeError with its type and text."""
    helper = _current_helper()
    helper.wait_ready()
    name = f"{function.__module__}.{function.__qualname__}"
    with _lock:
        record = Run(next(_numbers), name, None)
        RUNS.append(record)
        del RUNS[:-_MAX_RUNS]
    deadline = time.monotonic() + seconds
    payload = pickle.dumps((function, args, seconds, memory_mb), protocol=pickle.HIGHEST_PROTOCOL)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(seconds)
        try:
            sock.connect(helper.path)
            (record.pid,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
            _send(sock, payload)
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            reply = _recv(sock)
        except (TimeoutError, socket.timeout):
            if record.pid:
                _kill(record.pid)
            record.outcome = "time"
            en, zh = _limits_text(seconds, memory_mb)
            raise WorkerFailed("time", f"reading took longer than {seconds:g} s and was stopped (limits: {en})",
                               f"读取超过{seconds:g}秒，已停止（上限：{zh}）") from None
        except (EOFError, ConnectionError, FileNotFoundError) as exc:
            record.outcome = "crashed"
            raise WorkerFailed(
                "crashed",
                f"the reading process ended without an answer ({type(exc).__name__}); it may have passed its "
                f"memory limit of {memory_mb:,} MB",
                f"读取进程意外结束（可能超过内存上限{memory_mb:,} MB）") from None
    status, value, record.niceness = pickle.loads(reply)
    record.outcome = status
    if status == "ok":
        return value
    if status == "memory":
        raise WorkerFailed("memory", f"reading needed more than {memory_mb:,} MB of memory and was stopped",
                           f"读取所需内存超过{memory_mb:,} MB，已停止")
    kind, text = value
    raise RuntimeError(f"{kind}: {text}")


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------- the helper and its children

def _address_space() -> int:
    """This process's virtual memory size in bytes (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(conn: socket.socket) -> None:
    """In a forked child: read one request, run it under the limits, answer."""
    _send_pid = _HEADER.pack(os.getpid())
    conn.sendall(_send_pid)
    function, args, seconds, memory_mb = pickle.loads(_recv(conn))
    signal.alarm(int(seconds) + 2)  # a backstop: the caller kills the child at `seconds` itself
    # Below the server's priority: on two cores a parse competes with the viewers' page runs for the CPU (the
    # interpreter lock is no longer shared, the cores are); the viewers come first.
    os.nice(NICENESS)
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    reply: tuple
    try:
        reply = ("ok", function(*args))
    except MemoryError:
        reply = ("memory", None)
    except Exception as exc:  # the caller turns it into an error it can report
        reply = ("error", (type(exc).__name__, str(exc)))
    try:
        payload = pickle.dumps((*reply, os.nice(0)), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        payload = pickle.dumps(("memory", None, os.nice(0)))
    _send(conn, payload)


def serve(path: str) -> None:
    """The helper's loop: accept a connection, fork a child for it; exit when the caller's pipe closes."""
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            break  # the caller is gone
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _child(conn)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        conn.close()
    listener.close()


if __name__ == "__main__":
    serve(sys.argv[1])
