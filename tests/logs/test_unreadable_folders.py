"""A log folder that cannot be listed is counted and named, not skipped without a word (issue #24, item 5).

Real permissions in a real subprocess: as root (who reads anything), the
command runs without the capabilities that let root ignore them (setpriv).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.logs.conftest import claude_line

REPO = Path(__file__).resolve().parents[2]
WITHOUT_ROOTS_PASS = ["setpriv", "--inh-caps=-dac_read_search,-dac_override",
                      "--bounding-set=-dac_read_search,-dac_override"]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def as_a_user(args: list[str], env: dict) -> subprocess.CompletedProcess:
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("as root, permissions need setpriv (util-linux) to apply")
        prefix = WITHOUT_ROOTS_PASS
    return subprocess.run([*prefix, sys.executable, *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_an_unreadable_log_folder_is_named_in_the_report_the_cli_and_the_sync_status(logs, tmp_path):
    logs.write(logs.claude_projects / "-readable" / "s.jsonl", [claude_line(msg_id="m1", req_id="r1")])
    locked = logs.claude_projects / "-locked"
    logs.write(locked / "s.jsonl", [claude_line(msg_id="m2", req_id="r2")])
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "QT_QPA_PLATFORM": "offscreen"}
    os.chmod(locked, 0)
    try:
        done = as_a_user(["-m", "tracker", "import", "--json"], env)
        assert done.returncode == 0, done.stdout + done.stderr
        doc = json.loads(done.stdout)
        assert doc["events_added"] == 1 and doc["folders_unreadable"] == [str(locked)]
        assert any(str(locked) in e and "cannot read this folder" in e for e in doc["errors"]), doc["errors"]

        text = as_a_user(["-m", "tracker", "import"], env)
        assert f"warning: {locked}: cannot read this folder (Permission denied)" in text.stderr, text.stderr

        synced = as_a_user(["-m", "tests.reliability.gui_sync"], env)  # the tray app's sync: its status errors
        status = json.loads(synced.stdout)["errors"]
        assert any("1 folder could not be read" in e and str(locked) in e for e in status), status
    finally:
        os.chmod(locked, 0o700)
    again = json.loads(as_a_user(["-m", "tracker", "import", "--json"], env).stdout)
    assert again["events_added"] == 1 and again["folders_unreadable"] == [] and again["errors"] == []
