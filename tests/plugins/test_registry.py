"""The registry: the built-ins as declared, broken plug-ins skipped with a reason, the entry-point cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.plugins.conftest import install_example, write_distribution
from tracker.cli import main
from tracker.sources import registry

BUILTIN_KINDS = [name for name, _ in registry.BUILTIN]  # each built-in's entry-point name is its kind

REPO = Path(__file__).resolve().parents[2]


def test_the_built_ins_are_declared_in_pyproject_exactly_as_listed():
    """tracker's own entry points and the static list the registry loads without scanning metadata agree."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"][registry.GROUP] == dict(registry.BUILTIN)
    loaded = registry.load()
    assert list(loaded.sources)[:len(registry.BUILTIN)] == [name for name, _ in registry.BUILTIN]
    assert all(loaded.origins[kind].builtin for kind, _ in registry.BUILTIN)
    assert not loaded.problems


def test_the_installed_metadata_declares_the_built_ins():
    """What a scan finds for tracker itself is what BUILTIN lists (so the scan can leave it out)."""
    from importlib import metadata

    found = {ep.name: ep.value for ep in metadata.entry_points(group=registry.GROUP) if ep.dist.name == "tracker"}
    assert found == dict(registry.BUILTIN), "reinstall tracker (pip install -e .) after changing its entry points"


BROKEN = {
    "fails_to_import": "broken_plugin.fails:SOURCE",
    "not_a_source": "broken_plugin.wrong:SOURCE",
    "takes_codex": "broken_plugin.codex_again:SOURCE",
    "takes_a_provider": "broken_plugin.provider_kind:SOURCE",
    "no_such_module": "broken_plugin.missing:SOURCE",
}
MODULES = {
    "broken_plugin/__init__.py": "",
    "broken_plugin/fails.py": "raise RuntimeError('this plug-in needs a newer tracker')\n",
    "broken_plugin/wrong.py": "SOURCE = {'kind': 'dict_is_not_a_source'}\n",
    "broken_plugin/codex_again.py": (
        "from tracker.sources.agents.codex import SOURCE as CODEX\n"
        "SOURCE = CODEX\n"),
    "broken_plugin/provider_kind.py": (
        "import dataclasses\nfrom tracker.sources.agents.codex import SOURCE as CODEX\n"
        "SOURCE = dataclasses.replace(CODEX, kind='openai', name='Not OpenAI')\n"),
}


def test_broken_plugins_are_skipped_with_a_reason_and_the_import_goes_on(site, example_logs):
    install_example(site)
    write_distribution(site, "broken-plugin", "0.1", BROKEN, MODULES)
    loaded = registry.load()
    assert "example_agent" in loaded.sources and "openai" not in loaded.sources
    assert loaded.sources["codex"].name == "Codex CLI"  # the built-in, not the copy
    reasons = {p.entry_point.name: p.reason for p in loaded.problems}
    assert set(reasons) == set(BROKEN)
    assert reasons["fails_to_import"] == "RuntimeError: this plug-in needs a newer tracker"
    assert reasons["not_a_source"] == ("TypeError: broken_plugin.wrong:SOURCE is a dict, not a "
                                       "tracker.sources.plugin.AgentSource")
    assert reasons["takes_codex"].startswith("kind 'codex' is already taken by tracker.sources.agents.codex:SOURCE")
    assert reasons["takes_a_provider"] == "kind 'openai' is a provider account's: choose another"
    assert reasons["no_such_module"].startswith("ModuleNotFoundError: No module named 'broken_plugin.missing'")

    result = CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["by_source"]["example_agent"]["events_added"] == 3  # the working plug-in still imports
    assert doc["plugins_skipped"] == 5
    assert ("agent-log plug-in 'fails_to_import' (broken_plugin.fails:SOURCE, from broken-plugin 0.1) was skipped: "
            "RuntimeError: this plug-in needs a newer tracker") in doc["errors"]

    from tracker.services.context import open_context
    from tracker.services.sync import run_sync

    with open_context() as ctx:  # the tray's sync: its status says so, as for an unreadable folder
        assert run_sync(ctx, providers=False).errors == [
            "agent logs: 5 plug-ins could not be loaded, their agents' logs are missing (`tracker sources agents` "
            "says why)"]
    listed = CliRunner().invoke(main, ["sources", "agents", "--json"], catch_exceptions=False)
    skipped = json.loads(listed.output)["plugins_skipped"]
    assert [s["name"] for s in skipped] == sorted(BROKEN) and skipped[0]["distribution"] == "broken-plugin 0.1"
    text = CliRunner().invoke(main, ["sources", "agents"])
    assert "5 plug-ins skipped" in text.output
    assert "warning: agent-log plug-in 'not_a_source'" in text.output


