"""The port every mail source implements (like vdirsyncer's storage/base.py).

A source yields batches of raw messages, each with the cursor that holds once the batch is stored;
the watcher stores a batch and its cursor in one transaction, so a crash repeats nothing and loses
nothing. Adapters: local (Maildir/mbox/notes), imap, gmail, outlook."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assistant.models import RawMessage

# The most of one message a source reads (option `max_message_bytes`): beyond it the header and the first
# this-many bytes of the body are kept and the rest (attachments, in practice) is skipped, on every source.
MAX_MESSAGE_BYTES = 10_000_000


def truncate_mime(raw: bytes, limit: int) -> bytes:
    """`raw`'s header and the first `limit` bytes of its body: what IMAP's BODY[HEADER] + BODY[TEXT]<0.limit>
    return, for sources that received more than they should keep."""
    ends = [(i + len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
    head = min(ends) if ends else 0
    return raw[:head + limit]


@dataclass(frozen=True)
class Batch:
    messages: tuple[RawMessage, ...]
    cursor: dict[str, Any]  # the account's cursor once every message in this batch is stored
    total: int | None = None  # messages expected in this sync, for progress bars (None: unknown)
    # entries that could not be read (no permission, vanished mid-read): (source id, one line naming the
    # path); the watcher records them as failed and goes on, and the source offers them again next pass
    unreadable: tuple[tuple[str, str], ...] = ()
    # (folder, name) of the entries this batch read, for sources that tell what is new by name (a Maildir):
    # the watcher records them in the store in the batch's transaction and answers `ReadNames.unread` from
    # them, so the cursor itself stays small (a batch writes what it read, not everything read so far)
    read_names: tuple[tuple[str, str], ...] = ()


class ReadNames(Protocol):
    """The names a source has read before (the `read_names` of every stored batch), per folder."""

    def unread(self, folder: str, names: Sequence[str]) -> list[str]:
        """Those of `names` not read yet from `folder`, in their given order (a long list is best given in
        ascending order: the store then walks it beside its own rows instead of looking each one up)."""
        ...


class NothingRead:
    """`ReadNames` before anything was stored (a source used on its own, outside the watcher)."""

    def unread(self, folder: str, names: Sequence[str]) -> list[str]:
        return list(names)


@runtime_checkable
class MailSource(Protocol):
    account: str
    kind: str

    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        """Everything new since `cursor` ({} on a first sync), oldest first, in batches. `read`: the names
        read by earlier batches (sources that need them; None: nothing was read)."""
        ...

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived (IMAP IDLE, push) or `timeout` passes.
        Returns True when the source saw something new. Sources without push just sleep."""
        ...

    def close(self) -> None: ...


class PollingWait:
    """`wait()` for sources without push (Gmail without Pub/Sub, Graph): ask `_has_new()` at most every
    `poll_seconds`. The watcher calls `wait` in short steps, so the last check time is kept between calls."""

    poll_seconds: float
    _last_check: float
    _monotonic: Callable[[], float]
    _sleep: Callable[[float], None]

    def _has_new(self) -> bool:
        raise NotImplementedError

    def wait(self, timeout: float) -> bool:
        deadline = self._monotonic() + timeout
        while True:
            now = self._monotonic()
            if now - self._last_check >= self.poll_seconds:
                self._last_check = now
                if self._has_new():
                    return True
                continue
            nap = min(self._last_check + self.poll_seconds, deadline) - now
            if nap <= 0:
                return False
            self._sleep(nap)
