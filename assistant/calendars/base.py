"""The port every calendar writer implements.

Writes are idempotent by `CalendarEvent.uid` (the suggestion id, derived from the commitment): putting
the same uid twice leaves one event, and `get` finds an event a crashed run already wrote.
Adapters: ics (default), caldav, google, outlook.

A booking pass works in one `session()`: the .ics adapter reads its file once, keeps every change in
memory and writes the file once, atomically, on `commit()`; the remote adapters write through (each
put/delete is one call, already durable when it returns: `write_through` is True)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC
from typing import Protocol, runtime_checkable

from assistant.models import CalendarEvent, content_id


@runtime_checkable
class CalendarWriter(Protocol):
    kind: str

    @property
    def target(self) -> str:
        """Which calendar this writes to, e.g. "ics:/home/rep/followups.ics"."""
        ...

    def put(self, event: CalendarEvent) -> str:
        """Create or update the event with `event.uid`; returns the remote id. Never duplicates."""
        ...

    def get(self, uid: str) -> CalendarEvent | None:
        """The event with this uid, or None."""
        ...

    def delete(self, uid: str) -> None:
        """Remove the event; no error when it is already gone."""
        ...

    def uids(self) -> set[str]:
        """Every uid this writer has put on the calendar (for checks and tests)."""
        ...

    def session(self) -> AbstractContextManager[CalendarSession]:
        """A session for many changes (see the module doc)."""
        ...


@runtime_checkable
class CalendarSession(CalendarWriter, Protocol):
    """A writer inside `session()`: the same port, plus `commit()` and `write_through`."""

    @property
    def write_through(self) -> bool:
        """True when each put/delete is on the calendar when it returns (remote calendars)."""
        ...

    def commit(self) -> None:
        """Make every change of the session durable on the calendar (the .ics file: one atomic write)."""
        ...


class WriteThrough:
    """`session()` for the remote writers: the writer itself, every call already durable."""

    write_through = True

    def session(self) -> AbstractContextManager[CalendarSession]:
        return _itself(self)

    def commit(self) -> None:
        """Nothing to do: every call was already made."""


@contextmanager
def _itself(writer: object) -> Iterator[CalendarSession]:
    assert isinstance(writer, CalendarSession)
    yield writer


def event_digest(event: CalendarEvent) -> str:
    """A hash of everything of an event that a calendar shows: stored with the booking, so an event
    that did not change is not written again (a remote calendar is not touched)."""
    return content_id(event.uid, event.title, event.description, event.start.astimezone(UTC).isoformat(),
                      event.end.astimezone(UTC).isoformat(), event.alarm_minutes, event.url, event.status,
                      sorted(event.extra.items()), prefix="e")
