"""Booking: idempotent, crash-safe, and every review action flows through to the calendar."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from assistant import booking, tracker
from assistant.calendars.ics import IcsWriter
from assistant.config import Config
from assistant.errors import CalendarError
from assistant.models import CalendarEvent, StepState
from assistant.store import Store, open_store
from assistant.tracker import states
from tests.track_fixtures import REP, at, config, message, promise

S = StepState
NOW = at("2026-11-20T09:00")
ROOT = Path(__file__).resolve().parents[1]


def fill(store: Store, n: int, cfg: Config) -> list[str]:
    """n threads, each with a fallback call that fell due; returns the suggestion ids."""
    for i in range(n):
        m = message(store, f"k{i}", thread=f"t{i}", to=(f"buyer{i}@co{i}.com",), sent_at=at("2026-11-16T10:00"),
                    body=f"I'll call you Wednesday at 10:{i % 60:02d} if I haven't heard back.")
        promise(store, m, due=at(f"2026-11-18T10:{i % 60:02d}"), has_time=True, conditional=True)
    tracker.track(store, cfg, NOW)
    return [s.id for s in store.suggestions()]


class CountingWriter(IcsWriter):
    """Counts the events written (one VEVENT built per put), and the file's reads and writes."""

    puts = reads = writes = 0

    def _vevent(self, event: CalendarEvent, sequence: int) -> Any:
        self.puts += 1
        return super()._vevent(event, sequence)

    def _read(self) -> Any:
        self.reads += 1
        return super()._read()

    def _write(self, cal: Any) -> None:
        self.writes += 1
        super()._write(cal)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "db.sqlite3")


