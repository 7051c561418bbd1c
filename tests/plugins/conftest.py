"""Installing agent-log source plug-ins for a test: a package's modules and its `*.dist-info` in a temporary folder.

That is what pip leaves in site-packages for a pure-Python package, and all
importlib.metadata (hence tracker.sources.registry) reads: a folder on the
Python path holding `<name>-<version>.dist-info/entry_points.txt`. Made by hand
it costs milliseconds and needs no build tools; test_third_party.py also
installs the example package with pip itself, once.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tracker.sources import registry

HERE = Path(__file__).resolve().parent
EXAMPLE_PACKAGE = HERE / "example_package"
EXAMPLE_LOGS = HERE / "data" / "example-agent"


def write_distribution(site: Path, name: str, version: str, entry_points: dict[str, str],
                       modules: dict[str, str] | None = None) -> Path:
    """A distribution in `site`: its modules ({"pkg/__init__.py": text}) and metadata with these entry points."""
    for rel, text in (modules or {}).items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    dist = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    lines = [f"[{registry.GROUP}]"] + [f"{ep} = {value}" for ep, value in entry_points.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dist


def install_example(site: Path) -> None:
    """The example package as pip would install it, from its own pyproject.toml (name, version, entry points)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((EXAMPLE_PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for package in ("tracker_example_source",):
        shutil.copytree(EXAMPLE_PACKAGE / package, site / package)
    write_distribution(site, project["name"], project["version"], project["entry-points"][registry.GROUP])


@pytest.fixture
def site(tmp_path, monkeypatch):
    """An empty folder at the front of the Python path; the plug-ins imported from it are forgotten after."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(folder)):
            del sys.modules[name]


@pytest.fixture
def example_installed(site):
    install_example(site)
    return site


@pytest.fixture
def example_logs(tmp_path, monkeypatch):
    """A copy of the example agent's logs, where its plug-in looks for them ($EXAMPLE_AGENT_HOME)."""
    home = tmp_path / "example-home"
    shutil.copytree(EXAMPLE_LOGS, home)
    monkeypatch.setenv("EXAMPLE_AGENT_HOME", str(home))
    return home / "sessions"
