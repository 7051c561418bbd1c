"""`tracker invoice remind|budgets`: overdue invoices and the clients' monthly budgets."""

from __future__ import annotations

from pathlib import Path

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.commands.invoice_lines_cmd import _store, _write


@click.command("remind")
@click.argument("ref")
@click.option("--date", "day", type=DAY, help="The reminder's date (default: today).")
@click.option("--level", type=int, help="Export an earlier reminder again instead of making the next one.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default ./NUMBER-reminder-LEVEL.pdf; '-' for stdout).")
@pass_state
@user_errors
def remind(state: AppState, ref, day, level, output) -> None:
    """Make the next payment reminder for an overdue invoice (a PDF letter about the balance)."""
    from tracker.services import invoices_payments as payments

    store = _store(state)
    if level is not None:
        data, name = payments.reminder_pdf(store, ref, level)
    else:
        data, name, level = payments.send_reminder(store, ref, day)
        click.echo(f"Reminder {level} ({payments.reminder_title(level).lower()}) recorded.", err=output == Path("-"))
    _write(data, output or Path(name))


FOLLOWUP_COMMANDS = [remind]
