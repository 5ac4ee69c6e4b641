"""The embedded default calendar: one iCalendar file the rep subscribes to or imports.

One VCALENDAR holds every follow-up as a VEVENT whose UID is the suggestion id (stable across runs), with
a VALARM, a DESCRIPTION linking back to the message, and DTSTART/DTEND with a TZID in the rep's zone
(the VTIMEZONE is included). Every change rewrites the file through a temp file and `os.replace`, under
an advisory lock, so a crash never leaves a broken file and two processes never lose each other's events."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from filelock import FileLock
from icalendar import Alarm, Calendar, Event

from assistant.clock import Clock, system_clock
from assistant.errors import CalendarError
from assistant.models import CalendarEvent

PRODID = "-//Follow-through//follow-ups//EN"


class IcsWriter:
    """CalendarWriter over one .ics file; `put` is an upsert by UID. Each call on the writer itself reads
    and writes the file; a `session()` reads it once and writes it once, however many events change."""

    kind = "ics"

    def __init__(self, path: Path | str, *, timezone: str = "UTC", name: str = "Follow-ups",
                 clock: Clock = system_clock) -> None:
        self.path = Path(path)
        self.zone = ZoneInfo(timezone)
        self.name = name
        self.clock = clock

    @property
    def target(self) -> str:
        return f"ics:{self.path}"

    # -- the port ---------------------------------------------------------------------------------
    def put(self, event: CalendarEvent) -> str:
        with self.session() as cal:
            return cal.put(event)

    def get(self, uid: str) -> CalendarEvent | None:
        vevent = _index(self._read()).get(uid)
        return self._event(vevent) if vevent is not None else None

    def delete(self, uid: str) -> None:
        with self.session() as cal:
            cal.delete(uid)

    def uids(self) -> set[str]:
        return set(_index(self._read()))

    def events(self) -> list[CalendarEvent]:
        """Every event in the file, by start (for the demo table and the tests)."""
        return sorted((self._event(v) for v in self._vevents(self._read())), key=lambda e: (e.start, e.uid))

    def feed(self) -> bytes:
        """The calendar as iCalendar text, for a subscription (`assistant serve` publishes it): the file as
        the last write left it (writes are atomic renames, so no lock is needed to read it whole), or an
        empty calendar before the first booking. A damaged file raises CalendarError, never half a feed."""
        return bytes(self._read().to_ical())

    @contextmanager
    def session(self) -> Iterator[IcsSession]:
        """Under the file's lock: one read now, every change in memory, one atomic write on `commit()`
        (and on leaving the block normally; nothing is written when it is left by an exception)."""
        with self._locked():
            cal = IcsSession(self, self._read())
            yield cal
            cal.commit()

    # -- the file ---------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.path.with_name(f".{self.path.name}.lock")):  # flock on POSIX, msvcrt on Windows
            yield

    def _read(self) -> Calendar:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return self._empty()
        except OSError as e:
            raise CalendarError(f"cannot read {self.path} ({e.strerror}): check calendar.path and its permissions") from None
        if not data.strip():
            return self._empty()
        try:
            return Calendar.from_ical(data)
        except ValueError as e:
            raise CalendarError(
                f"{self.path} is not a valid iCalendar file ({e}): move it away and run again to rebuild it") from None

    def _empty(self) -> Calendar:
        cal = Calendar()
        cal.add("PRODID", PRODID)
        cal.add("VERSION", "2.0")
        cal.add("CALSCALE", "GREGORIAN")
        cal.add("METHOD", "PUBLISH")
        cal.add("X-WR-CALNAME", self.name)
        cal.add("X-WR-TIMEZONE", str(self.zone.key))
        return cal

    def _write(self, cal: Calendar) -> None:
        cal.subcomponents[:] = [c for c in cal.subcomponents if c.name != "VTIMEZONE"]
        if self._vevents(cal):
            cal.add_missing_timezones()
            # VTIMEZONE first, as RFC 5545 readers expect.
            cal.subcomponents.sort(key=lambda c: 0 if c.name == "VTIMEZONE" else 1)
        data = cal.to_ical()
        # Temp files exist only while a writer holds the lock: any found now are from a writer that was
        # killed mid-write (its rename never happened), so they are garbage.
        for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _vevents(cal: Calendar) -> list[Any]:
        return [c for c in cal.subcomponents if c.name == "VEVENT"]

    def _vevent(self, event: CalendarEvent, sequence: int) -> Event:
        if event.start.tzinfo is None or event.end.tzinfo is None:
            raise CalendarError(f"event {event.uid} has a naive time: the tracker must give aware times")
        v = Event()
        v.add("UID", event.uid)
        v.add("DTSTAMP", self.clock().astimezone(UTC).replace(microsecond=0))
        v.add("SEQUENCE", sequence)
        v.add("SUMMARY", event.title)
        v.add("DESCRIPTION", event.description)
        v.add("DTSTART", event.start.astimezone(self.zone))
        v.add("DTEND", event.end.astimezone(self.zone))
        v.add("STATUS", event.status)
        v.add("TRANSP", "OPAQUE")
        if event.url:
            v.add("URL", event.url)
        for key, value in sorted(event.extra.items()):
            v.add(f"X-FOLLOW-THROUGH-{key.upper().replace('_', '-')}", value)
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", event.title)
        alarm.add("TRIGGER", timedelta(minutes=-event.alarm_minutes))
        v.add_component(alarm)
        return v

    @staticmethod
    def _event(v: Any) -> CalendarEvent:
        start = v.decoded("DTSTART")
        end = v.decoded("DTEND") if v.get("DTEND") else start
        alarm_minutes = 0
        for alarm in v.walk("VALARM"):
            trigger = alarm.decoded("TRIGGER")
            if isinstance(trigger, timedelta):
                alarm_minutes = int(-trigger.total_seconds() // 60)
        extra = {k[len("X-FOLLOW-THROUGH-"):].lower().replace("-", "_"): str(val)
                 for k, val in v.items() if k.startswith("X-FOLLOW-THROUGH-")}
        if not isinstance(start, datetime):
            start = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
            end = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
        return CalendarEvent(
            uid=str(v.get("UID")), title=str(v.get("SUMMARY", "")), description=str(v.get("DESCRIPTION", "")),
            start=start, end=end, alarm_minutes=alarm_minutes, url=str(v.get("URL", "")),
            status=str(v.get("STATUS", "CONFIRMED")),  # type: ignore[arg-type]
            extra=extra,
        )


def _index(cal: Calendar) -> dict[str, Any]:
    """The file's VEVENTs by UID (the last one wins, as a calendar app shows it)."""
    return {str(c.get("UID")): c for c in cal.subcomponents if c.name == "VEVENT"}


