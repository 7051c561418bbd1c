"""`tracker db check|backup|restore`: the database file itself (works even when it will not open)."""

from __future__ import annotations

from pathlib import Path

import click

from tracker import cli_format
from tracker.commands.base import AppState, pass_state, user_errors


@click.group("db")
def db_group() -> None:
    """Check the database, back it up, or restore an automatic backup."""


@db_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
@user_errors
def check_command(state: AppState, as_json: bool) -> None:
    """Run SQLite's integrity check on the database and its backups (changes nothing)."""
    from tracker.services.database import check

    doc = check(state.paths)
    if as_json:
        click.echo(cli_format.to_json(doc))
    else:
        notes = f" ({'; '.join(doc['problems'])})" if doc["problems"] else ""
        click.echo(f"{doc['database']}: ok{notes}" if doc["ok"] else
                   f"{doc['database']}: DAMAGED: {'; '.join(doc['problems'])}")
        for b in doc["backups"]:
            click.echo(f"  backup {b['path']}: {'ok' if b['ok'] else 'damaged'}")
        if not doc["backups"]:
            click.echo("  no backups yet (one is taken automatically each day the tracker opens its database)")
        if not doc["ok"]:
            click.echo("Fix: `tracker db restore` puts the newest good backup in place (the damaged file is kept).")
    if not doc["ok"]:
        raise SystemExit(1)


@db_group.command("backup")
@pass_state
@user_errors
def backup_command(state: AppState) -> None:
    """Take a consistent copy of the database now."""
    from tracker.services.database import backup_now

    click.echo(f"Backed up to {backup_now(state.paths)}")


@db_group.command("restore")
@click.argument("backup", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_state
@user_errors
def restore_command(state: AppState, backup: Path | None) -> None:
    """Replace the database with BACKUP (default: the newest backup that passes the integrity check).

    The current file is moved aside (never deleted), next to the database.
    """
    from tracker.services.database import restore

    doc = restore(state.paths.ensure(), backup)
    click.echo(f"Restored {doc['database']} from {doc['restored_from']}.")
    for p in doc["moved_aside"]:
        click.echo(f"  kept the previous file as {p}")
    click.echo(doc["next"])
