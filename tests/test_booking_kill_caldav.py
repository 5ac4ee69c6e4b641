"""Kill-and-restart against a real CalDAV server: a separate process books follow-ups into Radicale and
is SIGKILLed at random points of the run (and right after a calendar write, before the store commits);
after restarts, the server holds exactly one event per suggestion and the store records every booking.

The worker is tests/booking_worker.py (the product's own `open_calendar` + `booking.book_due`); Radicale
runs in this test process, so the kill points are chosen from what the server has already received."""

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

from assistant import tracker
from assistant.calendars.caldav import CalDavWriter
from assistant.config import Config, load_config
from assistant.models import StepState
from assistant.store import open_store
from tests.calendar_backends import radicale_event_files
from tests.track_fixtures import REP, at, message, promise

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-20T09:00"
N = 8


def write_config(tmp_path: Path, server: Any) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[rep]\nname = "Sam Rivera"\nemail = "{REP}"\ntimezone = "America/New_York"\n'
        '[[accounts]]\nname = "work"\nkind = "local"\nmode = "book"\nmail = ["mail"]\n'
        f'[calendar]\nkind = "caldav"\nurl = "{server.url}"\nusername = "rep"\npassword = "secret"\n'
        f'[store]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    return path


def fill(config: Config, n: int) -> list[str]:
    """n threads, each a fallback call promised for Wednesday that fell due unanswered."""
    with open_store(config.store_path) as store:
        for i in range(n):
            m = message(store, f"k{i}", thread=f"t{i}", to=(f"buyer{i}@co{i}.com",), sent_at=at("2026-11-16T10:00"),
                        body=f"I'll call you Wednesday at 10:{i:02d} if I haven't heard back.")
            promise(store, m, due=at(f"2026-11-18T10:{i:02d}"), has_time=True, conditional=True)
        tracker.track(store, config, at(NOW))
        return sorted(s.id for s in store.suggestions())


def start_worker(cfg_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "tests.booking_worker", "--config", str(cfg_path),
           "--db", str(load_config(cfg_path).store_path), "--now", NOW, *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes]) -> int:
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"worker failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return proc.returncode


def puts_seen(server: Any) -> int:
    return sum(1 for method, _ in list(server.requests) if method == "PUT")


def kill_after_puts(server: Any, proc: subprocess.Popen[bytes], k: int, delay: float) -> bool:
    """SIGKILL the worker once the server has received k more PUTs, after `delay` seconds; False if it
    finished first."""
    target = puts_seen(server) + k
    deadline = time.monotonic() + 60
    while puts_seen(server) < target:
        if proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            raise AssertionError("the worker made no progress")
        time.sleep(0.001)
    if delay:
        time.sleep(delay)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    return True


def check_exactly_once(server: Any, config: Config, ids: list[str]) -> None:
    files = radicale_event_files(server)
    assert sorted(p.name for p in files) == sorted(f"{sid}.ics" for sid in ids)  # one resource each, none lost
    for path in files:
        assert path.read_text(encoding="utf-8").count("BEGIN:VEVENT") == 1
    assert CalDavWriter(config.calendar, config).uids() == set(ids)
    with open_store(config.store_path) as store:
        assert {b.suggestion_id for b in store.bookings(["booked"])} == set(ids)
        assert {s.state for s in store.suggestions()} == {StepState.BOOKED}


def test_sigkill_during_booking_into_caldav_then_restart(tmp_path: Path, radicale_server: Any) -> None:
    cfg_path = write_config(tmp_path, radicale_server)
    config = load_config(cfg_path)
    ids = fill(config, N)
    assert len(ids) == N

    # 1. Die right after the server accepted a write and before the store commits it: the worst window.
    for k in (1, 2):
        assert finish(start_worker(cfg_path, "--crash-after-put", str(k))) == -signal.SIGKILL
    assert 1 <= len(radicale_event_files(radicale_server)) < N

    # 2. Die at random points: after a random number of PUTs reached the server, plus a random delay
    #    (mid-request, between the write and the commit, or between two bookings).
    rng = random.Random(int(os.environ.get("KILL_SEED", "6")))
    kills = 0
    for _ in range(12):
        proc = start_worker(cfg_path)
        killed = kill_after_puts(radicale_server, proc, rng.randint(1, 2), rng.choice([0, 0, 0.002, 0.01, 0.03]))
        code = finish(proc)
        if not killed:
            assert code == 0
            break
        kills += 1
    assert kills >= 3, "fewer than three runs were killed inside the booking window"

    # 3. Restart until done; a clean rerun writes nothing more.
    assert finish(start_worker(cfg_path)) == 0
    puts_before = puts_seen(radicale_server)
    assert finish(start_worker(cfg_path)) == 0
    assert puts_seen(radicale_server) == puts_before
    check_exactly_once(radicale_server, config, ids)
