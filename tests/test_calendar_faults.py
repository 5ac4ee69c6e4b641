"""How each remote calendar writer behaves when the server misbehaves: 5xx and 429 are retried (429
after the server's Retry-After) and end in exactly one event; a lost answer to a write that the server
did carry out does not duplicate it; 409 on a create means "already there", so it is updated; 401 stops
at once with an AuthError naming the command that fixes it. Waits are recorded, never slept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from assistant.calendars.caldav import CalDavWriter
from assistant.calendars.google import GoogleCalendarWriter, event_id_for, uid_for
from assistant.calendars.outlook import OutlookCalendarWriter
from assistant.errors import AuthError, CalendarError, TransientError
from assistant.models import CalendarEvent
from tests.calendar_backends import Backend, backend_fixture, make_config
from tests.fakes.base import Response

NY = ZoneInfo("America/New_York")

backend = backend_fixture(("caldav", "google", "outlook"))


def event(uid: str = "ft0a1b2c3d4e5f60718293", title: str = "Call Ed Park (Acme)") -> CalendarEvent:
    start = datetime(2026, 11, 19, 8, 15, tzinfo=NY)
    return CalendarEvent(uid=uid, title=title, description="You promised a call.", start=start,
                         end=start + timedelta(minutes=15), url="https://mail.example/thread/1")


def inject(backend: Backend, status: int, *, times: int = 1, method: str | None = None,
           headers: dict[str, str] | None = None) -> None:
    """The next `times` matching requests to whichever server the backend uses answer `status`."""
    backend.server.fail_next(status, times=times, method=method, headers=headers)


def write_method(kind: str) -> str:
    return {"caldav": "PUT", "google": "POST", "outlook": "POST"}[kind]


# -- shared behaviour, every remote writer -------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_the_write_are_retried_and_leave_one_event(backend: Backend, status: int) -> None:
    writer = backend.make()
    writer.uids()  # connect first, so the faults hit the write itself
    inject(backend, status, times=2, method=write_method(backend.kind))
    writer.put(event())
    assert backend.count() == 1
    assert writer.get(event().uid) is not None
    assert len(backend.sleeps) >= 2  # two failed answers, two waits


def test_429_waits_for_retry_after_then_succeeds(backend: Backend) -> None:
    writer = backend.make()
    writer.uids()
    inject(backend, 429, times=2, method=write_method(backend.kind), headers={"Retry-After": "7"})
    writer.put(event())
    assert backend.sleeps[-2:] == [7.0, 7.0]
    assert backend.count() == 1


def test_reads_are_retried_too(backend: Backend) -> None:
    writer = backend.make()
    writer.put(event())
    inject(backend, 503, times=2, method="GET" if backend.kind != "caldav" else None)
    got = writer.get(event().uid)
    assert got is not None and got.title == event().title
    assert len(backend.sleeps) == 2


def test_a_server_that_keeps_failing_gives_a_transient_error_and_no_event(backend: Backend) -> None:
    writer = backend.make()
    writer.uids()
    inject(backend, 503, times=100, method=write_method(backend.kind))
    with pytest.raises(TransientError) as info:
        writer.put(event())
    assert "will retry" in str(info.value)
    assert backend.count() == 0


def test_401_is_an_auth_error_naming_the_login_command_and_is_not_retried(backend: Backend) -> None:
    writer = backend.make()
    inject(backend, 401, times=100)
    with pytest.raises(AuthError) as info:
        writer.put(event())
    message = str(info.value)
    if backend.kind == "caldav":  # no sign-in flow: the message names the config keys that fix it
        assert "calendar.password_command" in message and "calendar.username" in message
    else:
        assert "`assistant login " in message
    assert backend.sleeps == []
    backend.server.faults.clear()
    assert backend.count() == 0


def test_unreachable_server_is_transient(backend: Backend) -> None:
    writer = backend.make()
    backend.server.stop()
    with pytest.raises(TransientError) as info:
        writer.put(event())
    assert "cannot reach" in str(info.value)
    assert len(backend.sleeps) == 4  # five attempts


# -- CalDAV (Radicale) ---------------------------------------------------------------------------
@pytest.mark.server
def test_caldav_lost_answer_to_a_put_does_not_duplicate(radicale_server: Any) -> None:
    from tests.calendar_backends import caldav_backend

    b = caldav_backend(radicale_server)
    writer = b.make()
    writer.uids()
    radicale_server.fail_next(502, method="PUT", after=True)  # Radicale stores it; the client sees 502
    writer.put(event())
    assert b.count() == 1
    assert writer.uids() == {event().uid}


@pytest.mark.server
def test_caldav_wrong_password_names_the_fix_and_hides_the_password(radicale_server: Any) -> None:
    config = make_config({"kind": "caldav", "url": radicale_server.url, "username": "rep", "password": "wr0ng-pass"})
    writer = CalDavWriter(config.calendar, config, sleep=lambda s: None)
    with pytest.raises(AuthError) as info:
        writer.get("ft-anything")
    message = str(info.value)
    assert "refused user 'rep'" in message and "calendar.password_command" in message
    assert "wr0ng-pass" not in message


@pytest.mark.server
def test_caldav_event_carries_tzid_alarm_and_link(radicale_server: Any) -> None:
    from tests.calendar_backends import caldav_backend, radicale_event_files

    b = caldav_backend(radicale_server)
    b.make().put(event())
    (path,) = radicale_event_files(radicale_server)
    text = path.read_text(encoding="utf-8")
    assert path.name == f"{event().uid}.ics"  # the deterministic href
    assert "DTSTART;TZID=America/New_York:20261119T081500" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:America/New_York" in text
    assert "BEGIN:VALARM" in text and "TRIGGER:-PT10M" in text
    assert "URL:https://mail.example/thread/1" in text
    assert "https://mail.example/thread/1" in text.split("DESCRIPTION:", 1)[1].split("\n", 1)[0]


@pytest.mark.server
def test_caldav_uids_ignore_the_reps_own_events(radicale_server: Any) -> None:
    from tests.calendar_backends import caldav_backend

    b = caldav_backend(radicale_server)
    writer = b.make()
    writer.put(event())
    own = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rep//EN\r\nBEGIN:VEVENT\r\nUID:dentist-1\r\n"
           "DTSTAMP:20261101T000000Z\r\nDTSTART:20261120T150000Z\r\nDTEND:20261120T160000Z\r\nSUMMARY:Dentist\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n")
    writer._cal().add_event(own)  # the rep's own event in the same calendar
    assert writer.uids() == {event().uid}
    writer.delete("dentist-1")  # delete goes by uid: it may remove any event it is told to
    assert b.count() == 1


@pytest.mark.server
def test_caldav_finds_an_event_stored_under_another_href(radicale_server: Any) -> None:
    """Another client may have copied the event to its own href: get/put/delete still find it by UID."""
    from tests.calendar_backends import caldav_backend, radicale_event_files

    b = caldav_backend(radicale_server)
    writer = b.make()
    writer.put(event())
    cal = writer._cal()
    data = cal.client.request(writer._href(event().uid), "GET", "").raw
    cal.client.request(writer._href(event().uid), "DELETE", "")
    cal.client.put(str(cal.url.join("other-client-name.ics")), data, {"Content-Type": "text/calendar"})
    assert [p.name for p in radicale_event_files(radicale_server)] == ["other-client-name.ics"]
    assert writer.get(event().uid) is not None
    writer.put(event(title="Moved by the rep"))
    assert b.count() == 1
    got = writer.get(event().uid)
    assert got is not None and got.title == "Moved by the rep"
    writer.delete(event().uid)
    assert b.count() == 0


def test_caldav_needs_a_url() -> None:
    from assistant.errors import ConfigError

    config = make_config({"kind": "caldav"})
    with pytest.raises(ConfigError, match="calendar.url"):
        CalDavWriter(config.calendar, config)


# -- Google Calendar ---------------------------------------------------------------------------
def test_google_event_ids_are_base32hex_and_reversible() -> None:
    for uid in ("ft0a1b2c3d4e5f60718293", "abc", "uid with spaces/and:colons"):
        eid = event_id_for(uid)
        assert set(eid) <= set("0123456789abcdefghijklmnopqrstuv")
        assert 5 <= len(eid) <= 1024
        assert uid_for(eid) == uid
    for uid in ("x", "ab", "u" * 700):  # outside Google's 5..1024 characters when encoded
        eid = event_id_for(uid)
        assert set(eid) <= set("0123456789abcdefghijklmnopqrstuv") and 5 <= len(eid) <= 1024
        assert eid == event_id_for(uid)


@pytest.fixture
def google() -> Any:
    from tests.fakes.google_calendar import FakeGoogleCalendar

    fake = FakeGoogleCalendar()
    fake.start()
    yield fake
    fake.stop()


def google_writer(fake: Any, sleeps: list[float]) -> GoogleCalendarWriter:
    from tests.calendar_backends import google_backend

    b = google_backend(fake)
    b.sleeps = sleeps
    return b.make()  # type: ignore[return-value]


def test_google_duplicate_id_409_becomes_an_update(google: Any) -> None:
    google_writer(google, []).put(event())
    n = len(google.requests)
    google_writer(google, []).put(event(title="Second run"))  # a new process after a crash
    calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in google.requests[n:]]
    eid = event_id_for(event().uid)
    assert calls == [("POST", "events"), ("GET", eid), ("PUT", eid)]  # 409, live: updated in place
    (live,) = google.live()
    assert live["summary"] == "Second run"


def test_google_refuses_to_update_a_deleted_event_like_the_real_service(google: Any) -> None:
    """The fake keeps Google's documented answers (google-api-ruby-client#1811): a deleted event's id
    answers 409 to an insert and 403 to an update; nothing brings it back."""
    writer = google_writer(google, [])
    writer.put(event())
    writer.delete(event().uid)
    eid = event_id_for(event().uid)
    service = writer._events()
    from googleapiclient.errors import HttpError

    body = {"id": eid, "summary": "again", "start": {"dateTime": "2026-11-20T09:00:00Z"},
            "end": {"dateTime": "2026-11-20T09:15:00Z"}}
    with pytest.raises(HttpError) as insert:
        service.insert(calendarId="primary", body=body).execute(num_retries=0)
    with pytest.raises(HttpError) as update:
        service.update(calendarId="primary", eventId=eid, body=body).execute(num_retries=0)
    assert (insert.value.resp.status, update.value.resp.status) == (409, 403)
    assert google.live() == []


def test_google_snoozed_follow_up_is_booked_again_under_a_derived_id(google: Any) -> None:
    """Issue 14, follow-up lost: snooze (the event is deleted), then book again. Before, the insert
    answered 409, the update 403, and every pass failed with an error blaming calendar_id."""
    from dataclasses import replace

    from assistant.calendars.google import rebooked_id

    writer = google_writer(google, [])
    first = event()
    writer.put(first)
    writer.delete(first.uid)  # snoozed: off the calendar
    later = replace(first, start=first.start + timedelta(days=2), end=first.end + timedelta(days=2))
    remote = writer.put(later)
    assert remote == rebooked_id(event_id_for(first.uid))  # the next id of the chain, from the old one
    assert google_writer(google, []).put(later) == remote  # a retry or a new process: same id, no second event
    (live,) = google.live()
    assert live["id"] == remote and live["start"]["dateTime"].startswith("2026-11-21T08:15")
    got = google_writer(google, []).get(first.uid)
    assert got is not None and got.start == later.start and got.extra["remote_id"] == remote
    assert google_writer(google, []).uids() == {first.uid}
    # snoozed a second time and booked again: the chain goes one further, still one event
    writer.delete(first.uid)
    assert google.live() == [] and writer.get(first.uid) is None
    assert writer.put(first) == rebooked_id(remote)
    assert [e["id"] for e in google.live()] == [rebooked_id(remote)]


@pytest.mark.parametrize("update_cancelled, reuse_deleted_ids", [("restore", False), ("forbidden", True)])
def test_google_rebooking_keeps_one_event_whatever_the_service_does_with_deleted_ids(
        google: Any, update_cancelled: str, reuse_deleted_ids: bool) -> None:
    """Should Google ever let a deleted id be updated or inserted again, a re-booking still makes one event."""
    google.update_cancelled, google.reuse_deleted_ids = update_cancelled, reuse_deleted_ids
    writer = google_writer(google, [])
    writer.put(event())
    writer.delete(event().uid)
    writer.put(event(title="Booked again"))
    writer.put(event(title="Booked again"))
    (live,) = google.live()
    assert live["summary"] == "Booked again"
    got = writer.get(event().uid)
    assert got is not None and got.title == "Booked again"
    assert writer.uids() == {event().uid}


def test_google_snooze_through_booking_books_the_follow_up_again(google: Any, tmp_path: Any) -> None:
    """The whole path: a booked follow-up is snoozed (its event deleted), the snooze ends and the next
    pass books it again on Google: one event, at the new moment, the booking recorded."""
    from dataclasses import replace as dc_replace

    from assistant import booking, tracker
    from assistant.config import AccountConfig
    from assistant.store import open_store
    from tests.calendar_backends import google_backend
    from tests.track_fixtures import message, promise

    b = google_backend(google)
    assert b.config is not None
    config = dc_replace(b.config, accounts=(AccountConfig(name="work", kind="local", mode="book"),))
    store = open_store(tmp_path / "db.sqlite3")
    sent = datetime(2026, 11, 16, 10, 0, tzinfo=NY)
    m = message(store, "p1", thread="t1", to=("ed.park@acme.com",), sent_at=sent,
                body="I'll send you the revised quote by Wednesday at 10.")
    promise(store, m, due=datetime(2026, 11, 18, 10, 0, tzinfo=NY), has_time=True)
    due = datetime(2026, 11, 18, 10, 1, tzinfo=NY)
    tracker.track(store, config, due)
    booked = booking.book_due(store, b.make(), config, due)
    assert [o.action for o in booked] == ["booked"] and len(google.live()) == 1
    sid = booked[0].suggestion.id
    booking.snooze(store, b.make(), sid, datetime(2026, 11, 19, 14, 0, tzinfo=NY), due, config)
    assert google.live() == []
    later = datetime(2026, 11, 19, 14, 1, tzinfo=NY)
    tracker.track(store, config, later)
    again = booking.book_due(store, b.make(), config, later)
    assert [o.action for o in again] == ["booked"], [o.detail for o in again]
    (live,) = google.live()
    got = b.make().get(sid)
    assert got is not None and got.start >= datetime(2026, 11, 19, 14, 0, tzinfo=NY)
    record = store.booking(sid)
    assert record is not None and record.state == "booked" and record.remote_id == live["id"]
    tracker.track(store, config, later + timedelta(minutes=5))
    assert booking.book_due(store, b.make(), config, later + timedelta(minutes=5)) == []  # nothing twice
    assert len(google.live()) == 1


# -- Outlook (Microsoft Graph) -----------------------------------------------------------------
@pytest.fixture
def graph() -> Any:
    from tests.fakes.graph_calendar import FakeGraphCalendar

    fake = FakeGraphCalendar()
    fake.start()
    yield fake
    fake.stop()


def outlook_writer(fake: Any, sleeps: list[float]) -> OutlookCalendarWriter:
    from tests.calendar_backends import outlook_backend

    b = outlook_backend(fake)
    b.sleeps = sleeps
    return b.make()  # type: ignore[return-value]


def test_outlook_sends_a_transaction_id_and_windows_zone_names(graph: Any) -> None:
    from assistant.calendars.base import event_digest
    from assistant.calendars.outlook import transaction_id

    outlook_writer(graph, []).put(event())
    (post,) = [r for r in graph.requests if r.method == "POST"]
    assert post.json()["transactionId"] == transaction_id(event().uid, event_digest(event()))
    assert post.json()["start"] == {"dateTime": "2026-11-19T08:15:00", "timeZone": "Eastern Standard Time"}
    assert 'outlook.timezone="Eastern Standard Time"' in post.headers["prefer"]


TRANSACTION_MODES = ("duplicate", "existing", "conflict")


@pytest.mark.parametrize("mode", TRANSACTION_MODES)
def test_outlook_a_rerun_the_search_does_not_see_yet_leaves_one_event(graph: Any, mode: str) -> None:
    """Graph's search by extended property may lag behind a create: a rerun's first lookup sees nothing
    and it creates again. Whatever Graph does with the repeated transactionId, one event remains, updated."""
    graph.transaction_mode = mode
    outlook_writer(graph, []).put(event())
    graph.fail_next(200, body={"value": []}, method="GET")
    outlook_writer(graph, []).put(event(title="Second run"))
    (live,) = graph.live()
    assert live["subject"] == "Second run"
    got = outlook_writer(graph, []).get(event().uid)
    assert got is not None and got.title == "Second run" and got.extra["remote_id"] == live["id"]


@pytest.mark.parametrize("mode", TRANSACTION_MODES)
def test_outlook_a_lost_answer_to_a_create_leaves_one_event_in_every_transaction_mode(graph: Any, mode: str) -> None:
    """The create is carried out but its answer is lost (504), and the retry's lookup lags too."""
    graph.transaction_mode = mode
    original = graph._create
    lost = {"n": 1}

    def create_then_fail(req: Any, cal: str = "default") -> Response:
        answer = original(req, cal)
        if lost["n"]:
            lost["n"] -= 1
            graph.fail_next(200, body={"value": []}, method="GET")  # the retry's lookup does not see it yet
            return Response(504, {"error": {"code": "GatewayTimeout", "message": "lost"}})
        return answer

    graph.routes = [(m, p, create_then_fail if h == original else h) for m, p, h in graph.routes]
    sleeps: list[float] = []
    writer = outlook_writer(graph, sleeps)
    writer.put(event())
    writer.put(event())  # the next pass: nothing changes
    assert len(graph.live()) == 1 and len(sleeps) == 1
    assert writer.uids() == {event().uid}


