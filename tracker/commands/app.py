"""Starting the GUI: imported only on the GUI path, so the CLI never loads Qt."""

from __future__ import annotations

import click

from tracker.commands.base import AppState


def start_app(state: AppState) -> int:
    try:
        from tracker.gui.app import run
    except ImportError as exc:  # e.g. missing system Qt libraries
        raise click.ClickException(
            f"The desktop app cannot start: {exc}. The command-line reports still work (`tracker report daily`)."
        ) from exc
    return run(state)
