"""One contract every calendar writer keeps (like vdirsyncer's storage tests): the .ics file, CalDAV
against a real Radicale, Google Calendar and Outlook against their local fakes.

The rep's zone is America/New_York, where daylight saving time ends on 2026-11-01."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.calendars import open_calendar
from assistant.calendars.base import CalendarWriter
from assistant.config import AccountConfig, parse_config
from assistant.models import CalendarEvent
from tests.calendar_backends import ZONE, Backend, backend_fixture

backend = backend_fixture()

NY = ZoneInfo(ZONE)


def event(uid: str, start: datetime, *, title: str = "Call Ed Park (Acme)", minutes: int = 15,
          url: str = "https://mail.example/thread/123", description: str = "No reply to your proposal. Call Ed.",
          alarm: int = 10) -> CalendarEvent:
    return CalendarEvent(uid=uid, title=title, description=description, start=start,
                         end=start + timedelta(minutes=minutes), alarm_minutes=alarm, url=url)


def same_moment_in_rep_zone(got: datetime, want: datetime) -> None:
    """Same instant, expressed in the rep's zone with the same wall-clock time there."""
    assert got.astimezone(UTC) == want.astimezone(UTC)
    assert got.utcoffset() == want.astimezone(NY).utcoffset()
    assert got.replace(tzinfo=None) == want.astimezone(NY).replace(tzinfo=None)


def test_the_writer_implements_the_port(backend: Backend) -> None:
    writer = backend.make()
    assert isinstance(writer, CalendarWriter)
    assert writer.kind == backend.kind
    assert writer.target.startswith(f"{backend.kind}:")


def test_put_then_get_returns_the_same_event_in_the_reps_zone(backend: Backend) -> None:
    writer = backend.make()
    ev = event("ft00000000000000000001", datetime(2026, 11, 19, 8, 15, tzinfo=NY), alarm=25)
    writer.put(ev)
    got = backend.make().get(ev.uid)  # a fresh writer: what a restarted process sees
    assert got is not None
    assert (got.uid, got.title, got.url, got.alarm_minutes) == (ev.uid, ev.title, ev.url, 25)
    assert got.description.startswith(ev.description)
    same_moment_in_rep_zone(got.start, ev.start)
    same_moment_in_rep_zone(got.end, ev.end)
    assert backend.count() == 1


def test_times_given_in_another_zone_come_back_in_the_reps_zone(backend: Backend) -> None:
    writer = backend.make()
    start = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
    writer.put(event("ft00000000000000000002", start))
    got = writer.get("ft00000000000000000002")
    assert got is not None
    assert (got.start.hour, got.start.minute) == (10, 0)
    same_moment_in_rep_zone(got.start, start)


@pytest.mark.parametrize("zone", ["Europe/Madrid", "Asia/Kolkata", "America/Argentina/Cordoba"])
def test_a_rep_in_any_iana_zone_books_and_reads_back(backend: Backend, zone: str) -> None:
    """Issue 14: Graph takes Windows zone names and a short list of IANA names only (Europe/Madrid got
    400 and nothing was booked) and answers with Windows names. Every calendar: the rep's wall clock kept."""
    assert backend.make_in is not None
    tz = ZoneInfo(zone)
    ev = event("ft00000000000000000014", datetime(2026, 11, 19, 9, 30, tzinfo=tz))
    backend.make_in(zone).put(ev)
    got = backend.make_in(zone).get(ev.uid)
    assert got is not None
    assert got.start == ev.start and got.end == ev.end
    assert (got.start.hour, got.start.minute, got.start.utcoffset()) == (9, 30, ev.start.utcoffset())
    from_ny = backend.make().get(ev.uid)  # the same event read by a writer in New York: the same moment
    assert from_ny is not None and from_ny.start == ev.start
    backend.make_in(zone).put(replace(ev, start=ev.start + timedelta(hours=1), end=ev.end + timedelta(hours=1)))
    moved = backend.make_in(zone).get(ev.uid)
    assert moved is not None and (moved.start.hour, moved.start.minute) == (10, 30)
    assert backend.count() == 1


def test_get_of_an_unknown_uid_is_none(backend: Backend) -> None:
    assert backend.make().get("ft-never-put-0000000000") is None


