"""The `tracker` command. Thin: parse options, call a service, format the result.

`tracker` with no subcommand starts the tray app; `--demo` runs anything over
the generated demo database, kept in its own state folder.
"""

from __future__ import annotations

import importlib
import sys

import click

from tracker import __version__
from tracker.commands import COMMANDS


class LazyGroup(click.Group):
    """A group whose subcommands come from a name -> "module:attribute" table.

    A command's module is imported when the command is looked up: when it
    runs, or for the group's --help (which lists every command's short help).
    Start-up then costs only what the command that runs needs.
    """

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(load_command(self.lazy_commands[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


def load_command(target: str) -> click.Command:
    module_name, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--demo", is_flag=True, help="Use a generated 90-day demo database (kept apart from real data).")
@click.option("--background", is_flag=True,
              help="Start in the tray without opening the dashboard (what start at login does).")
@click.option("--self-test", "self_test", is_flag=True,
              help="Check this installation end to end (temporary database, sample logs, pricing, chart, "
                   "keyring) and exit.")
@click.version_option(__version__, "--version", prog_name="tracker")
@click.pass_context
def main(ctx: click.Context, demo: bool, background: bool, self_test: bool) -> None:
    """Track what your AI usage costs, what it is worth, and where it could be cheaper.

    Run without a command to start the tray app (a dashboard window where the
    desktop has no system tray).
    """
    if self_test:
        from tracker.selftest import main as run_self_test

        sys.exit(run_self_test())
    from tracker.commands.base import AppState

    ctx.obj = AppState(demo=demo)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from tracker.commands.app import start_app

        sys.exit(start_app(ctx.obj, background=background))


if __name__ == "__main__":  # pragma: no cover
    main()
