"""A booking pass: one read and one atomic write of the .ics file whatever the number of events, a stop
request honoured between two events with nothing lost or doubled, progress reported, and a remote
calendar not touched for an event that did not change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import icalendar

from assistant import booking
from assistant.calendars.base import CalendarSession, CalendarWriter, WriteThrough
from assistant.models import CalendarEvent
from assistant.store import open_store
from assistant.watcher import StopFlag
from tests.test_booking import NOW, ROOT, CountingWriter, fill, worker_config
from tests.track_fixtures import at, config


def events_in(path: Path) -> list[str]:
    return [str(v.get("UID")) for v in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def test_a_pass_reads_the_file_once_and_writes_it_once(tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book", max_bookings_per_day=100)
    with open_store(tmp_path / "db.sqlite3") as store:
        ids = fill(store, 40, cfg)
        writer = CountingWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
        outcomes = booking.book_due(store, writer, cfg, NOW)
        assert len(outcomes) == 40 and {o.action for o in outcomes} == {"booked"}
        assert (writer.reads, writer.writes, writer.puts) == (1, 1, 40)
        assert sorted(events_in(tmp_path / "f.ics")) == sorted(ids)
        assert {b.suggestion_id for b in store.bookings(["booked"])} == set(ids)
        # a pass with nothing to do reads the file once and does not write it
        assert booking.book_due(store, writer, cfg, NOW) == []
        assert (writer.reads, writer.writes) == (2, 1)


def test_a_stop_request_ends_the_pass_between_two_events_and_the_next_pass_books_the_rest(tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book", max_bookings_per_day=100)
    with open_store(tmp_path / "db.sqlite3") as store:
        ids = fill(store, 12, cfg)
        writer = CountingWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
        stop = StopFlag()
        seen: list[tuple[int, int]] = []

        def progress(done: int, total: int) -> None:
            seen.append((done, total))
            if done == 5:
                stop.set()  # Ctrl-C arrives while the fifth event is booked

        first = booking.book_due(store, writer, cfg, NOW, stop=stop, progress=progress)
        assert seen == [(i, 12) for i in range(1, 6)]
        assert len(first) == 5 and writer.writes == 1
        booked = {b.suggestion_id for b in store.bookings(["booked"])}
        assert booked == {o.suggestion.id for o in first} == set(events_in(tmp_path / "f.ics"))
        rest = booking.book_due(store, writer, cfg, NOW)
        assert len(rest) == 7 and {o.action for o in rest} == {"booked"}
        uids = events_in(tmp_path / "f.ics")
        assert sorted(uids) == sorted(ids) and len(uids) == len(set(uids))


def test_sigterm_while_booking_stops_between_two_events_and_loses_nothing(tmp_path: Path) -> None:
    cfg_path = worker_config(tmp_path)
    db = tmp_path / "db.sqlite3"
    with open_store(db) as st:
        ids = fill(st, 20, config(tmp_path, mode="book"))
    cmd = [sys.executable, "-m", "tests.booking_worker", "--config", str(cfg_path), "--db", str(db),
           "--now", "2026-11-20T09:00"]
    done = subprocess.run([*cmd, "--sigterm-after-put", "7"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "stopped" in done.stdout, done.stderr[-2000:]
    ics = tmp_path / "followups.ics"
    with open_store(db) as st:
        booked = {b.suggestion_id for b in st.bookings(["booked"])}
    assert len(booked) == 7 and set(events_in(ics)) == booked  # recorded exactly what is on the calendar
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "finished" in again.stdout, again.stderr[-2000:]
    uids = events_in(ics)
    assert sorted(uids) == sorted(ids) and len(uids) == len(set(uids))


class RemoteCalendar(WriteThrough):
    """An in-memory remote calendar that counts every call made to it."""

    kind = "fake"

    def __init__(self) -> None:
        self.events: dict[str, CalendarEvent] = {}
        self.calls: list[str] = []

    @property
    def target(self) -> str:
        return "fake:remote"

    def put(self, event: CalendarEvent) -> str:
        self.calls.append(f"put {event.uid}")
        self.events[event.uid] = event
        return event.uid

    def get(self, uid: str) -> CalendarEvent | None:
        self.calls.append(f"get {uid}")
        return self.events.get(uid)

    def delete(self, uid: str) -> None:
        self.calls.append(f"delete {uid}")
        self.events.pop(uid, None)

    def uids(self) -> set[str]:
        return set(self.events)


def test_a_remote_calendar_is_not_touched_for_an_event_that_did_not_change(tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book", max_bookings_per_day=100)
    remote = RemoteCalendar()
    assert isinstance(remote, CalendarWriter)
    with remote.session() as cal:
        assert isinstance(cal, CalendarSession) and cal.write_through
    with open_store(tmp_path / "db.sqlite3") as store:
        ids = fill(store, 3, cfg)
        booking.book_due(store, remote, cfg, NOW)
        assert sorted(remote.calls) == sorted([f"get {i}" for i in ids] + [f"put {i}" for i in ids])
        remote.calls.clear()
        assert booking.book_due(store, remote, cfg, NOW) == [] and remote.calls == []
        assert booking.book(store, remote, ids[0], NOW, cfg).action == "already-booked" and remote.calls == []
        s = store.suggestion(ids[0])
        assert s is not None
        booking.reschedule(store, remote, ids[0], start=s.start, now=NOW, config=cfg)  # the same time again
        assert remote.calls == []
        later = at("2026-11-23T11:00")
        booking.reschedule(store, remote, ids[0], start=later, now=NOW, config=cfg)  # a real change
        assert remote.calls == [f"put {ids[0]}"] and remote.events[ids[0]].start == later
