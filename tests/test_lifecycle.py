"""The follow-up lifecycle's rules (issue 11): history goes to a backlog, a daily booking cap, only firm
steps are booked, one follow-up per promise, a chase waits for the rep's own overdue task, any real
contact settles, fallbacks are held on the calendar, working days skip public holidays, and the words
and counts the rep reads follow the state."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from assistant import booking, check, report, review, tracker
from assistant.calendars.ics import IcsWriter
from assistant.config import parse_config
from assistant.errors import ConfigError
from assistant.models import StepState
from assistant.store import Store, open_store
from assistant.tracker.business import business_hours
from assistant.tracker.dedupe import similar
from assistant.tracker.outcomes import note_is_contact
from assistant.tracker.slots import within_daily_limit
from assistant.tracker.wording import why
from tests.track_fixtures import NY, REP, at, config, message, promise, store_toml

S = StepState


@pytest.fixture
def store(any_store: Store) -> Store:
    """Each adapter in turn (tests/conftest.py): the tracker's queries run on SQLite and on PostgreSQL."""
    return any_store


def writer_for(tmp_path: Path) -> IcsWriter:
    return IcsWriter(tmp_path / "f.ics", timezone="America/New_York")


def ics_status(tmp_path: Path) -> dict[str, str]:
    cal = Calendar.from_ical((tmp_path / "f.ics").read_bytes())
    return {str(v["UID"]): str(v.get("STATUS")) for v in cal.walk("VEVENT")}


def send_promise(store: Store, key: str, *, thread: str, sent: str, due: str, to: str = "ed.park@acme.com",
                 body: str = "I'll send you the proposal by Tuesday.", **kw: object) -> str:
    m = message(store, key, thread=thread, to=(to,), sent_at=at(sent), body=body)
    return promise(store, m, action="send", due=at(due), **kw).id  # type: ignore[arg-type]


