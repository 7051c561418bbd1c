"""`tracker --self-test` from source; the pyinstaller bundle's --version and --self-test (slow)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRACKER_HOME=str(tmp_path / "home"))
    env.pop("DISPLAY", None)
    return env


def test_self_test_from_source(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tracker", "--self-test"], capture_output=True, text=True,
                            env=_env(tmp_path), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("self-test ok: imported 5 events")
    assert "chart 640x360" in result.stdout and "keyring:" in result.stdout
    assert "the same in 1 spawned worker," in result.stdout
    assert not (tmp_path / "home").exists()  # nothing of the user's is written


def test_self_test_names_the_failing_step(monkeypatch, tmp_path):
    from tracker import selftest

    monkeypatch.setattr("tracker.paths.resource_path", lambda *parts: tmp_path / "missing" / Path(*parts))
    with pytest.raises(selftest.SelfTestFailure) as failure:
        selftest.run()
    assert failure.value.step == "resources"
    assert selftest.main() == 1


@pytest.mark.slow
def test_bundle_builds_and_its_self_test_passes(tmp_path):
    if shutil.which("pyinstaller") is None and not (Path(sys.executable).parent / "pyinstaller").exists():
        pytest.skip("pyinstaller is not installed (pip install -e '.[build]')")
    pyinstaller = shutil.which("pyinstaller") or str(Path(sys.executable).parent / "pyinstaller")
    started = time.perf_counter()
    build = subprocess.run(
        [pyinstaller, str(REPO / "tracker.spec"), "--noconfirm", "--log-level", "WARN",
         "--workpath", str(tmp_path / "work"), "--distpath", str(tmp_path / "dist")],
        capture_output=True, text=True, cwd=REPO, timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    build_s = time.perf_counter() - started
    binary = tmp_path / "dist" / "tracker" / "tracker"
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, env=_env(tmp_path),
                             timeout=120)
    assert version.returncode == 0 and "tracker, version" in version.stdout
    started = time.perf_counter()
    result = subprocess.run([str(binary), "--self-test"], capture_output=True, text=True, env=_env(tmp_path),
                            timeout=300)
    self_test_s = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("self-test ok")
    assert "the same in 1 spawned worker," in result.stdout  # the executable ran as a parse worker (launcher.py)
    files = (tmp_path / "dist" / "tracker").rglob("*")
    size_mb = sum(f.lstat().st_size for f in files if f.is_file() and not f.is_symlink()) / 1e6
    print(f"bundle: built in {build_s:.0f} s, {size_mb:.0f} MB, self-test {self_test_s:.2f} s: {result.stdout.strip()}")