def test_put_twice_leaves_one_event(backend: Backend) -> None:
    ev = event("ft00000000000000000003", datetime(2026, 11, 20, 9, 0, tzinfo=NY))
    first = backend.make().put(ev)
    second = backend.make().put(ev)  # a rerun after a crash: a new process puts the same event again
    assert first == second
    assert backend.count() == 1
    assert backend.make().uids() == {ev.uid}


def test_update_changes_title_and_time_in_place(backend: Backend) -> None:
    writer = backend.make()
    ev = event("ft00000000000000000004", datetime(2026, 11, 20, 9, 0, tzinfo=NY))
    writer.put(ev)
    moved = replace(ev, title="Call Ed Park about the renewal", start=datetime(2026, 11, 24, 14, 30, tzinfo=NY),
                    end=datetime(2026, 11, 24, 15, 0, tzinfo=NY))
    writer.put(moved)
    got = backend.make().get(ev.uid)
    assert got is not None
    assert got.title == "Call Ed Park about the renewal"
    same_moment_in_rep_zone(got.start, moved.start)
    same_moment_in_rep_zone(got.end, moved.end)
    assert backend.count() == 1


def test_delete_then_get_is_none(backend: Backend) -> None:
    writer = backend.make()
    ev = event("ft00000000000000000005", datetime(2026, 11, 20, 9, 0, tzinfo=NY))
    writer.put(ev)
    writer.delete(ev.uid)
    assert writer.get(ev.uid) is None
    assert backend.make().get(ev.uid) is None
    assert writer.uids() == set()
    assert backend.count() == 0


def test_delete_of_a_missing_uid_is_fine(backend: Backend) -> None:
    writer = backend.make()
    writer.delete("ft-never-put-0000000000")
    ev = event("ft00000000000000000006", datetime(2026, 11, 20, 9, 0, tzinfo=NY))
    writer.put(ev)
    writer.delete(ev.uid)
    writer.delete(ev.uid)  # twice: a rerun of a cancel
    assert backend.count() == 0


def test_put_after_delete_books_it_again_once(backend: Backend) -> None:
    """A snoozed follow-up leaves the calendar and later comes back with the same uid."""
    writer = backend.make()
    ev = event("ft00000000000000000007", datetime(2026, 11, 20, 9, 0, tzinfo=NY))
    writer.put(ev)
    writer.delete(ev.uid)
    later = replace(ev, start=datetime(2026, 11, 27, 9, 0, tzinfo=NY), end=datetime(2026, 11, 27, 9, 15, tzinfo=NY))
    writer.put(later)
    writer.put(later)
    got = backend.make().get(ev.uid)
    assert got is not None
    same_moment_in_rep_zone(got.start, later.start)
    assert backend.count() == 1
    assert writer.uids() == {ev.uid}


def test_snoozed_twice_and_booked_again_is_one_event_that_a_new_process_finds(backend: Backend) -> None:
    """Issue 14: a deleted event may keep its id on the server (Google: cancelled, 409 on insert, 403 on
    update). Booked, snoozed, booked, snoozed, booked: one event, found, moved and deleted by a fresh writer."""
    ev = event("ft00000000000000000013", datetime(2026, 11, 20, 9, 0, tzinfo=NY))
    for days in (0, 3, 7):
        moved = replace(ev, start=ev.start + timedelta(days=days), end=ev.end + timedelta(days=days))
        backend.make().put(moved)
        backend.make().put(moved)  # a retry: no second event
        assert backend.count() == 1
        got = backend.make().get(ev.uid)
        assert got is not None
        same_moment_in_rep_zone(got.start, moved.start)
        if days != 7:
            backend.make().delete(ev.uid)
            assert backend.count() == 0 and backend.make().get(ev.uid) is None
    assert backend.make().uids() == {ev.uid}
    backend.make().put(replace(ev, title="Renamed"))
    got = backend.make().get(ev.uid)
    assert got is not None and got.title == "Renamed" and backend.count() == 1
    backend.make().delete(ev.uid)
    assert backend.count() == 0 and backend.make().uids() == set()


