"""Editor access for the data page: a shared password from $MONITOR_EDITOR_PASSWORD.

Unset (or empty) means nobody can write from the app: the data page is read-only. The unlocked
state lives in the session (one browser tab); it is never put in the URL.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

PASSWORD_ENV = "MONITOR_EDITOR_PASSWORD"
UNLOCKED_KEY = "data_editor_unlocked"
DEFAULT_EDITOR = "editor"


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
    ok = password_matches(given, editor_password())
    if ok:
        st.session_state[UNLOCKED_KEY] = True
    return ok


def lock() -> None:
    st.session_state.pop(UNLOCKED_KEY, None)
