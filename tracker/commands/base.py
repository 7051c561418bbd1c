"""Shared plumbing for commands: the lazily opened app context and error mapping."""

from __future__ import annotations

import functools
from datetime import date

import click

from tracker.commands.state import AppState, user_error_message
from tracker.core.timeutil import TimezoneError, parse_day
from tracker.services.context import StoreError
from tracker.services.database import DatabaseError

pass_state = click.make_pass_decorator(AppState, ensure=True)


def user_errors(func):
    """Turn the errors a user can fix into a one-line message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, StoreError, TimezoneError, DatabaseError, OSError) as exc:
            message = user_error_message(exc)
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
