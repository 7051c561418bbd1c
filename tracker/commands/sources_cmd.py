"""`tracker sources list|add|remove|test`: provider accounts, keys kept in the keyring;
`tracker sources agents`: the agent-log sources (plug-ins) and what each found here."""

from __future__ import annotations

import json
import os
import sys

import click

from tracker import cli_format, credentials
from tracker.commands.base import AppState, pass_state, user_errors
from tracker.commands.poll_cmd import print_report
from tracker.core.wording import counted
from tracker.services import accounts
from tracker.services.poll import poll_sources, source_statuses
from tracker.services.accounts import SOURCE_KINDS


@click.group("sources")
def sources_group() -> None:
    """Where usage comes from: provider accounts polled for usage, billed cost and balances (OpenAI, Anthropic,
    OpenRouter, DeepSeek), and the coding agents whose logs are read (`tracker sources agents`)."""


@sources_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
@user_errors
def list_command(state: AppState, as_json: bool) -> None:
    """Configured accounts with last success, last error and next attempt."""
    rows = source_statuses(state.context().store)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No provider accounts. Add one with `tracker sources add KIND --label NAME` "
                   f"(KIND: {', '.join(SOURCE_KINDS)}).")
        return
    shown = [dict(r, last_success=r["last_success"] or "never", next_attempt=r["next_attempt"] or "next poll",
                  last_error=(r["last_error"] or "")[:80], note=(r["note"] or "")[:60]) for r in rows]
    click.echo(cli_format.table(shown, [("label", "Label"), ("kind", "Kind"), ("last_success", "Last success"),
                                        ("last_error", "Last error"), ("next_attempt", "Next attempt"),
                                        ("note", "Note")]))
    for r in rows:
        for b in r["balances"]:
            click.echo(f"{r['label']}: {b['metric']} {b['amount']} {b['currency']} (at {b['at']})")
    _say_where_keys_are()


def _say_where_keys_are(store: credentials.KeyStore | None = None) -> None:
    """The keyring backend by its real name, and a warning on stderr when it does not encrypt."""
    store = store or credentials.key_store()
    click.echo(f"Keys are kept in {store.where}.")
    if store.warning:
        click.echo(f"warning: {store.warning}", err=True)


def _read_key(kind: str, key_env: str | None, key_stdin: bool) -> str:
    if key_env:
        value = os.environ.get(key_env, "").strip()
        if not value:
            raise click.ClickException(f"The environment variable {key_env} is not set or empty.")
        return value
    if key_stdin or not sys.stdin.isatty():
        value = sys.stdin.readline().strip()
    else:
        value = click.prompt(f"{kind} key (input hidden)", hide_input=True, default="", show_default=False).strip()
    if not value:
        raise click.ClickException("No key given: paste it at the prompt, pipe it on stdin, or use --key-env VAR.")
    return value


@sources_group.command("add")
@click.argument("kind", type=click.Choice(sorted(SOURCE_KINDS)))
@click.option("--label", required=True, help="A name for this account (letters, digits, . _ -).")
@click.option("--base-url", help="API base URL (default: the provider's own).")
@click.option("--key-env", metavar="VAR", help="Read the key from this environment variable.")
@click.option("--key-stdin", is_flag=True, help="Read the key from standard input.")
@click.option("--no-test", is_flag=True, help="Save without testing the key against the provider.")
@click.option("--env-only", is_flag=True,
              help="Store no key: polls read the provider's environment variable (for machines without a keyring).")
