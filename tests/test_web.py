"""The review page through Starlette's TestClient: the token and the session cookie, CSRF on every POST,
every action, the security headers, and mail text full of HTML and script shown escaped on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assistant.calendars.ics import IcsWriter
from assistant.clock import fixed_clock
from assistant.models import StepState, content_id
from assistant.store import open_store
from assistant.web.app import create_app
from tests.review_world import EVIL_NAME, EVIL_PROMISE, EVIL_SUBJECT, NOW, World, build

TOKEN = "test-token-1234567890"
RAW_HOSTILE = ['<script>alert("name")</script>', "<script>alert(3)</script>", "<img src=x", '"onmouseover="',
               "<b>bold</b>"]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build(tmp_path)


@pytest.fixture
def client(world: World) -> TestClient:
    app = create_app(world.config, token=TOKEN, clock=fixed_clock(NOW), allowed_hosts=["testserver"])  # type: ignore[arg-type]
    c = TestClient(app)
    r = c.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    return c


def sid(world: World, name: str) -> str:
    return content_id(world.ids[name], prefix="ft")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def assert_escaped(html: str) -> None:
    for raw in RAW_HOSTILE:
        assert raw not in html, f"unescaped {raw!r} in the page"


def test_no_token_no_page(world: World) -> None:
    app = create_app(world.config, token=TOKEN, clock=fixed_clock(NOW), allowed_hosts=["testserver"])  # type: ignore[arg-type]
    c = TestClient(app)
    for path in ("/", "/deals", "/reports/2026-W47", "/check"):
        r = c.get(path)
        assert r.status_code == 403 and "assistant serve" in r.text
    r = c.get("/?token=wrong-token")
    assert r.status_code == 403 and "not valid" in r.text
    assert c.post(f"/suggestions/{sid(world, 'ed')}/accept", data={"csrf": "x"}).status_code == 403
    r = c.get(f"/?token={TOKEN}", follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert c.get("/").status_code == 200  # the cookie now carries the session
    assert c.get("/static/style.css").status_code == 200


def test_foreign_host_refused(world: World) -> None:
    app = create_app(world.config, token=TOKEN, clock=fixed_clock(NOW))  # type: ignore[arg-type]
    c = TestClient(app, base_url="http://evil.example")
    assert c.get(f"/?token={TOKEN}").status_code == 400
    local = TestClient(app, base_url="http://127.0.0.1:8765")
    assert local.get(f"/?token={TOKEN}").status_code == 200


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in r.headers["cache-control"]
    assert client.get("/nope").headers["content-security-policy"] == csp


def test_csrf_is_required_on_every_post(client: TestClient, world: World) -> None:
    page = client.get("/").text
    token = csrf_of(page)
    paths = [f"/suggestions/{sid(world, 'ed')}/{a}" for a in ("accept", "snooze", "reject", "cancel", "edit")]
    paths.append("/check")
    for path in paths:
        assert client.post(path, data={}).status_code == 403, path
        assert client.post(path, data={"csrf": "wrong"}).status_code == 403, path
        assert client.post(path, data={"csrf": token}, headers={"origin": "http://evil.example"}).status_code == 403
    with open_store(world.store_path) as store:
        assert store.suggestion(sid(world, "ed")).state == StepState.SUGGESTED  # type: ignore[union-attr]
    other = TestClient(client.app)
    other.get(f"/?token={TOKEN}")
    r = other.post(f"/suggestions/{sid(world, 'ed')}/accept", data={"csrf": token})
    assert r.status_code == 403  # another session's token does not work here


def test_every_action(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/").text)
    r = client.post(f"/suggestions/{sid(world, 'ed')}/accept", data={"csrf": token})
    assert r.status_code == 200 and "Accepted" in r.text
    assert sid(world, "ed") in IcsWriter(world.ics_path).uids()
    r = client.post(f"/suggestions/{sid(world, 'ed')}/edit",
                    data={"csrf": token, "start": "2026-11-24T10:30", "title": "Call Ed (moved)"})
    assert "Changed: Call Ed (moved) on Tue 24 Nov 10:30" in r.text
    event = IcsWriter(world.ics_path).get(sid(world, "ed"))
    assert event is not None and event.title == "Call Ed (moved)"
    r = client.post(f"/suggestions/{sid(world, 'priya')}/snooze", data={"csrf": token, "until": "2days"})
    assert "Snoozed until Tue 24 Nov 09:00" in r.text
    r = client.post(f"/suggestions/{sid(world, 'evil')}/reject", data={"csrf": token})
    assert "Rejected" in r.text
    r = client.post(f"/suggestions/{sid(world, 'ed')}/cancel", data={"csrf": token})
    assert "Cancelled" in r.text
    assert sid(world, "ed") not in IcsWriter(world.ics_path).uids()
    with open_store(world.store_path) as store:
        states = {n: store.suggestion(sid(world, n)).state for n in ("ed", "priya", "evil")}  # type: ignore[union-attr]
    assert states == {"ed": StepState.CANCELLED, "priya": StepState.SNOOZED, "evil": StepState.REJECTED}
    r = client.post(f"/suggestions/{sid(world, 'evil')}/accept", data={"csrf": token})
    assert 'class="flash error"' in r.text and "rejected" in r.text
    r = client.post(f"/suggestions/{sid(world, 'priya')}/edit", data={"csrf": token, "start": "soon"})
    assert 'class="flash error"' in r.text
    assert client.post(f"/suggestions/{sid(world, 'ed')}/explode", data={"csrf": token}).status_code == 404


def test_hostile_mail_is_escaped_on_every_page(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/").text)
    queue = client.get("/").text
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in queue  # shown, as text
    assert_escaped(queue)
    client.post(f"/suggestions/{sid(world, 'evil')}/accept", data={"csrf": token})
    for path in ("/", "/deals", "/reports/2026-W47"):
        html = client.get(path).text
        assert_escaped(html)
    report = client.get("/reports/2026-W47").text
    assert "&lt;script&gt;" in report  # the evil promise is listed in the report, escaped
    r = client.post("/check", data={"csrf": token, "draft": f"To: {EVIL_NAME} <e@x.com>\nSubject: {EVIL_SUBJECT}\n\n"
                                                          f"{EVIL_PROMISE}\n<iframe src=x></iframe>"})
    assert r.status_code == 200
    assert_escaped(r.text)
    assert "<iframe" not in r.text


def test_deals_board(client: TestClient) -> None:
    html = client.get("/deals").text
    assert "Harbor Outfitters" in html and "no activity in 46 days" in html
    assert 'class="badge stalled"' in html and 'class="badge vague"' in html
    assert "acmelogistics.com" in html and "I&#39;ll call you Thursday at 8:15" in html


def test_reports_pages(client: TestClient) -> None:
    r = client.get("/reports", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/reports/2026-W47"
    html = client.get("/reports/2026-W47").text
    assert "Commitment report 2026-W47" in html
    assert html.count("data:image/png;base64,") == 2
    assert client.get("/reports?week=2026-W45", follow_redirects=False).headers["location"] == "/reports/2026-W45"
    assert "not an ISO week" in client.get("/reports?week=nope").text
    assert client.get("/reports/2026-W99").status_code == 404


def test_check_page(client: TestClient) -> None:
    page = client.get("/check")
    assert page.status_code == 200 and "<textarea" in page.text
    token = csrf_of(page.text)
    r = client.post("/check", data={"csrf": token, "draft": "Hi Ed,\n\nJust checking in on the proposal.\n\nSam"})
    assert r.status_code == 200
    assert 'id="verdict"' in r.text and 'id="suggestion"' in r.text
    assert "Ed, if I haven&#39;t heard back by Tuesday, I&#39;ll call you Wednesday at 9:15" in r.text


def test_backlog_section_lists_history_by_counterpart_and_dismisses_all(world: World) -> None:
    from assistant import tracker
    from assistant.models import Address, Commitment, Message

    with open_store(world.store_path) as store:
        buyer = Address("jo@harborline.com", "Jo <b>Harbor</b>")
        m = Message(id="mold", account="work", source_id="src/old", message_id="old@test", thread_id="told",
                    direction="sent", sender=Address("sam@northwind-analytics.com", "Sam"), recipients=(buyer,),
                    subject="Q3 pilot", sent_at=NOW - timedelta(days=60), body="I'll send the pilot summary by Friday.")
        store.add_message(m)
        store.add_commitments([Commitment(id="cold", message_id="mold", who="me", action="send",
                                          due=NOW - timedelta(days=56), due_has_time=False, conditional=False,
                                          vague=False, text="I'll send the pilot summary by Friday.")])
        tracker.track(store, world.config, NOW)  # type: ignore[arg-type]
        assert store.step("cold").state == StepState.BACKLOG  # type: ignore[union-attr]
    app = create_app(world.config, token=TOKEN, clock=fixed_clock(NOW), allowed_hosts=["testserver"])  # type: ignore[arg-type]
    c = TestClient(app)
    c.get(f"/?token={TOKEN}", follow_redirects=False)
    page = c.get("/").text
    assert 'id="backlog"' in page and "pilot summary" in page and "Dismiss all 1" in page
    assert "Jo <b>Harbor</b>" not in page  # escaped
    assert c.post("/backlog/dismiss", data={"csrf": "forged"}).status_code == 403
    r = c.post("/backlog/dismiss", data={"csrf": csrf_of(page)}, follow_redirects=True)
    assert "Dismissed 1 promise(s) from the backlog." in r.text and "The backlog is empty." in r.text
    with open_store(world.store_path) as store:
        assert store.step("cold").state == StepState.DISMISSED  # type: ignore[union-attr]


def test_a_vague_follow_up_shows_its_concrete_rewrite(client: TestClient, world: World) -> None:
    from assistant import tracker

    with open_store(world.store_path) as store:
        tracker.track(store, world.config, NOW + timedelta(days=1))  # type: ignore[arg-type]  (nina's fell due)
    page = client.get("/").text
    assert "vague: never booked" in page and "Make it concrete" in page and "Nina, " in page


# -- the calendar feed and the saved tokens -------------------------------------------------------------
CAL_TOKEN = "calendar-token-0987654321"


def test_the_calendar_feed_has_its_own_token(world: World) -> None:
    app = create_app(world.config, token=TOKEN, calendar_token=CAL_TOKEN, clock=fixed_clock(NOW),  # type: ignore[arg-type]
                     allowed_hosts=["testserver"])
    c = TestClient(app)
    for bad in ("", "?token=", "?token=wrong", f"?token={TOKEN}"):  # the page's token does not open the feed
        r = c.get(f"/calendar.ics{bad}")
        assert r.status_code == 403 and "text/calendar" not in r.headers["content-type"], bad
        assert "assistant serve" in r.text
    assert c.get(f"/?token={CAL_TOKEN}").status_code == 403  # ... and the feed's token does not open the page
    assert c.get("/").status_code == 403  # no session was made by any of the above

    r = c.get(f"/calendar.ics?token={CAL_TOKEN}")
    assert r.status_code == 200 and r.headers["content-type"] == "text/calendar; charset=utf-8"
    from icalendar import Calendar

    assert Calendar.from_ical(r.content).get("X-WR-CALNAME") == "Follow-ups"
    assert not Calendar.from_ical(r.content).walk("VEVENT")  # nothing booked yet: a valid, empty calendar
    assert "set-cookie" not in r.headers
    assert c.post(f"/calendar.ics?token={CAL_TOKEN}").status_code == 405  # read-only
    assert c.head(f"/calendar.ics?token={CAL_TOKEN}").status_code == 200

    # a booking on the page shows in the feed; an unchanged feed answers 304 to a client that has it
    c.get(f"/?token={TOKEN}")
    c.post(f"/suggestions/{sid(world, 'ed')}/accept", data={"csrf": csrf_of(c.get("/").text)})
    r = c.get(f"/calendar.ics?token={CAL_TOKEN}")
    events = Calendar.from_ical(r.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [sid(world, "ed")]
    assert r.content == IcsWriter(world.ics_path).path.read_bytes()
    again = c.get(f"/calendar.ics?token={CAL_TOKEN}", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_the_feed_of_a_damaged_or_remote_calendar_says_what_to_do(world: World) -> None:
    import dataclasses

    world.ics_path.write_text("BEGIN:VCALENDAR\nthis is not ical", encoding="utf-8")
    app = create_app(world.config, token=TOKEN, calendar_token=CAL_TOKEN, clock=fixed_clock(NOW),  # type: ignore[arg-type]
                     allowed_hosts=["testserver"])
    r = TestClient(app).get(f"/calendar.ics?token={CAL_TOKEN}")
    assert r.status_code == 503 and "not a valid iCalendar file" in r.text and "Traceback" not in r.text
    cfg = world.config
    remote = dataclasses.replace(cfg, calendar=dataclasses.replace(cfg.calendar, kind="caldav"))  # type: ignore[type-var]
    app = create_app(remote, token=TOKEN, calendar_token=CAL_TOKEN, clock=fixed_clock(NOW),  # type: ignore[arg-type]
                     allowed_hosts=["testserver"])
    r = TestClient(app).get(f"/calendar.ics?token={CAL_TOKEN}")
    assert r.status_code == 404 and "caldav calendar" in r.text


def test_the_tokens_are_kept_in_the_0600_token_file_and_renewed_on_request(tmp_path: Path) -> None:
    from assistant.auth import TokenStore, redact
    from assistant.web.tokens import serve_tokens

    store = TokenStore(tmp_path / "config" / "tokens.json")
    first = serve_tokens(store)
    assert first.page != first.calendar and len(first.page) >= 16
    assert (tmp_path / "config" / "tokens.json").stat().st_mode & 0o777 == 0o600
    assert serve_tokens(TokenStore(tmp_path / "config" / "tokens.json")) == first  # a restart: the same links
    assert first.page not in redact(f"GET /?token={first.page}")  # masked in any log line
    renewed = serve_tokens(store, renew=True)
    assert renewed.page != first.page and renewed.calendar != first.calendar
    assert serve_tokens(store) == renewed


def test_serving_on_the_network_accepts_this_machines_addresses_only(world: World) -> None:
    from assistant.web.app import machine_addresses, reachable_as, shown_host

    assert reachable_as("127.0.0.1") == []
    assert reachable_as("192.168.1.20")[0] == "192.168.1.20"
    addresses = machine_addresses()
    assert "127.0.0.1" in addresses  # the loopback interface is always there
    everywhere = reachable_as("0.0.0.0")
    assert set(addresses) <= set(everywhere)
    assert shown_host("192.168.1.20") == "192.168.1.20"
    assert shown_host("0.0.0.0") in addresses and shown_host("0.0.0.0") != "0.0.0.0"
    app = create_app(world.config, token=TOKEN, calendar_token=CAL_TOKEN, clock=fixed_clock(NOW),  # type: ignore[arg-type]
                     allowed_hosts=reachable_as("192.168.1.20"))
    lan = TestClient(app, base_url="http://192.168.1.20:8765")
    assert lan.get(f"/calendar.ics?token={CAL_TOKEN}").status_code == 200  # the phone on the same network
    rebound = TestClient(app, base_url="http://attacker.example:8765")
    assert rebound.get(f"/calendar.ics?token={CAL_TOKEN}").status_code == 400  # DNS rebinding refused


# -- the queue page: snoozed, the calendar by day, Done ----------------------------------------------
def rows_of(html: str, table_id: str) -> list[str]:
    """The suggestion ids in one table of the page, in order ([] when the table is not there)."""
    m = re.search(rf'<table id="{table_id}".*?</table>', html, re.S)
    return re.findall(r'<tr data-suggestion="([^"]+)"', m.group(0)) if m else []


def test_snoozed_follow_ups_have_their_own_section(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/").text)
    assert "snoozed" not in rows_of(client.get("/").text, "snoozed")
    client.post(f"/suggestions/{sid(world, 'priya')}/snooze", data={"csrf": token, "until": "2days"})
    html = client.get("/").text
    assert rows_of(html, "snoozed") == [sid(world, "priya")]
    assert sid(world, "priya") not in rows_of(html, "queue")
    when = re.search(rf'<tr data-suggestion="{sid(world, "priya")}".*?<td class="when"[^>]*>(.*?)</td>', html, re.S)
    assert when is not None and " ".join(re.sub("<[^>]+>", " ", when.group(1)).split()) == "Tue 24 Nov 09:00"
    for name in ("ed", "evil"):
        client.post(f"/suggestions/{sid(world, name)}/snooze", data={"csrf": token, "until": "2026-11-30 09:00"})
    html = client.get("/").text
    assert rows_of(html, "queue") == [] and len(rows_of(html, "snoozed")) == 3
    assert rows_of(html, "snoozed")[0] == sid(world, "priya")  # the soonest back first
    empty = re.search(r'<div class="empty" id="queue-empty">(.*?)</div>', html, re.S)
    assert empty is not None and "3 snoozed follow-ups come back when the snooze ends" in empty.group(1)
    assert "kept" not in empty.group(1)  # nothing here says every promise is kept: three wait
    # a snoozed one can be accepted from its section: it goes on the calendar, today's or later
    client.post(f"/suggestions/{sid(world, 'priya')}/accept", data={"csrf": token})
    html = client.get("/").text
    assert sid(world, "priya") not in rows_of(html, "snoozed")
    assert sid(world, "priya") in rows_of(html, "calendar-today") + rows_of(html, "calendar-upcoming")


def test_done_ends_a_follow_up_and_keeps_its_event(client: TestClient, world: World) -> None:
    from assistant.booking import book_due

    token = csrf_of(client.get("/").text)
    ed = sid(world, "ed")
    client.post(f"/suggestions/{ed}/accept", data={"csrf": token})
    assert 'action="/suggestions/' + ed + '/done"' in client.get("/").text
    assert client.post(f"/suggestions/{ed}/done", data={}).status_code == 403  # CSRF like every action
    assert client.post(f"/suggestions/{ed}/done", data={"csrf": token},
                       headers={"origin": "http://evil.example"}).status_code == 403
    with open_store(world.store_path) as store:
        assert store.suggestion(ed).state == StepState.ACCEPTED  # type: ignore[union-attr]
    r = client.post(f"/suggestions/{ed}/done", data={"csrf": token})
    assert 'class="flash ok"' in r.text and "Done: " in r.text
    assert ed not in re.findall(r'data-suggestion="([^"]+)"', r.text)  # off the page
    with open_store(world.store_path) as store:
        assert store.suggestion(ed).state == StepState.KEPT  # type: ignore[union-attr]  (the rep's own promise)
        hops = [(t.from_state, t.to_state) for t in store.transitions(store.suggestion(ed).commitment_id)]  # type: ignore[union-attr]
        assert hops[-1] == (StepState.ACCEPTED, StepState.KEPT)  # through the state machine, recorded
        book_due(store, IcsWriter(world.ics_path), world.config, NOW)  # type: ignore[arg-type]
    assert ed in IcsWriter(world.ics_path).uids()  # the call was made: its event stays, even after a pass
    r = client.post(f"/suggestions/{ed}/done", data={"csrf": token})
    assert 'class="flash error"' in r.text and "it is kept" in r.text  # a second click changes nothing
    # a chase of a buyer, done: settled (the rep reached them), not "kept" by the buyer
    priya = sid(world, "priya")
    client.post(f"/suggestions/{priya}/accept", data={"csrf": token})
    assert 'action="/suggestions/' + priya + '/done"' in client.get("/").text
    r = client.post(f"/suggestions/{priya}/done", data={"csrf": token})
    assert 'class="flash ok"' in r.text
    with open_store(world.store_path) as store:
        assert store.suggestion(priya).state == StepState.SETTLED  # type: ignore[union-attr]


def test_the_calendar_is_grouped_by_day_and_old_events_drop_off(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/").text)
    moves = {"ed": "2026-11-20T15:00", "priya": "2026-11-16T10:00", "evil": "2026-11-24T11:00"}
    for name, start in moves.items():
        client.post(f"/suggestions/{sid(world, name)}/accept", data={"csrf": token})
        client.post(f"/suggestions/{sid(world, name)}/edit", data={"csrf": token, "start": start})
    html = client.get("/").text
    assert rows_of(html, "calendar-today") == [sid(world, "ed")]
    assert rows_of(html, "calendar-overdue") == [sid(world, "priya")]
    assert rows_of(html, "calendar-upcoming") == [sid(world, "evil")]
    assert html.index('id="today-heading"') < html.index('id="overdue-heading"') < html.index('id="upcoming-heading"')

    # five days later: today's is overdue, Monday's is more than 7 days past and leaves the page (not the calendar)
    later = create_app(world.config, token=TOKEN, clock=fixed_clock(NOW + timedelta(days=5)),  # type: ignore[arg-type]
                       allowed_hosts=["testserver"])
    c = TestClient(later)
    c.get(f"/?token={TOKEN}")
    html = c.get("/").text
    assert rows_of(html, "calendar-overdue") == [sid(world, "ed"), sid(world, "evil")]  # the oldest first
    assert rows_of(html, "calendar-today") == [] and "Nothing on your calendar today." in html
    assert rows_of(html, "calendar-upcoming") == [] and "Nothing booked after today." in html
    assert sid(world, "priya") not in html
    assert sid(world, "priya") in IcsWriter(world.ics_path).uids()


@pytest.mark.parametrize("damage", ["pages", "whole"])
def test_a_store_damaged_while_serving_is_one_line_on_the_page(world: World, damage: str) -> None:
    """`serve` checks the store when it starts, but a store can be damaged after that (or in pages the start
    does not read): every page then says what to do (`assistant restore`) with a 503, never a 500."""
    app = create_app(world.config, token=TOKEN, clock=fixed_clock(NOW), allowed_hosts=["testserver"])  # type: ignore[arg-type]
    c = TestClient(app)  # raises any exception the app does not handle, so a traceback fails the test
    assert c.get(f"/?token={TOKEN}").status_code == 200
    for extra in (world.store_path.with_name(world.store_path.name + "-wal"),
                  world.store_path.with_name(world.store_path.name + "-shm")):
        extra.unlink(missing_ok=True)
    data = world.store_path.read_bytes()
    if damage == "pages":  # the header page (schema) stays readable: opening works, reading rows fails
        world.store_path.write_bytes(data[:4096] + b"\xff" * (len(data) - 4096))
    else:
        world.store_path.write_bytes(b"this is not a database at all " * 200)
    for path in ("/", "/deals", "/reports"):
        r = c.get(path)
        assert r.status_code == 503, (path, r.status_code)
        assert "assistant restore" in r.text and "Traceback" not in r.text
    r = c.post(f"/suggestions/{sid(world, 'ed')}/accept", data={"csrf": csrf_of(c.get('/check').text)})
    assert r.status_code in (303, 503)  # an action reports the fault as a flash on the queue, or the page
