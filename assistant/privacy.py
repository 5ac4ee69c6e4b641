"""What the product keeps about the rep, and `assistant forget`, which deletes it.

The store holds mail text and the rep's decisions; it lives in a 0700 data dir as a 0600 file (and so do its
-wal/-shm files and its daily backups: assistant.store). `forget` deletes everything the product wrote: the
store, its backups and any copies `assistant restore` moved aside, the sign-in tokens (tokens.json, and the
keyring entries of accounts that use one), the weekly reports it recorded and the .ics calendar file. The
config file is the rep's own and is kept; events already on a remote calendar stay there."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from assistant import store as store_module
from assistant.config import Config, config_dir
from assistant.errors import StoreError

REPORT_FILES = ("report.html", "report.md", "outcomes.png", "next-action-share.png")
PROVIDERS = ("imap", "gmail", "outlook")


@dataclass(frozen=True)
class Plan:
    """What `forget` deletes (files that exist now), and what it leaves, in words."""

    files: tuple[Path, ...]
    keyring: tuple[tuple[str, str], ...]  # (provider, account) entries to remove from the system keyring
    kept: tuple[str, ...]


def _report_files(config: Config) -> list[Path]:
    """The files of every weekly report the store recorded (only those: other files there are not ours)."""
    if not config.store_path.exists():
        return []
    try:
        with store_module.open_store(config.store_path) as db:
            paths = [db.report_path(week) for week in db.report_weeks()]
    except StoreError:
        return []  # a damaged store: its reports are not known (the folder is named in `kept`)
    found: list[Path] = []
    for html in paths:
        if html:
            found += [p for p in (Path(html).parent / name for name in REPORT_FILES) if p.is_file()]
    return found


def _ics_file(config: Config) -> Path | None:
    if config.calendar.kind != "ics":
        return None
    from assistant.calendars import default_ics_path

    path = config.resolve_path(str(config.calendar.options.get("path") or default_ics_path(config)))
    return path if path.is_file() else None


def plan(config: Config) -> Plan:
    path = config.store_path
    files = [path.with_name(path.name + s) for s in ("", "-wal", "-shm")]
    if path.parent.is_dir():
        files += sorted(path.parent.glob(f"{path.name}*.damaged-*"))
    files += store_module.backups(path)
    tokens = config_dir() / "tokens.json"
    files += [tokens, tokens.with_name(tokens.name + ".lock")]
    files += _report_files(config)
    ics = _ics_file(config)
    if ics is not None:
        files += [ics, ics.with_name(ics.name + ".lock")]
    keyring = tuple((provider, a.name) for a in config.accounts if a.options.get("keyring")
                    for provider in PROVIDERS)
    kept = [f"your config file {config.source_path or config_dir() / 'config.toml'}"]
    if config.calendar.kind != "ics":
        kept.append(f"the follow-ups already on your {config.calendar.kind} calendar")
    return Plan(tuple(dict.fromkeys(p for p in files if p.is_file())), keyring, tuple(kept))


def forget(config: Config, the_plan: Plan | None = None) -> list[Path]:
    """Delete what `plan` lists; returns the files deleted. Empty folders it leaves are removed."""
    the_plan = the_plan or plan(config)
    gone = store_module.remove(config.store_path)
    for p in the_plan.files:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            gone.append(p)
    if the_plan.keyring:
        from assistant.auth import TokenStore

        keyring_store = TokenStore(use_keyring=True)
        if keyring_store.use_keyring:
            for provider, account in the_plan.keyring:
                keyring_store.delete(provider, account)
    for folder in sorted({p.parent for p in gone}, key=lambda p: len(p.parts), reverse=True):
        for empty in (folder, folder.parent):  # a week's report folder, then reports/
            with contextlib.suppress(OSError):
                empty.rmdir()
    return list(dict.fromkeys(gone))
