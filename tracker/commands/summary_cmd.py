"""`tracker summary export|share|merge|setup|history`: anonymised weekly team summaries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tracker.commands.base import AppState, pass_state, user_errors
from tracker.paths import write_private
from tracker.services import team
from tracker.services.team_keys import TeamKeyError
from tracker.services.team_merge import DEFAULT_K, merge_folder
from tracker.services.team_render import report_blocks, to_html, to_markdown
from tracker.services.team_summary import TeamSetupError, team_fingerprint, to_json_bytes


def team_errors(func):
    """Setup and keyring problems are user errors too (their text says how to fix them)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (TeamSetupError, TeamKeyError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@click.group("summary")
def summary_group() -> None:
    """Anonymised weekly team summaries: preview, share (opt-in), merge a team folder."""


@summary_group.command("export")
@click.option("--week", help="ISO week, e.g. 2026-W47 (default: the last complete week).")
@click.option("--preview", is_flag=True, help="Show readably what would leave, then the exact JSON.")
@click.option("--html", "as_html", is_flag=True, help="With --preview: HTML instead of Markdown.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here instead of printing it.")
@pass_state
@user_errors
@team_errors
def export_command(state: AppState, week, preview, as_html, out_file) -> None:
    """Print (or write) this member's summary for one week; nothing is sent."""
    if as_html and not preview:
        raise click.UsageError("--html goes with --preview (the summary itself is JSON)")
    built = team.summary(state.context(), week)
    if preview:
        click.echo(team.preview(built, "html" if as_html else "markdown"), nl=False)
        return
    body = to_json_bytes(built.doc)
    if out_file:
        write_private(out_file, body)  # a summary names the team and the week: the user's to share
        click.echo(f"Wrote {out_file} ({built.doc['week']}).")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    for note in built.notes:
        click.echo(f"note: {note}", err=True)


@summary_group.command("setup")
@click.option("--opt-in/--opt-out", default=None, help="Allow (or stop) sharing.")
@click.option("--folder", help="Share into this folder (e.g. a synced team drive); '' clears.")
@click.option("--webhook", "webhook", is_flag=True, help="Set the webhook URL (read from a hidden prompt or stdin).")
@click.option("--no-webhook", is_flag=True, help="Forget the webhook URL.")
@click.option("--format", "webhook_format", type=click.Choice(team.WEBHOOK_FORMATS),
              help="Webhook body: the summary JSON, or Slack-compatible text.")
@click.option("--secret", "secret", is_flag=True, help="Set the team secret (hidden prompt or stdin).")
@click.option("--secret-env", help="Read the team secret from this environment variable.")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON (secrets never shown).")
@pass_state
@user_errors
@team_errors
def setup_command(state: AppState, opt_in, folder, webhook, no_webhook, webhook_format, secret, secret_env,
                  as_json) -> None:
    """Team secret, destinations and opt-in. Secrets are kept in keyring, never in the database."""
    import os

    def read_hidden(what: str) -> str:
        if sys.stdin.isatty():
            return click.prompt(what, hide_input=True)
        return sys.stdin.readline().strip()

    team_secret = None
    if secret_env:
        team_secret = os.environ.get(secret_env)
        if not team_secret:
            raise click.ClickException(f"the environment variable {secret_env} is not set")
    elif secret:
        team_secret = read_hidden("Team secret")
    url = ...
    if no_webhook:
        url = None
    elif webhook:
        url = read_hidden("Webhook URL")
    ctx = state.context()
    settings = team.save_settings(ctx.store, opt_in=opt_in, folder=... if folder is None else folder,
                                  webhook_format=webhook_format, webhook_url=url, team_secret=team_secret)
    doc = settings.as_dict()
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"Sharing: {'on' if doc['opt_in'] else 'off'}")
    click.echo(f"Folder: {doc['folder'] or '—'}")
    click.echo(f"Webhook: {doc['webhook'] or '—'} ({doc['webhook_format']})")
    click.echo(f"Team secret: {'set' if doc['team_secret_set'] else 'not set'}")


@summary_group.command("share")
@click.option("--week", help="ISO week (default: the last complete week).")
@click.option("--force", is_flag=True, help="Send again even where this week was already shared.")
@click.option("--json", "as_json", is_flag=True, help="Print what was sent as JSON.")
@pass_state
@user_errors
@team_errors
def share_command(state: AppState, week, force, as_json) -> None:
    """Send the week's summary to the configured folder and/or webhook (opt-in)."""
    outcome = team.share(state.context(), week, force=force)
    if as_json:
        click.echo(json.dumps(outcome.as_dict(), indent=2))
    elif outcome.reason:
        click.echo(f"Nothing sent: {outcome.reason}.")
    else:
        for s in outcome.sent:
            mark = "skipped" if s.skipped else ("sent" if s.ok else "FAILED")
            click.echo(f"{outcome.week} {s.kind} {s.destination}: {mark} — {s.detail}")
    if not outcome.ok:
        sys.exit(1)


@summary_group.command("history")
@click.option("--show", "show_id", type=int, help="Print the exact payload of one record.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@pass_state
@user_errors
def history_command(state: AppState, show_id, as_json) -> None:
    """What was sent, when, and where."""
    ctx = state.context()
    if show_id is not None:
        payload = team.sent_payload(ctx, show_id)
        if payload is None:
            raise click.ClickException(f"no share record {show_id}")
        click.echo(payload, nl=False)
        return
    rows = team.history(ctx)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("Nothing has been shared yet.")
    for r in rows:
        click.echo(f"#{r['id']} {r['sent_at']} {r['week']} {r['kind']} {r['destination']}: "
                   f"{'ok' if r['ok'] else 'failed'} — {r['detail']}")


@summary_group.command("merge")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--k", "k", type=click.IntRange(min=2), default=DEFAULT_K, show_default=True,
              help="Suppress any breakdown with fewer distinct members than this.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (tracker.team-report/1).")
@click.option("--html", "as_html", is_flag=True, help="Print the report as HTML instead of Markdown.")
@click.option("--any-team", is_flag=True, help="Do not require files to be from your own team.")
@pass_state
@user_errors
def merge_command(state: AppState, folder, k, as_json, as_html, any_team) -> None:
    """The team report from a folder of member summaries (aggregates only)."""
    expected = None
    if not any_team:
        from tracker.services import team_keys

        secret = team_keys.get(team_keys.TEAM_SECRET)
        expected = team_fingerprint(secret) if secret else None
    report = merge_folder(folder, k, expected)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        blocks = report_blocks(report)
        click.echo(to_html(blocks) if as_html else to_markdown(blocks), nl=False)
    for problem in report["problems"]:
        click.echo(f"not merged: {problem['file']}: {problem['error']}", err=True)
