"""`tracker plans ...` (subscription plans and what they are worth) and `tracker limits` (plan windows)."""

from __future__ import annotations

import sys
from datetime import date

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.core.timeutil import local_date, now_ms
from tracker.services import cost_basis, limits
from tracker.services import plans as service

CONSENT_QUESTION = (
    "Show your Claude plan's 5-hour and weekly windows? The tracker would read the login Claude Code keeps on "
    "this machine and ask Claude's usage endpoint (it never copies or logs the login). Allow"
)


def _today(app) -> date:
    return local_date(now_ms(), app.zone())


def interactive() -> bool:
    """A person at a terminal can answer a question (scripts and pipes are never asked)."""
    return sys.stdin.isatty()


def ask_claude_consent_once(app) -> None:
    """Ask once, in a terminal, whether Claude Code's login may be read (the answer is kept either way)."""
    if limits.claude_consent(app.store) is not None or app.demo or not interactive():
        return
    allowed = click.confirm(CONSENT_QUESTION, default=False)
    limits.set_claude_consent(app.store, allowed)
    click.echo("Claude windows on." if allowed else
               "Claude windows stay off (`tracker limits --claude-login on` turns them on).")


# -- plans ------------------------------------------------------------------------------------
@click.group("plans")
def plans_group() -> None:
    """Subscription plans (Claude Pro/Max, ChatGPT Plus/Pro, Google AI): what each agent's usage runs on.

    Usage a plan covers keeps its API-equivalent cost for analysis but is not money spent: spend,
    forecasts and reports leave it out, ROI counts it at its share of the plan's price.
    """


def _plan_dict(row, span, today: date) -> dict:
    """A plan as listed; `span` (services.plans.PlanSpan) says the days it really covers: a later plan of
    the same agent ends it the day before it starts."""
    return {"id": row.id, "agent": row.source, "plan": row.plan, "name": row.name, "monthly_price": row.monthly_price,
            "currency": row.currency, "since": row.since_day, "until": row.until_day,
            "covers_until": span.last.isoformat() if span and span.last else None,
            "running": bool(span and span.first <= today and (span.last is None or span.last >= today))}


@plans_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the plans as JSON.")
@pass_state
@user_errors
def plans_list(state: AppState, as_json: bool) -> None:
    """Your plans, per agent, with the days they cover."""
    app = state.context()
    today = _today(app)
    plans = service.list_plans(app.store)
    spans = {s.plan.id: s for s in service.plan_spans(plans)}
    rows = [_plan_dict(row, spans.get(row.id), today) for row in plans]
    if as_json:
        click.echo(cli_format.to_json({"plans": rows, "default": service.PAY_AS_YOU_GO_LABEL}))
        return
    if not rows:
        click.echo(f"No plans: every agent is on {service.PAY_AS_YOU_GO_LABEL}. Set one with "
                   "`tracker plans set --agent claude --plan claude-max-20x` (`tracker plans known` lists them).")
        return
    for doc in rows:
        doc["period"] = f"{doc['since']} to {doc['covers_until'] or 'now'}"
        doc["price"] = f"{doc['monthly_price']} {doc['currency']}/month"
        doc["state"] = "running" if doc["running"] else ""
    click.echo(cli_format.table(rows, [("id", "Id"), ("agent", "Agent"), ("name", "Plan"), ("price", "Price"),
                                       ("period", "Covers"), ("state", "")]))


@plans_group.command("known")
@click.option("--json", "as_json", is_flag=True, help="Print the known plans as JSON.")
@pass_state
@user_errors
def plans_known(state: AppState, as_json: bool) -> None:
    """Plans to pick from, with list prices (resources/plans.json, then your config/plans.json)."""
    known = service.load_known_plans(state.paths.config_dir)
    for warning in known.warnings:
        click.echo(f"warning: {warning}", err=True)
    rows = [{"id": p.id, "name": p.name, "agent": p.covers, "monthly_price": str(p.monthly_price),
             "currency": p.currency, "source": p.source_url, "note": p.note, "origin": p.origin}
            for p in known.plans.values()]
    if as_json:
        click.echo(cli_format.to_json({"checked": known.checked, "plans": rows}))
        return
    for row in rows:
        row["price"] = f"{row['monthly_price']} {row['currency']}"
    click.echo(cli_format.table(rows, [("id", "Id"), ("name", "Plan"), ("agent", "Agent"), ("price", "Per month")]))
    click.echo(f"\nList prices as of {known.checked or '?'} (sources: --json); yours may differ: set "
               f"--price, or add plans in {state.paths.config_dir / service.USER_PLANS_FILE}. "
               f"'{service.PAY_AS_YOU_GO}' = {service.PAY_AS_YOU_GO_LABEL}.")


@plans_group.command("set")
@click.option("--agent", required=True, help="The agent the plan pays for: claude (Claude Code), codex, gemini.")
@click.option("--plan", "plan", required=True,
              help=f"A known plan's id (`tracker plans known`), your own name with --price, or "
                   f"'{service.PAY_AS_YOU_GO}' ({service.PAY_AS_YOU_GO_LABEL}: ends the running plan).")
