"""The `tracker` command. Thin: parse options, call a service, format the result.

`tracker` with no subcommand starts the tray app; `--demo` runs anything over
the generated demo database, kept in its own state folder.
"""

from __future__ import annotations

import sys

import click

from tracker import __version__
from tracker.commands import COMMANDS
from tracker.commands.base import AppState


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--demo", is_flag=True, help="Use a generated 90-day demo database (kept apart from real data).")
@click.option("--self-test", "self_test", is_flag=True,
              help="Check this installation end to end (temporary database, sample logs, pricing, chart, "
                   "keyring) and exit.")
@click.version_option(__version__, "--version", prog_name="tracker")
@click.pass_context
def main(ctx: click.Context, demo: bool, self_test: bool) -> None:
    """Track what your AI usage costs, what it is worth, and where it could be cheaper.

    Run without a command to start the tray app (a dashboard window where the
    desktop has no system tray).
    """
    if self_test:
        from tracker.selftest import main as run_self_test

        sys.exit(run_self_test())
    ctx.obj = AppState(demo=demo)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from tracker.commands.app import start_app

        sys.exit(start_app(ctx.obj))


for command in COMMANDS:
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
