"""The layers under the UI never import reflex; services neither commit nor read the clock;
mail/ imports no service."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "app"
LAYERS = ["domain", "services", "models", "mail"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_does_not_import_reflex(layer):
    files = list((ROOT / layer).rglob("*.py"))
    assert files, f"app/{layer} has no modules"
    offenders = [str(f.relative_to(ROOT)) for f in files
                 if _imports(f) & {"reflex", "reflex_base"}]
    assert offenders == []


def test_the_check_would_catch_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom reflex import State\n")
    assert "reflex" in _imports(bad)


def _modules(path: Path) -> set[str]:
    """Every module `path` imports, by full name (`from app.services import audit` gives
    app.services and app.services.audit)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _calls(path: Path) -> set[str]:
    """The names called or referred to by attribute in `path`: `db.commit()` gives commit,
    `utcnow()` gives utcnow, `datetime.now` gives now."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.add(node.func.id)
    return found


def test_mail_imports_no_service():
    offenders = {str(f.relative_to(ROOT)): sorted(m for m in _modules(f)
                                                  if m.startswith("app.services"))
                 for f in (ROOT / "mail").rglob("*.py")}
    assert {f: m for f, m in offenders.items() if m} == {}


def test_no_service_commits_the_callers_transaction():
    offenders = [str(f.relative_to(ROOT)) for f in (ROOT / "services").rglob("*.py")
                 if "commit" in _calls(f)]
    assert offenders == []


def test_no_service_reads_the_wall_clock():
    clocks = {"utcnow", "now", "today", "time", "monotonic"}
    offenders = {str(f.relative_to(ROOT)): sorted(_calls(f) & clocks)
                 for f in (ROOT / "services").rglob("*.py")}
    assert {f: c for f, c in offenders.items() if c} == {}


def test_the_checks_would_catch_a_commit_a_clock_and_a_service_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from app.services import audit\nfrom app.models import utcnow\n"
                   "def f(db):\n    db.commit()\n    return utcnow()\n")
    assert "app.services.audit" in _modules(bad)
    assert {"commit", "utcnow"} <= _calls(bad)
