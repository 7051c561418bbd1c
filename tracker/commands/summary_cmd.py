"""`tracker summary ...`: team summaries that only ever leave masked, and the team report."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from tracker.commands.base import AppState, pass_state, user_errors
from tracker.paths import write_private
from tracker.services import team
from tracker.services.team_keys import TeamKeyError
from tracker.services.team_merge import TeamChoiceError, merge_folder
from tracker.services.team_render import report_blocks, to_html, to_markdown
from tracker.services.team_summary import TeamSetupError, to_json_bytes


def team_errors(func):
    """Setup and keyring problems are user errors too (their text says how to fix them)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (TeamSetupError, TeamKeyError, TeamChoiceError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@click.group("summary")
def summary_group() -> None:
    """Team summaries: your figures leave only masked; the team sees sums of k or more members."""


@summary_group.command("export")
@click.option("--week", help="ISO week, e.g. 2026-W47 (default: the last complete week).")
@click.option("--preview", is_flag=True, help="Show readably what the masks hide (and the file, once shared).")
@click.option("--html", "as_html", is_flag=True, help="With --preview: HTML instead of Markdown.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here instead of printing it.")
@pass_state
@user_errors
@team_errors
def export_command(state: AppState, week, preview, as_html, out_file) -> None:
    """Your own figures for one week (tracker.team-values/1); nothing is sent, and they never leave as is."""
    if as_html and not preview:
        raise click.UsageError("--html goes with --preview (the figures themselves are JSON)")
    ctx = state.context()
    built = team.summary(ctx, week)
    if preview:
        click.echo(team.preview(built, "html" if as_html else "markdown",
                                team.recorded_contribution(ctx, built.week)), nl=False)
        return
    body = to_json_bytes(built.readable)
    if out_file:
        write_private(out_file, body)  # your own figures: private to you
        click.echo(f"Wrote {out_file} ({built.week}).")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    for note in built.notes:
        click.echo(f"note: {note}", err=True)


@summary_group.command("setup")
@click.option("--opt-in/--opt-out", default=None, help="Allow (or stop) sharing.")
@click.option("--folder", help="The team's folder (e.g. a synced team drive); '' clears.")
@click.option("--webhook", "webhook", is_flag=True,
              help="Set a webhook for published team reports (URL read from a hidden prompt or stdin).")
@click.option("--no-webhook", is_flag=True, help="Forget the webhook URL.")
@click.option("--format", "webhook_format", type=click.Choice(team.WEBHOOK_FORMATS),
              help="Webhook body: the report JSON, or Slack-compatible text.")
@click.option("--secret", is_flag=True, hidden=True)
@click.option("--secret-env", hidden=True)
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON (secrets never shown).")
@pass_state
@user_errors
@team_errors
def setup_command(state: AppState, opt_in, folder, webhook, no_webhook, webhook_format, secret, secret_env,
                  as_json) -> None:
    """Destinations and opt-in. The webhook URL is kept in keyring, never in the database."""
    if secret or secret_env:
        raise click.ClickException("a team no longer shares a secret phrase: whoever sets the team up runs "
                                   "`tracker summary team create` and gives you its team key; then run "
                                   "`tracker summary team join --team-key KEY`")

    def read_hidden(what: str) -> str:
        if sys.stdin.isatty():
            return click.prompt(what, hide_input=True)
        return sys.stdin.readline().strip()

    url = ...
    if no_webhook:
        url = None
    elif webhook:
        url = read_hidden("Webhook URL")
    ctx = state.context()
    settings = team.save_settings(ctx.store, opt_in=opt_in, folder=... if folder is None else folder,
                                  webhook_format=webhook_format, webhook_url=url)
    doc = settings.as_dict()
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"Sharing: {'on' if doc['opt_in'] else 'off'}")
    click.echo(f"Folder: {doc['folder'] or '—'}")
    click.echo(f"Webhook: {doc['webhook'] or '—'} ({doc['webhook_format']})")
    click.echo(f"Team: {doc['team_key'] or 'none yet (`tracker summary team create` or `... team join`)'}")


