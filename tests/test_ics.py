"""The .ics writer: a valid VCALENDAR with stable UIDs, VALARM, VTIMEZONE, link back, atomic writes."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from assistant.calendars import open_calendar
from assistant.calendars.base import CalendarWriter
from assistant.calendars.ics import IcsWriter
from assistant.errors import CalendarError
from assistant.models import CalendarEvent
from tests.track_fixtures import at, config


def event(uid: str = "ft1", start: str = "2026-11-20T09:00", title: str = "Call Ed Park (Acme) — you promised: x") \
        -> CalendarEvent:
    s = at(start)
    return CalendarEvent(uid=uid, title=title, description="Promise: “I'll call you”\nMessage: message:%3Ca@b%3E",
                         start=s, end=s + timedelta(minutes=15), alarm_minutes=10, url="message:%3Ca@b%3E")


def test_put_get_delete_roundtrip(tmp_path: Path) -> None:
    w = IcsWriter(tmp_path / "f.ics", timezone="America/New_York")
    assert isinstance(w, CalendarWriter)
    assert w.get("ft1") is None and w.uids() == set()
    assert w.put(event()) == "ft1"
    got = w.get("ft1")
    assert got is not None and got.title == event().title and got.start == at("2026-11-20T09:00")
    assert got.description == event().description and got.url == "message:%3Ca@b%3E" and got.alarm_minutes == 10
    w.delete("ft1")
    w.delete("ft1")  # already gone: no error
    assert w.uids() == set()


def test_put_is_an_upsert_by_uid(tmp_path: Path) -> None:
    w = IcsWriter(tmp_path / "f.ics", timezone="America/New_York")
    w.put(event())
    w.put(event("ft2", "2026-11-20T10:00"))
    w.put(event(start="2026-11-23T11:00", title="moved"))
    assert w.uids() == {"ft1", "ft2"}
    assert w.get("ft1").title == "moved" and w.get("ft1").start == at("2026-11-23T11:00")  # type: ignore[union-attr]


def test_file_is_valid_icalendar_with_vtimezone_valarm_and_tzid(tmp_path: Path) -> None:
    w = IcsWriter(tmp_path / "f.ics", timezone="America/New_York")
    w.put(event())
    w.put(event("ft2", "2026-06-15T14:00"))  # summer time
    raw = (tmp_path / "f.ics").read_bytes()
    cal = Calendar.from_ical(raw)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    vevents = cal.walk("VEVENT")
    assert {str(v["UID"]) for v in vevents} == {"ft1", "ft2"}
    for v in vevents:
        assert v["DTSTART"].params["TZID"] == "America/New_York"
        assert v.walk("VALARM")[0]["TRIGGER"].dt == timedelta(minutes=-10)
        assert "message:%3Ca@b%3E" in str(v["DESCRIPTION"])
    assert b"DTSTART;TZID=America/New_York:20261120T090000" in raw
    assert b"DTSTART;TZID=America/New_York:20260615T140000" in raw
    assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")


def test_events_from_another_zone_are_written_in_the_reps_zone(tmp_path: Path) -> None:
    w = IcsWriter(tmp_path / "f.ics", timezone="Europe/Berlin")
    w.put(event())  # 09:00 New York = 15:00 Berlin
    assert b"DTSTART;TZID=Europe/Berlin:20261120T150000" in (tmp_path / "f.ics").read_bytes()


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.ics"
    w = IcsWriter(path, timezone="America/New_York")
    w.put(event())
    before = path.read_bytes()

    def boom(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        w.put(event("ft2"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_a_broken_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "f.ics"
    path.write_text("this is not a calendar")
    with pytest.raises(CalendarError, match="not a valid iCalendar file"):
        IcsWriter(path).uids()


def test_open_calendar_maps_kinds(tmp_path: Path) -> None:
    writer = open_calendar(config(tmp_path))
    assert isinstance(writer, IcsWriter) and writer.path == tmp_path / "followups.ics"
    assert writer.target == f"ics:{tmp_path / 'followups.ics'}"


def test_a_temp_file_left_by_a_killed_writer_is_cleared_on_the_next_write(tmp_path: Path) -> None:
    writer = IcsWriter(tmp_path / "followups.ics", timezone="America/New_York")
    writer.put(event("ft1"))
    stale = tmp_path / ".followups.ics.k1ll3d.tmp"
    stale.write_bytes(b"BEGIN:VCALENDAR\r\n")  # a writer died between its temp write and the rename
    other = tmp_path / ".other.ics.x.tmp"
    other.write_bytes(b"")
    writer.put(event("ft2", start="2026-11-20T10:00"))
    assert not stale.exists() and other.exists()
    assert writer.uids() == {"ft1", "ft2"}
