"""`tracker tags`, `tracker value`, `tracker roi`, `tracker alerts`: cost against value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.core.money import format_usd_short, usd_to_pico
from tracker.core.wording import counted
from tracker.services import forecast, roi, tagging
from tracker.services import value as value_service
from tracker.services.value import TAG_KINDS, UNTAGGED


def _usd(text: str | None) -> str:
    return format_usd_short(None if text is None else usd_to_pico(Decimal(text)))


def _echo_table(rows: list[dict], columns: list[tuple[str, str]]) -> None:
    if not rows:
        click.echo("(none)")
        return
    click.echo(cli_format.table(rows, columns))


# -- tags -------------------------------------------------------------------------
@click.group("tags")
def tags_group() -> None:
    """Client, project and KPI tags, and the rules that attach them to usage."""


@tags_group.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(TAG_KINDS), required=True, help="What the tag stands for.")
@click.option("--category", help="Team category (optional, for team summaries).")
@click.option("--billing", help='Client billing details as a JSON object, e.g. \'{"name": "ACME Ltd"}\'.')
@pass_state
@user_errors
def tags_add(state: AppState, name, kind, category, billing) -> None:
    """Add a tag."""
    tag_id = value_service.add_tag(state.context().store, name, kind, category, billing)
    click.echo(f"Added {kind} tag {name!r} (id {tag_id}). Attach usage with `tracker tags rule add {name!r} ...`.")


@tags_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def tags_list(state: AppState, as_json: bool) -> None:
    """Tags with their rules and the usage they hold (hand-assigned rows counted apart)."""
    store = state.context().store
    usage: dict = {}
    for row in store.tag_counts():
        u = usage.setdefault(row["tag_id"], {"rows": 0, "manual": 0, "cost_pico": 0})
        for key in u:
            u[key] += row[key]
    from tracker.core.money import format_usd

    rows = []
    for tag in store.tags() + [{"id": None, "name": UNTAGGED, "kind": "", "team_category": None, "rules": 0,
                                "billing": None}]:
        u = usage.get(tag["id"], {"rows": 0, "manual": 0, "cost_pico": 0})
        rows.append({"name": tag["name"], "kind": tag["kind"] or None, "team_category": tag["team_category"],
                     "rules": tag["rules"], "usage_rows": u["rows"], "hand_assigned": u["manual"],
                     "cost_usd": format_usd(u["cost_pico"]), "billing": tag["billing"]})
    if as_json:
        click.echo(cli_format.to_json({"tags": rows}))
        return
    _echo_table(rows, [("name", "Tag"), ("kind", "Kind"), ("team_category", "Category"), ("rules", "Rules"),
                       ("usage_rows", "Usage rows"), ("hand_assigned", "By hand"), ("cost_usd", "Cost")])


@tags_group.command("edit")
@click.argument("name")
@click.option("--rename", help="New name.")
@click.option("--kind", type=click.Choice(TAG_KINDS))
@click.option("--category", help="Team category ('' to clear).")
@click.option("--billing", help="Client billing details as a JSON object ('' to clear).")
@pass_state
@user_errors
def tags_edit(state: AppState, name, rename, kind, category, billing) -> None:
    """Change a tag; its rules, value entries and usage stay with it."""
    tag = value_service.edit_tag(state.context().store, name, rename, kind, category, billing)
    click.echo(f"Tag {tag['name']!r}: {tag['kind']}"
               + (f", category {tag['team_category']}" if tag["team_category"] else "")
               + (", billing details set" if tag["billing"] else "") + ".")


@tags_group.command("remove")
@click.argument("name")
@pass_state
@user_errors
def tags_remove(state: AppState, name) -> None:
    """Remove a tag with its rules and value entries (its usage is re-tagged by the other rules)."""
    result = tagging.remove_tag(state.context().store, name)
    click.echo(f"Removed tag {name!r}; re-applied {result.rules} rule(s).")


@tags_group.command("apply")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def tags_apply(state: AppState, as_json: bool) -> None:
    """Re-apply all rules to all usage (runs by itself after rule changes and syncs)."""
    result = tagging.apply_rules(state.context().store)
    if as_json:
        click.echo(cli_format.to_json(result.as_dict()))
        return
    click.echo(f"Applied {result.rules} rule(s) in {result.seconds:.2f} s; rows whose tag changed: "
               f"{result.changed.get('events', 0)} events, {result.changed.get('buckets', 0)} provider buckets.")


def _match_options(func):
    """Options shared by rules and hand assignments: what usage to match."""
    options = [
        click.option("--source", help="Source kind (claude_code, codex, openai, ...)."),
        click.option("--account", help="Provider account label."),
        click.option("--project", "project_glob", help="Project name glob (agent logs), e.g. 'acme-*'."),
        click.option("--cwd", "cwd_glob", help="Working directory glob, e.g. '/home/me/clients/*'."),
        click.option("--branch", "git_branch_glob", help="Git branch glob, e.g. 'feature/*'."),
        click.option("--model", "model_glob", help="Model glob, e.g. 'claude-opus-*'."),
        click.option("--session", help="Exact session id."),
        click.option("--project-id", "project_id", help="Provider project id (OpenAI proj_...)."),
        click.option("--workspace-id", "workspace_id", help="Provider workspace id (Anthropic)."),
        click.option("--api-key-id", "api_key_id", help="Provider API key id."),
        click.option("--user-id", "user_id", help="Provider user id (OpenAI user_id, Anthropic account_id)."),
        click.option("--service-account-id", "service_account_id", help="Provider service account id (Anthropic)."),
        click.option("--since", "since_day", type=DAY, help="First local day, inclusive."),
        click.option("--until", "until_day", type=DAY, help="Last local day, inclusive."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@tags_group.group("rule")
def rule_group() -> None:
    """Rules: which usage a tag claims. Highest priority wins; on a tie the older rule wins."""


@rule_group.command("add")
@click.argument("tag")
@click.option("--priority", type=int, default=0, show_default=True, help="Higher wins.")
@click.option("--all", "match_all", is_flag=True, help="Match all usage (a catch-all, usually low priority).")
@_match_options
@pass_state
@user_errors
def rule_add(state: AppState, tag, priority, match_all, **match) -> None:
    """Add a rule for TAG and re-tag all usage. Globs are case-sensitive (* ? [abc])."""
    rule_id, result = tagging.add_rule(state.context().store, tag, priority, allow_everything=match_all, **match)
    click.echo(f"Added rule {rule_id} for {tag!r}; re-tagged in {result.seconds:.2f} s "
               f"({result.changed.get('events', 0)} events, {result.changed.get('buckets', 0)} buckets changed).")


@rule_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def rule_list(state: AppState, as_json: bool) -> None:
    """Rules in the order they are tried."""
    rules = state.context().store.rules()
    if as_json:
        click.echo(cli_format.to_json({"rules": rules}))
        return
    for rule in rules:
        rule["match"] = ", ".join(f"{k}={v}" for k, v in rule.items()
                                  if k in tagging.RULE_FIELDS and v not in (None, "")) or "(everything)"
    _echo_table(rules, [("id", "Id"), ("priority", "Priority"), ("tag", "Tag"), ("tag_kind", "Kind"),
                        ("match", "Matches")])


@rule_group.command("remove")
@click.argument("rule_id", type=int)
@pass_state
@user_errors
def rule_remove(state: AppState, rule_id: int) -> None:
    """Remove a rule by id and re-tag all usage."""
    tagging.remove_rule(state.context().store, rule_id)
    click.echo(f"Removed rule {rule_id}.")


@tags_group.command("assign")
@click.argument("tag", required=False)
@click.option("--untag", is_flag=True, help="Mark the selection untagged by hand (beats the rules).")
@click.option("--clear", is_flag=True, help="Give the selection back to the rules.")
@_match_options
@pass_state
@user_errors
def tags_assign(state: AppState, tag, untag, clear, **selection) -> None:
    """Assign TAG by hand to the usage selected by the options; beats rules and survives re-application."""
    given = [name for name, value in (("a TAG", tag), ("--untag", untag), ("--clear", clear)) if value]
    if len(given) != 1:
        got = f" (got {' and '.join(given)})" if given else ""
        raise click.UsageError(f"give exactly one of: a TAG, --untag or --clear{got}")
    counts = tagging.assign_selection(state.context().store, tag, untag=untag, **selection)
    what = f"tag {tag!r}" if tag else ("untagged" if untag else "rule-based tagging")
    click.echo(f"Set {what} on {counts['events']} events and {counts['buckets']} provider buckets.")


# -- value entries ------------------------------------------------------------------
@click.group("value")
def value_group() -> None:
    """Value entries per tag and period: money, or KPI units such as pull requests merged."""


@value_group.command("add")
@click.argument("tag")
@click.option("--period", help="2026-11 (month), 2026-W47 (ISO week) or 2026-11-05 (day).")
@click.option("--start", "period_start", type=DAY, help="First day (instead of --period).")
@click.option("--end", "period_end", type=DAY, help="Last day, inclusive (default: --start).")
@click.option("--amount", help="Money amount, e.g. 4000 or 1250.50.")
@click.option("--currency", help="Three-letter currency (default USD).")
@click.option("--kpi", "unit", help="KPI unit name, e.g. 'pull requests merged'.")
@click.option("--quantity", help="KPI units produced in the period.")
@click.option("--note")
@pass_state
@user_errors
def value_add(state: AppState, tag, period, period_start, period_end, amount, currency, unit, quantity, note) -> None:
    """Record what TAG produced in a period (replaces an entry with the same tag, period and kind)."""
    if unit and amount or not unit and quantity:
        raise click.UsageError("money: --amount [--currency]; KPI: --kpi UNIT --quantity N")
    entry = value_service.add_value(
        state.context().store, tag=tag, kind="kpi" if unit else "money", amount=quantity if unit else amount,
        currency=currency, unit=unit, note=note, period=period, period_start=period_start, period_end=period_end,
    )
    unit = entry['currency'] if entry['kind'] == 'money' else entry['unit']
    click.echo(f"Recorded {entry['amount']} {unit} for {tag!r}, {entry['period_start']} to {entry['period_end']}"
               f"{value_service.replaced_text(entry)}.")


@value_group.command("list")
@click.option("--tag")
@click.option("--since", type=DAY)
@click.option("--until", type=DAY)
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def value_list(state: AppState, tag, since, until, as_json) -> None:
    """Value entries, oldest first."""
    entries = value_service.list_values(state.context().store, tag, since, until)
    if as_json:
        click.echo(cli_format.to_json({"entries": entries}))
        return
    for e in entries:
        e["what"] = e["currency"] if e["kind"] == "money" else e["unit"]
    _echo_table(entries, [("id", "Id"), ("tag", "Tag"), ("period_start", "From"), ("period_end", "To"),
                          ("kind", "Kind"), ("amount", "Amount"), ("what", "Currency/unit"), ("note", "Note")])


@value_group.command("remove")
@click.argument("entry_id", type=int)
@pass_state
@user_errors
def value_remove(state: AppState, entry_id: int) -> None:
    """Remove a value entry by id."""
    if not state.context().store.remove_value_entry(entry_id):
        raise click.ClickException(f"No value entry with id {entry_id}: see `tracker value list`.")
    click.echo(f"Removed value entry {entry_id}.")


@value_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the valid rows even if some are rejected.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def value_import(state: AppState, csv_file: Path, skip_bad: bool, as_json: bool) -> None:
    """Import value entries from CSV: all rows or none (unless --skip-bad).

    Header: tag, amount, and period (2026-11 / 2026-W47 / 2026-11-05) or
    period_start [, period_end]; optional kind (money|kpi), currency, unit, note.
    """
    report = value_service.import_csv(state.context().store, csv_file, allow_partial=skip_bad)
    if as_json:
        click.echo(cli_format.to_json(report.as_dict()))
    else:
        for line, reason in report.rejected:
            click.echo(f"line {line}: {reason}", err=True)
        if report.written:
            click.echo(f"Imported {counted(report.written, 'value entry', 'value entries')} "
                       f"from {csv_file.name}"
                       + (f"; {len(report.rejected)} row(s) rejected." if report.rejected else "."))
        elif report.rejected:
            click.echo(f"Nothing imported: {len(report.rejected)} row(s) rejected. Fix them, or use --skip-bad "
                       "to import the valid rows.", err=True)
        else:
            click.echo("Nothing to import: the file has no rows.")
    if report.rejected and not report.written:
        raise SystemExit(1)


@value_group.command("compensation")
@click.argument("amount", required=False)
@click.option("--currency", default="USD", show_default=True)
@click.option("--clear", is_flag=True)
@pass_state
@user_errors
def value_compensation(state: AppState, amount, currency, clear) -> None:
    """Set your annual compensation for the leverage figure (informative, never a quota)."""
    store = state.context().store
    if clear:
        store.set_setting(roi.COMPENSATION_SETTING, None)
        click.echo("Cleared the annual compensation.")
        return
    if amount is None:
        current = store.get_setting(roi.COMPENSATION_SETTING)
        click.echo(f"{current['amount']} {current['currency']}" if current else "Not set.")
        return
    parsed = value_service.parse_amount(amount)
    store.set_setting(roi.COMPENSATION_SETTING, {"amount": str(parsed), "currency": currency.upper()})
    click.echo(f"Annual compensation set to {parsed} {currency.upper()}.")


@value_group.command("rate")
@click.argument("currency")
@click.argument("usd_per_unit")
@pass_state
@user_errors
def value_rate(state: AppState, currency, usd_per_unit) -> None:
    """Set the USD value of one unit of CURRENCY, so value entries in it count in ROI."""
    from tracker.services.invoices_profile import check_currency

    store = state.context().store
    code = check_currency(currency)
    rate = value_service.parse_amount(usd_per_unit, "rate")
    if not rate:
        raise ValueError(f"a rate of 0 would count every {code} entry as worth nothing: give USD per 1 {code}")
    rates = dict(store.get_setting(roi.FX_SETTING) or {})
    rates[code] = str(rate)
    store.set_setting(roi.FX_SETTING, rates)
    click.echo(f"1 {code} = {rates[code]} USD.")


# -- ROI ---------------------------------------------------------------------------------
@click.command("roi")
@click.option("--by", type=click.Choice(["tag"]), default="tag", show_default=True, help="Group key.")
@click.option("--period", type=click.Choice(roi.ROI_PERIODS), default="month", show_default=True)
@click.option("--since", type=DAY)
@click.option("--until", type=DAY)
@click.option("--tz", help="IANA timezone for weeks and months.")
@click.option("--detail", is_flag=True, help="Also print every tag x period row.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def roi_command(state: AppState, by, period, since, until, tz, detail, as_json) -> None:
    """Cost against value per tag: ROI, cost per KPI unit, trend, and tags whose cost grows while value does not."""
    app = state.context()
    doc = roi.roi_report(app.store, app.zone(tz), period, since, until)
    if as_json:
        click.echo(cli_format.to_json(doc))
        return
    click.echo(f"Cost against value per tag, {doc['since']} to {doc['until']} ({doc['timezone']}), by {period}.")
    rows = []
    for t in doc["tags"]:
        kpis = "; ".join(f"{k['quantity']} {k['unit']} @ {_usd(k['cost_per_unit_usd'])}" for k in t["kpis"])
        tr = t["trend"]
        rows.append({
            "rank": t["rank"], "tag": t["tag"], "kind": t["tag_kind"], "cost": _usd(t["cost_usd"]),
            "value": roi.value_text(t),
            "roi": f"{t['roi']}x" if t["roi"] else "",
            "kpis": kpis, "cost_trend": f"{tr['cost_change_pct']}%" if tr["cost_change_pct"] else "",
            "value_trend": f"{tr['value_change_pct']}%" if tr["value_change_pct"] else "",
            "flag": "cost up, value flat" if tr["cost_grows_value_flat"] else "",
        })
    _echo_table(rows, [("rank", "#"), ("tag", "Tag"), ("kind", "Kind"), ("cost", "Cost"), ("value", "Value"),
                       ("roi", "ROI"), ("kpis", "KPIs (cost per unit)"), ("cost_trend", "Cost trend"),
                       ("value_trend", "Value trend"), ("flag", "Flag")])
    totals = doc["totals"]
    value_text = roi.value_text(totals) or "none recorded"
    click.echo(f"\nTotal cost {_usd(totals['cost_usd'])}, of which untagged {_usd(totals['untagged_cost_usd'])}; "
               f"value {value_text}" + (f"; ROI {totals['roi']}x" if totals["roi"] else "") + ".")
    if detail:
        click.echo("")
        detail_rows = [r | {"cost": _usd(r["cost_usd"]), "value": roi.value_text(r), "roi_x": r["roi"] or ""}
                       for r in doc["rows"]
                       if r["cost_usd"] != "0.000000" or r["value_usd"] or r["kpis"] or r["unconverted_value"]]
        _echo_table(detail_rows, [("period", "Period"), ("tag", "Tag"), ("cost", "Cost"), ("value", "Value"),
                                  ("roi_x", "ROI")])
    lev = doc["leverage"]
    if lev and lev["share"] is not None:
        click.echo(f"Leverage: annualised AI spend {_usd(lev['annualised_spend_usd'])} is "
                   f"{Decimal(lev['share']) * 100:.1f}% of {lev['annual_compensation']} {lev['currency']} "
                   f"(reference line {Decimal(lev['reference_share']) * 100:.0f}%; informative, never a quota).")
    for note in doc["notes"]:
        click.echo(f"note: {note}")


# -- alerts ------------------------------------------------------------------------------
@click.group("alerts", invoke_without_command=True)
@click.option("--tz", help="IANA timezone for days.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@user_errors
def alerts_group(ctx: click.Context, tz, as_json) -> None:
    """Baseline, week-over-week and spike alerts, and the month-end forecast."""
    if ctx.invoked_subcommand is not None:
        return
    state = ctx.find_object(AppState)
    app = state.context()
    doc = forecast.alerts_report(app.store, app.zone(tz))
    if as_json:
        click.echo(cli_format.to_json(doc))
        return
    b, w, f = doc["baseline"], doc["week_over_week"], doc["forecast"]
    click.echo(f"Today {doc['today']} ({doc['timezone']}).")
    if b["median_daily_usd"] is None:
        click.echo("Baseline: no complete day of data yet.")
    else:
        click.echo(f"Baseline {b['since']} to {b['until']} ({b['source']}): median day {_usd(b['median_daily_usd'])}.")
    click.echo(f"Last 7 days {_usd(w['last_7_days']['cost_usd'])} against {_usd(w['previous_7_days']['cost_usd'])} "
               f"the week before" + (f" ({w['ratio']}x; alert above {1 + Decimal(w['threshold_pct']) / 100}x)."
                                     if w["ratio"] else ".")
               + ("" if w["enough_history"] else " Less than two full weeks of data: no week-over-week alert yet."))
    budget = f"; soft budget {_usd(f['budget_usd'])}." if f["budget_usd"] else "."
    if f["history_days"]:
        click.echo(f"Forecast for {f['month']}: {_usd(f['forecast_usd'])} (band {_usd(f['low_usd'])} to "
                   f"{_usd(f['high_usd'])}); {_usd(f['month_to_date_usd'])} so far, mean day "
                   f"{_usd(f['mean_daily_usd'])} over the last {counted(f['history_days'], 'day')}" + budget)
    else:  # ("$0.00 (band $0.00 to $0.00) ... over the last 0 days": no day to forecast from yet)
        click.echo(f"Forecast for {f['month']}: none yet, no day of usage to forecast from" + budget)
    if doc["alerts"]:
        for alert in doc["alerts"]:
            click.echo(f"ALERT ({alert['kind']}): {alert['message']}")
    else:
        click.echo("No alerts.")


@alerts_group.command("set")
@click.option("--week-over-week-pct", type=click.IntRange(1, 10_000), help="Alert above this rise (default 50).")
@click.option("--spike-multiple", help="Alert when a day exceeds this multiple of the baseline median (default 3).")
@click.option("--budget", help="Soft monthly budget in USD ('none' to clear).")
@click.option("--baseline", nargs=2, type=DAY, help="Baseline SINCE UNTIL (local days, inclusive).")
@click.option("--baseline-default", is_flag=True, help="Back to the first 28 days of data.")
@pass_state
@user_errors
def alerts_set(state: AppState, week_over_week_pct, spike_multiple, budget, baseline, baseline_default) -> None:
    """Change alert settings."""
    store = state.context().store
    if week_over_week_pct is not None:
        store.set_setting(forecast.WOW_SETTING, week_over_week_pct)
    if spike_multiple is not None:
        multiple = value_service.parse_amount(spike_multiple, "multiple")
        if not multiple:
            raise ValueError("a spike multiple of 0 would flag every day: give a number above 0, such as 3")
        store.set_setting(forecast.SPIKE_SETTING, str(multiple))
    if budget is not None:
        store.set_setting(forecast.BUDGET_SETTING,
                          None if budget.lower() == "none" else str(value_service.parse_amount(budget, "budget")))
    if baseline:
        if baseline[1] < baseline[0]:
            raise ValueError("the baseline ends before it starts")
        chosen = {"since": baseline[0].isoformat(), "until": baseline[1].isoformat()}
        store.set_setting(forecast.BASELINE_SETTING, chosen)
    if baseline_default:
        store.set_setting(forecast.BASELINE_SETTING, None)
    click.echo("Alert settings saved; see `tracker alerts`.")


VALUE_COMMANDS = [tags_group, value_group, roi_command, alerts_group]