@summary_group.group("team")
def team_group() -> None:
    """Set a team up, join one, admit members, see where the weeks stand."""


def _print_settings(settings: dict) -> None:
    click.echo(f"Team key: {team.team_key_text(settings['team'])}")
    click.echo(f"Settings version {settings['version']} (from {settings['effective_week']}): k = {settings['k']}, "
               f"deadline {settings['deadline_hours']} h after each week, {len(settings['roster'])} member(s) "
               "on the roster")


@team_group.command("create")
@click.option("--folder", help="The team's folder (default: the one set with `summary setup --folder`).")
@click.option("--k", "k", type=click.IntRange(2, 1000), default=team.DEFAULT_K, show_default=True,
              help="Publish nothing drawn from fewer members than this.")
@click.option("--deadline-hours", type=click.IntRange(1, 14 * 24), default=team.DEFAULT_DEADLINE_HOURS,
              show_default=True, help="Hours after each week (UTC) until contributions close.")
@click.option("--category", "categories", multiple=True, help="A team category for ROI (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print the signed settings as JSON.")
@pass_state
@user_errors
@team_errors
def create_command(state: AppState, folder, k, deadline_hours, categories, as_json) -> None:
    """Set a team up in its folder, with you as founder and first member."""
    from tracker.services.team_summary import clean_category

    settings = team.create_team(state.context(), folder, k, deadline_hours,
                                tuple(dict.fromkeys(c for c in map(clean_category, categories) if c)))
    if as_json:
        click.echo(json.dumps(settings, indent=2))
        return
    _print_settings(settings)
    click.echo("Give the team key to your members (by a channel you trust): they run "
               "`tracker summary team join --team-key KEY`, then you run `tracker summary team admit`.")


@team_group.command("join")
@click.option("--team-key", "team_id", required=True,  # a fingerprint of a public key: an id, not a secret
              help="The team key whoever set the team up gave you.")
