"""One integration test against a real Secret Service (gnome-keyring under its own D-Bus session)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not (shutil.which("gnome-keyring-daemon") and shutil.which("dbus-run-session")),
                    reason="needs gnome-keyring-daemon and dbus-run-session")
def test_keys_round_trip_through_a_real_secret_service(tmp_path):
    script = Path(__file__).with_name("secret_service_check.py")
    result = subprocess.run(["dbus-run-session", "--", sys.executable, str(script), str(tmp_path)],
                            capture_output=True, text=True, timeout=90, cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TRACKER_HOME": str(tmp_path)})
    lines = result.stdout.splitlines()
    assert "problem: None" in lines, result.stdout + result.stderr
    assert "found: keyring True" in lines
    assert "deleted: True" in lines and "after: False" in lines
