"""Shared plumbing for commands: the lazily opened app context and error mapping."""

from __future__ import annotations

import functools
from datetime import date

import click

from tracker.core.timeutil import TimezoneError, parse_day
from tracker.paths import demo_paths, get_paths
from tracker.services.context import AppContext, StoreError, open_universe
from tracker.services.database import DatabaseError, describe_failure


class AppState:
    """What the group passes to every command; opens the store on first use."""

    def __init__(self, demo: bool = False):
        self.demo = demo
        self._context: AppContext | None = None

    @property
    def paths(self):
        return demo_paths() if self.demo else get_paths()

    def context(self) -> AppContext:
        if self._context is None:
            from tracker.log import setup_logging

            setup_logging(self.paths.ensure().log_path)
            self._context = open_universe(self.demo)
        return self._context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None


pass_state = click.make_pass_decorator(AppState, ensure=True)


def user_errors(func):
    """Turn the errors a user can fix into a one-line message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except UnicodeEncodeError as exc:  # (a ValueError) bytes a terminal passed that are not UTF-8 text
            text = exc.object if isinstance(exc.object, str) else ""
            raise click.ClickException(
                f"'{text.encode('utf-8', 'backslashreplace').decode()}' holds bytes that are not UTF-8 text: "
                "type it again, or check the terminal's encoding") from exc
        except (StoreError, TimezoneError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except (DatabaseError, OSError) as exc:  # a damaged file, a full disk, a read-only folder
            message = describe_failure(exc, get_paths())
            if message is None:
                raise
            raise click.ClickException(message) from exc

    return wrapper


class DayParam(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DAY = DayParam()