@click.option("--backfill-days", type=click.IntRange(0, 3650), help="History to fetch now (default 90 days).")
@click.option("--no-poll", is_flag=True, help="Do not fetch the history now (the next poll will).")
@pass_state
@user_errors
def add_command(state: AppState, kind, label, base_url, key_env, key_stdin, no_test, env_only, backfill_days,
                no_poll) -> None:
    """Add an account: the key is tested against the provider, kept in the system keyring, and history fetched."""
    try:
        accounts.validate(kind, label, base_url)
        if env_only:
            names = credentials.env_names(kind)
            key_env = key_env or next((n for n in names if os.environ.get(n, "").strip()), names[0])
        else:
            credentials.require_backend(kind)  # say so before asking for the key
            keys = credentials.key_store()
            if keys.warning:  # before the key is typed: the user can still stop here
                click.echo(f"warning: {keys.warning}", err=True)
        key = _read_key(kind, key_env, key_stdin)
        replacing = accounts.account_exists(state.context().store, label)
        message = accounts.add_account(state.context().store, kind, label, key, base_url, test=not no_test,
                                       keep_key=not env_only)
    except (accounts.AccountError, credentials.CredentialError) as exc:
        raise click.ClickException(str(exc)) from None
    if message:
        click.echo(message)
    where = (f"polls will read the key from {' or '.join(credentials.env_names(kind))}" if env_only
             else f"its key is in {keys.where}")
    click.echo(f"{'Updated' if replacing else 'Added'} {kind} account {label!r}; {where}.")
    if no_poll:
        click.echo("Run `tracker poll` to fetch its history.")
        return
    app = state.context()
    click.echo("Fetching its history (first poll)...")
    report = poll_sources(app.store, app.pricer, labels=[label], backfill_days=backfill_days)
    print_report(report)
    if report.errors:
        click.echo("The account is saved; `tracker poll` will try again.")


@sources_group.command("remove")
@click.argument("label")
@pass_state
@user_errors
def remove_command(state: AppState, label: str) -> None:
    """Forget an account and delete its key from the keyring (its usage history stays)."""
    account, removed = accounts.remove_account(state.context().store, label)
    click.echo(f"Removed {account.kind} account {label!r}" + ("; its key was deleted from the keyring." if removed
                                                             else "; no key was stored in the keyring."))


@sources_group.command("test")
@click.argument("labels", nargs=-1)
@pass_state
@user_errors
def test_command(state: AppState, labels) -> None:
    """Check the stored keys against the providers (all accounts, or the ones named)."""
    results = accounts.check_accounts(state.context().store, list(labels) or None)
    if not results:
        click.echo("No provider accounts to test.")
    for r in results:
        click.echo(f"{r.label}: ok ({r.key_origin}). {r.message}" if r.ok else f"{r.label}: FAILED. {r.message}")
    if any(not r.ok for r in results):
        raise SystemExit(1)


@sources_group.command("agents")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
@user_errors
def agents_command(state: AppState, as_json: bool) -> None:
    """Every agent whose logs can be read (built-in and installed plug-ins): found here or where it looked.

    Looks for newly installed plug-ins, walks each agent's folders, and says
    how many files were read so far and what is wrong (unreadable folders,
    plug-ins that could not be loaded).
    """
    from tracker.services.agent_logs import agent_log_status, plugin_problems

    agents = agent_log_status(state.context().store, look=True, rescan=True)
    skipped = plugin_problems()
    if as_json:
        click.echo(json.dumps({"agents": [a.as_dict() for a in agents], "plugins_skipped": skipped}, indent=2))
        return
    for agent in agents:
        if agent.from_files:  # an export the user names, no folder of its own
            click.echo(f"{agent.name} ({agent.kind}, {agent.origin}): from files you import, "
                       f"{agent.files_read:,} read so far")
            click.echo(f"  {agent.usual_place}")
            continue
        where = "found" if agent.found else "not found"
        click.echo(f"{agent.name} ({agent.kind}, {agent.origin}): {where}")
        for folder in agent.folders:
            click.echo(f"  {folder.path}: {counted(folder.files, 'file')} read"
                       + ("" if folder.readable else " (cannot be read)"))
        if agent.found and agent.files_found is not None:
            click.echo(f"  {counted(agent.files_found, 'log file')} there now, {agent.files_read:,} read so far")
        if not agent.found:
            click.echo(f"  looked in {_places_text(agent.looked_in)}")
        for problem in agent.every_problem:
            click.echo(f"  problem: {problem}")
    for problem in skipped:
        click.echo(f"warning: {problem['message']}", err=True)
    click.echo(f"{len(agents)} agents known" + (f", {len(skipped)} plug-ins skipped" if skipped else "")
               + ". A package adds one through the `tracker.sources` entry-point group (docs/agents/README.md).")


def _places_text(places: list[dict]) -> str:
    """Where an agent was looked for: its default places, or what its variable is set to instead."""
    shown = []
    for place in places:
        if place["env"] and place["env_value"] is not None:
            text = f"{place['env']}={place['env_value']}"  # set: it replaces the default place
        else:
            text = place["path"] + (f" ({place['env']} moves it)" if place["env"] else "")
        if text not in shown:
            shown.append(text)
    return "; ".join(shown) or "nowhere (the plug-in names no place)"
