"""Start at login, for real on each platform.

Linux: an XDG autostart entry in $XDG_CONFIG_HOME/autostart (default
~/.config/autostart). macOS: a LaunchAgent plist in ~/Library/LaunchAgents.
Windows: a value under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import sys
from pathlib import Path

APP_ID = "tracker"
DESKTOP_FILE = "tracker.desktop"
LAUNCH_AGENT_LABEL = "org.tracker.app"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command() -> list[str]:
    """How to start the tray app at login (in the tray, no window): the bundle, or this Python with -m tracker."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--background"]
    return [sys.executable, "-m", "tracker", "--background"]


def _platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def xdg_autostart_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart" / DESKTOP_FILE


def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"


def desktop_entry(command: list[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Tracker\n"
        "Comment=What your AI usage costs\n"
        f"Exec={shlex.join(command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_enabled(platform: str | None = None) -> bool:
    platform = platform or _platform()
    if platform == "linux":
        return xdg_autostart_path().exists()
    if platform == "macos":
        return launch_agent_path().exists()
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.QueryValueEx(key, APP_ID)
        return True
    except OSError:
        return False


def set_enabled(enabled: bool, platform: str | None = None, command: list[str] | None = None) -> Path | str:
    """Write or remove the login item; returns where it lives."""
    platform = platform or _platform()
    command = command or launch_command()
    if platform == "linux":
        path = xdg_autostart_path()
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(desktop_entry(command), encoding="utf-8")
        else:
            path.unlink(missing_ok=True)
        return path
    if platform == "macos":
        path = launch_agent_path()
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                plistlib.dump({"Label": LAUNCH_AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True}, fh)
        else:
            path.unlink(missing_ok=True)
        return path
    import winreg  # type: ignore[import-not-found]

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        if enabled:
            winreg.SetValueEx(key, APP_ID, 0, winreg.REG_SZ, subprocess_line(command))
        else:
            try:
                winreg.DeleteValue(key, APP_ID)
            except FileNotFoundError:
                pass
    return f"HKCU\\{RUN_KEY}\\{APP_ID}"


def subprocess_line(command: list[str]) -> str:
    import subprocess

    return subprocess.list2cmdline(command)