@click.option("--price", help="Monthly price (default: the known plan's list price).")
@click.option("--currency", help="Currency of the price (default: the known plan's, else USD).")
@click.option("--since", type=DAY, help="First day the plan pays for (local; default today).")
@click.option("--until", type=DAY, help="Last day (default: while it is set).")
@click.option("--name", help="A name to show instead of the known plan's.")
@pass_state
@user_errors
def plans_set(state: AppState, agent, plan, price, currency, since, until, name) -> None:
    """Set the plan an agent's usage runs on, from a day."""
    app = state.context()
    since = since or _today(app)
    known = service.load_known_plans(app.paths.config_dir)
    row = service.set_plan(app.store, agent, plan, since, until, price, currency, name, known)
    source = service.agent_source(agent)
    if row is None:
        click.echo(f"From {since} {source} is on {service.PAY_AS_YOU_GO_LABEL}.")
        return
    click.echo(f"Plan {row.id}: {row.name} ({row.monthly_price} {row.currency}/month) pays for {source} usage "
               f"from {row.since_day}{' to ' + row.until_day if row.until_day else ''}. That usage is left out of "
               "spend; `tracker plans value` shows what the plan is worth.")
    if source == "claude_code":
        ask_claude_consent_once(app)


@plans_group.command("remove")
@click.argument("plan_id", type=int)
@pass_state
@user_errors
def plans_remove(state: AppState, plan_id: int) -> None:
    """Remove a plan (its agent's usage counts as paid as it went again, for those days)."""
    service.remove_plan(state.context().store, plan_id)
    click.echo(f"Removed plan {plan_id}.")


@plans_group.command("value")
@click.option("--since", type=DAY, help="First month's day (local; default: the first plan's start).")
@click.option("--until", type=DAY, help="Last day (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
@user_errors
def plans_value(state: AppState, since, until, as_json) -> None:
    """Per plan and month: its price, the usage it covered at API prices, and the multiple."""
    app = state.context()
    zone = app.zone()
    until = until or _today(app)
    rows = service.list_plans(app.store)
    since = since or (min(date.fromisoformat(r.since_day) for r in rows) if rows else until.replace(day=1))
    if until < since:
        raise ValueError(f"--until {until} is before --since {since}")
    doc = cost_basis.plan_value_report(app.store, zone, since, until)
    if as_json:
        click.echo(cli_format.to_json(doc))
        return
    if not doc["months"]:
        click.echo("No plan covers these months: `tracker plans set` first.")
        return
    for row in doc["months"]:
        suffix = "" if row["complete"] else " (so far)"
        click.echo(f"{row['month']}{suffix}: {row['text']}.")
    totals = doc["totals"]
    if totals["multiple"] and len(doc["months"]) > 1:
        click.echo(f"\nAll these months: the plans cost {cli_format.usd_text(totals['price_usd'])} and covered "
                   f"{cli_format.usd_text(totals['api_equivalent_usd'])} of usage at API prices: {totals['multiple']}x.")


# -- limits ------------------------------------------------------------------------------------
@click.command("limits")
@click.option("--json", "as_json", is_flag=True, help="Print every window, block and the Claude login's status as JSON.")
@click.option("--history", "history_days", type=click.IntRange(0, 90), default=0,
              help="Also list each window's readings over the last N days (JSON).")
@click.option("--no-refresh", is_flag=True, help="Show what is stored; do not read new logs or ask Claude first.")
@click.option("--claude-login", type=click.Choice(["on", "off"]),
              help="Allow (on) or stop (off) reading Claude Code's login to show Claude's windows.")
@pass_state
@user_errors
def limits_command(state: AppState, as_json, history_days, no_refresh, claude_login) -> None:
    """Plan limit windows: used %, reset time and pace; 5-hour blocks where no window is reported."""
    app = state.context()
    zone = app.zone()
    if claude_login is not None:
        limits.set_claude_consent(app.store, claude_login == "on")
    elif not as_json:
        ask_claude_consent_once(app)
    if not no_refresh and not app.demo:
        from tracker.services.log_import import import_folders, import_logs, roots_with_folders

        roots, _ = roots_with_folders(import_folders(app.store))
        import_logs(app.store, lambda: app.pricer, roots=roots)
        limits.poll_claude(app.store, force=claude_login == "on")
    doc = limits.limits_report(app.store, zone, history_days=history_days)
    if as_json:
        click.echo(cli_format.to_json(doc))
        return
    now = now_ms()
    snap = limits.limits_snapshot(app.store, now)
    if not snap.windows:
        click.echo("No plan windows yet: Codex writes its windows into its logs as you use it; Claude's need "
                   "`tracker limits --claude-login on`.")
    for w in snap.windows:
        click.echo(f"{w.label}: {limits.pct_text(w.reading.used_pct)} used — {w.pace_text(zone, now)} "
                   f"(read {limits.local_time(w.reading.observed_ms, zone, now)})")
    for b in snap.unmetered_blocks():
        click.echo(b.text(zone, now))
    claude = snap.claude
    if claude and claude.message and not (claude.ok and any(w.reading.source == "claude_code" for w in snap.windows)):
        click.echo(f"\nClaude: {claude.message}")