# -- 2. history is not a to-do list -------------------------------------------------------------------
def test_history_goes_to_the_backlog_and_is_never_booked(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    old = send_promise(store, "old", thread="t1", sent="2026-10-01T10:00", due="2026-10-06T00:00")
    older = send_promise(store, "older", thread="t2", sent="2026-09-01T10:00", due="2026-09-03T00:00",
                         to="kim@contoso.com", body="I'll send the pricing by Thursday.")
    recent = send_promise(store, "recent", thread="t3", sent="2026-11-12T10:00", due="2026-11-16T00:00")
    now = at("2026-11-20T09:00")
    result = tracker.track(store, cfg, now)  # a first sync of two months of mail
    assert store.step(old).state == S.BACKLOG and store.step(older).state == S.BACKLOG  # type: ignore[union-attr]
    assert store.suggestion_for(old) is None and store.suggestion_for(older) is None
    assert store.step(recent).state == S.SUGGESTED  # type: ignore[union-attr]  (4 days old: in the window)
    assert result.backlog == 2 and any("backlog" in line for line in result.lines())
    booking.book_due(store, writer_for(tmp_path), cfg, now)
    assert writer_for(tmp_path).uids() == {store.suggestion_for(recent).id}  # type: ignore[union-attr]
    groups = review.backlog_groups(store)
    assert [(g.label, len(g.items)) for g in groups] in ([("acme.com", 1), ("contoso.com", 1)],
                                                           [("contoso.com", 1), ("acme.com", 1)])  # names as written
    # later passes leave the backlog alone, whatever the clock says
    tracker.track(store, cfg, now + timedelta(days=3))
    assert store.step(old).state == S.BACKLOG  # type: ignore[union-attr]
    assert review.dismiss_backlog(store, now).message == "Dismissed 2 promise(s) from the backlog."
    assert store.step(old).state == S.DISMISSED and review.backlog_groups(store) == []  # type: ignore[union-attr]


def test_history_window_is_configurable(store: Store) -> None:
    cid = send_promise(store, "p", thread="t1", sent="2026-11-02T10:00", due="2026-11-04T00:00")
    tracker.track(store, config(history_days=30), at("2026-11-20T09:00"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]  (16 days < 30)
    with pytest.raises(ConfigError, match="tracker.history_days"):
        config(history_days=-1)


def test_backlog_command_lists_by_counterpart_and_dismisses_all(store: Store, tmp_path: Path) -> None:
    send_promise(store, "old", thread="t1", sent="2026-10-01T10:00", due="2026-10-06T00:00")
    send_promise(store, "old2", thread="t1", sent="2026-10-02T10:00", due="2026-10-07T00:00",
                 body="I'll send the security questionnaire by Wednesday.")
    tracker.track(store, config(), at("2026-11-20T09:00"))
    store.close()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[rep]\nemail = "{REP}"\ntimezone = "America/New_York"\n' + store_toml(store),
                   encoding="utf-8")
    from assistant.cli import main

    listed = CliRunner().invoke(main, ["backlog", "--config", str(cfg)])
    assert listed.exit_code == 0, listed.output
    assert "2 promise(s) from the history" in listed.output and "acme.com" in listed.output
    assert "security questionnaire" in listed.output
    as_json = CliRunner().invoke(main, ["backlog", "--json", "--config", str(cfg)])
    assert '"label": "acme.com"' in as_json.output and as_json.output.count('"commitment_id"') == 2
    done = CliRunner().invoke(main, ["backlog", "--dismiss-all", "--config", str(cfg), "--now", "2026-11-20T09:00"])
    assert "Dismissed 2 promise(s)" in done.output
    assert "The backlog is empty." in CliRunner().invoke(main, ["backlog", "--config", str(cfg)]).output


def test_report_lists_the_backlog_in_html_and_markdown_alike(store: Store, tmp_path: Path) -> None:
    send_promise(store, "old", thread="t1", sent="2026-10-01T10:00", due="2026-10-06T00:00")
    cfg = config(tmp_path)
    now = at("2026-11-20T09:00")
    tracker.track(store, cfg, now)
    r = report.build_weekly(store, cfg, now, charts=False)
    html, md = report.render_html(r), report.render_markdown(r)
    assert r.counts.backlog == 1
    assert "I&#39;ll send you the proposal by Tuesday." in html and "send you the proposal" in md
    assert "| Backlog: promises from the history, not booked | 1 |" in md


def test_at_most_n_events_are_booked_per_working_day(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book", max_bookings_per_day=3)
    ids = [send_promise(store, f"p{i}", thread=f"t{i}", sent="2026-11-16T10:00", due="2026-11-17T00:00",
                        to=f"buyer{i}@co{i}.com") for i in range(5)]
    now = at("2026-11-18T09:00")
    tracker.track(store, cfg, now)
    out = booking.book_due(store, writer_for(tmp_path), cfg, now)
    assert [o.action for o in out] == ["booked"] * 3
    st = [store.step(cid).state for cid in ids]  # type: ignore[union-attr]
    assert st.count(S.BOOKED) == 3 and st.count(S.SUGGESTED) == 2  # the rest wait as suggestions
    assert booking.book_due(store, writer_for(tmp_path), cfg, now) == []  # and stay waiting


def test_daily_limit_counts_what_is_already_booked_per_day() -> None:
    hours = business_hours(config())
    mon, tue = at("2026-11-23T09:00"), at("2026-11-24T09:00")
    wanted = [("a", mon), ("b", mon + timedelta(minutes=15)), ("c", tue), ("d", mon + timedelta(minutes=30))]
    assert within_daily_limit(wanted, [mon - timedelta(hours=1)], 2, hours) == ["a", "c"]
    assert within_daily_limit(wanted, [], 0, hours) == []


# -- 3. only firm steps are booked; one follow-up per promise; the rep's task comes first ---------------
def test_a_vague_promise_is_never_booked_and_the_review_shows_a_rewrite(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    m = message(store, "v", thread="tv", sent_at=at("2026-11-16T10:00"), body="I'll touch base later this month.")
    cid = promise(store, m, action="follow_up", vague=True, text="I'll touch base later this month.").id
    now = at("2026-11-19T09:00")
    tracker.track(store, cfg, now)
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]
    assert booking.book_due(store, writer_for(tmp_path), cfg, now) == []
    (v,) = review.queue(store, cfg, now)
    assert v.vague and v.rewrite == check.rewrite(m.body, "follow_up", m.sent_at, cfg, name="Ed Park",
                                                  email="ed.park@acme.com")
    assert v.rewrite.startswith("Ed, ") and re.search(r"\d{1,2}:\d{2}|\d{1,2}(am|pm)", v.rewrite)
    with pytest.raises(review.ReviewError, match="is vague, so it is not booked"):  # not by the rep either
        review.accept(store, cfg, v.id, now, writer_for(tmp_path))
    assert store.step(cid).state == S.SUGGESTED and writer_for(tmp_path).uids() == set()  # type: ignore[union-attr]


def test_fragments_of_one_sentence_are_one_promise(store: Store) -> None:
    m = message(store, "b", thread="tb", direction="received", sender="kim@contoso.com", to=(REP,),
                sent_at=at("2026-11-16T10:00"), body="We'll review it internally and get back to you by Wednesday.")
    a = promise(store, m, who="them", action="other", due=at("2026-11-18T00:00"), text="We'll review it internally")
    b = promise(store, m, who="them", action="follow_up", due=at("2026-11-18T00:00"),
                text="get back to you by Wednesday")
    tracker.track(store, config(), at("2026-11-19T09:00"))
    assert sorted(str(store.step(c.id).state) for c in (a, b)) == ["merged", "suggested"]  # type: ignore[union-attr]
    assert len(store.suggestions()) == 1


def test_the_same_promise_in_a_call_note_and_in_mail_is_one(store: Store) -> None:
    note = message(store, "n", thread="tn", direction="note", to=("ed.park@acme.com",), sent_at=at("2026-11-16T11:00"),
                   body="Call with Ed. Told him I'd call him Thursday at 10 to go through pricing.")
    first = promise(store, note, due=at("2026-11-19T10:00"), has_time=True, text="I'd call him Thursday at 10")
    mail = message(store, "m", thread="tm", sent_at=at("2026-11-16T11:30"),
                   body="Thanks for the time today. As agreed, I'll call you Thursday at 10am.")
    second = promise(store, mail, due=at("2026-11-19T10:00"), has_time=True, text="I'll call you Thursday at 10am.")
    other = message(store, "o", thread="to", sent_at=at("2026-11-16T12:00"), body="I'll send the deck Thursday.")
    deck = promise(store, other, action="send", due=at("2026-11-19T00:00"))
    tracker.track(store, config(), at("2026-11-19T10:01"))
    assert store.step(first.id).state == S.SUGGESTED  # type: ignore[union-attr]
    assert store.step(second.id).state == S.MERGED  # type: ignore[union-attr]
    assert store.step(deck.id).state == S.SUGGESTED  # type: ignore[union-attr]  (another promise)


def test_similar_wording() -> None:
    assert similar("I'll send the deck Friday", "as I said, I'll send you the deck on Friday")
    assert not similar("I'll send the deck Friday", "I'll send the pricing sheet Friday")


def test_a_chase_waits_while_the_rep_owes_that_buyer_an_overdue_deliverable(store: Store) -> None:
    mine = send_promise(store, "p", thread="t1", sent="2026-11-16T10:00", due="2026-11-17T00:00",
                        body="I'll send the revised terms by Tuesday.")
    m = message(store, "b", thread="t1", direction="received", sender="ed.park@acme.com", to=(REP,),
                sent_at=at("2026-11-16T12:00"), body="Once we have them I'll get you the signed order form by Wednesday.")
    theirs = promise(store, m, who="them", action="send", due=at("2026-11-18T00:00")).id
    cfg = config()
    tracker.track(store, cfg, at("2026-11-19T09:00"))
    assert store.step(mine).state == S.SUGGESTED  # type: ignore[union-attr]
    assert store.step(theirs).state == S.BROKEN and store.suggestion_for(theirs) is None  # type: ignore[union-attr]
    tracker.track(store, cfg, at("2026-11-19T11:00"))
    assert store.step(theirs).state == S.BROKEN  # type: ignore[union-attr]  (still waiting)
    message(store, "d", thread="t1", sent_at=at("2026-11-19T14:00"), body="Attached are the revised terms.")
    tracker.track(store, cfg, at("2026-11-19T14:05"))
    assert store.step(mine).state == S.KEPT and store.step(theirs).state == S.SUGGESTED  # type: ignore[union-attr]
    s = store.suggestion_for(theirs)
    assert s is not None and s.start.astimezone(NY) == at("2026-11-19T14:15")


# -- 4. any real contact settles ------------------------------------------------------------------------
def fallback(store: Store, key: str = "f", thread: str = "t1") -> str:
    m = message(store, key, thread=thread, sent_at=at("2026-11-16T10:00"),
                body="I'll call you Thursday at 8:15 if I haven't heard back.")
    return promise(store, m, due=at("2026-11-19T08:15"), has_time=True, conditional=True).id


@pytest.mark.parametrize(("direction", "subject", "body", "after"), [
    ("note", "Call from Ed Park", "Ed called me back, they want the 3-year option.", S.SETTLED),
    ("note", "Ed Park", "Spoke with Ed about the rollout.", S.KEPT),  # the rep made the call
    ("note", "Ed Park", "Tried Ed, left a voicemail.", S.SUGGESTED),  # an attempt is not contact
    ("received", "Accepted: Pricing review", "", S.SETTLED),
    ("received", "Re: Pricing", "Thanks Sam, let's talk next week.", S.SETTLED),
])
def test_real_contact_on_any_thread_settles_a_fallback(store: Store, direction: str, subject: str, body: str,
                                                        after: StepState) -> None:
    cid = fallback(store)
    cfg = config(hold_fallbacks=False)
    kw: dict[str, object] = {"to": ("ed.park@acme.com",)} if direction == "note" else {
        "sender": "ed.park@acme.com", "to": (REP,)}
    message(store, "c", thread="elsewhere", direction=direction, sent_at=at("2026-11-17T15:00"), subject=subject,
            body=body, **kw)  # type: ignore[arg-type]
    tracker.track(store, cfg, at("2026-11-19T08:30"))
    assert store.step(cid).state == after  # type: ignore[union-attr]


def test_an_auto_reply_never_settles(store: Store) -> None:
    cid = fallback(store)
    message(store, "a", thread="t1", direction="received", sender="ed.park@acme.com", to=(REP,),
            sent_at=at("2026-11-16T10:01"), body="I am out of the office.", auto=True)
    tracker.track(store, config(hold_fallbacks=False), at("2026-11-19T08:30"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]


def test_note_is_contact() -> None:
    assert note_is_contact("Spoke with Ed, he is in.")
    assert note_is_contact("VM from Ed: call me back")
    assert not note_is_contact("No answer, left a voicemail.")
    assert note_is_contact("Left him a voicemail; he called me back an hour later.")


def test_the_reps_delivery_keeps_the_promise_and_books_nothing(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    cid = send_promise(store, "p", thread="t1", sent="2026-11-16T10:00", due="2026-11-17T00:00")
    message(store, "d", thread="t1", sent_at=at("2026-11-16T16:00"), body="I've sent the proposal over, see attached.")
    now = at("2026-11-18T09:00")
    tracker.track(store, cfg, now)
    assert store.step(cid).state == S.KEPT and store.suggestions() == []  # type: ignore[union-attr]
    assert booking.book_due(store, writer_for(tmp_path), cfg, now) == []


# -- 5. holds ----------------------------------------------------------------------------------------
def test_a_fallback_is_held_tentative_then_confirmed_when_the_silence_passes(store: Store, tmp_path: Path) -> None:
    cid = fallback(store)
    cfg = config(tmp_path)  # suggest mode: a hold goes on the calendar all the same
    writer = writer_for(tmp_path)
    sent = at("2026-11-16T10:05")
    tracker.track(store, cfg, sent)
    assert store.step(cid).state == S.HELD  # type: ignore[union-attr]
    booking.book_due(store, writer, cfg, sent)
    s = store.suggestion_for(cid)
    assert s is not None and s.start == at("2026-11-19T08:15") and ics_status(tmp_path) == {s.id: "TENTATIVE"}
    # an untimed follow-up made while the hold is there keeps off its moment
    other = send_promise(store, "o", thread="t2", sent="2026-11-16T10:00", due="2026-11-17T00:00", to="kim@contoso.com")
    tracker.track(store, cfg, at("2026-11-19T08:14"))
    assert store.step(cid).state == S.HELD  # type: ignore[union-attr]  (not yet past)
    tracker.track(store, cfg, at("2026-11-19T08:16"))
    assert store.step(cid).state == S.BOOKED  # type: ignore[union-attr]
    booking.book_due(store, writer, cfg, at("2026-11-19T08:16"))
    assert ics_status(tmp_path) == {s.id: "CONFIRMED"}
    assert store.suggestion_for(other).start != s.start  # type: ignore[union-attr]


@pytest.mark.parametrize("on_reply", ["delete", "note"])
def test_a_real_reply_deletes_the_hold(store: Store, tmp_path: Path, on_reply: str) -> None:
    cid = fallback(store)
    cfg = config(tmp_path, on_reply_after_booking=on_reply)
    writer = writer_for(tmp_path)
    tracker.track(store, cfg, at("2026-11-16T10:05"))
    booking.book_due(store, writer, cfg, at("2026-11-16T10:05"))
    assert len(writer.uids()) == 1
    message(store, "r", thread="t1", direction="received", sender="ed.park@acme.com", to=(REP,),
            sent_at=at("2026-11-17T09:00"), body="Thursday works, talk then.")
    tracker.track(store, cfg, at("2026-11-17T09:05"))
    assert store.step(cid).state == S.SETTLED  # type: ignore[union-attr]
    booking.book_due(store, writer, cfg, at("2026-11-17T09:05"))
    assert writer.uids() == set()  # deleted, not kept with a note: it was only a hold


def test_holds_can_be_turned_off(store: Store) -> None:
    cid = fallback(store)
    tracker.track(store, config(hold_fallbacks=False), at("2026-11-16T10:05"))
    assert store.step(cid).state == S.PENDING and store.suggestions() == []  # type: ignore[union-attr]


def test_the_rep_can_release_a_hold(store: Store, tmp_path: Path) -> None:
    cid = fallback(store)
    cfg = config(tmp_path)
    writer = writer_for(tmp_path)
    tracker.track(store, cfg, at("2026-11-16T10:05"))
    booking.book_due(store, writer, cfg, at("2026-11-16T10:05"))
    sid = store.suggestion_for(cid).id  # type: ignore[union-attr]
    assert [v.id for v in review.booked(store, cfg, at("2026-11-16T10:06"))] == [sid]
    review.cancel(store, cfg, sid, at("2026-11-16T10:06"), writer)
    assert store.step(cid).state == S.CANCELLED and writer.uids() == set()  # type: ignore[union-attr]


# -- 7. holidays ---------------------------------------------------------------------------------------
def test_working_days_skip_the_public_holidays_of_the_reps_country(store: Store) -> None:
    us = parse_config({
        "rep": {"email": REP, "timezone": "America/New_York", "country": "US"},
        "accounts": [{"name": "work", "kind": "local"}]})
    hours = business_hours(us)
    thanksgiving = date(2026, 11, 26)
    assert not hours.working(thanksgiving) and hours.working(date(2026, 11, 27))
    assert business_hours(config()).working(thanksgiving)  # no country: no holidays
    assert hours.next_slot(at("2026-11-25T17:45")) == at("2026-11-27T09:00")
    # a promise with no date, sent Wednesday: two working days later is Monday, not Friday
    assert hours.default_target(at("2026-11-25T10:00")) == at("2026-11-30T10:00")
    # "I'll send it Thursday" (Thanksgiving): due when the next working day starts
    m = message(store, "p", thread="t1", sent_at=at("2026-11-23T10:00"), body="I'll send it Thursday.")
    cid = promise(store, m, action="send", due=at("2026-11-26T00:00")).id
    tracker.track(store, us, at("2026-11-23T11:00"))
    assert store.step(cid).target == at("2026-11-27T09:00")  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="rep.country"):
        parse_config({"rep": {"country": "Atlantis"}})


# -- the words and counts the rep reads ----------------------------------------------------------------
def test_why_follows_the_state() -> None:
    due = "your promise is due, not yet delivered"
    assert why(S.SUGGESTED, due) == due
    assert why(S.KEPT, due) == "kept: delivered" and "due" not in why(S.SETTLED, due)
    assert why(S.BACKLOG, due).startswith("history")


def test_a_kept_follow_up_does_not_say_it_is_due(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cid = send_promise(store, "p", thread="t1", sent="2026-11-16T10:00", due="2026-11-17T00:00")
    tracker.track(store, cfg, at("2026-11-17T09:30"))
    message(store, "d", thread="t1", sent_at=at("2026-11-17T11:00"), body="Attached is the proposal.")
    tracker.track(store, cfg, at("2026-11-17T12:00"))
    sid = store.suggestion_for(cid).id  # type: ignore[union-attr]
    v = review.view(store, sid, cfg)
    assert v.state == "kept" and "not yet delivered" not in v.reason


def test_a_promise_weeks_overdue_is_not_pending(store: Store) -> None:
    cfg = config()
    send_promise(store, "p", thread="t1", sent="2026-10-01T10:00", due="2026-10-06T00:00")
    now = at("2026-11-20T09:00")
    tracker.track(store, cfg, now)
    r = report.build_weekly(store, cfg, now, "2026-W41", charts=False)
    assert [p.outcome for p in r.due] == ["broken"] and r.counts.pending == 0


def test_a_replay_zone_is_kept(store: Store) -> None:
    """Times the pass writes are aware and in the rep's zone (never compared as text)."""
    cid = send_promise(store, "p", thread="t1", sent="2026-11-16T10:00", due="2026-11-17T00:00")
    tracker.track(store, config(), at("2026-11-18T09:00"))
    s = store.suggestion_for(cid)
    assert s is not None and s.start.tzinfo is not None and s.start == datetime(2026, 11, 18, 14, 0,
                                                                                  tzinfo=ZoneInfo("UTC"))


def test_an_incremental_pass_decides_as_a_full_pass_would(tmp_path: Path) -> None:
    """The pass only looks at what may move (new mail, targets passed, chases no longer held back, history
    aging out); forgetting where the last pass stopped makes it look at everything: same result."""
    import shutil

    from assistant.tracker import repository

    first = open_store(tmp_path / "a.sqlite3")
    for i in range(6):
        send_promise(first, f"p{i}", thread=f"t{i}", sent="2026-11-02T10:00", due=f"2026-11-0{3 + i % 3}T00:00",
                     to=f"b{i}@co{i}.com", body="I'll send the revised terms by Tuesday.")
        m = message(first, f"b{i}", thread=f"t{i}", direction="received", sender=f"b{i}@co{i}.com", to=(REP,),
                    sent_at=at("2026-11-02T12:00"), body="I'll get you the signed form by Wednesday.")
        promise(first, m, who="them", action="send", due=at("2026-11-04T00:00"))
    cfg = config()
    tracker.track(first, cfg, at("2026-11-09T09:00"))
    for i in (1, 4):  # the rep delivers on two threads; on another, the buyer writes on a new thread
        message(first, f"d{i}", thread=f"t{i}", to=(f"b{i}@co{i}.com",), sent_at=at("2026-11-10T10:00"),
                body="Attached are the revised terms.")
    message(first, "x", thread="other", direction="received", sender="b2@co2.com", to=(REP,),
            sent_at=at("2026-11-10T11:00"), body="Any news on the terms?")
    first.close()
    shutil.copy(tmp_path / "a.sqlite3", tmp_path / "b.sqlite3")
    a, b = open_store(tmp_path / "a.sqlite3"), open_store(tmp_path / "b.sqlite3")
    for later, hop, n in ((at("2026-11-12T09:00"), "broken->suggested", 2),  # the rep delivered: chase them now
                          (at("2026-11-21T09:00"), "broken->backlog", 4)):  # still held back, and now history
        b.set_cursor(repository.TRACKER_MARK, {}, later)  # no mark: a full pass
        ra, rb = tracker.track(a, cfg, later), tracker.track(b, cfg, later)
        assert ra.transitions == rb.transitions and ra.transitions.get(hop) == n
        assert sorted((s.commitment_id, s.state) for s in a.steps()) == sorted(
            (s.commitment_id, s.state) for s in b.steps())
        assert [(g.commitment_id, g.start) for g in a.suggestions()] == [
            (g.commitment_id, g.start) for g in b.suggestions()]


def test_promises_with_no_date_are_not_matched_across_messages(store: Store) -> None:
    """A target that is only the config default says nothing about the promise: an undated promise in a
    call note and a mail promising something for that same day stay two (the note's step is read back
    from the store by the second pass)."""
    note = message(store, "n", thread="tn", direction="note", to=("ed.park@acme.com",), sent_at=at("2026-11-16T11:00"),
                   body="Told Ed I'd send the references.")
    first = promise(store, note, action="send", text="I'd send the references")
    tracker.track(store, config(), at("2026-11-16T11:05"))
    mail = message(store, "m", thread="tm", sent_at=at("2026-11-16T11:00"), body="I'll send the pricing Wednesday.")
    second = promise(store, mail, action="send", due=at("2026-11-18T00:00"), text="I'll send the pricing Wednesday.")
    tracker.track(store, config(), at("2026-11-16T11:10"))
    one, two = store.step(first.id), store.step(second.id)
    assert one is not None and two is not None and one.target_is_default and not two.target_is_default
    assert one.target.date() == two.target.date()  # the same day: only the dated one says so
    assert (one.state, two.state) == (S.PENDING, S.PENDING)
