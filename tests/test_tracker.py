"""The tracker's state machine over a replayed clock, business time, counterparts and deals."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant import booking, tracker
from assistant.calendars.ics import IcsWriter
from assistant.models import StepState
from assistant.store import Store, open_store
from assistant.tracker import engine, states
from assistant.tracker.business import business_hours
from tests.track_fixtures import NY, REP, at, config, message, promise

S = StepState
CALL_FALLBACK = "I'll call you Wednesday at 10:45 if I haven't heard from you by then."


@pytest.fixture
def store(any_store: Store) -> Store:
    """Each adapter in turn (tests/conftest.py): the tracker's queries run on SQLite and on PostgreSQL."""
    return any_store


def hops(store: Store, cid: str) -> list[tuple[str | None, str]]:
    return [(t.from_state.value if t.from_state else None, t.to_state.value) for t in store.transitions(cid)]


def fallback(store: Store) -> str:
    m = message(store, "p1", thread="t1", sent_at=at("2026-11-16T10:00"), body=CALL_FALLBACK)
    return promise(store, m, due=at("2026-11-18T10:45"), has_time=True, conditional=True).id


def reply(store: Store, key: str, when: str, body: str = "Thanks Sam, Thursday works.", *, auto: bool = False,
          until: datetime | None = None, thread: str = "t1", sender: str = "ed.park@acme.com") -> None:
    message(store, key, thread=thread, direction="received", sender=sender, to=(REP,), sent_at=at(when), body=body,
            auto=auto, until=until)


def test_new_commitment_is_pending_until_its_target(store: Store) -> None:
    cid = fallback(store)
    cfg = config(hold_fallbacks=False)
    tracker.track(store, cfg, at("2026-11-17T09:00"))
    step = store.step(cid)
    assert step is not None and step.state == S.PENDING
    assert step.owner == "me" and step.action == "call" and not step.target_is_default
    assert step.counterpart.email == "ed.park@acme.com" and step.counterpart.company == "acme.com"
    assert hops(store, cid) == [(None, "pending")]
    tracker.track(store, cfg, at("2026-11-18T10:44"))
    assert store.step(cid).state == S.PENDING  # type: ignore[union-attr]
    assert store.suggestions() == []