@pytest.mark.parametrize("mode", TRANSACTION_MODES)
def test_outlook_booked_again_after_a_soft_delete_is_one_live_event(graph: Any, mode: str) -> None:
    """Graph's delete only moves the event to Deleted Items (its id and transactionId live on)."""
    from dataclasses import replace

    graph.transaction_mode = mode
    writer = outlook_writer(graph, [])
    writer.put(event())
    writer.delete(event().uid)
    assert graph.live() == [] and len(graph.events) == 1  # soft: still there, in Deleted Items
    later = replace(event(), start=event().start + timedelta(days=1), end=event().end + timedelta(days=1))
    writer.put(later)
    writer.put(later)
    (live,) = graph.live()
    got = writer.get(event().uid)
    assert got is not None and got.start == later.start and got.extra["remote_id"] == live["id"]


def test_outlook_an_unchanged_event_is_not_patched_again(graph: Any) -> None:
    writer = outlook_writer(graph, [])
    writer.put(event())
    n = len(graph.requests)
    writer.put(event())
    assert [r.method for r in graph.requests[n:]] == ["GET"]


def test_the_graph_fake_refuses_zones_graph_does_not_support(graph: Any) -> None:
    """As documented (resources/datetimetimezone): Windows names and the listed IANA names only."""
    import requests

    url, auth = f"{graph.graph_url}/me/events", {"Authorization": f"Bearer {graph.token}"}

    def create(zone: str, prefer: str = "") -> Any:
        body = {"subject": "x", "start": {"dateTime": "2026-11-19T09:30:00", "timeZone": zone},
                "end": {"dateTime": "2026-11-19T09:45:00", "timeZone": zone}}
        headers = {**auth, **({"Prefer": f'outlook.timezone="{prefer}"'} if prefer else {})}
        return requests.post(url, json=body, headers=headers, timeout=10)

    refused = create("Europe/Madrid")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "TimeZoneNotSupportedException"
    assert "'Europe/Madrid'" in refused.json()["error"]["message"]
    assert create("Greenwich Mean Time").status_code == 400  # not a Windows name (microsoft-graph-docs#4758)
    assert create("Europe/Paris", prefer="Europe/Madrid").status_code == 400
    answer = create("Romance Standard Time", prefer="Europe/Paris")
    assert answer.status_code == 201
    assert answer.json()["start"] == {"dateTime": "2026-11-19T09:30:00.0000000", "timeZone": "Romance Standard Time"}
    assert create("America/New_York").status_code == 201