class IcsSession:
    """The .ics file held in memory for a session: the port's calls change the memory, `commit()`
    writes the whole file once through a temp file and `os.replace` (see IcsWriter.session)."""

    kind = "ics"
    write_through = False

    def __init__(self, writer: IcsWriter, cal: Calendar) -> None:
        self.writer = writer
        self.cal = cal
        self.events = _index(cal)
        self.dirty = False

    @property
    def target(self) -> str:
        return self.writer.target

    def put(self, event: CalendarEvent) -> str:
        old = self.events.pop(event.uid, None)  # (re-inserted last: the file keeps the order of writes)
        sequence = int(old.get("SEQUENCE", 0)) + 1 if old is not None else 0
        self.events[event.uid] = self.writer._vevent(event, sequence)
        self.dirty = True
        return event.uid

    def get(self, uid: str) -> CalendarEvent | None:
        vevent = self.events.get(uid)
        return self.writer._event(vevent) if vevent is not None else None

    def delete(self, uid: str) -> None:
        if self.events.pop(uid, None) is not None:
            self.dirty = True

    def uids(self) -> set[str]:
        return set(self.events)

    def session(self) -> AbstractContextManager[IcsSession]:
        return nullcontext(self)

    def commit(self) -> None:
        if not self.dirty:
            return
        others = [c for c in self.cal.subcomponents if c.name not in ("VEVENT", "VTIMEZONE")]
        self.cal.subcomponents[:] = [*others, *self.events.values()]
        self.writer._write(self.cal)
        self.dirty = False
