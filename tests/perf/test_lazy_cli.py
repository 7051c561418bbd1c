"""The CLI loads a command's module only when that command runs; the table stays complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
from click.testing import CliRunner

from tracker.cli import load_command, main
from tracker.commands import COMMANDS

# What a command that needs none of them must not pay for at start-up.
HEAVY = ("genai_prices", "sqlite_utils", "numpy", "requests", "pydantic", "fpdf", "PySide6")


def test_every_registered_command_loads_with_its_name_and_help():
    assert len(COMMANDS) >= 15
    for name, target in COMMANDS.items():
        command = load_command(target)
        assert isinstance(command, click.Command)
        assert command.name == name, f"{target} is the command {command.name!r}, registered as {name!r}"
        assert command.get_short_help_str().strip(), f"{name} has no help"


def test_the_table_is_every_command_the_group_knows():
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(COMMANDS)
    assert all(main.get_command(ctx, name) is not None for name in COMMANDS)
    assert main.get_command(ctx, "no-such-command") is None


def test_help_lists_every_command_with_its_short_help():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listing = result.output.split("Commands:", 1)[1]
    for name, target in COMMANDS.items():
        line = next((ln for ln in listing.splitlines() if ln.split()[:1] == [name]), None)
        assert line is not None, f"{name} missing from --help"
        first_words = load_command(target).get_short_help_str().split()[:2]
        assert " ".join(first_words) in line


def _modules_after(code: str) -> set[str]:
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_start_up_imports_no_command_module_and_no_heavy_library():
    loaded = _modules_after("import tracker.cli")
    assert "click" in loaded  # not vacuous: the probe does see imports
    assert not {m for m in loaded if m.startswith("tracker.commands.")}
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_running_one_command_loads_only_its_module():
    loaded = _modules_after(
        "from click.testing import CliRunner\nfrom tracker.cli import main\n"
        "r = CliRunner().invoke(main, ['paths', '--json'])\nassert r.exit_code == 0, r.output"
    )
    commands = {m for m in loaded if m.startswith("tracker.commands.")}
    assert "tracker.commands.paths_cmd" in commands
    assert not commands & {"tracker.commands.invoice_cmd", "tracker.commands.value_cmd",
                           "tracker.commands.summary_cmd", "tracker.commands.sources_cmd"}


def test_an_import_with_nothing_new_loads_no_parser_pricer_or_workers(tmp_path, monkeypatch):
    """What `tracker import` does not need when no log changed (it runs every poll, and from scripts)."""
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "GEMINI_CLI_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    first = subprocess.run([sys.executable, "-m", "tracker", "import"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr  # creates the store (migrations load sqlite-utils once)
    loaded = _modules_after(
        "from click.testing import CliRunner\nfrom tracker.cli import main\n"
        "r = CliRunner().invoke(main, ['import', '--json'])\nassert r.exit_code == 0, r.output\n"
        "assert '\"files_seen\": 0' in r.output, r.output"
    )
    assert "tracker.services.log_import" in loaded
    not_needed = {"genai_prices", "msgspec", "multiprocessing", "concurrent", "decimal", "csv", "hashlib"}
    assert not {m for m in loaded if m.split(".")[0] in not_needed | set(HEAVY)}


def test_what_forked_parse_workers_need_is_loaded_before_the_fork():
    """Each forked worker imported msgspec and the line decoders on its own (~10 ms a worker): the readers,
    loaded before the fork, bring them."""
    loaded = _modules_after(
        "import types\nfrom tracker.services import log_import\n"
        "log_import._load_before_fork([types.SimpleNamespace(kind='claude_code'), types.SimpleNamespace(kind='codex')])"
    )
    assert {"msgspec", "tracker.sources.claude_lines", "tracker.sources.codex_lines"} <= loaded
