"""The domain package never imports Streamlit, and pages never open the database for writing."""

import ast

from tests.conftest import PROJECT_ROOT


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_monitor_never_imports_streamlit():
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "monitor").rglob("*.py")
                 if any(m.split(".")[0] == "streamlit" for m in imported_modules(p))]
    assert offenders == []


def test_the_scan_sees_streamlit_where_it_is_used():
    assert any(m.split(".")[0] == "streamlit" for m in imported_modules(PROJECT_ROOT / "app.py"))
