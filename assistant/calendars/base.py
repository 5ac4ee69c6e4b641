"""The port every calendar writer implements.

Writes are idempotent by `CalendarEvent.uid` (the suggestion id, derived from the commitment): putting
the same uid twice leaves one event, and `get` finds an event a crashed run already wrote.
Adapters: ics (default), caldav, google, outlook."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from assistant.models import CalendarEvent


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
