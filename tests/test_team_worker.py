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
from tests.servers.postgres import own_database
from tests.team_world import NOW, Rep, make_team

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("procrastinate")

NOW_AWARE = "2026-11-20T09:00:00-05:00"  # NOW in the reps' zone (a team's --now without a zone is UTC)
REPS = int(os.environ.get("FT_TEAM_REPS", "50"))
WORKERS = int(os.environ.get("FT_TEAM_WORKERS", "4"))
SEED = int(os.environ.get("FT_TEAM_SEED", "15"))  # where the kills fall; vary it to try other moments
FAST = "\n[worker]\nheartbeat_seconds = 0.5\nstalled_seconds = 3\nsync_seconds = 3600\n"


@pytest.fixture
def team_db(postgres: Any) -> Iterator[str]:
    """A database of its own (the queue's tables and one schema per rep), dropped afterwards."""
    with own_database(postgres.url, "team") as url:
        yield url


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
    rnd = random.Random(SEED)
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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("store", ["down", "bad-toml"])
def test_the_worker_says_what_is_wrong_in_one_line(tmp_path: Path, store: str) -> None:
    """`assistant worker` against a PostgreSQL where nothing listens, or with a broken team.toml: one
    line naming the problem and what to do, a non-zero exit, no traceback, never the password."""
    url = f"postgresql://ft:s3cret-pw@127.0.0.1:{_free_port()}/team"
    team, _ = make_team(tmp_path / "team", 1, url, extra=FAST)
    if store == "bad-toml":
        team.write_text(team.read_text(encoding="utf-8") + "\n[[reps]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "assistant", "worker", "--config", str(team), "--burst"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "s3cret-pw" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    if store == "down":
        assert "cannot connect to PostgreSQL at postgresql://ft:***@127.0.0.1:" in errors[0]
        assert "Connection refused" in errors[0] and "check [store] url in team.toml" in errors[0]
    else:
        assert "team.toml: not valid TOML" in errors[0]


def test_workers_that_see_one_stalled_job_at_once_act_on_it_once(tmp_path: Path, team_db: str) -> None:
    """Four workers retrying stalled jobs at the same moment: a job of a stopped worker goes back to
    the queue once, one whose successor is already waiting is marked failed once, and a job that a live
    worker holds (taken since another worker listed it as stalled) is never touched; no error."""
    import asyncio

    from assistant import worker as worker_mod
    from assistant.teamconfig import load_team

    team_path, _ = make_team(tmp_path / "team", 1, team_db, extra=FAST)
    team = load_team(team_path)

    async def scenario() -> dict[str, Any]:
        app = worker_mod.make_app(team)
        async with app.open_async():
            await worker_mod.ensure_schema(app)
            sync = app.tasks["ft:sync"]

            async def queue(rep: str) -> int:
                return int(await sync.configure(lock=f"mailbox:{rep}", queueing_lock=f"sync:{rep}")
                           .defer_async(rep=rep, account="work"))

            gone, alive = await app.job_manager.register_worker(), await app.job_manager.register_worker()
            ids = {rep: await queue(rep) for rep in ("lost", "superseded", "held")}
            async with app.connector.pool.connection() as conn:
                await conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
                                   "WHERE id = %s", (gone,))
                for rep, job in ids.items():
                    await conn.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s",
                                       (alive if rep == "held" else gone, job))
            successor = await queue("superseded")  # queued by the job before its worker died
            counts = await asyncio.gather(*(worker_mod.retry_stalled(app, 3) for _ in range(4)))
            late = await worker_mod.retry_stalled_job(app, ids["held"], 3)  # a stale list named it
            async with app.connector.pool.connection() as conn:
                rows = await (await conn.execute(
                    "SELECT id, status::text, attempts FROM procrastinate_jobs")).fetchall()
        status = {job: (st, attempts) for job, st, attempts in rows}
        return {"counts": counts, "late": late, "ids": ids, "status": status, "successor": successor}

    got = asyncio.run(scenario())
    assert sum(got["counts"]) == 2, got
    assert got["late"] is None
    assert got["status"][got["ids"]["lost"]] == ("todo", 1)
    assert got["status"][got["ids"]["superseded"]] == ("failed", 1)
    assert got["status"][got["ids"]["held"]] == ("doing", 0)
    assert got["status"][got["successor"]] == ("todo", 0)


def test_a_lost_job_queue_is_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """procrastinate's ConnectorException (a database lost while the worker runs) reaches the command's
    edge as one StoreError naming the server without its password and psycopg's own reason."""
    from procrastinate import exceptions

    from assistant import worker as worker_mod
    from assistant.errors import StoreError
    from assistant.teamconfig import TeamConfig

    async def lost(*args: Any, **kwargs: Any) -> int:
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly\nThis probably means...")
        except psycopg.OperationalError as e:
            raise exceptions.ConnectorException from e

    monkeypatch.setattr(worker_mod, "run", lost)
    team = TeamConfig(store_url="postgresql://ft:s3cret@db.example:5432/team", reps=())
    with pytest.raises(StoreError) as caught:
        worker_mod.run_worker(team, fixed_clock(parse_now(NOW_AWARE, "UTC")))
    message = str(caught.value)
    assert "s3cret" not in message and "postgresql://ft:***@db.example:5432/team" in message
    assert "server closed the connection unexpectedly" in message and "\n" not in message
