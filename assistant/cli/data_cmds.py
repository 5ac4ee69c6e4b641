"""`assistant restore` and `assistant forget`: the rep's data (the store, its daily backups, sign-in tokens).
Parsing and printing only; the work is in assistant.store and assistant.privacy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from assistant.cli.common import config_option, console, edge, load, plain


@click.command("restore")
@click.option("--from", "source", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="A backup file to restore (default: the newest whole daily backup).")
@config_option
@edge
def restore_cmd(source: Path | None, config_path: Path | None) -> None:
    """Put back the newest daily backup of the store (the current file is moved aside, never deleted)."""
    from assistant import store

    config = load(config_path)
    chosen, aside = store.restore(config.store_path, source, now=datetime.now(UTC))
    console.print(plain(f"restored {config.store_path} from {chosen}"), soft_wrap=True)
    if aside is not None:
        console.print(plain(f"the previous file is kept as {aside} (delete it once all is well)"), soft_wrap=True)
    console.print("mail that arrived after the backup is read again on the next `assistant watch`", highlight=False)


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""
    group.add_command(restore_cmd)
