"""`assistant restore` and `assistant forget`: the rep's data (the store, its daily backups, sign-in tokens).
Parsing and printing only; the work is in assistant.store and assistant.privacy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from assistant.cli.common import config_option, console, edge, load, plain
from assistant.errors import StoreError


@click.command("restore")
@click.option("--from", "source", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="A backup file to restore (default: the newest whole daily backup).")
@config_option
@edge
def restore_cmd(source: Path | None, config_path: Path | None) -> None:
    """Put back the newest daily backup of the store (the current file is moved aside, never deleted)."""
    from assistant import store

    config = load(config_path)
    if config.store_url.startswith(("postgresql://", "postgres://")):
        raise StoreError("[store] url names a PostgreSQL database: restore it with its own tools (pg_restore, your "
                         "provider's snapshots); `assistant restore` puts back a SQLite file's daily backup")
    chosen, aside = store.restore(config.store_path, source, now=datetime.now(UTC))
    console.print(plain(f"restored {config.store_path} from {chosen}"), soft_wrap=True)
    if aside is not None:
        console.print(plain(f"the previous file is kept as {aside} (delete it once all is well)"), soft_wrap=True)
    console.print("mail that arrived after the backup is read again on the next `assistant watch`", highlight=False)


@click.command("forget")
@click.option("--yes", is_flag=True, help="Do not ask (for scripts).")
@config_option
@edge
def forget_cmd(yes: bool, config_path: Path | None) -> None:
    """Delete everything Follow-through keeps about you: the store (mail text and your decisions), its
    backups, sign-in tokens, weekly reports and the .ics file. Your config file is kept."""
    import sys

    from assistant import privacy

    config = load(config_path)
    the_plan = privacy.plan(config)
    if not the_plan.files and not the_plan.keyring:
        console.print("Nothing to delete: no store, backups, tokens, reports or calendar file.")
        return
    console.print(f"This deletes {len(the_plan.files)} file(s):", highlight=False)
    for p in the_plan.files:
        console.print(plain(f"  {p}"), soft_wrap=True)
    for provider, account in the_plan.keyring:
        console.print(plain(f"  the keyring entry of {provider} account {account!r}"), soft_wrap=True)
    for what in the_plan.kept:
        console.print(plain(f"It keeps {what}."), soft_wrap=True)
    console.print("Stop the watcher first (`systemctl --user stop follow-through`), or it writes a new store.",
                  highlight=False, markup=False, soft_wrap=True)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("nothing deleted: add --yes to confirm when there is no terminal to ask")
        if not click.confirm("Delete all of this? It cannot be undone", default=False):
            console.print("Nothing deleted.")
            return
    gone = privacy.forget(config, the_plan)
    console.print(f"Deleted {len(gone)} file(s). Follow-through keeps nothing about you now.", highlight=False)


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""
    group.add_command(restore_cmd)
    group.add_command(forget_cmd)
