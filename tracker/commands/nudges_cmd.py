"""`tracker nudges`: where a cheaper model would very likely have done, and what it would save."""

from __future__ import annotations

import click

from tracker import cli_format
from tracker.commands.base import AppState, pass_state, user_errors
from tracker.core.money import format_usd_short
from tracker.core.timeutil import from_ms
from tracker.services import nudges as service
from tracker.services.ladders import load_ladders


def _analysis(app):
    return service.analyse(app.store, app.pricer, app.zone(), ladders=load_ladders(app.paths.config_dir))


def _known_id(app, nudge_id: str) -> service.Nudge:
    analysis = _analysis(app)
    for nudge in analysis.nudges:
        if nudge.id == nudge_id:
            return nudge
    known = ", ".join(n.id for n in analysis.nudges) or "none right now"
    raise click.ClickException(f"No nudge with id {nudge_id!r}. Current ids: {known}.")


def _print_nudge(n: service.Nudge, zone) -> None:
    share = f"{float(n.share) * 100:.0f}%"
    head = f"[{n.status}] {n.id}"
    if n.snoozed_until_ms:
        head += f" (snoozed until {from_ms(n.snoozed_until_ms).astimezone(zone):%Y-%m-%d %H:%M})"
    click.echo(head)
    click.echo(f"  {n.model} -> {n.suggested_model} ({n.source}): about "
               f"{format_usd_short(n.weekly_savings_pico)}/week")
    if n.requests:
        evidence = n.as_dict(zone)["evidence"]
        counted = (f"{n.simple_sessions} of {n.sessions} sessions ({share}) were simple, every request in them "
                   f"({n.simple_requests} of {n.requests} requests)" if n.sessions else
                   f"{n.simple_requests} of {n.requests} requests ({share}) were simple ({n.basis})")
        click.echo(f"  Evidence: {counted} between {evidence['since']} and {evidence['until']}; they cost "
                   f"{format_usd_short(n.simple_cost_pico)}, on {n.suggested_model} "
                   f"{format_usd_short(n.counterfactual_cost_pico)}.")
        if n.unpriced_simple_requests:
            click.echo(f"  {n.unpriced_simple_requests} simple request(s) had no known price and are left out.")
        for ex in n.examples[:3]:
            click.echo(f"    {ex['time']}  {ex['project'] or '-'}  in {ex['input_tokens']}  "
                       f"cache-read {ex['cache_read_tokens']}  out {ex['output_tokens']}"
                       + ("  (average per request)" if ex.get("per_request_average") else ""))
    for model, weekly_pico in n.alternatives:
        click.echo(f"  Or {model}: about {format_usd_short(weekly_pico)}/week.")
    if n.follow_through is not None:
        f = n.follow_through
        realised = "not measured yet (less than a day since the switch)" if f.realised_weekly_pico is None \
            else f"{format_usd_short(f.realised_weekly_pico)}/week"
        click.echo(f"  Switched ({f.switched_by}) {from_ms(f.switched_at_ms).astimezone(zone):%Y-%m-%d}: realised "
                   f"{realised} (an estimate) against an estimate of {format_usd_short(f.estimated_weekly_pico)}/week.")
        if f.realised_weekly_pico is not None:
            click.echo(f"  Basis: {f.basis}.")
    click.echo(f"  How: {n.how_to_switch}")
    click.echo("")


@click.group("nudges", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print every nudge (all statuses) as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Also list dismissed and snoozed nudges.")
@click.pass_context
@user_errors
def nudges_command(ctx: click.Context, as_json: bool, show_all: bool) -> None:
    """Cheaper models for simple work, with your own evidence and estimated savings."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppState).context()
    zone = app.zone()
    analysis = _analysis(app)
    for warning in analysis.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(cli_format.to_json(service.to_json_doc(analysis, zone)))
        return
    shown = [n for n in analysis.nudges if show_all or n.status in ("open", "switched")]
    hidden = "" if show_all else hidden_text(analysis, zone)
    if not shown:
        s = analysis.settings
        if hidden:
            click.echo(f"No open nudges: {hidden}.")
        else:
            click.echo(f"No nudges: no model's simple sessions would save at least ${s.min_weekly_savings_usd}/week "
                       f"on a cheaper rung while being at least {s.min_simple_share_percent}% of its sessions "
                       f"(last {s.lookback_days} days).")
        _print_settling(analysis, zone)
        return
    for nudge in shown:
        _print_nudge(nudge, zone)
    if hidden:
        click.echo(f"Not shown: {hidden}.")
    _print_settling(analysis, zone)
    click.echo(service.DISCLAIMER)
    click.echo("Act with `tracker nudges dismiss ID`, `tracker nudges snooze ID --days N` or "
               "`tracker nudges switched ID`.")


def hidden_text(analysis: service.Analysis, zone) -> str:
    """"1 dismissed, 1 snoozed until 2026-11-09 (`tracker nudges --all` lists them)", or ""."""
    hidden = analysis.hidden()
    parts = []
    if hidden["dismissed"]:
        parts.append(f"{len(hidden['dismissed'])} dismissed")
    if hidden["snoozed"]:
        until = min(n.snoozed_until_ms for n in hidden["snoozed"] if n.snoozed_until_ms)
        parts.append(f"{len(hidden['snoozed'])} snoozed (the first back on "
                     f"{from_ms(until).astimezone(zone):%Y-%m-%d})")
    return ", ".join(parts) + " (`tracker nudges --all` lists them)" if parts else ""


def _print_settling(analysis: service.Analysis, zone) -> None:
    for source, model, until in analysis.settling:
        click.echo(f"{model} ({source}) was just switched to: no new nudge on it before "
                   f"{from_ms(until).astimezone(zone):%Y-%m-%d}.")


@nudges_command.command("dismiss")
@click.argument("nudge_id")
@pass_state
@user_errors
def dismiss_command(state: AppState, nudge_id: str) -> None:
    """Stop showing a nudge."""
    app = state.context()
    _known_id(app, nudge_id)
    service.dismiss(app.store, nudge_id)
    click.echo(f"Dismissed {nudge_id}.")


@nudges_command.command("snooze")
@click.argument("nudge_id")
@click.option("--days", type=click.IntRange(1, 3650), default=7, show_default=True, help="Days to hide it.")
@pass_state
@user_errors
def snooze_command(state: AppState, nudge_id: str, days: int) -> None:
    """Hide a nudge for a number of days."""
    app = state.context()
    _known_id(app, nudge_id)
    until = service.snooze(app.store, nudge_id, days)
    click.echo(f"Snoozed {nudge_id} until {from_ms(until).astimezone(app.zone()):%Y-%m-%d %H:%M}.")


@nudges_command.command("switched")
@click.argument("nudge_id")
@pass_state
@user_errors
def switched_command(state: AppState, nudge_id: str) -> None:
    """Record that you switched; realised savings are measured from now."""
    app = state.context()
    nudge = _known_id(app, nudge_id)
    service.mark_switched(app.store, nudge_id, nudge.weekly_savings_pico)
    click.echo(f"Noted: {nudge.model} -> {nudge.suggested_model}. `tracker nudges` will show realised savings "
               "against the estimate after a day or more.")


@nudges_command.command("set")
@click.argument("name")
@click.argument("value")
@pass_state
@user_errors
def set_command(state: AppState, name: str, value: str) -> None:
    """Change a threshold by NAME (listed in docs/nudges.md and in `--json`).

    Example: `tracker nudges set min_weekly_savings_usd 2`.
    """
    kept = service.set_setting(state.context().store, name, value)
    click.echo(f"nudges.{name} = {kept}")