def test_a_plugin_whose_reader_fails_loses_its_files_only(site, example_logs, tmp_path, monkeypatch):
    """The plug-in module loads, its reader module does not: each of its files is a file error, the others import."""
    import shutil

    write_distribution(site, "half-plugin", "2.0", {"half": "half_plugin:SOURCE"}, {
        "half_plugin/__init__.py": (
            "from tracker.sources.plugin import AgentSource\n"
            "from tracker.sources import discovery\n"
            "import os\n"
            "def roots(configured=None):\n"
            "    return discovery.unique_dirs(configured or discovery.env_list('HALF_HOME'))\n"
            "def discover(configured=None, unreadable=None):\n"
            "    return [s for r in roots(configured) for s in discovery.walk_files(r, ('.log',), unreadable)]\n"
            "SOURCE = AgentSource(kind='half', name='Half Agent', places=(), roots=roots, discover=discover,\n"
            "                     parse='half_plugin.reader:parse')\n"),
        "half_plugin/reader.py": "import a_module_nobody_installed\n",
    })
    half = tmp_path / "half"
    half.mkdir()
    (half / "one.log").write_text("x\n")
    monkeypatch.setenv("HALF_HOME", str(half))
    shutil.copy(example_logs / "s2.json", example_logs / "s2-copy.json")  # more files of the working plug-in
    install_example(site)
    doc = json.loads(CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False).output)
    assert doc["files_failed"] == 1 and doc["lines_skipped"]["file_error"] == 1
    assert doc["errors"] == [f"{half / 'one.log'}: ModuleNotFoundError: No module named 'a_module_nobody_installed'"]
    assert doc["by_source"]["example_agent"]["events_added"] == 3  # s2-copy holds s2's message: one row
    again = json.loads(CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False).output)
    assert again["files_failed"] == 1  # no cursor was written: it is tried again


def test_a_plugin_that_raises_while_looking_is_reported(site):
    write_distribution(site, "blind-plugin", "1.0", {"blind": "blind_plugin:SOURCE"}, {
        "blind_plugin/__init__.py": (
            "from tracker.sources.plugin import AgentSource\n"
            "def roots(configured=None):\n"
            "    raise PermissionError(13, 'Permission denied', '/secret')\n"
            "def discover(configured=None, unreadable=None):\n"
            "    roots(configured)\n"
            "SOURCE = AgentSource(kind='blind', name='Blind Agent', places=(), roots=roots, discover=discover,\n"
            "                     parse='blind_plugin:nothing')\n"),
    })
    doc = json.loads(CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False).output)
    assert doc["errors"] == ["Blind Agent: could not look for its logs: PermissionError: [Errno 13] Permission denied: "
                             "'/secret'"]
    agents = json.loads(CliRunner().invoke(main, ["sources", "agents", "--json"]).output)["agents"]
    blind = [a for a in agents if a["kind"] == "blind"][0]
    assert blind["found"] is False and blind["problems"][0].startswith("could not work out its folders: PermissionError")


