"""Tracking pass over 100,000 stored commitments across 20,000 threads: seconds and peak RSS.

The store is built in a child process (so its memory does not count), then this process runs the first
pass (every commitment becomes a step; about half fall due and get a suggestion) and a steady-state
pass (nothing new), then a pass after 100 replies arrive. Aim: under 5 s. Each pass prints wall seconds
and this process's CPU seconds (on a shared, loaded machine the wall figure includes waiting for a core).

    .venv/bin/python bench/track_speed.py [--threads 20000] [--per-thread 5] [--db PATH-OR-URL]
    .venv/bin/python bench/track_speed.py --postgres    # the same on a PostgreSQL started for the run
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import parse_config  # noqa: E402
from assistant.models import Address, Commitment, Message, content_id  # noqa: E402
from assistant.store import open_store  # noqa: E402

NY = ZoneInfo("America/New_York")
REP = "sam@seller.com"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=NY)
BODIES = [
    "I'll call you Thursday at 10 if I haven't heard back.",
    "Attached is the proposal, as promised.",
    "Thanks, we'll review and get back to you.",
    "Quick question about seats.",
]


def build(db: str, threads: int, per_thread: int, seed: int = 7, rep: str = "bench") -> None:
    rng = random.Random(seed)
    store = open_store(db, rep=rep)
    start = NOW - timedelta(days=40)
    with store.transaction():
        for t in range(threads):
            thread = f"t{t}"
            buyer = f"buyer{t}@company{t % 5000}.com"
            sent_at = start + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
            sent = Message(id=f"m{t}s", account="work", source_id=f"s/{t}", message_id=f"{t}.s@x", thread_id=thread,
                           direction="sent", sender=Address(REP, "Sam"), recipients=(Address(buyer, "Buyer"),),
                           subject=f"Deal {t}", sent_at=sent_at, body=BODIES[0])
            store.add_message(sent)
            kind = rng.random()
            if kind < 0.35:  # a real reply
                store.add_message(Message(
                    id=f"m{t}r", account="work", source_id=f"r/{t}", message_id=f"{t}.r@x", thread_id=thread,
                    direction="received", sender=Address(buyer, "Buyer"), recipients=(Address(REP, "Sam"),),
                    subject=f"Re: Deal {t}", sent_at=sent_at + timedelta(hours=rng.randrange(1, 200)), body=BODIES[2]))
            elif kind < 0.45:  # an out-of-office
                store.add_message(Message(
                    id=f"m{t}o", account="work", source_id=f"o/{t}", message_id=f"{t}.o@x", thread_id=thread,
                    direction="received", sender=Address(buyer, "Buyer"), recipients=(Address(REP, "Sam"),),
                    subject="Out of office", sent_at=sent_at + timedelta(minutes=1), body="Out of office.",
                    is_auto_reply=True, auto_reply_until=sent_at + timedelta(days=5)))
            elif kind < 0.6:  # the rep delivers
                store.add_message(Message(
                    id=f"m{t}d", account="work", source_id=f"d/{t}", message_id=f"{t}.d@x", thread_id=thread,
                    direction="sent", sender=Address(REP, "Sam"), recipients=(Address(buyer, "Buyer"),),
                    subject=f"Re: Deal {t}", sent_at=sent_at + timedelta(hours=rng.randrange(1, 100)), body=BODIES[1]))
            commitments = []
            for i in range(per_thread):
                who = "me" if i % 4 else "them"
                action = ("call", "send", "email", "follow_up")[i % 4]
                roll = rng.random()
                due = None if roll < 0.2 else sent_at + timedelta(days=rng.randrange(1, 30), hours=rng.randrange(0, 8))
                commitments.append(Commitment(
                    id=content_id(thread, i, prefix="c"), message_id=sent.id, who=who, action=action,  # type: ignore[arg-type]
                    due=due, due_has_time=roll > 0.6, conditional=i % 2 == 1, vague=roll < 0.1,
                    text=f"promise {i} of deal {t}"))
            store.add_commitments(commitments)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--per-thread", type=int, default=5)
    parser.add_argument("--db", default=None, help="a SQLite path or a postgresql:// URL")
    parser.add_argument("--postgres", action="store_true",
                        help="start a throwaway PostgreSQL (tests/servers/postgres.py) and run on it")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    if args.build_only:
        build(args.db, args.threads, args.per_thread)
        return
    server = None
    if args.postgres:
        from tests.servers.postgres import start_postgres

        server = start_postgres()
        args.db = server.url
    try:
        run(args)
    finally:
        if server is not None:
            from tests.servers.postgres import stop_postgres

            stop_postgres(server)


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "bench.sqlite3")
        print(f"store: {'PostgreSQL' if '://' in db else 'SQLite'}")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build-only", "--db", str(db), "--threads", str(args.threads),
                        "--per-thread", str(args.per_thread)], check=True)
        print(f"built {args.threads} threads x {args.per_thread} commitments in {time.perf_counter() - t0:.1f} s")
        from assistant import tracker

        config = parse_config({"rep": {"email": REP, "timezone": "America/New_York"},
                               "accounts": [{"name": "work", "kind": "local", "mode": "suggest"}]})
        store = open_store(db, rep="bench")
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        c0, t0 = time.process_time(), time.perf_counter()
        first = tracker.track(store, config, NOW)
        c1, t1 = time.process_time(), time.perf_counter()
        second = tracker.track(store, config, NOW)
        c2, t2 = time.process_time(), time.perf_counter()
        with store.transaction():  # 100 replies arrive on old threads
            for t in range(0, args.threads, max(1, args.threads // 100)):
                store.add_message(Message(
                    id=f"m{t}new", account="work", source_id=f"new/{t}", message_id=f"{t}.new@x", thread_id=f"t{t}",
                    direction="received", sender=Address(f"buyer{t}@company{t % 5000}.com", "Buyer"),
                    recipients=(Address(REP, "Sam"),), subject="Re", sent_at=NOW - timedelta(minutes=5),
                    body="Sounds good, thanks."))
        later = NOW + timedelta(minutes=10)
        c3, t3 = time.process_time(), time.perf_counter()
        third = tracker.track(store, config, later)
        c4, t4 = time.process_time(), time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counts = store.count_steps()
        store.close()
    total = sum(counts.values())
    print(f"first pass:  {t1 - t0:.2f} s (cpu {c1 - c0:.2f} s)  ({first.new_steps} new steps, "
          f"{len(first.suggestions)} suggestions)")
    print(f"steady pass: {t2 - t1:.2f} s (cpu {c2 - c1:.2f} s)  ({sum(second.transitions.values())} transitions)")
    print(f"after 100 new replies: {t4 - t3:.2f} s (cpu {c4 - c3:.2f} s)  "
          f"({sum(third.transitions.values())} transitions)")
    print(f"steps by state: {dict(sorted(counts.items()))} (total {total})")
    print(f"peak RSS: {rss / 1024:.0f} MB (before the passes: {rss0 / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
