"""The port every mail source implements (like vdirsyncer's storage/base.py).

A source yields batches of raw messages, each with the cursor that holds once the batch is stored;
the watcher stores a batch and its cursor in one transaction, so a crash repeats nothing and loses
nothing. Adapters: local (Maildir/mbox/notes), imap, gmail, outlook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assistant.models import RawMessage


@dataclass(frozen=True)
class Batch:
    messages: tuple[RawMessage, ...]
    cursor: dict[str, Any]  # the account's cursor once every message in this batch is stored
    total: int | None = None  # messages expected in this sync, for progress bars (None: unknown)


@runtime_checkable
class MailSource(Protocol):
    account: str
    kind: str

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        """Everything new since `cursor` ({} on a first sync), oldest first, in batches."""
        ...

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived (IMAP IDLE, push) or `timeout` passes.
        Returns True when the source saw something new. Sources without push just sleep."""
        ...

    def close(self) -> None: ...