# -- the cache of third-party entry points ------------------------------------------
def _probe(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps({'kinds': list(registry.sources()), "
                          "'metadata': 'importlib.metadata' in sys.modules}))"],
                         capture_output=True, text=True, env=env, cwd=REPO, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_entry_point_scan_is_cached_until_a_package_is_installed(tmp_path):
    """importlib.metadata costs ~25 ms to import and a few ms to scan: a run with the same packages reads the
    cache instead; installing a package (a new *.dist-info in a folder on the path) is noticed."""
    folder = tmp_path / "site"
    folder.mkdir()
    env = dict(os.environ, PYTHONPATH=str(folder))
    load = "from tracker.sources import registry"
    old = time.time() - 60  # as if installed a while ago (a folder changed within SETTLE_S is not trusted)
    install_example(folder)
    os.utime(folder, (old, old))
    first = _probe(load, env)
    assert first == {"kinds": BUILTIN_KINDS + ["example_agent"], "metadata": True}
    cache = Path(os.environ["TRACKER_HOME"]) / "cache" / registry.CACHE_NAME
    assert json.loads(cache.read_text())["entry_points"] == [
        ["example_agent", "tracker_example_source:SOURCE", "tracker-example-source 1.0.0"]]
    assert (cache.stat().st_mode & 0o777) == 0o600
    assert _probe(load, env) == {"kinds": first["kinds"], "metadata": False}  # from the cache

    write_distribution(folder, "later-plugin", "1.0", {"later": "tracker_example_source:SOURCE"})
    seen = _probe(load, env)
    assert seen["metadata"] is True  # the folder changed: scanned again (the copy's kind is taken: skipped)
    assert json.loads(cache.read_text())["folders"] is not None

    os.utime(folder, (old, old))
    _probe(load, env)  # settled: kept in the cache again
    env_without = dict(os.environ)  # the package's folder leaves the path: its plug-in is not offered from the cache
    # (scanned again; with only the built-ins declared, without importlib.metadata: _only_builtins_declared)
    assert _probe(load, env_without) == {"kinds": BUILTIN_KINDS, "metadata": False}
    assert json.loads(cache.read_text())["entry_points"] == []


def test_with_only_the_built_ins_declared_the_scan_needs_no_importlib_metadata(site):
    """Reading the entry_points.txt files tells that no package but tracker declares a source (~1 ms, where
    importlib.metadata takes ~35 ms of a first import); whatever it cannot tell so simply, importlib.metadata does."""
    from importlib import metadata

    def by_importlib() -> bool:
        builtin = {value for _, value in registry.BUILTIN}
        return all(ep.value in builtin for ep in metadata.entry_points(group=registry.GROUP))

    assert registry._only_builtins_declared() is True is by_importlib()
    assert registry._scan()[0] == []
    # a package with entry points of other groups only, and one declaring a built-in again: still only built-ins
    other = write_distribution(site, "other-tool", "2.0", {})
    (other / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n\n# a comment\n", encoding="utf-8")
    write_distribution(site, "again", "1.0", {"claude_code": dict(registry.BUILTIN)["claude_code"]})
    assert registry._only_builtins_declared() is True is by_importlib()
    # a third-party source: importlib.metadata decides, and finds it
    write_distribution(site, "third-party", "1.0", {"third": "third_party:SOURCE"})
    assert registry._only_builtins_declared() is False is by_importlib()
    assert [(ep.name, ep.value) for ep in registry._scan()[0]] == [("third", "third_party:SOURCE")]


def test_what_the_quick_look_cannot_read_goes_to_importlib_metadata(site, tmp_path, monkeypatch):
    assert registry._only_builtins_declared() is True
    broken = write_distribution(site, "odd", "1.0", {})
    (broken / "entry_points.txt").write_text(f"[{registry.GROUP}]\nno equals sign here\n", encoding="utf-8")
    assert registry._only_builtins_declared() is False  # (importlib.metadata would raise on it: its verdict)
    (broken / "entry_points.txt").write_bytes(b"[" + registry.GROUP.encode() + b"]\nx = \xff\n")
    assert registry._only_builtins_declared() is False
    (broken / "entry_points.txt").write_text("[console_scripts]\nno equals sign here\n", encoding="utf-8")
    assert registry._only_builtins_declared() is False  # importlib.metadata raises on any section's line
    (broken / "entry_points.txt").write_text("before any section, ignored\n[console_scripts]\nodd = odd:main\n",
                                             encoding="utf-8")
    assert registry._only_builtins_declared() is True
    (broken / "entry_points.txt").unlink()
    assert registry._only_builtins_declared() is True
    archive = tmp_path / "packages.zip"  # a zip on the path may hold metadata too
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.syspath_prepend(str(archive))
    assert registry._only_builtins_declared() is False


def test_an_import_with_nothing_new_loads_no_reader(tmp_path):
    """Readers (and the libraries they use) are imported only when a file of their agent changed."""
    env = dict(os.environ)
    projects = Path(env["HOME"]) / ".claude" / "projects" / "p"
    projects.mkdir(parents=True)
    (projects / "s.jsonl").write_text('{"type":"user","message":{"role":"user","content":"hi"}}\n')
    code = ("from click.testing import CliRunner\nfrom tracker.cli import main\n"
            "r = CliRunner().invoke(main, ['import', '--json'])\nassert r.exit_code == 0, r.output\n"
            "import sys, json\nprint(json.dumps(sorted(sys.modules)))")

    def loaded() -> set[str]:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO,
                             check=True).stdout
        return set(json.loads(out.strip().splitlines()[-1]))

    first = loaded()
    assert "tracker.sources.claude_code" in first  # not vacuous: a changed file loads its reader
    nothing_new = loaded()
    assert "tracker.sources.registry" in nothing_new and "tracker.sources.agents.claude_code" in nothing_new
    readers = {f"tracker.sources.{kind}" for kind in ("claude_code", "codex", "gemini_cli", "goose", "opencode",
                                                      "amp")} | {
               "tracker.sources.logfiles", "tracker.sources.claude_lines", "msgspec", "tracker.storage.bulk",
               "importlib.metadata"}
    assert readers & nothing_new == set()


def test_two_packages_may_choose_one_entry_point_name(site):
    """Entry-point names are the packages' own business: both load; only a kind must be unique."""
    module = ("import dataclasses\nfrom tracker.sources.agents.codex import SOURCE as CODEX\n"
              "SOURCE = dataclasses.replace(CODEX, kind='{kind}', name='{kind}')\n")
    write_distribution(site, "first-agent", "1.0", {"agent": "first_agent:SOURCE"},
                       {"first_agent/__init__.py": module.format(kind="first_agent")})
    write_distribution(site, "second-agent", "1.0", {"agent": "second_agent:SOURCE"},
                       {"second_agent/__init__.py": module.format(kind="second_agent")})
    loaded = registry.load()
    assert {"first_agent", "second_agent"} <= set(loaded.sources) and not loaded.problems
    assert loaded.origins["second_agent"].distribution == "second-agent 1.0"


def test_the_quick_looks_finders_are_the_built_in_sources_kinds_and_discover_functions(monkeypatch):
    """registry.builtin_finders (what `tracker import` with nothing new walks with) takes each built-in
    module's KIND and module-level discover without building SOURCE: the very kind and function of its SOURCE."""
    monkeypatch.setattr(registry, "_third_party_entry_points", lambda rescan: [])
    registry.forget()
    finders = registry.builtin_finders()  # from the modules (nothing loaded in this process yet)
    loaded = registry.load()
    assert [kind for kind, _ in finders] == BUILTIN_KINDS == list(loaded.sources)
    assert all(discover is loaded.sources[kind].discover for kind, discover in finders)
    assert registry.builtin_finders() == finders  # from the registry built since
    registry.forget()


def test_with_a_third_party_plug_in_the_quick_look_has_no_finders_of_its_own(monkeypatch):
    """A third-party plug-in's discovery is in its SOURCE: the quick look then loads every source as the
    import does (and a plug-in that does not load is the full command's to report)."""
    monkeypatch.setattr(registry, "_third_party_entry_points",
                        lambda rescan: [registry.EntryPoint("other", "tests.plugins.other_agent:SOURCE", "o 1")])
    registry.forget()
    try:
        assert registry.builtin_finders() is None
        registry.load()
        assert registry.builtin_finders() is None  # nor from the registry built since
    finally:
        registry.forget()


def test_a_built_in_module_builds_its_source_the_first_time_it_is_asked_for():
    """A built-in plug-in module imports without the plug-in classes (dataclasses, inspect); SOURCE (and pi's
    PRICING, which OpenClaw's uses) is built on first use, once; other names are not there."""
    code = (
        "import sys\n"
        "from tracker.sources.agents import claude_code, openclaw, pi\n"
        "assert 'tracker.sources.plugin' not in sys.modules and 'dataclasses' not in sys.modules\n"
        "source = claude_code.SOURCE\n"
        "assert 'tracker.sources.plugin' in sys.modules\n"
        "assert claude_code.SOURCE is source and source.discover is claude_code.discover\n"
        "from tracker.sources.agents.pi import PRICING\n"
        "assert openclaw.SOURCE.pricing is PRICING is pi.SOURCE.pricing\n"
        "try:\n"
        "    claude_code.NOT_DECLARED\n"
        "except AttributeError as exc:\n"
        "    assert 'NOT_DECLARED' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
