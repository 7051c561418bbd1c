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


def budget_lines(states: list[dict]) -> list[str]:
    """One line per client budget, for `invoice list` and `invoice budgets`."""
    out = []
    for b in states:
        if b["problem"]:
            out.append(f"{b['client']}: budget {b['budget']} {b['currency']} a month; {b['problem']}")
            continue
        flag = {"over": "  OVER BUDGET", "warning": "  above 80%"}.get(b["state"], "")
        out.append(f"{b['client']}: {b['spent']} of {b['budget']} {b['currency']} in {b['month']} "
                   f"({b['pct']}%){flag}")
    return out


@click.command("budgets")
@click.option("--check", is_flag=True, help="Fire the 80%/100% alerts due (once per client and month) and post "
                                            "them to the webhook, if one is set.")
@click.option("--webhook", help="Post budget alerts to this URL too (kept in the keyring).")
@click.option("--no-webhook", is_flag=True, help="Stop posting budget alerts to a webhook.")
@click.option("--tz", help="Timezone of the month (default: configured).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def budgets(state: AppState, check, webhook, no_webhook, tz, as_json) -> None:
    """Each client's monthly AI budget: spent this month, and alerts at 80% and 100%."""
    from tracker.services import client_budgets

    app = state.context()
    if webhook or no_webhook:
        client_budgets.set_webhook(None if no_webhook else webhook)
        click.echo("Budget webhook " + ("removed." if no_webhook else "saved in the keyring."), err=as_json)
    fired = client_budgets.check_budgets(app.store, app.zone(tz)) if check else []
    states = client_budgets.budget_states(app.store, app.zone(tz))
    if as_json:
        click.echo(cli_format.to_json({"budgets": states, "alerts": fired}))
        return
    if not states:
        click.echo("No client has a monthly budget: `tracker invoice client set NAME --budget 500`.")
    for line in budget_lines(states):
        click.echo(line)
    for alert in fired:
        click.echo(f"ALERT: {alert['message']}" + (f" (webhook: {alert['webhook']})" if alert.get("webhook") else ""))


FOLLOWUP_COMMANDS = [remind, budgets]
