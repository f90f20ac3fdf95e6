"""Editor access for the data page: a shared password from $MONITOR_EDITOR_PASSWORD.

Unset (or empty) means nobody can write from the app: the data page is read-only. A password shorter
than MIN_PASSWORD_LENGTH characters counts as unset (a single space was accepted once), and the server
log says so at the first page run. The unlocked state lives in the session (one browser tab); it is
never put in the URL.

Wrong passwords are throttled per client, not per session (a new tab is a new session, so a
per-session count would not stop guessing): after a few in a row from one address, that address
waits, longer each time. A stranger's guesses therefore never lock out an editor at another address
(issue 16, item 16). A global ceiling — many more wrong passwords in a row from all addresses together —
still slows a guesser who spreads over many addresses. The client is the connection's address, or,
behind a reverse proxy, the last address in the header named by $MONITOR_TRUSTED_PROXY_HEADER
(e.g. X-Forwarded-For; set it only when the proxy overwrites or appends that header).
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from typing import Callable

import streamlit as st

PASSWORD_ENV = "MONITOR_EDITOR_PASSWORD"
PROXY_HEADER_ENV = "MONITOR_TRUSTED_PROXY_HEADER"
MIN_PASSWORD_LENGTH = 12
UNLOCKED_KEY = "data_editor_unlocked"
DEFAULT_EDITOR = "editor"


class AttemptThrottle:
    """After `free` wrong passwords in a row, refuse attempts for a wait that doubles each time
    (`first_wait` seconds up to `max_wait`); a right password starts the count again."""

    def __init__(self, free: int = 5, first_wait: float = 30.0, max_wait: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        self.free, self.first_wait, self.max_wait, self.clock = free, first_wait, max_wait, clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.failures = 0
        self.blocked_until = 0.0

    def wait_left(self) -> float:
        """Seconds until the next attempt is taken (0: now)."""
        with self._lock:
            return max(0.0, self.blocked_until - self.clock())

    def record(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self.reset()
                return
            self.failures += 1
            if self.failures >= self.free:
                wait = min(self.max_wait, self.first_wait * 2 ** (self.failures - self.free))
                self.blocked_until = self.clock() + wait


class ClientThrottle:
    """An AttemptThrottle per client, and one over all clients with a higher allowance (the ceiling).

    A client is blocked by its own wrong passwords, or by everyone's once they pass `ceiling` in a row;
    a right password resets its own count and the ceiling's. At most `max_clients` clients are tracked
    (the oldest forgotten first), so a flood of addresses cannot grow memory without bound."""

    def __init__(self, free: int = 5, first_wait: float = 30.0, max_wait: float = 900.0, ceiling: int = 100,
                 max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.free, self.first_wait, self.max_wait, self.clock = free, first_wait, max_wait, clock
        self.max_clients = max_clients
        self.everyone = AttemptThrottle(ceiling, first_wait, max_wait, clock)
        self._lock = threading.Lock()
        self._clients: dict[str, AttemptThrottle] = {}

    def reset(self) -> None:
        with self._lock:
            self._clients.clear()
        self.everyone.reset()

    def _for(self, client: str) -> AttemptThrottle:
        with self._lock:
            throttle = self._clients.pop(client, None)
            if throttle is None:
                throttle = AttemptThrottle(self.free, self.first_wait, self.max_wait, self.clock)
                while len(self._clients) >= self.max_clients:
                    self._clients.pop(next(iter(self._clients)))
            self._clients[client] = throttle  # most recent last
            return throttle

    def wait_left(self, client: str = "") -> float:
        return max(self._for(client).wait_left(), self.everyone.wait_left())

    def record(self, client: str, ok: bool) -> None:
        self._for(client).record(ok)
        self.everyone.record(ok)


THROTTLE = ClientThrottle()  # one per server process, shared by every session
_log = logging.getLogger("monitor.auth")
_warned: set[str] = set()


def client_id() -> str:
    """Who is guessing: the trusted proxy header's last address if configured, else the connection's address."""
    header = os.environ.get(PROXY_HEADER_ENV, "").strip()
    try:
        if header:
            forwarded = st.context.headers.get(header)
            last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
            if last:
                return last
        address = st.context.ip_address
        return address if isinstance(address, str) else ""  # (AppTest hands out a mock per session)
    except Exception:  # noqa: BLE001 — outside a session (tests, bare mode) there is no client
        return ""


def password_problem() -> str | None:
    """Why the configured password is refused (too short), or None."""
    value = os.environ.get(PASSWORD_ENV)
    if value and len(value.strip()) < MIN_PASSWORD_LENGTH:
        return (f"{PASSWORD_ENV} is shorter than {MIN_PASSWORD_LENGTH} characters; editing stays off "
                f"{PASSWORD_ENV}少于{MIN_PASSWORD_LENGTH}个字符，编辑功能保持关闭")
    return None


def editor_password() -> str | None:
    """The editors' password, or None when editing is off (unset, empty or too short)."""
    problem = password_problem()
    if problem:
        if problem not in _warned:  # said once, in the server log, at the first page run
            _warned.add(problem)
            _log.warning(problem)
        return None
    return os.environ.get(PASSWORD_ENV) or None


def wait_left() -> float:
    """Seconds this client must wait before its next password attempt."""
    return THROTTLE.wait_left(client_id())


def password_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; no password is ever right when none is configured."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def is_unlocked() -> bool:
    """An editor unlocked this session, and editing is still configured."""
    if editor_password() is None:
        st.session_state.pop(UNLOCKED_KEY, None)
        return False
    return bool(st.session_state.get(UNLOCKED_KEY))


def unlock(given: str | None) -> bool:
    """Try a password. The caller checks `wait_left()` first; an attempt while blocked fails."""
    client = client_id()
    if THROTTLE.wait_left(client) > 0:
        return False
    ok = password_matches(given, editor_password())
    THROTTLE.record(client, ok)
    if ok:
        st.session_state[UNLOCKED_KEY] = True
    return ok


def lock() -> None:
    st.session_state.pop(UNLOCKED_KEY, None)