def test_uids_lists_exactly_what_was_put(backend: Backend) -> None:
    writer = backend.make()
    uids = {f"ft{i:020d}" for i in range(12)}  # more than one page of Graph's default 10
    base = datetime(2026, 11, 16, 9, 0, tzinfo=NY)
    for i, uid in enumerate(sorted(uids)):
        writer.put(event(uid, base + timedelta(hours=i)))
    assert backend.make().uids() == uids
    gone = sorted(uids)[3]
    writer.delete(gone)
    assert backend.make().uids() == uids - {gone}
    assert backend.count() == len(uids) - 1


def test_times_across_the_dst_change_are_kept(backend: Backend) -> None:
    writer = backend.make()
    before = event("ft00000000000000000008", datetime(2026, 10, 30, 9, 0, tzinfo=NY))  # EDT, UTC-4
    after = event("ft00000000000000000009", datetime(2026, 11, 2, 9, 0, tzinfo=NY))  # EST, UTC-5
    # Saturday 23:30 EDT to Sunday 03:00 EST: four and a half hours of real time across the change.
    across = CalendarEvent(uid="ft00000000000000000010", title="Overnight", description="",
                           start=datetime(2026, 10, 31, 23, 30, tzinfo=NY), end=datetime(2026, 11, 1, 3, 0, tzinfo=NY))
    for ev in (before, after, across):
        writer.put(ev)
    fresh = backend.make()
    got_before, got_after, got_across = (fresh.get(e.uid) for e in (before, after, across))
    assert got_before is not None and got_after is not None and got_across is not None
    assert (got_before.start.hour, got_before.start.utcoffset()) == (9, timedelta(hours=-4))
    assert (got_after.start.hour, got_after.start.utcoffset()) == (9, timedelta(hours=-5))
    same_moment_in_rep_zone(got_across.start, across.start)
    same_moment_in_rep_zone(got_across.end, across.end)
    assert got_across.end.astimezone(UTC) - got_across.start.astimezone(UTC) == timedelta(hours=4, minutes=30)


def test_the_link_back_to_the_message_survives(backend: Backend) -> None:
    writer = backend.make()
    ev = event("ft00000000000000000011", datetime(2026, 11, 20, 9, 0, tzinfo=NY),
               url="https://mail.example/open?id=%3Cabc%40acme.com%3E", description="Ed said he'd call by Wednesday.")
    writer.put(ev)
    got = writer.get(ev.uid)
    assert got is not None
    assert got.url == ev.url
    assert "Ed said he'd call by Wednesday." in got.description


@pytest.mark.parametrize("kind, module, cls", [
    ("caldav", "assistant.calendars.caldav", "CalDavWriter"),
    ("google", "assistant.calendars.google", "GoogleCalendarWriter"),
    ("outlook", "assistant.calendars.outlook", "OutlookCalendarWriter"),
])
def test_open_calendar_builds_each_remote_writer_from_config(kind: str, module: str, cls: str) -> None:
    options = {"caldav": {"url": "https://dav.example.com/", "username": "rep", "password_env": "NOPE"},
               "google": {"account": "work"}, "outlook": {"account": "work"}}[kind]
    account_kind = {"google": "gmail", "outlook": "outlook", "caldav": "imap"}[kind]
    config = parse_config({"rep": {"timezone": ZONE},
                           "accounts": [{"name": "work", "kind": account_kind,
                                         **({"host": "imap.example.com"} if account_kind == "imap" else {})}],
                           "calendar": {"kind": kind, **options}})
    writer = open_calendar(config)  # builds only: nothing is contacted until the first call
    assert type(writer).__module__ == module and type(writer).__name__ == cls
    assert writer.kind == kind


def test_a_note_keeps_the_event_tentative_with_its_extras(backend: Backend) -> None:
    """A reply after booking may leave the event with a note (tracker.on_reply_after_booking = "note")."""
    writer = backend.make()
    ev = replace(event("ft00000000000000000012", datetime(2026, 11, 20, 9, 0, tzinfo=NY)),
                 extra={"commitment": "c0ffee"})
    writer.put(ev)
    noted = replace(ev, title=f"No longer needed: {ev.title}", status="TENTATIVE",
                    description=f"No longer needed: they replied\n\n{ev.description}")
    writer.put(noted)
    got = backend.make().get(ev.uid)
    assert got is not None
    assert (got.title, got.status) == (noted.title, "TENTATIVE")
    assert got.description.startswith("No longer needed: they replied")
    assert got.extra.get("commitment") == "c0ffee"
    assert backend.count() == 1


