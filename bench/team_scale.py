"""A team on one server: N simulated reps (small generated Maildirs, tests/team_world.py), W worker processes
(`assistant worker --burst`) on a real PostgreSQL started like the tests' (tests/servers/postgres.py).

Two phases per (N, W): the first sync of every mailbox, then new mail for every rep (one more deal each)
synced once it is due. Prints per phase: wall time, reps served per hour per worker, the time from new mail
to its stored promise (median and 95th percentile; the cursor is committed with the promise, so its time is
when the promise was stored), the most PostgreSQL connections seen at once, and each worker's peak memory.

    .venv/bin/python bench/team_scale.py [--reps 20,50] [--workers 1,2] [--threads 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SYNC_SECONDS = 10  # the mailboxes are due again this long after their last sync


def rss_peak(pid: int) -> int:
    """VmHWM of a running process in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_workers(team: Path, workers: int, url: str, db: str) -> tuple[float, int, list[int]]:
    """W burst workers until all exit: (wall seconds, most connections at once, peak KiB per worker)."""
    import psycopg

    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "assistant", "worker", "--config", str(team), "--burst"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env) for _ in range(workers)]
    peaks = [0] * workers
    most = 0
    with psycopg.connect(url, autocommit=True) as conn:
        while any(p.poll() is None for p in procs):
            for i, p in enumerate(procs):
                peaks[i] = max(peaks[i], rss_peak(p.pid))
            n = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (db,)).fetchone()
            most = max(most, int(n[0]) - 1 if n else 0)
            time.sleep(0.2)
    wall = time.monotonic() - start
    bad = [p.returncode for p in procs if p.returncode]
    if bad:
        raise SystemExit(f"a worker failed: exit codes {bad}")
    return wall, most, peaks


def synced_at(team_path: Path) -> dict[str, datetime]:
    from assistant.store import store_for
    from assistant.teamconfig import load_team, rep_config

    team = load_team(team_path)
    out: dict[str, datetime] = {}
    for rep in team.reps:
        with store_for(rep_config(team, rep)) as store:
            times = [t for _, t in store.sync_states()]
        if times:
            out[rep.name] = max(times)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def one(server: object, reps: int, workers: int, threads: int) -> None:
    import psycopg

    from tests.team_world import make_team, write_mail

    url0: str = server.url  # type: ignore[attr-defined]
    db = f"bench_{reps}_{workers}_{random.randrange(10**6)}"
    with psycopg.connect(url0, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = url0.rsplit("/", 1)[0] + "/" + db
    try:
        with tempfile.TemporaryDirectory() as tmp:
            team, made = make_team(Path(tmp), reps, url, threads=threads,
                                   extra=f"\n[worker]\nsync_seconds = {SYNC_SECONDS}\nheartbeat_seconds = 2\n"
                                         "stalled_seconds = 10\n")
            wall, conns, peaks = run_workers(team, workers, url, db)
            print(f"{reps:5d} reps {workers} worker(s) first sync : {wall:7.1f} s, "
                  f"{reps / wall * 3600 / workers:8.0f} reps/h/worker, {conns} PG connections, "
                  f"worker peak {max(peaks) / 1024:.0f} MiB", flush=True)
            before = synced_at(team)
            written = datetime.now(UTC)
            for i, rep in enumerate(made):
                write_mail(rep.mail, f"{rep.name}@northwind.example", seed=10_000 + i, threads=1,
                           start=datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
            time.sleep(SYNC_SECONDS + 1)  # until the mailboxes are due again
            due = datetime.now(UTC)
            wall, conns, peaks = run_workers(team, workers, url, db)
            after = synced_at(team)
            lat = [(after[r] - written).total_seconds() for r in after if after[r] > before.get(r, written)]
            work = [(after[r] - due).total_seconds() for r in after if after[r] > before.get(r, written)]
            if not lat:
                print("  no rep synced its new mail", flush=True)
                return
            print(f"{reps:5d} reps {workers} worker(s) new mail   : {wall:7.1f} s, "
                  f"{len(lat) / wall * 3600 / workers:8.0f} reps/h/worker, {conns} PG connections, "
                  f"worker peak {max(peaks) / 1024:.0f} MiB; mail -> stored promise median "
                  f"{statistics.median(lat):.1f} s p95 {pct(lat, 0.95):.1f} s (of which waiting for the "
                  f"{SYNC_SECONDS} s sync period {SYNC_SECONDS + 1} s; from due: median {statistics.median(work):.1f} s "
                  f"p95 {pct(work, 0.95):.1f} s)", flush=True)
    finally:
        with psycopg.connect(url0, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", default="20", help="comma-separated team sizes (the issue: 100,300,1000)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (the issue: 1,2,4)")
    parser.add_argument("--threads", type=int, default=3, help="deals per generated mailbox")
    args = parser.parse_args()
    from tests.servers.postgres import start_postgres, stop_postgres

    server = start_postgres()
    try:
        for n in (int(x) for x in args.reps.split(",")):
            for w in (int(x) for x in args.workers.split(",")):
                one(server, n, w, args.threads)
    finally:
        stop_postgres(server)


if __name__ == "__main__":
    main()
