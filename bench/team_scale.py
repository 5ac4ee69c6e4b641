"""A team on one server: N simulated reps (small generated Maildirs, tests/team_world.py), W worker processes
on a real PostgreSQL started like the tests' (tests/servers/postgres.py), through the CLI a team runs
(`assistant worker --config team.toml`).

Two phases per (N, W):
1. *first sync*: every mailbox is due at once; W burst workers (`--burst`) run until nothing is due. Its
   figure, reps served per hour per worker, is what one worker process can serve.
2. *an hour of new mail*: W long-running workers (as systemd runs them) while new mail arrives at random
   moments; each rep gets `--mail-per-hour` new deals (a customer's question and the rep's promise, every
   third with the customer's answer) spread over the hour, and the hour is compressed into
   `--hour-seconds` of wall time (mailboxes are due `--sync-seconds` after their last sync). Prints the
   time from a mail written to its promise stored (median and 95th percentile; the watcher stores a
   message with its commitments in one transaction, so a stored message is a stored promise) and the syncs
   the workers did.
Both phases print the most PostgreSQL connections seen at once and each worker's peak memory (VmHWM).

    .venv/bin/python bench/team_scale.py [--reps 100,300,1000] [--workers 1,2,4] [--threads 3]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

def rss_peak(pid: int) -> int:
    """VmHWM of a running process in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Watch:
    """Samples the workers' peak memory and the database's connections while they run."""

    def __init__(self, url: str, db: str, procs: list[subprocess.Popen[bytes]]) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.db = db
        self.procs = procs
        self.peaks = [0] * len(procs)
        self.most = 0

    def sample(self) -> None:
        for i, p in enumerate(self.procs):
            self.peaks[i] = max(self.peaks[i], rss_peak(p.pid))
        n = self.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.db,)).fetchone()
        self.most = max(self.most, int(n[0]) - 1 if n else 0)  # less this sampling connection

    def close(self) -> None:
        self.conn.close()


def start_workers(team: Path, workers: int, log: Path, *, burst: bool) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = log.open("ab")
    args = [sys.executable, "-m", "assistant", "worker", "--config", str(team)] + (["--burst"] if burst else [])
    return [subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env) for _ in range(workers)]


def first_sync(team: Path, workers: int, url: str, db: str, log: Path) -> tuple[float, int, list[int]]:
    """W burst workers until all exit: (wall seconds, most connections at once, peak KiB per worker)."""
    start = time.monotonic()
    procs = start_workers(team, workers, log, burst=True)
    watch = Watch(url, db, procs)
    try:
        while any(p.poll() is None for p in procs):
            watch.sample()
            time.sleep(0.2)
    finally:
        watch.close()
    wall = time.monotonic() - start
    bad = [p.returncode for p in procs if p.returncode]
    if bad:
        raise SystemExit(f"a worker failed: exit codes {bad}; its log: {log}")
    return wall, watch.most, watch.peaks


def stored_counts(conn: object, reps: list[str]) -> dict[str, int]:
    """Messages stored per rep (one query over the reps' schemas)."""
    if not reps:
        return {}
    sql = " UNION ALL ".join(f"SELECT '{r}', count(*) FROM \"rep_{r}\".messages" for r in reps)
    return {str(r[0]): int(r[1]) for r in conn.execute(sql)}  # type: ignore[attr-defined]


