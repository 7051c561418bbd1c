"""Before Qt starts on X11: can its xcb platform plugin load? If not, name what is missing.

Qt aborts the whole process (exit 134) when its platform plugin cannot load, with a
message that blames `libxcb-cursor0` whatever is really missing. Loading the plugin
ourselves with the dynamic loader first gives the real culprit: `ldd` lists every
missing library at once; without `ldd`, dlopen's error names the first.

Imports no Qt: it runs before the QApplication exists.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Debian names a library's package after its soname (libxcb-icccm.so.4 -> libxcb-icccm4, with a
# dash when the name ends in a digit: libxkbcommon-x11.so.0 -> libxkbcommon-x11-0); these do not.
PACKAGE_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgcc_s.so.1": "libgcc-s1",
    "libGLdispatch.so.0": "libglvnd0",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
}
LDD_TIMEOUT_S = 10
SONAME = re.compile(r"^(?P<name>lib[\w.+-]*?)\.so\.(?P<version>[\d.]+)$")
MISSING_IN_LDD = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
LOADER_ERROR = re.compile(r"(?P<path>\S*lib[\w.+-]*\.so[\d.]*): (?P<reason>.+)$")
NOT_FOUND = "cannot open shared object file"


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a library, by Debian's naming policy."""
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    match = SONAME.match(soname)
    if not match:
        return soname
    name, version = match["name"].lower(), match["version"].split(".")[0]
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def xcb_plugin_path() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations)), "Qt", "plugins", "platforms", "libqxcb.so")
    return plugin if plugin.exists() else None


def uses_xcb(environ=os.environ) -> bool:
    """Will Qt pick its xcb plugin? (Linux/BSD with an X display and no other platform asked for.)"""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    # Qt 6 picks Wayland in a Wayland session (and falls back to xcb by itself)
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def library_problems(plugin: Path) -> dict[str, str | None]:
    """{soname: the loader's complaint, or None for "not installed"} for what stops the plugin loading."""
    try:
        ctypes.CDLL(str(plugin))
        return {}
    except OSError as exc:
        loader_error = str(exc)
    named = LOADER_ERROR.search(loader_error)
    if named and NOT_FOUND not in named["reason"]:
        # the file is there but unusable (truncated, another architecture)
        return {Path(named["path"]).name: f"{named['path']}: {named['reason']}"}
    ldd = shutil.which("ldd")
    if ldd:  # every missing library at once, where dlopen names only the first
        try:
            out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=LDD_TIMEOUT_S).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        listed = {name: None for name in MISSING_IN_LDD.findall(out) if "Qt6" not in name}
        if listed:
            return dict(sorted(listed.items()))
    if named:
        return {Path(named["path"]).name: None}
    return {plugin.name: loader_error}


def missing_library_message(environ=os.environ) -> str | None:
    """One sentence naming what to install, or None when Qt's xcb plugin can load (or is not used)."""
    if not uses_xcb(environ):
        return None
    plugin = xcb_plugin_path()
    if plugin is None:
        return None
    problems = library_problems(plugin)
    if not problems:
        return None
    if plugin.name in problems:  # the plugin itself: PySide6's files, not the system's
        return (f"The desktop app cannot open a window: Qt's X11 plugin does not load ({problems[plugin.name]}); "
                "reinstall PySide6 with `pip install --force-reinstall PySide6-Essentials`.")
    packages = " ".join(sorted(dict.fromkeys(debian_package(name) for name in problems)))
    broken = {name: reason for name, reason in problems.items() if reason is not None}
    if broken:
        named = ", ".join(f"{name} ({reason})" for name, reason in broken.items())
        return (f"The desktop app cannot open a window: Qt's X11 plugin cannot load {named}; "
                f"reinstall with `sudo apt-get install --reinstall {packages}`.")
    names = list(problems)
    named = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return (f"The desktop app cannot open a window: Qt's X11 plugin needs {named}, "
            f"{'which is' if len(names) == 1 else 'which are'} not installed; "
            f"install with `sudo apt-get install {packages}`.")