def test_outlook_rep_in_madrid_books_with_the_windows_zone_name(graph: Any) -> None:
    """Issue 14: Europe/Madrid is not on Graph's IANA list; before, every booking answered 400."""
    madrid = ZoneInfo("Europe/Madrid")
    config = make_config({"kind": "outlook", "account": "work", "graph_url": graph.graph_url},
                         tz="Europe/Madrid", accounts=[{"name": "work", "kind": "outlook"}])
    writer = OutlookCalendarWriter(config.calendar, config, token_provider=lambda: graph.token, sleep=lambda s: None)
    start = datetime(2026, 11, 19, 9, 30, tzinfo=madrid)
    ev = CalendarEvent(uid="ft-madrid-000000000001", title="Llamar a Ed", description="", start=start,
                       end=start + timedelta(minutes=15))
    writer.put(ev)
    (post,) = [r for r in graph.requests if r.method == "POST"]
    assert post.json()["start"]["timeZone"] == "Romance Standard Time"
    assert 'outlook.timezone="Romance Standard Time"' in post.headers["prefer"]
    (live,) = graph.live()
    assert live["_start_utc"] == datetime(2026, 11, 19, 8, 30, tzinfo=ZoneInfo("UTC"))  # 09:30 CET
    got = writer.get(ev.uid)
    assert got is not None and got.start == start and got.start.utcoffset() == timedelta(hours=1)
    assert (got.start.hour, got.start.minute) == (9, 30)