def new_mail_hour(team: Path, made: list[object], workers: int, url: str, db: str, log: Path, *,
                  per_hour: int, hour_seconds: float, seed: int) -> dict[str, float]:
    """Long-running workers while an hour of new mail (compressed into hour_seconds) arrives."""
    from tests.team_world import write_mail

    rnd = random.Random(seed)
    reps = {r.name: r for r in made}  # type: ignore[attr-defined]
    plan = sorted((rnd.uniform(0, hour_seconds), name, k) for name in reps for k in range(per_hour))
    ready = log.read_text(errors="replace").count("mailbox sync(s) queued") + workers
    procs = start_workers(team, workers, log, burst=False)
    until = time.monotonic() + 300
    while log.read_text(errors="replace").count("mailbox sync(s) queued") < ready:  # each worker started
        if time.monotonic() > until or any(p.poll() is not None for p in procs):
            raise SystemExit(f"the workers did not start; their log: {log}")
        time.sleep(0.2)
    watch = Watch(url, db, procs)
    counts = stored_counts(watch.conn, list(reps))
    expected = dict(counts)
    waiting: dict[str, list[tuple[int, float]]] = {}  # rep -> [(count that covers it, written at)]
    latencies: list[float] = []
    start = time.monotonic()
    next_poll = 0.0
    try:
        while plan or waiting:
            now = time.monotonic() - start
            while plan and plan[0][0] <= now:
                _, name, k = plan.pop(0)
                rep = reps[name]
                n = write_mail(rep.mail, f"{name}@northwind.example", seed=hash((name, k, seed)) % 10**9,  # type: ignore[attr-defined]
                               threads=1, start=datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
                expected[name] += n
                waiting.setdefault(name, []).append((expected[name], time.monotonic()))
            if now >= next_poll:
                next_poll = now + 0.5
                watch.sample()
                for name, seen in stored_counts(watch.conn, list(waiting)).items():
                    done = [t for need, t in waiting[name] if seen >= need]
                    latencies += [time.monotonic() - t for t in done]
                    waiting[name] = [(need, t) for need, t in waiting[name] if seen < need]
                    if not waiting[name]:
                        del waiting[name]
                if any(p.poll() is not None for p in procs):
                    raise SystemExit(f"a worker stopped during the hour; its log: {log}")
                if now > hour_seconds + 600:
                    raise SystemExit(f"{sum(map(len, waiting.values()))} mail(s) not stored 10 min after the hour")
            time.sleep(0.05)
        wall = time.monotonic() - start
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
        watch.close()
    return {"mails": float(len(latencies)), "wall": wall, "median": statistics.median(latencies),
            "p95": pct(latencies, 0.95), "max": max(latencies), "conns": float(watch.most),
            "rss": max(watch.peaks) / 1024}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def one(server: object, reps: int, workers: int, args: argparse.Namespace) -> None:
    import psycopg

    from tests.team_world import make_team

    url0: str = server.url  # type: ignore[attr-defined]
    db = f"bench_{reps}_{workers}_{random.randrange(10**6)}"
    with psycopg.connect(url0, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = url0.rsplit("/", 1)[0] + "/" + db
    try:
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "workers.log"
            # the first sync: no mailbox falls due again during it (a burst runs until nothing is due)
            worker = "\n[worker]\nsync_seconds = {}\nheartbeat_seconds = 2\nstalled_seconds = 10\n"
            team, made = make_team(Path(tmp), reps, url, threads=args.threads, extra=worker.format(86400))
            wall, conns, peaks = first_sync(team, workers, url, db, log)
            print(f"{reps:5d} reps {workers} worker(s) first sync : {wall:7.1f} s, "
                  f"{reps / wall * 3600 / workers:8.0f} reps/h/worker, {conns} PG connections, "
                  f"worker peak {max(peaks) / 1024:.0f} MiB", flush=True)
            syncs_before = log.read_text(errors="replace").count(" new message(s)")
            # the hour: mailboxes due every --sync-seconds, from now on
            team.write_text(team.read_text(encoding="utf-8").replace(worker.format(86400),
                                                                     worker.format(args.sync_seconds)))
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
            r = new_mail_hour(team, made, workers, url, db, log, per_hour=args.mail_per_hour,
                              hour_seconds=args.hour_seconds, seed=reps * 10 + workers)
            text = log.read_text(errors="replace")
            syncs = text.count(" new message(s)") - syncs_before
            if "Traceback" in text:
                print(f"  a worker printed a traceback: see {log}", flush=True)
            print(f"{reps:5d} reps {workers} worker(s) hour of mail: {r['mails']:.0f} deals in {r['wall']:.0f} s "
                  f"({args.hour_seconds:.0f} s for the hour, syncs every {args.sync_seconds} s): {syncs} syncs, "
                  f"{syncs / r['wall'] * 3600 / workers:8.0f} syncs/h/worker; mail -> stored promise median "
                  f"{r['median']:.1f} s p95 {r['p95']:.1f} s max {r['max']:.1f} s; {r['conns']:.0f} PG connections, "
                  f"worker peak {r['rss']:.0f} MiB", flush=True)
    finally:
        with psycopg.connect(url0, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", default="20", help="comma-separated team sizes (the issue: 100,300,1000)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (the issue: 1,2,4)")
    parser.add_argument("--threads", type=int, default=3, help="deals per generated mailbox")
    parser.add_argument("--mail-per-hour", type=int, default=1, help="new deals per rep in the hour")
    parser.add_argument("--hour-seconds", type=float, default=120.0, help="wall seconds the hour is compressed to")
    parser.add_argument("--sync-seconds", type=int, default=10, help="a mailbox is due this long after its sync")
    args = parser.parse_args()
    from tests.servers.postgres import start_postgres, stop_postgres

    server = start_postgres()
    try:
        for n in (int(x) for x in args.reps.split(",")):
            for w in (int(x) for x in args.workers.split(",")):
                one(server, n, w, args)
    finally:
        stop_postgres(server)


if __name__ == "__main__":
    main()
