"""The direction of dependencies in DESIGN.md section 3, enforced.

Walks every module's imports (including imports inside functions) with ast.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tracker"

QT = {"PySide6", "pyqtgraph", "shiboken6"}
HTTP = {"requests", "urllib3", "httpx", "http", "urllib", "aiohttp"}
SQL = {"sqlite3", "sqlite_utils"}
# Another application's SQLite database (an agent's own store) is external input, read-only, through one module.
FOREIGN_SQL = {Path("sources/foreign_db.py")}

# Which tracker layers each layer may import (own layer always allowed).
ALLOWED = {
    "core": set(),
    "paths": {"core"},
    "log": {"core", "paths"},
    "storage": {"core", "paths"},
    "pricing": {"core", "paths"},
    "net": {"core"},
    "credentials": {"core", "paths"},
    "sources": {"core", "net", "credentials", "paths"},
    "services": {"core", "paths", "log", "storage", "pricing", "net", "credentials", "sources"},
    "commands": {"core", "paths", "log", "services", "cli_format", "credentials", "gui"},
    "cli_format": {"core"},
    "cli": {"commands", "core", "selftest"},
    "gui": {"core", "paths", "log", "services"},
    "__main__": {"quick"},
    # the entry point: a few read-only answers without the app (core, paths, storage.quick, the import's
    # stat check), the import of changed logs without click (commands.import_run), else the full command line
    "quick": {"cli", "cli_format", "commands", "core", "paths", "services", "sources", "storage"},
    "selftest": {"core", "paths", "log", "services", "storage", "pricing", "gui", "credentials"},
}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if rel.parts else ""


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (annotations only, never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", None) == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            if node.module == "tracker":
                for alias in node.names:
                    yield f"tracker.{alias.name}", node.lineno


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def violations():
    found = []
    for path in MODULES:
        layer = layer_of(path)
        rel = path.relative_to(PACKAGE.parent)
        for name, line in imports(path):
            top = name.split(".")[0]
            where = f"{rel}:{line} imports {name}"
            if top in QT and layer != "gui":
                found.append(f"{where}: Qt belongs in tracker/gui only")
            if top in HTTP and not (layer == "net" or layer == "sources"):
                found.append(f"{where}: HTTP belongs in tracker/net.py and tracker/sources only")
            if top in SQL and layer != "storage" and path.relative_to(PACKAGE) not in FOREIGN_SQL:
                found.append(f"{where}: SQL belongs in tracker/storage only")
            if layer == "core" and top not in sys.stdlib_module_names and not name.startswith("tracker.core"):
                found.append(f"{where}: tracker/core is standard library only")
            if top == "tracker" and name != "tracker":
                target = name.split(".")[1]
                if not target.startswith("__") and target != layer and target not in ALLOWED.get(layer, set()):
                    found.append(f"{where}: layer '{layer}' may not import '{target}'")
    return found


def test_modules_found():
    assert len(MODULES) > 20


def test_dependency_direction():
    assert violations() == []


def test_every_layer_is_known():
    unknown = {layer_of(p) for p in MODULES} - set(ALLOWED) - {"__init__", "__main__"}
    assert not unknown, f"new top-level module(s) {unknown}: add them to ALLOWED with their rules"


STDLIB_OR_DEPS = set(sys.stdlib_module_names) | {"keyring", "requests", "click", "platformdirs", "orjson",
                                                  "pyqtgraph", "sqlite_utils", "genai_prices", "PySide6"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_shadows_stdlib_or_a_dependency(path):
    # pyinstaller puts the package folder on sys.path: tracker/http.py would shadow http.
    assert path.stem not in STDLIB_OR_DEPS or path.stem in {"__init__", "__main__"}