def test_target_passes_unsettled_due_then_suggested_at_promised_moment(store: Store) -> None:
    cid = fallback(store)
    cfg = config()
    result = tracker.track(store, cfg, at("2026-11-18T10:46"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]
    assert hops(store, cid) == [(None, "pending"), ("pending", "due"), ("due", "suggested")]
    (s,) = store.suggestions()
    assert result.suggestions == (s.id,)
    assert s.start == at("2026-11-18T10:45") and s.end - s.start == timedelta(minutes=15)
    assert s.title.startswith("Call Ed Park (acme.com) — you promised: I'll call you Wednesday")  # no name written
    assert CALL_FALLBACK in s.body and "message:%3Cp1@example.test%3E" in s.body
    assert s.link == "message:%3Cp1@example.test%3E"
    # a second pass at the same moment changes nothing
    again = tracker.track(store, cfg, at("2026-11-18T10:46"))
    assert again.suggestions == () and again.transitions == {} and len(store.transitions(cid)) == 3


def test_real_reply_before_target_settles_a_fallback(store: Store) -> None:
    cid = fallback(store)
    reply(store, "r1", "2026-11-17T15:00")
    tracker.track(store, config(), at("2026-11-20T09:00"))
    assert store.step(cid).state == S.SETTLED  # type: ignore[union-attr]
    assert store.suggestions() == []
    assert "before the target" in store.transitions(cid)[-1].note


def test_auto_reply_never_settles(store: Store) -> None:
    cid = fallback(store)
    reply(store, "ooo", "2026-11-16T10:01", "I am out of the office with limited access to email.", auto=True)
    tracker.track(store, config(), at("2026-11-18T11:00"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]


def test_out_of_office_return_date_moves_the_suggestion_after_it(store: Store) -> None:
    cid = fallback(store)
    reply(store, "ooo", "2026-11-16T10:01", "Out of office until Monday 23 November.", auto=True,
          until=at("2026-11-23T00:00"))
    tracker.track(store, config(), at("2026-11-18T10:46"))
    s = store.suggestion_for(cid)
    assert s is not None and s.state == S.SUGGESTED
    assert s.start.astimezone(NY) == at("2026-11-23T09:00")  # first business slot after the return
    assert "out of office" in s.reason


def test_out_of_office_arriving_after_the_suggestion_moves_it(store: Store) -> None:
    cid = fallback(store)
    cfg = config()
    tracker.track(store, cfg, at("2026-11-18T10:46"))
    reply(store, "ooo", "2026-11-18T10:50", "Away until 25 Nov", auto=True, until=at("2026-11-25T12:00"))
    result = tracker.track(store, cfg, at("2026-11-18T11:00"))
    s = store.suggestion_for(cid)
    assert s is not None and result.moved == (s.id,)
    assert s.start.astimezone(NY) == at("2026-11-25T12:00")


def test_reply_does_not_settle_an_unconditional_promise(store: Store) -> None:
    m = message(store, "p2", thread="t2", sent_at=at("2026-11-16T10:00"), body="I'll call you Tuesday at 1pm.")
    cid = promise(store, m, due=at("2026-11-17T13:00"), has_time=True).id
    reply(store, "r2", "2026-11-16T12:00", "Great, talk then.", thread="t2")
    tracker.track(store, config(), at("2026-11-17T13:05"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]


def test_rep_delivery_marks_the_promise_kept(store: Store) -> None:
    m = message(store, "p3", thread="t3", sent_at=at("2026-11-16T10:00"), body="I'll send you the proposal by Thursday.")
    cid = promise(store, m, action="send", due=at("2026-11-19T00:00")).id
    cfg = config()
    message(store, "n1", thread="t3", sent_at=at("2026-11-17T09:00"), body="Quick question on your team size?")
    tracker.track(store, cfg, at("2026-11-17T10:00"))
    assert store.step(cid).state == S.PENDING  # type: ignore[union-attr]
    message(store, "d1", thread="t3", sent_at=at("2026-11-18T16:00"), body="As promised, attached is the proposal.")
    tracker.track(store, cfg, at("2026-11-18T17:00"))
    assert store.step(cid).state == S.KEPT  # type: ignore[union-attr]
    assert hops(store, cid)[-1] == ("pending", "kept")


def test_delivery_after_suggestion_keeps_and_releases_the_event(store: Store, tmp_path: Path) -> None:
    m = message(store, "p4", thread="t4", sent_at=at("2026-11-16T10:00"), body="I'll send the SOW by Tuesday.")
    cid = promise(store, m, action="send", due=at("2026-11-17T00:00")).id
    cfg = config(tmp_path, mode="book")
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    tracker.track(store, cfg, at("2026-11-17T09:30"))
    booking.book_due(store, writer, cfg, at("2026-11-17T09:30"))
    s = store.suggestion_for(cid)
    assert s is not None and s.state == S.BOOKED and writer.uids() == {s.id}
    message(store, "d4", thread="t4", sent_at=at("2026-11-17T11:00"), body="Here's the SOW, let me know.")
    tracker.track(store, cfg, at("2026-11-17T12:00"))
    assert store.step(cid).state == S.KEPT  # type: ignore[union-attr]
    outcomes = booking.book_due(store, writer, cfg, at("2026-11-17T12:00"))
    assert [o.action for o in outcomes] == ["deleted"] and writer.uids() == set()


def test_buyer_promise_missed_is_broken_and_becomes_a_chase(store: Store) -> None:
    m = message(store, "b1", thread="t5", direction="received", sender="kim@contoso.com", to=(REP,),
                sent_at=at("2026-11-16T12:00"), body="I'll send the purchase order on Tuesday.",
                names={"kim@contoso.com": "Kim Ortiz"})
    cid = promise(store, m, who="them", action="send", due=at("2026-11-17T00:00")).id
    cfg = config()
    tracker.track(store, cfg, at("2026-11-17T17:00"))
    assert store.step(cid).state == S.PENDING  # type: ignore[union-attr]  (they have until the day ends)
    tracker.track(store, cfg, at("2026-11-18T08:00"))
    assert hops(store, cid) == [(None, "pending"), ("pending", "broken"), ("broken", "suggested")]
    s = store.suggestion_for(cid)
    assert s is not None and s.title.startswith("Chase Kim Ortiz (contoso.com) for the purchase order — they promised:")
    assert s.start.astimezone(NY) == at("2026-11-18T09:00")
    assert [t.commitment_id for t in store.transitions(to_state=S.BROKEN)] == [cid]


def test_buyer_promise_kept_by_their_delivery(store: Store) -> None:
    m = message(store, "b2", thread="t6", direction="received", sender="kim@contoso.com", to=(REP,),
                sent_at=at("2026-11-16T12:00"), body="I'll send the purchase order on Tuesday.")
    cid = promise(store, m, who="them", action="send", due=at("2026-11-17T00:00")).id
    reply(store, "b3", "2026-11-17T14:00", "Sorry, still waiting on finance.", thread="t6", sender="kim@contoso.com")
    tracker.track(store, config(), at("2026-11-17T15:00"))
    assert store.step(cid).state == S.PENDING  # type: ignore[union-attr]
    reply(store, "b4", "2026-11-17T16:00", "Attached is the signed PO.", thread="t6", sender="kim@contoso.com")
    tracker.track(store, config(), at("2026-11-17T16:30"))
    assert store.step(cid).state == S.KEPT  # type: ignore[union-attr]


def test_replayed_clock_ignores_messages_after_now(store: Store) -> None:
    cid = fallback(store)
    reply(store, "late", "2026-11-25T10:00")
    tracker.track(store, config(), at("2026-11-18T11:00"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]
    m = message(store, "future", thread="t9", sent_at=at("2026-12-01T10:00"), body="I'll call you Friday.")
    promise(store, m, due=at("2026-12-04T00:00"))
    assert tracker.track(store, config(), at("2026-11-18T11:00")).new_steps == 0


def test_snooze_then_resuggest_when_it_ends(store: Store, tmp_path: Path) -> None:
    cid = fallback(store)
    cfg = config(tmp_path)
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    tracker.track(store, cfg, at("2026-11-18T11:00"))
    sid = store.suggestion_for(cid).id  # type: ignore[union-attr]
    booking.accept(store, writer, sid, at("2026-11-18T11:01"), cfg)
    assert writer.uids() == {sid}
    booking.snooze(store, writer, sid, at("2026-11-21T10:00"), at("2026-11-18T11:02"), cfg)
    assert store.step(cid).state == S.SNOOZED and writer.uids() == set()  # type: ignore[union-attr]
    assert store.suggestion(sid).start.astimezone(NY) == at("2026-11-23T09:00")  # type: ignore[union-attr]
    tracker.track(store, cfg, at("2026-11-20T09:00"))
    assert store.step(cid).state == S.SNOOZED  # type: ignore[union-attr]
    tracker.track(store, cfg, at("2026-11-21T10:00"))
    assert store.step(cid).state == S.SUGGESTED  # type: ignore[union-attr]
    assert hops(store, cid)[-3:] == [("suggested", "accepted"), ("accepted", "snoozed"), ("snoozed", "suggested")]


def test_every_transition_is_checked(store: Store, tmp_path: Path) -> None:
    cid = fallback(store)
    cfg = config(tmp_path)
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    with pytest.raises(tracker.TransitionError):
        states.change(store, "nope", S.KEPT, at("2026-11-17T09:00"))
    tracker.track(store, cfg, at("2026-11-18T11:00"))
    sid = store.suggestion_for(cid).id  # type: ignore[union-attr]
    booking.reject(store, writer, sid, at("2026-11-18T11:05"))
    assert store.step(cid).state == S.REJECTED  # type: ignore[union-attr]
    for to in (S.SUGGESTED, S.BOOKED, S.KEPT, S.DUE):
        with pytest.raises(tracker.TransitionError):
            states.change(store, cid, to, at("2026-11-18T11:06"))
    with pytest.raises(tracker.TransitionError):
        booking.book(store, writer, sid, at("2026-11-18T11:06"), cfg)
    # the table itself: final states go nowhere; every open state can end
    for state in states.FINAL:
        assert states.TRANSITIONS[state] == frozenset()
    for state in states.OPEN:
        assert {S.KEPT, S.SETTLED, S.CANCELLED} <= states.TRANSITIONS[state]


def test_cancel_from_booked(store: Store, tmp_path: Path) -> None:
    cid = fallback(store)
    cfg = config(tmp_path, mode="book")
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    tracker.track(store, cfg, at("2026-11-18T11:00"))
    booking.book_due(store, writer, cfg, at("2026-11-18T11:00"))
    sid = store.suggestion_for(cid).id  # type: ignore[union-attr]
    assert store.step(cid).state == S.BOOKED  # type: ignore[union-attr]
    booking.cancel(store, writer, sid, at("2026-11-18T12:00"), "deal lost")
    assert store.step(cid).state == S.CANCELLED and writer.uids() == set()  # type: ignore[union-attr]
    assert store.booking(sid).state == "cancelled"  # type: ignore[union-attr]
    assert hops(store, cid)[-1] == ("booked", "cancelled")


# -- business time ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("moment", "slot"), [
    ("2026-11-20T09:00", "2026-11-20T09:00"),  # Friday, inside hours
    ("2026-11-20T09:07", "2026-11-20T09:15"),  # rounds up to a quarter hour
    ("2026-11-20T17:20", "2026-11-23T09:00"),  # too late for a 15-minute call: Monday
    ("2026-11-21T11:00", "2026-11-23T09:00"),  # Saturday
    ("2026-11-23T06:30", "2026-11-23T09:00"),  # before hours
])
def test_next_business_slot(moment: str, slot: str) -> None:
    assert tracker.next_business_slot(at(moment), config()) == at(slot)


def test_default_target_two_business_days_at_a_working_hour(store: Store) -> None:
    cfg = config()
    # Thursday 14:10 -> Monday 14:10 (skips the weekend)
    m = message(store, "v1", thread="t7", sent_at=at("2026-11-19T14:10"), body="I'll get back to you.")
    cid = promise(store, m, action="email", vague=True).id
    tracker.track(store, cfg, at("2026-11-19T15:00"))
    step = store.step(cid)
    assert step is not None and step.target_is_default and step.target == at("2026-11-23T14:10")
    # late evening mail -> the last slot of the working day
    assert business_hours(cfg).default_target(at("2026-11-16T22:30")) == at("2026-11-18T17:15")
    assert business_hours(cfg).default_target(at("2026-11-16T06:00")) == at("2026-11-18T09:00")


def test_default_target_across_dst_and_zones() -> None:
    cfg = config()
    # Friday 30 Oct 2026 10:00 EDT; US DST ends Sunday 1 Nov: Tuesday 3 Nov 10:00 EST (UTC-5)
    target = business_hours(cfg).default_target(at("2026-10-30T10:00"))
    assert target == at("2026-11-03T10:00") and target.utcoffset() == timedelta(hours=-5)
    # a message sent 01:30 UTC Tuesday is Monday 20:30 in New York: two business days later is Wednesday
    utc_sent = datetime(2026, 11, 17, 1, 30, tzinfo=ZoneInfo("UTC"))
    assert business_hours(cfg).default_target(utc_sent) == at("2026-11-18T17:15")
    # a rep in Berlin: the same instant is Tuesday 02:30 there -> Thursday 09:00 Berlin time
    berlin = config(tz="Europe/Berlin")
    assert business_hours(berlin).default_target(utc_sent) == at("2026-11-19T09:00", ZoneInfo("Europe/Berlin"))
    # Europe's DST ends 25 Oct: Friday 23 Oct 11:00 CEST -> Tuesday 27 Oct 11:00 CET
    t = business_hours(berlin).default_target(at("2026-10-23T11:00", ZoneInfo("Europe/Berlin")))
    assert t.utcoffset() == timedelta(hours=1) and t.hour == 11 and t.day == 27


def test_untimed_follow_ups_made_together_get_distinct_slots(store: Store) -> None:
    for i in range(3):
        m = message(store, f"s{i}", thread=f"ts{i}", sent_at=at("2026-11-16T10:00"), body=f"I'll send doc {i} Tuesday.")
        promise(store, m, action="send", due=at("2026-11-17T00:00"))
    tracker.track(store, config(), at("2026-11-20T09:00"))
    starts = [s.start.astimezone(NY) for s in store.suggestions()]
    assert starts == [at("2026-11-20T09:00"), at("2026-11-20T09:15"), at("2026-11-20T09:30")]


def test_timed_promise_long_past_is_suggested_at_the_next_business_slot(store: Store) -> None:
    cid = fallback(store)
    tracker.track(store, config(), at("2026-11-20T09:00"))
    assert store.suggestion_for(cid).start.astimezone(NY) == at("2026-11-20T09:00")  # type: ignore[union-attr]


# -- counterparts and deals --------------------------------------------------------------------------
def test_note_without_address_takes_the_counterpart_from_its_text(store: Store) -> None:
    reply(store, "x", "2026-11-10T10:00", "Hello", thread="tp", sender="pat.lee@fabrikam.com")
    note = message(store, "note1", thread="tn", direction="note", sender=REP, to=(),
                   sent_at=at("2026-11-16T10:00"), body="VM from Pat (Fabrikam): will send the security review Thursday.",
                   subject="Voicemail")
    cid = promise(store, note, who="them", action="send", due=at("2026-11-19T00:00")).id
    tracker.track(store, config(), at("2026-11-16T11:00"))
    cp = store.step(cid).counterpart  # type: ignore[union-attr]
    assert cp.name == "Pat" and cp.company == "fabrikam.com" and cp.email == "pat.lee@fabrikam.com"


def test_note_on_a_thread_takes_the_threads_counterpart(store: Store) -> None:
    fallback(store)
    note = message(store, "note2", thread="t1", direction="note", sender=REP, to=(), sent_at=at("2026-11-16T15:00"),
                   body="Left a voicemail, said I'd call again Tuesday at 11.")
    cid = promise(store, note, due=at("2026-11-17T11:00"), has_time=True).id
    tracker.track(store, config(), at("2026-11-16T16:00"))
    assert store.step(cid).counterpart.email == "ed.park@acme.com"  # type: ignore[union-attr]


def test_company_of_and_labels() -> None:
    assert tracker.company_of("Ed.Park@Acme.com") == "acme.com"
    assert tracker.company_of("jo.smith@gmail.com") == "jo.smith@gmail.com"
    assert tracker.company_label("harboroutfitters.com") == "harboroutfitters.com"  # as written, not squashed
    assert tracker.company_label("northwind.co.uk") == "northwind.co.uk"
    assert tracker.company_label("harboroutfitters.com", "Ed Marsh", "Harbor Outfitters") == "Harbor Outfitters"
    assert tracker.company_label("jo.smith@gmail.com", "Jo Smith") == "Jo Smith"


def test_deals_roll_up_by_company_and_flag_stalled(store: Store) -> None:
    cfg = config()
    now = at("2026-11-20T09:00")
    # Acme: two people, a concrete dated step -> active
    fallback(store)
    reply(store, "a2", "2026-11-17T10:00", "Looping in Li.", thread="t1b", sender="li@acme.com")
    # Globex: last touched 40 days ago -> stalled by age
    g = message(store, "g1", thread="tg", to=("ann@globex.com",), sent_at=now - timedelta(days=40), body="I'll call you Monday.")
    promise(store, g, due=now + timedelta(days=3))
    # Initech: only a vague step -> stalled, vague_only
    i = message(store, "i1", thread="ti", to=("bo@initech.com",), sent_at=at("2026-11-18T10:00"), body="I'll follow up soon.")
    promise(store, i, action="follow_up", vague=True)
    # two free-mail people stay two deals
    message(store, "f1", thread="tf1", to=("jo@gmail.com",), sent_at=at("2026-11-18T10:00"), body="hi")
    message(store, "f2", thread="tf2", to=("al@gmail.com",), sent_at=at("2026-11-18T10:00"), body="hi")
    tracker.track(store, cfg, now)
    by = {d.company: d for d in tracker.deals(store, cfg, now)}
    assert set(by) == {"acme.com", "globex.com", "initech.com", "jo@gmail.com", "al@gmail.com"}
    acme = by["acme.com"]
    assert acme.label == "acme.com" and set(acme.people) == {"Ed Park", "Li"} and not acme.stalled
    assert acme.next_step is not None and acme.next_step.owner == "me"
    assert by["globex.com"].stalled and "no activity in 40 days" in by["globex.com"].stalled_reason
    assert by["initech.com"].stalled and by["initech.com"].vague_only
    assert by["jo@gmail.com"].stalled and by["jo@gmail.com"].stalled_reason == "no next step"
    assert by["jo@gmail.com"].next_step is None


def test_incremental_pass_sees_mail_synced_late_and_a_clock_replayed_backwards(store: Store) -> None:
    cid = fallback(store)
    cfg = config()
    tracker.track(store, cfg, at("2026-11-17T12:00"))
    reply(store, "late-sync", "2026-11-17T09:00")  # sent before the last pass, stored after it
    tracker.track(store, cfg, at("2026-11-17T13:00"))
    assert store.step(cid).state == S.SETTLED  # type: ignore[union-attr]
    other = message(store, "p9", thread="t9", sent_at=at("2026-11-16T10:00"), body="I'll call you Tuesday at 10.")
    cid9 = promise(store, other, due=at("2026-11-17T10:00"), has_time=True).id
    tracker.track(store, cfg, at("2026-11-16T11:00"))  # replayed backwards: a full pass
    assert store.step(cid9).state == S.PENDING  # type: ignore[union-attr]
    tracker.track(store, cfg, at("2026-11-17T10:30"))
    assert store.step(cid9).state == S.SUGGESTED  # type: ignore[union-attr]


def _indexes(store: Store) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in store.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")}


def test_a_bulk_first_pass_gives_the_same_result_and_keeps_every_index(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def world(path: Path) -> Store:
        st = open_store(path)
        fallback(st)
        reply(st, "ooo", "2026-11-16T10:01", "Away", auto=True, until=at("2026-11-19T00:00"))
        for i in range(3):
            m = message(st, f"s{i}", thread=f"ts{i}", sent_at=at("2026-11-16T10:00"), body=f"I'll send doc {i} Tuesday.")
            promise(st, m, action="send", due=at("2026-11-17T00:00"))
        kept = message(st, "k1", thread="tk", sent_at=at("2026-11-16T10:00"), body="I'll send the deck Tuesday.")
        promise(st, kept, action="send", due=at("2026-11-17T00:00"))
        message(st, "k2", thread="tk", sent_at=at("2026-11-16T15:00"), body="Attached is the deck.")
        return st

    def outcome(st: Store) -> list[tuple[object, ...]]:
        return sorted((s.commitment_id, s.state, s.target) for s in st.steps()) + sorted(
            (g.commitment_id, g.start, g.title) for g in st.suggestions()) + sorted(
            (t.commitment_id, t.from_state or "", t.to_state, t.note) for t in st.transitions())

    now = at("2026-11-20T09:00")
    plain = world(tmp_path / "plain.sqlite3")
    before = _indexes(plain)
    tracker.track(plain, config(), now)
    monkeypatch.setattr(engine, "BULK", 1)  # every pass with a new step rebuilds the indexes
    bulk = world(tmp_path / "bulk.sqlite3")
    tracker.track(bulk, config(), now)
    assert outcome(bulk) == outcome(plain) and len(outcome(bulk)) > 10
    assert _indexes(bulk) == before == _indexes(plain)
    assert tracker.track(bulk, config(), now).transitions == {}  # and a second pass changes nothing