@click.option("--folder", help="The team's folder (default: the one set with `summary setup --folder`).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
@team_errors
def join_command(state: AppState, team_id, folder, as_json) -> None:
    """Ask to join a team: your public keys go to its folder; its founder admits you."""
    joined = team.join(state.context(), team_id, folder)
    if as_json:
        click.echo(json.dumps(joined.__dict__, indent=2))
        return
    click.echo(f"Joined team {team.team_key_text(joined.team)} as member {joined.member}.")
    click.echo("You are on the roster." if joined.on_roster else
               "Ask the founder to admit you (`tracker summary team admit`); tell them your member id above.")


@team_group.command("admit")
@click.option("--member", "members", multiple=True, help="Admit this member id (repeat).")
@click.option("--all", "admit_all", is_flag=True, help="Admit every member asking to join.")
@click.option("--remove", multiple=True, help="Take this member id off the roster (repeat).")
@click.option("--k", "k", type=click.IntRange(2, 1000), help="A new k for the team.")
@click.option("--deadline-hours", type=click.IntRange(1, 14 * 24), help="A new deadline.")
@click.option("--category", "categories", multiple=True, help="Replace the team categories (repeat).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
@team_errors
def admit_command(state: AppState, members, admit_all, remove, k, deadline_hours, categories, as_json) -> None:
    """Founder: sign new settings (admit members, remove some, change k); in effect from next week.

    Anyone who can write to the folder can ask to join: compare each member id with the member
    (`tracker summary team show` on their machine) before admitting it.
    """
    from tracker.services.team_summary import clean_category

    ctx = state.context()
    if admit_all and members:
        raise click.UsageError("give --member IDs or --all, not both")
    if not (admit_all or members or remove or k or deadline_hours or categories):
        pending = team.status(ctx)["pending_joins"]
        raise click.ClickException(
            ("Asking to join: " + ", ".join(pending) + ". Compare each id with the member, then admit with "
             "`--member ID` (or `--all`).") if pending else "Nobody is asking to join, and nothing to change.")
    settings = team.admit(ctx, None if admit_all else list(members), tuple(remove), k, deadline_hours,
                          tuple(dict.fromkeys(c for c in map(clean_category, categories) if c)) or None)
    if as_json:
        click.echo(json.dumps(settings, indent=2))
        return
    _print_settings(settings)


@team_group.command("show")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
@team_errors
def show_command(state: AppState, as_json) -> None:
    """The team as this install sees it: key, k, roster, requests to join, the last weeks."""
    doc = team.status(state.context())
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    if not doc["team"]:
        click.echo("Not in a team yet: `tracker summary team create` sets one up, `... team join` joins one.")
        return
    click.echo(f"Team key: {doc['team_key']}  (you: member {doc['member'] or '—'}"
               f"{', founder' if doc['founder'] else ''})")
    if doc["problem"]:
        click.echo(f"Problem: {doc['problem']}")
    s = doc["settings"]
    if s:
        click.echo(f"k = {s['k']}, deadline {s['deadline_hours']} h, {len(s['roster'])} on the roster "
                   f"(majority {s['threshold']}); you are {'on' if doc.get('on_roster') else 'not yet on'} it.")
    if doc["pending_joins"]:
        click.echo(f"Asking to join: {', '.join(doc['pending_joins'])}")
    for week in doc["weeks"]:
        click.echo(f"{week['week']}: {week['status']}{' — ' + week['detail'] if week['detail'] else ''}")


@summary_group.command("share")
@click.option("--week", help="Only this ISO week (default: every step due in the last weeks).")
@click.option("--force", is_flag=True, hidden=True, help="Kept for scripts: every step is taken once anyway.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_state
@user_errors
@team_errors
def share_command(state: AppState, week, force, as_json) -> None:
    """Take the steps due now: contribute masked, sign who took part, reveal shares of masks (opt-in)."""
    outcome = team.share(state.context(), week, force=force)
    if as_json:
        click.echo(json.dumps(outcome.as_dict(), indent=2))
    elif outcome.reason:
        click.echo(f"Nothing sent: {outcome.reason}.")
    elif not outcome.sent:
        click.echo("Nothing due now.")
    else:
        for s in outcome.sent:
            click.echo(f"{s.kind} {s.destination}: {'sent' if s.ok else 'FAILED'} — {s.detail}")
    if not outcome.ok:
        sys.exit(1)


@summary_group.command("history")
@click.option("--show", "show_id", type=int, help="Print the exact payload of one record.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@pass_state
@user_errors
def history_command(state: AppState, show_id, as_json) -> None:
    """What was written or posted, when, and where."""
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
@click.option("--team-key", "team_id", help="The team to report on (default: your team, or the folder's only one).")
@click.option("--k", "k", type=int, hidden=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (tracker.team-report/2).")
@click.option("--html", "as_html", is_flag=True, help="Print the report as HTML instead of Markdown.")
@pass_state
@user_errors
@team_errors
def merge_command(state: AppState, folder, team_id, k, as_json, as_html) -> None:
    """The team report: the published weeks of a team folder (sums of k or more members only)."""
    if k is not None:
        raise click.ClickException("k is not a merge option: it is the team's signed setting, the same for "
                                   "everyone who merges (the founder changes it with `tracker summary team admit --k N`)")
    chosen = team.parse_team_key(team_id) if team_id else team.load_settings(state.context().store).team
    report = merge_folder(folder, chosen)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        blocks = report_blocks(report)
        click.echo(to_html(blocks) if as_html else to_markdown(blocks), nl=False)
    for problem in report["problems"]:
        click.echo(f"not used: {problem['file']}: {problem['error']}", err=True)