@pytest.mark.parametrize("answered", ["Eastern Standard Time", "America/New_York", "UTC", "tzone://Microsoft/Utc"])
def test_outlook_reads_every_zone_name_graph_answers(answered: str) -> None:
    from assistant.calendars.outlook import _parse_when

    moment = datetime(2026, 11, 19, 13, 15, tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(NY) if answered in ("Eastern Standard Time", "America/New_York") else moment
    got = _parse_when({"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": answered}, NY)
    assert got == moment and got.tzinfo == NY


def test_outlook_a_zone_name_nobody_knows_is_one_line_not_a_traceback() -> None:
    from assistant.calendars.outlook import _parse_when

    with pytest.raises(CalendarError, match="neither a Windows nor an IANA zone"):
        _parse_when({"dateTime": "2026-11-19T08:15:00", "timeZone": "Mars Standard Time"}, NY)


def test_outlook_lost_answer_to_a_create_does_not_duplicate(graph: Any) -> None:
    original = graph._create
    lost = {"n": 1}

    def create_then_fail(req: Any, cal: str = "default") -> Response:
        answer = original(req, cal)
        if lost["n"]:
            lost["n"] -= 1
            return Response(504, {"error": {"code": "GatewayTimeout", "message": "lost"}})
        return answer

    graph.routes = [(m, p, create_then_fail if h == original else h) for m, p, h in graph.routes]
    sleeps: list[float] = []
    outlook_writer(graph, sleeps).put(event())
    assert len(graph.live()) == 1
    assert len(sleeps) == 1


def test_outlook_401_names_outlook_login_for_the_account(graph: Any) -> None:
    graph.fail_next(401, times=10, body={"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
    with pytest.raises(AuthError) as info:
        outlook_writer(graph, []).put(event())
    assert "assistant login outlook --account work" in str(info.value)


def test_outlook_403_says_which_permission_is_missing(graph: Any) -> None:
    graph.fail_next(403, method="POST", body={"error": {"code": "ErrorAccessDenied", "message": "denied"}})
    with pytest.raises(CalendarError, match="Calendars.ReadWrite"):
        outlook_writer(graph, []).put(event())


def test_outlook_writes_to_a_named_calendar(graph: Any) -> None:
    config = make_config({"kind": "outlook", "account": "work", "graph_url": graph.graph_url, "calendar_id": "AQMkCal1"},
                         accounts=[{"name": "work", "kind": "outlook"}])
    writer = OutlookCalendarWriter(config.calendar, config, token_provider=lambda: graph.token)
    writer.put(event())
    assert [r.path for r in graph.requests if r.method == "POST"] == ["/v1.0/me/calendars/AQMkCal1/events"]
    assert writer.uids() == {event().uid}
    assert writer.get(event().uid) is not None


def test_outlook_with_a_real_msal_sign_in_refreshes_an_expired_token_then_asks_for_login(
        graph: Any, tmp_path: Any) -> None:
    """The token comes from the account's msal cache (H4's auth module) against the identity fake:
    a token the server stopped taking is refreshed once; a revoked sign-in names the login command."""
    from assistant import auth
    from tests.fakes.graph import FakeGraph

    identity = FakeGraph(email="sam@seller.com")
    identity.start_tls(str(tmp_path))
    try:
        account = {"name": "work", "kind": "outlook", "client_id": "11111111-2222-3333-4444-555555555555",
                   "authority": identity.authority, "ca_file": identity.ca_path}
        config = make_config({"kind": "outlook", "account": "work", "graph_url": graph.graph_url},
                             accounts=[account])
        store = auth.TokenStore()
        auth.microsoft_device_login(config.accounts[0], store, lambda text: None)
        graph.accepts = lambda token: token in identity.access_tokens

        sleeps: list[float] = []
        writer = OutlookCalendarWriter(config.calendar, config, sleep=sleeps.append)
        writer.put(event())
        identity.expire_access_tokens()
        writer.put(event(title="After a refresh"))
        (live,) = graph.live()
        assert live["subject"] == "After a refresh" and sleeps == []

        identity.revoke()
        with pytest.raises(AuthError, match=r"assistant login outlook --account work"):
            OutlookCalendarWriter(config.calendar, config, sleep=sleeps.append).get(event().uid)
    finally:
        identity.stop()


def test_google_uses_the_gmail_sign_in_from_the_token_store(google: Any) -> None:
    from assistant import auth

    config = make_config({"kind": "google", "account": "work", "api_endpoint": google.endpoint},
                         accounts=[{"name": "work", "kind": "gmail"}])
    with pytest.raises(AuthError, match=r"not signed in.*assistant login gmail --account work"):
        GoogleCalendarWriter(config.calendar, config, sleep=lambda s: None).put(event())
    auth.TokenStore().put("gmail", "work", {"token": google.token, "refresh_token": "r-1", "client_id": "cid",
                                            "client_secret": "cs", "token_uri": f"{google.url}/token"})
    GoogleCalendarWriter(config.calendar, config, sleep=lambda s: None).put(event())
    assert len(google.live()) == 1
    google.token = "rotated"  # the server no longer takes the stored token, and the refresh is refused
    with pytest.raises(AuthError, match=r"assistant login gmail --account work"):
        GoogleCalendarWriter(config.calendar, config, sleep=lambda s: None).get(event().uid)


@pytest.mark.parametrize("zone_names", ["windows", "as-asked"])
def test_outlook_reads_back_whichever_zone_name_graph_answers_with(graph: Any, zone_names: str) -> None:
    """Graph answers in the Windows name of the asked zone (the fake's default) or echoes it: both read."""
    graph.zone_names = zone_names
    writer = outlook_writer(graph, [])
    writer.put(event())
    listed = [r for r in graph.requests if r.method == "GET"]
    assert listed and 'outlook.timezone="Eastern Standard Time"' in listed[-1].headers["prefer"]
    got = outlook_writer(graph, []).get(event().uid)
    assert got is not None and got.start == event().start and got.start.tzinfo == NY
