"""Workers on the PostgreSQL job queue (procrastinate), against a real PostgreSQL (tests/servers/postgres.py)
and real worker processes (`assistant worker --burst`): N generated reps with local Maildirs, several
workers, SIGKILL of workers at random moments; then every rep's .ics calendar holds exactly the follow-ups
the single-rep product (`watch --once`, the same code `assistant watch --once` runs) books for the same
mailbox, nothing twice, and no job is left behind."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.clock import fixed_clock, parse_now
from tests.team_world import NOW, Rep, make_team

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("procrastinate")

NOW_AWARE = "2026-11-20T09:00:00-05:00"  # NOW in the reps' zone (a team's --now without a zone is UTC)
REPS = int(os.environ.get("FT_TEAM_REPS", "10"))
WORKERS = int(os.environ.get("FT_TEAM_WORKERS", "3"))
FAST = "\n[worker]\nheartbeat_seconds = 0.5\nstalled_seconds = 3\nsync_seconds = 3600\n"


@pytest.fixture
def team_db(postgres: Any) -> Iterator[str]:
    """A database of its own (the queue's tables and one schema per rep), dropped afterwards."""
    name = f"team_{os.getpid()}_{random.randrange(10**6)}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker(team: Path, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "assistant", "worker", "--config", str(team), "--burst",
                             "--now", NOW_AWARE], stdout=out, stderr=subprocess.STDOUT)


def events(ics: Path) -> list[tuple[str, str, str]]:
    """(uid, start, summary) of every event in an .ics file (duplicates kept, to be counted)."""
    import icalendar

    if not ics.exists():
        return []
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    return sorted((str(e["UID"]), e.decoded("DTSTART").isoformat(), str(e.get("SUMMARY")))
                  for e in cal.walk("VEVENT"))


def reference(rep: Rep, base: Path) -> list[tuple[str, str, str]]:
    """What one rep's own product books for the same mailbox: a copy of the rep's folder with its own
    SQLite store, one `watch --once` pass at the same moment."""
    from assistant.config import load_config
    from assistant.watcher import watch

    home = base / rep.name
    shutil.copytree(rep.home, home, ignore=shutil.ignore_patterns("followups.ics"))
    cfg = home / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[store]\npath = "store.sqlite3"\n', encoding="utf-8")
    config = load_config(cfg)
    watch(config, fixed_clock(parse_now(NOW, config.rep.timezone)), once=True, parallel=False)
    return events(home / "followups.ics")


def queue_left(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT task_name, status::text FROM procrastinate_jobs WHERE status = 'doing' OR "
            "(status = 'todo' AND scheduled_at <= now())")]


@pytest.mark.timeout(900)
def test_workers_killed_at_random_book_what_one_rep_books(tmp_path: Path, team_db: str) -> None:
    team, reps = make_team(tmp_path / "team", REPS, team_db, threads=3, extra=FAST)
    rnd = random.Random(15)
    log = tmp_path / "workers.log"
    # first a kill that surely lands mid-job: one worker, killed while the queue shows a job it is doing
    first = worker(team, log)
    until = time.monotonic() + 300
    while time.monotonic() < until and first.poll() is None:
        with psycopg.connect(team_db) as conn:
            doing = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0] and \
                conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'").fetchone()[0]
        if doing:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the first worker ended before it took a job"
    first.send_signal(signal.SIGKILL)
    first.wait()
    kills = 1
    live = [worker(team, log) for _ in range(WORKERS)]
    deadline = time.monotonic() + 600
    # kill a random worker at a random moment while any is working, and start another in its place
    while kills < 2 * WORKERS + 1 and any(p.poll() is None for p in live) and time.monotonic() < deadline:
        time.sleep(rnd.uniform(0.5, 6.0))
        running = [p for p in live if p.poll() is None]
        if not running:
            break
        victim = rnd.choice(running)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        kills += 1
        live.append(worker(team, log))
    for p in live:
        assert p.wait(timeout=600) in (0, -signal.SIGKILL), log.read_text(errors="replace")[-3000:]
    # the jobs of the last killed workers are retried once their heartbeat is stale
    time.sleep(4)
    last = worker(team, log)
    assert last.wait(timeout=600) == 0, log.read_text(errors="replace")[-3000:]
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    retried = text.count("of a worker that stopped")
    print(f"{kills} workers killed, {retried} job(s) of killed workers retried")
    assert retried >= 1  # the first kill left a job doing: it was put back (or its queued successor did it)
    assert queue_left(team_db) == []
    for rep in reps:
        got = events(rep.calendar)
        assert len({uid for uid, _, _ in got}) == len(got), f"{rep.name}: an event booked twice: {got}"
        want = reference(rep, tmp_path / "single")
        assert got == want, rep.name
        assert got, f"{rep.name}: the generated mail has overdue promises: each rep has follow-ups booked"


def test_a_throttled_mailbox_waits_in_the_queue_not_in_the_worker(tmp_path: Path, team_db: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A 429 with Retry-After on one rep's mailbox queues that mailbox's next sync after the Retry-After;
    the other reps are synced and booked in the same burst."""
    import asyncio

    from assistant import watcher
    from assistant import worker as worker_mod
    from assistant.errors import TransientError
    from assistant.store import store_for
    from assistant.teamconfig import load_team, rep_config

    team_path, reps = make_team(tmp_path / "team", 3, team_db, threads=2, extra=FAST)
    real_open = watcher.open_source

    class Throttled:
        account = "work"

        def fetch(self, cursor: Any, read: Any) -> Any:
            raise TransientError("HTTP 429 Too Many Requests", retry_after=120)

        def close(self) -> None:
            pass

    def open_source(account: Any, config: Any) -> Any:
        return Throttled() if config.rep.email.startswith("rep001") else real_open(account, config)

    monkeypatch.setattr(watcher, "open_source", open_source)
    team = load_team(team_path)
    done = asyncio.run(worker_mod.run(team, fixed_clock(parse_now(NOW_AWARE, "UTC")), burst=True, heartbeat=0.5,
                                      stalled=3))
    assert done >= 5  # three syncs and the two reps' passes that follow a successful one (at least)
    for rep in reps:
        with store_for(rep_config(team, team.rep(rep.name))) as store:
            assert (store.count_messages() == 0) == (rep.name == "rep001")
    with psycopg.connect(team_db) as conn:
        rows = conn.execute(
            "SELECT args->>'rep', extract(epoch from scheduled_at - now()) FROM procrastinate_jobs "
            "WHERE task_name = 'ft:sync' AND status = 'todo'").fetchall()
    waits = {rep: float(seconds) for rep, seconds in rows}
    assert 60 < waits["rep001"] <= 120  # the Retry-After, not the hour of [worker] sync_seconds
    assert waits["rep000"] > 3000 and waits["rep002"] > 3000
