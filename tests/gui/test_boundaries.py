"""Qt stays in tracker/gui; the GUI reaches data through services, never storage, SQL or HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tracker"
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6")
GUI_FORBIDDEN = ("tracker.storage", "tracker.net", "tracker.sources", "tracker.credentials", "sqlite3",
                 "sqlite_utils", "requests")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, only for type checking) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in type_only) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in type_only))
    return found


def test_qt_is_imported_only_by_the_gui_package():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {module}"
        for path in PACKAGE.rglob("*.py") if "gui" not in path.relative_to(PACKAGE).parts
        for module, _ in _imports(path) if module.split(".")[0] in QT_MODULES
    ]
    assert offenders == []


def test_gui_uses_services_only():
    files = list((PACKAGE / "gui").rglob("*.py"))
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {module}"
        for path in files
        for module, type_only in _imports(path)
        if not type_only and any(module == f or module.startswith(f + ".") for f in GUI_FORBIDDEN)
    ]
    assert offenders == []