def test_book_is_idempotent(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    ids = fill(store, 3, cfg)
    writer = CountingWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    first = booking.book_due(store, writer, cfg, NOW)
    assert sorted(o.suggestion.id for o in first) == sorted(ids) and {o.action for o in first} == {"booked"}
    assert booking.book_due(store, writer, cfg, NOW) == []
    assert booking.book(store, writer, ids[0], NOW, cfg).action == "already-booked"
    assert writer.puts == 3 and writer.uids() == set(ids)
    assert {b.suggestion_id for b in store.bookings(["booked"])} == set(ids)
    assert all(store.step(store.suggestion(i).commitment_id).state == S.BOOKED for i in ids)  # type: ignore[union-attr]


def test_a_crash_between_calendar_write_and_store_commit_books_once(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    (sid,) = fill(store, 1, cfg)
    writer = CountingWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    s = store.suggestion(sid)
    assert s is not None
    writer.put(booking.event_for(s, cfg))  # the server got it; the process died before the commit
    outcome = booking.book(store, writer, sid, NOW, cfg)
    assert outcome.action == "recovered" and writer.puts == 1
    assert writer.uids() == {sid} and store.booking(sid).state == "booked"  # type: ignore[union-attr]


def test_suggest_mode_books_only_accepted(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path)  # mode = suggest
    ids = fill(store, 2, cfg)
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    assert booking.book_due(store, writer, cfg, NOW) == []
    states.change(store, store.suggestion(ids[1]).commitment_id, S.ACCEPTED, NOW)  # type: ignore[union-attr]
    assert [o.suggestion.id for o in booking.book_due(store, writer, cfg, NOW)] == [ids[1]]
    assert writer.uids() == {ids[1]}
    assert store.suggestion(ids[1]).state == S.ACCEPTED  # type: ignore[union-attr]  (accepted stays accepted)


def test_reschedule_updates_the_event_in_place(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    (sid,) = fill(store, 1, cfg)
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    booking.book_due(store, writer, cfg, NOW)
    booking.reschedule(store, writer, sid, start=at("2026-11-23T14:30"), title="Call Ed about the rollout",
                       now=NOW, config=cfg)
    (event,) = writer.events()
    assert event.uid == sid and event.title == "Call Ed about the rollout"
    assert event.start == at("2026-11-23T14:30") and event.end == at("2026-11-23T14:45")
    s = store.suggestion(sid)
    assert s is not None and s.start == at("2026-11-23T14:30") and s.title == "Call Ed about the rollout"
    assert "SEQUENCE:1" in (tmp_path / "f.ics").read_text()


@pytest.mark.parametrize("policy", ["delete", "note"])
def test_reply_after_booking(store: Store, tmp_path: Path, policy: str) -> None:
    cfg = config(tmp_path, mode="book", on_reply_after_booking=policy)
    (sid,) = fill(store, 1, cfg)
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    booking.book_due(store, writer, cfg, NOW)
    message(store, "late-reply", thread="t0", direction="received", sender="buyer0@co0.com", to=(REP,),
            sent_at=at("2026-11-20T10:00"), body="Sorry for the silence - yes, let's go ahead.")
    later = at("2026-11-20T10:30")
    tracker.track(store, cfg, later)
    assert store.suggestion(sid).state == S.SETTLED  # type: ignore[union-attr]
    (outcome,) = booking.book_due(store, writer, cfg, later)
    b = store.booking(sid)
    assert b is not None
    if policy == "delete":
        assert outcome.action == "deleted" and writer.uids() == set() and b.state == "cancelled"
    else:
        (event,) = writer.events()
        assert outcome.action == "noted" and b.state == "stale"
        assert event.title.startswith("No longer needed: ") and "they replied" in event.description
        assert event.status == "TENTATIVE"
    assert booking.book_due(store, writer, cfg, later) == []


def test_one_calendar_failure_does_not_stop_the_others(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, mode="book")
    ids = fill(store, 3, cfg)

    class Flaky(IcsWriter):
        def _vevent(self, event: CalendarEvent, sequence: int) -> Any:
            if event.uid == ids[1]:
                raise CalendarError("server said 500")
            return super()._vevent(event, sequence)

    flaky = Flaky(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    outcomes = {o.suggestion.id: o.action for o in booking.book_due(store, flaky, cfg, NOW)}
    assert outcomes == {ids[0]: "booked", ids[1]: "failed", ids[2]: "booked"}
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    assert [o.action for o in booking.book_due(store, writer, cfg, NOW)] == ["booked"]
    assert writer.uids() == set(ids)


def test_accept_then_reject_removes_the_event(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path)
    (sid,) = fill(store, 1, cfg)
    writer = IcsWriter(tmp_path / "f.ics", timezone=cfg.rep.timezone)
    assert booking.accept(store, writer, sid, NOW, cfg).action == "booked"
    assert writer.uids() == {sid}
    booking.reject(store, writer, sid, NOW)
    assert writer.uids() == set() and store.suggestion(sid).state == S.REJECTED  # type: ignore[union-attr]
    booking.reject(store, writer, sid, NOW)  # twice is harmless
    detail = store.suggestion_detail(sid)
    assert detail is not None and detail.booking is not None and detail.booking.state == "cancelled"
    assert detail.message is not None and detail.commitment.id == detail.suggestion.commitment_id


# -- kill and restart ---------------------------------------------------------------------------------
def worker_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[rep]\nname = "Sam Rivera"\nemail = "{REP}"\ntimezone = "America/New_York"\n'
        '[[accounts]]\nname = "work"\nkind = "local"\nmode = "book"\nmail = ["mail"]\n'
        f'[calendar]\nkind = "ics"\npath = "{tmp_path / "followups.ics"}"\n'
        '[tracker]\nmax_bookings_per_day = 100\n', encoding="utf-8")  # every one of them, in one pass
    return path


def run_worker(cfg_path: Path, db: Path, *extra: str, kill_after_lines: int | None = None,
               delay: float = 0.0) -> int:
    """Run one booking worker; with `kill_after_lines`, SIGKILL it `delay` seconds after its n-th progress
    line (0 = "ready", then one per calendar read or write), so the kill lands inside the booking run
    however slowly the interpreter starts."""
    cmd = [sys.executable, "-m", "tests.booking_worker", "--config", str(cfg_path), "--db", str(db),
           "--now", "2026-11-20T09:00", *extra]
    if kill_after_lines is not None:
        cmd.append("--progress")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after_lines is not None:
        assert proc.stdout is not None
        seen = 0
        while seen <= kill_after_lines and proc.stdout.readline():
            seen += 1
        if seen > kill_after_lines:
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)  # a zombie that just exited ignores it: returncode 0 then
    _, err = proc.communicate(timeout=300)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"booking worker exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return proc.returncode


def check_exactly_once(tmp_path: Path, db: Path, ids: list[str]) -> None:
    text = (tmp_path / "followups.ics").read_bytes().decode()
    assert text.count("BEGIN:VEVENT") == len(ids)
    for sid in ids:
        assert text.count(f"UID:{sid}\r\n") == 1
    with open_store(db) as st:
        assert {b.suggestion_id for b in st.bookings(["booked"])} == set(ids)
        assert all(s.state == S.BOOKED for s in st.suggestions())


def test_sigkill_right_after_a_calendar_write_then_restart(tmp_path: Path) -> None:
    cfg_path = worker_config(tmp_path)
    db = tmp_path / "db.sqlite3"
    with open_store(db) as st:
        ids = fill(st, 8, config(tmp_path, mode="book"))
    for k in (1, 1, 2, 3):  # die right after a put, before the store commits: 4 crashes
        assert run_worker(cfg_path, db, "--crash-after-put", str(k)) == -signal.SIGKILL
    # die right after the calendar's commit (every event in the file), before the store's: the rerun
    # finds them by uid and records them, writing nothing twice
    assert run_worker(cfg_path, db, "--crash-after-commit") == -signal.SIGKILL
    assert (tmp_path / "followups.ics").read_bytes().count(b"BEGIN:VEVENT") == len(ids)
    with open_store(db) as st:
        assert st.bookings(["booked"]) == []
    assert run_worker(cfg_path, db) == 0
    check_exactly_once(tmp_path, db, ids)


def test_sigkill_at_random_points_then_restart(tmp_path: Path) -> None:
    cfg_path = worker_config(tmp_path)
    db = tmp_path / "db.sqlite3"
    with open_store(db) as st:
        ids = fill(st, 25, config(tmp_path, mode="book"))
    rng = random.Random(int(os.environ.get("KILL_SEED", "20261120")))
    lines = 2 * len(ids) + 2  # "ready", a get and a put per event, the commit
    for _ in range(3):  # killed inside the pass, before its commit: nothing is recorded, nothing lost
        code = run_worker(cfg_path, db, kill_after_lines=rng.randint(0, lines - 6))
        assert code == -signal.SIGKILL, "the kill must land inside the booking run"
    for _ in range(60):  # then anywhere, the commit's window included, until a run finishes
        if run_worker(cfg_path, db, kill_after_lines=rng.randint(0, lines), delay=rng.uniform(0, 0.05)) == 0:
            break
    else:
        assert run_worker(cfg_path, db) == 0
    assert run_worker(cfg_path, db) == 0  # a clean rerun changes nothing
    check_exactly_once(tmp_path, db, ids)


def test_event_for_a_suggestion(store: Store, tmp_path: Path) -> None:
    cfg = config(tmp_path, alarm_minutes=25)
    (sid,) = fill(store, 1, cfg)
    s = store.suggestion(sid)
    assert s is not None
    event = booking.event_for(s, cfg)
    assert event.uid == sid and event.alarm_minutes == 25 and event.url == s.link
    assert event.start == s.start and event.description == s.body
    noted = booking.event_for(s, cfg, note="No longer needed: they replied")
    assert noted.title.startswith("No longer needed: ") and noted.description.startswith("No longer needed")