def raw_status(backend: Backend) -> list[str]:
    """How each event's status reads in the provider's own terms: iCalendar STATUS (the .ics file,
    Radicale's stored resources), Google's `status`, Outlook's `showAs`."""
    import icalendar

    from tests.calendar_backends import radicale_event_files

    if backend.kind == "ics":
        cal = icalendar.Calendar.from_ical(backend.server.read_bytes())
        return [str(v.get("STATUS")) for v in cal.walk("VEVENT")]
    if backend.kind == "caldav":
        return [str(v.get("STATUS")) for p in radicale_event_files(backend.server)
                for v in icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT")]
    if backend.kind == "google":
        return [str(e["status"]) for e in backend.server.live()]
    return [str(e["showAs"]) for e in backend.server.live()]


PROVIDER_WORDS = {"ics": ("TENTATIVE", "CONFIRMED"), "caldav": ("TENTATIVE", "CONFIRMED"),
                  "google": ("tentative", "confirmed"), "outlook": ("tentative", "busy")}


def test_a_hold_is_tentative_then_confirmed_in_the_providers_own_terms(backend: Backend) -> None:
    """A fallback's hold (issue 11): TENTATIVE at once, CONFIRMED in place when the silence passes, gone
    when a real reply comes. The same uid throughout: one event, never two."""
    tentative, confirmed = PROVIDER_WORDS[backend.kind]
    hold = replace(event("ft00000000000000000021", datetime(2026, 11, 19, 8, 15, tzinfo=NY)), status="TENTATIVE")
    backend.make().put(hold)
    assert raw_status(backend) == [tentative]
    got = backend.make().get(hold.uid)
    assert got is not None and got.status == "TENTATIVE"
    backend.make().put(replace(hold, status="CONFIRMED"))
    assert raw_status(backend) == [confirmed] and backend.count() == 1
    got = backend.make().get(hold.uid)
    assert got is not None and got.status == "CONFIRMED"
    backend.make().delete(hold.uid)
    assert backend.count() == 0 and backend.make().get(hold.uid) is None


def test_the_trackers_hold_goes_through_booking_on_every_calendar(backend: Backend, tmp_path: Path) -> None:
    """The whole path on each adapter: a fallback is held (tentative) when it is sent, confirmed in place
    when its moment passes in silence; a second fallback's hold is deleted when the buyer replies."""
    from assistant import booking, tracker
    from assistant.store import open_store
    from tests.track_fixtures import REP, message, promise

    assert backend.config is not None
    config = replace(backend.config, accounts=(AccountConfig(name="work", kind="local"),))
    store = open_store(tmp_path / "db.sqlite3")
    sent = datetime(2026, 11, 16, 10, 0, tzinfo=NY)
    for key, thread, buyer, due in (("f1", "t1", "ed.park@acme.com", datetime(2026, 11, 19, 8, 15, tzinfo=NY)),
                                    ("f2", "t2", "kim@contoso.com", datetime(2026, 11, 19, 9, 30, tzinfo=NY))):
        m = message(store, key, thread=thread, to=(buyer,), sent_at=sent,
                    body=f"I'll call you Thursday at {due:%H:%M} if I haven't heard back.")
        promise(store, m, due=due, has_time=True, conditional=True)
    tentative, confirmed = PROVIDER_WORDS[backend.kind]
    tracker.track(store, config, sent + timedelta(minutes=5))
    booking.book_due(store, backend.make(), config, sent + timedelta(minutes=5))
    assert sorted(raw_status(backend)) == [tentative, tentative]
    message(store, "r2", thread="t2", direction="received", sender="kim@contoso.com", to=(REP,),
            sent_at=datetime(2026, 11, 17, 15, 0, tzinfo=NY), body="Thursday is fine, no need to call.")
    after = datetime(2026, 11, 19, 8, 16, tzinfo=NY)
    tracker.track(store, config, after)
    booking.book_due(store, backend.make(), config, after)
    assert raw_status(backend) == [confirmed] and backend.count() == 1
    (uid,) = backend.make().uids()
    got = backend.make().get(uid)
    assert got is not None and got.status == "CONFIRMED"
    same_moment_in_rep_zone(got.start, datetime(2026, 11, 19, 8, 15, tzinfo=NY))
