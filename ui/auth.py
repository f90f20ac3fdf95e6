"""Editor access for the data page: a shared password from $MONITOR_EDITOR_PASSWORD.

Unset (or empty) means nobody can write from the app: the data page is read-only. The unlocked
state lives in the session (one browser tab); it is never put in the URL. Wrong passwords are
throttled for the whole server process (a new tab is a new session, so a per-session count would not
stop guessing): after a few in a row, attempts wait, longer each time.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from typing import Callable

import streamlit as st

PASSWORD_ENV = "MONITOR_EDITOR_PASSWORD"
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


THROTTLE = AttemptThrottle()  # one per server process, shared by every session


def editor_password() -> str | None:
    return os.environ.get(PASSWORD_ENV) or None


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
    """Try a password. The caller checks `THROTTLE.wait_left()` first; an attempt while blocked fails."""
    if THROTTLE.wait_left() > 0:
        return False
    ok = password_matches(given, editor_password())
    THROTTLE.record(ok)
    if ok:
        st.session_state[UNLOCKED_KEY] = True
    return ok


def lock() -> None:
    st.session_state.pop(UNLOCKED_KEY, None)
