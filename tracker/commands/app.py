"""Starting the GUI: imported only on the GUI path, so the CLI never loads Qt."""

from __future__ import annotations

import os
import sys

import click

from tracker.commands.base import AppState

NO_DISPLAY_HELP = (
    "No graphical display was found (DISPLAY and WAYLAND_DISPLAY are not set), so the tray app cannot "
    "open. On a desktop, start it from your session; on a headless machine, use the command line: "
    "`tracker{demo} report daily`, `tracker{demo} nudges`, `tracker import`, `tracker --help`."
)


def has_display() -> bool:
    """Linux and the BSDs need an X11 or Wayland session (or an explicit Qt platform such as offscreen)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def start_app(state: AppState, background: bool = False) -> int:
    if not has_display():
        # Qt would abort the process with a platform-plugin error instead.
        raise click.ClickException(NO_DISPLAY_HELP.format(demo=" --demo" if state.demo else ""))
    from tracker.gui.qt_libraries import missing_library_message

    missing = missing_library_message()
    if missing:  # Qt would abort (exit 134) naming the wrong library
        raise click.ClickException(missing)
    try:
        from tracker.gui.app import run
    except ImportError as exc:  # e.g. missing system Qt libraries
        raise click.ClickException(
            f"The desktop app cannot start: {exc}. The command-line reports still work (`tracker report daily`)."
        ) from exc
    return run(state, background=background)
