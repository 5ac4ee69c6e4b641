"""The main job end to end: what `make demo` runs, and the same pass over a hand-built mailbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar

from assistant.calendars.ics import IcsWriter
from assistant.models import StepState
from assistant.pipeline import after_sync
from assistant.store import open_store
from tests.track_fixtures import NY, REP, at, config, message, promise


def ics_uids(path: Path) -> list[str]:
    return [str(v["UID"]) for v in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def test_after_sync_books_in_the_reps_zone_once_and_never_for_replied_threads(tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    store = open_store(tmp_path / "db.sqlite3")
    silent = message(store, "s1", thread="silent", sent_at=at("2026-11-16T10:00"),
                     body="I'll call you Wednesday at 10:45 if I haven't heard from you by then.")
    promise(store, silent, due=at("2026-11-18T10:45"), has_time=True, conditional=True)
    answered = message(store, "a1", thread="answered", to=("kim@contoso.com",), sent_at=at("2026-11-16T11:00"),
                       body="If I don't hear back by Tuesday I'll call you Wednesday.")
    promise(store, answered, due=at("2026-11-18T00:00"), conditional=True)
    message(store, "a2", thread="answered", direction="received", sender="kim@contoso.com", to=(REP,),
            sent_at=at("2026-11-17T09:00"), body="Thanks - we'll sign this week.")
    ooo_only = message(store, "o1", thread="ooo", to=("li@initech.com",), sent_at=at("2026-11-16T12:00"),
                       body="I'll send the pricing by Tuesday.")
    promise(store, ooo_only, action="send", due=at("2026-11-17T00:00"))
    message(store, "o2", thread="ooo", direction="received", sender="li@initech.com", to=(REP,),
            sent_at=at("2026-11-16T12:01"), body="I am out of the office.", auto=True)
    writer = IcsWriter(tmp_path / "followups.ics", timezone=cfg.rep.timezone)
    now = at("2026-11-20T09:00")
    lines = after_sync(store, cfg, now, writer=writer)
    assert any("2 booked" in line for line in lines)
    uids = ics_uids(tmp_path / "followups.ics")
    assert len(uids) == 2 == len(set(uids))
    threads = {store.step(store.suggestion(u).commitment_id).counterpart.thread_id for u in uids}  # type: ignore[union-attr]
    assert threads == {"silent", "ooo"}
    for e in writer.events():
        assert str(e.start.tzinfo) == "America/New_York" and 9 <= e.start.hour < 17
    after_sync(store, cfg, now, writer=writer)
    assert sorted(ics_uids(tmp_path / "followups.ics")) == sorted(uids)
    assert store.suggestions([StepState.SETTLED]) == []  # settled before a suggestion was ever made


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, object]:
    pytest.importorskip("nlp.extract", reason="the demo needs nlp.extract")
    from assistant.demo import run_demo

    out = tmp_path_factory.mktemp("demo-out")
    first = run_demo(out)
    second = run_demo(out)
    return out, first, second


def test_demo_books_follow_ups_into_the_ics_file(demo_runs: tuple[Path, object, object]) -> None:
    out, first, second = demo_runs
    ics = out / "followups.ics"
    assert ics.exists() and first.ics_path == ics  # type: ignore[attr-defined]
    uids = ics_uids(ics)
    assert uids, "the sample mailbox has silent threads: the demo must book follow-ups"
    assert len(uids) == len(set(uids))
    cal = Calendar.from_ical(ics.read_bytes())
    for v in cal.walk("VEVENT"):
        assert v["DTSTART"].params["TZID"] == "America/New_York"
        assert v.walk("VALARM")
    assert sorted(ics_uids(ics)) == sorted(uids)  # the second run added nothing
    assert first.messages == second.messages  # type: ignore[attr-defined]
    assert [r.title for r in first.rows] == [r.title for r in second.rows]  # type: ignore[attr-defined]
    report = first.report_path  # type: ignore[attr-defined]
    assert report is None or Path(report).exists()


def test_demo_books_nothing_for_threads_that_got_a_real_reply(demo_runs: tuple[Path, object, object]) -> None:
    out, first, _ = demo_runs
    now = first.now  # type: ignore[attr-defined]
    with open_store(out / "follow-through.sqlite3") as store:
        for b in store.bookings(["booked"]):
            detail = store.suggestion_detail(b.suggestion_id)
            assert detail is not None and detail.message is not None
            c, promise_msg = detail.commitment, detail.message
            replies = [m for m in store.messages(thread_id=promise_msg.thread_id)
                       if m.direction == "received" and not m.is_auto_reply and promise_msg.sent_at < m.sent_at <= now]
            if c.who == "me" and c.conditional:
                assert not replies, f"booked {detail.suggestion.title!r} although the thread got a reply"
        # a fallback the buyer answered in time was settled: its tentative hold left the calendar
        on_calendar = set(ics_uids(out / "followups.ics"))
        settled = [s for s in store.steps([StepState.SETTLED])
                   if (g := store.suggestion_for(s.commitment_id)) is None or g.id not in on_calendar]
        assert settled, "the sample has a fallback answered before its time: it must settle without an event"


def test_demo_replays_the_clock_so_fallbacks_land_at_the_promised_moment(
        demo_runs: tuple[Path, object, object]) -> None:
    out, first, second = demo_runs
    assert first.moments > 10  # type: ignore[attr-defined]  (a pass at each arrival and target, not one pass)
    assert second.moments == 1  # type: ignore[attr-defined]  (the second run resumes where the first stopped)
    at_promised = 0
    with open_store(out / "follow-through.sqlite3") as store:
        for b in store.bookings(["booked"]):
            detail = store.suggestion_detail(b.suggestion_id)
            assert detail is not None
            s, step, c = detail.suggestion, detail.step, detail.commitment
            if "out of office" in s.reason:  # moved after the buyer's return date
                assert s.start > step.target
            elif c.who == "me" and c.due_has_time and not step.target_is_default:
                assert s.start == step.target, f"{s.title!r} booked at {s.start}, promised for {step.target}"
                at_promised += 1
            else:  # untimed: the first free business slot once it fell due
                local = s.start.astimezone(NY)
                assert local.weekday() < 5 and 9 <= local.hour < 17 and s.start >= step.target
        assert at_promised >= 2, "the sample's unanswered fallbacks with a stated time are booked at that time"


def test_demo_shows_the_review_step_for_its_suggest_mode_account(demo_runs: tuple[Path, object, object]) -> None:
    """The sample's call notes are an account in suggest mode: what they promise waits in the review, while the
    mailbox's account (book mode) still books its fallbacks."""
    out, first, _ = demo_runs
    with open_store(out / "follow-through.sqlite3") as store:
        def account(suggestion_id: str) -> str:
            detail = store.suggestion_detail(suggestion_id)
            assert detail is not None and detail.message is not None
            return detail.message.account

        waiting = [s for s in store.suggestions([StepState.SUGGESTED])]
        assert any(account(s.id) == "calls" for s in waiting), "the review step must be seen in the demo"
        booked = [b.suggestion_id for b in store.bookings(["booked"])]
        assert booked and {account(sid) for sid in booked} == {"sample"}
        fallbacks = [sid for sid in booked if (d := store.suggestion_detail(sid)) is not None
                     and d.commitment.conditional and d.commitment.who == "me"]
        assert len(fallbacks) >= 2
    assert any(r.state == "suggested" for r in first.rows)  # type: ignore[attr-defined]
