"""The layers under the UI never import reflex."""

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
