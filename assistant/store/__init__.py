"""The store: one port (`base.Store`), one module per adapter, and this registry that opens one by URL.

    open_store("/home/me/.local/share/follow-through/follow-through.sqlite3")   # a path: SQLite
    open_store("sqlite:///home/me/ft.sqlite3")                                # the same, as a URL
    open_store("postgresql://ft@db.example.com/sales", rep="alice")            # one rep's schema

The adapters are imported when first opened, so a rep on SQLite never needs psycopg."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import StoreError
from assistant.store.base import (
    Booking,
    Connection,
    Row,
    StepTransition,
    Store,
    SuggestionDetail,
    from_iso,
    safe_url,
    utc_iso,
)
from assistant.store.sqlite import backup_dir, backups, describe, remove, restore  # a SQLite file's care

if TYPE_CHECKING:
    from assistant.config import Config

__all__ = ["ADAPTERS", "backup_dir", "backups", "describe", "remove", "restore", "Booking", "Connection", "Row", "Store", "StepTransition", "SuggestionDetail",
           "from_iso", "open_store", "safe_url", "store_for", "scheme_of", "utc_iso"]


def _sqlite(target: str, rep: str | None) -> Store:
    from assistant.store.sqlite import SqliteStore

    path = target[len("sqlite://"):] if target.startswith("sqlite://") else target
    if not path:
        raise StoreError(f"store URL {target!r} names no file: write sqlite:///path/to/file.sqlite3")
    return SqliteStore(path)


def _postgres(target: str, rep: str | None) -> Store:
    from assistant.store.postgres import PostgresStore

    return PostgresStore(target, rep or "default")


# scheme -> opener(target, rep). A path (no scheme) is SQLite.
ADAPTERS: dict[str, Callable[[str, str | None], Store]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}


def scheme_of(target: str | Path) -> str:
    """The adapter a store URL or path names ("sqlite" for a plain path)."""
    text = str(target)
    if isinstance(target, Path) or "://" not in text:
        return "sqlite"
    return text.split("://", 1)[0].lower()


def open_store(target: str | Path, *, rep: str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at a path or URL. `rep` picks the rep's schema in
    a shared PostgreSQL database (default "default"); a SQLite file holds one rep."""
    scheme = scheme_of(target)
    opener = ADAPTERS.get(scheme)
    if opener is None:
        raise StoreError(f"store URL {str(target)!r}: unknown kind {scheme!r}: use a file path, sqlite:///path "
                         "or postgresql://user@host/database")
    return opener(str(target), rep)


def store_for(config: Config) -> Store:
    """The store a config names: [store] url (with [store] rep), else the SQLite file [store] path."""
    return open_store(config.store_target, rep=config.store_rep)
