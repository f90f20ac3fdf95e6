"""Which module may import which: the domain never imports the views, the engine reads no database, and the
formatter and the kinds table stand on the message catalog alone."""

import ast
from fnmatch import fnmatch

import pytest

from tests.conftest import PROJECT_ROOT

# (modules the rule applies to, imports they must not make, except the modules listed last)
RULES = [
    ("monitor.*", ["streamlit*", "ui*", "pages*", "app"], []),
    ("monitor.assess.*", ["monitor.db", "monitor.store", "monitor.registry", "monitor.importer"],
     ["monitor.assess.store"]),
    ("monitor.formatting", ["monitor.*"], []),
    ("monitor.target_kinds", ["monitor.*"], []),
    ("monitor.i18n", ["monitor.*"], []),
]
# imports a module may make although a rule above names them (its own catalog, for example)
ALLOWED = {
    "monitor.formatting": {"monitor.i18n"},
    "monitor.target_kinds": {"monitor.i18n"},
}


def module_name(path, root=PROJECT_ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path, root=PROJECT_ROOT):
    """Absolute names of every module a file imports, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module
            # "from .. import store" / "from monitor import db" import modules: name them too
            yield from (f"{module}.{alias.name}" for alias in node.names)


def violations(root=PROJECT_ROOT):
    found = []
    for path in sorted((root / "monitor").rglob("*.py")):
        name = module_name(path, root)
        for applies, forbidden, exempt in RULES:
            if not fnmatch(name, applies) or name in exempt:
                continue
            for imported in set(imported_modules(path, root)):
                allowed = ALLOWED.get(name, set()) | {name}
                if any(imported == a or imported.startswith(a + ".") for a in allowed):
                    continue
                if any(fnmatch(imported, pattern) for pattern in forbidden):
                    found.append(f"{name} imports {imported}")
    return found


def test_every_module_imports_only_what_its_layer_may():
    assert violations() == []


def test_monitor_never_imports_streamlit():
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "monitor").rglob("*.py")
                 if any(m.split(".")[0] == "streamlit" for m in imported_modules(p))]
    assert offenders == []


def test_the_scan_sees_streamlit_where_it_is_used():
    assert any(m.split(".")[0] == "streamlit" for m in imported_modules(PROJECT_ROOT / "app.py"))


@pytest.mark.parametrize("source, expected", [
    ("from ..store import assessment_observations\n", "monitor.store"),
    ("from .. import store\n", "monitor.store"),
    ("from monitor import db\n", "monitor.db"),
])
def test_the_table_catches_the_engine_reading_the_database(tmp_path, source, expected):
    fake_root = tmp_path
    engine = fake_root / "monitor" / "assess" / "engine.py"
    engine.parent.mkdir(parents=True)
    (fake_root / "monitor" / "__init__.py").write_text("")
    (fake_root / "monitor" / "assess" / "__init__.py").write_text("")
    engine.write_text(source)
    assert f"monitor.assess.engine imports {expected}" in violations(fake_root)
