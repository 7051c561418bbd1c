"""The value modules keep to the direction of dependencies (DESIGN.md section 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import tracker

ROOT = Path(tracker.__file__).parent
SERVICES = ["services/tagging.py", "services/value.py", "services/roi.py", "services/forecast.py",
            "services/demo_value.py"]


def imports(relative: str) -> set[str]:
    tree = ast.parse((ROOT / relative).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_import_no_qt_and_run_no_sql():
    for module in SERVICES:
        found = imports(module)
        assert not {n for n in found if n.split(".")[0] in ("PySide6", "pyqtgraph", "sqlite3", "sqlite_utils")}, module
        assert not {n for n in found if n.startswith(("tracker.gui", "tracker.commands", "tracker.cli"))}, module
        assert "SELECT " not in (ROOT / module).read_text() and "UPDATE " not in (ROOT / module).read_text()


def test_value_page_talks_to_services_only():
    found = imports("gui/pages/value_page.py")
    assert not {n for n in found if n.startswith("tracker.storage") or n.split(".")[0] in ("sqlite3", "sqlite_utils")}
    assert "SELECT " not in (ROOT / "gui/pages/value_page.py").read_text()


def test_command_module_imports_no_qt():
    found = imports("commands/value_cmd.py")
    assert not {n for n in found if n.split(".")[0] in ("PySide6", "pyqtgraph") or n.startswith("tracker.gui")}
