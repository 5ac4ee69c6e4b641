"""The sync's write path alone, SQLite against PostgreSQL: storing parsed messages with their commitments.

What a team's workers spend their store time on: `assistant.watcher`'s write of each batch (is it stored?
which thread? the message, its references, its organisation, its commitments), here fed with messages
built in memory (no mail parsing, no extraction), in batches of 500 (the watcher's default), each batch
in one transaction as the watcher does it. Threads of one sent message and up to three replies (the
replies carry In-Reply-To/References; a reply often lands in the same batch as its parent), two
commitments on each sent message, an organisation on each reply. Then the same messages again (a second
sync that finds them all stored). It prints, for each store: seconds, messages/s, statements sent to the
store (each one a round trip on PostgreSQL unless pipelined) and a digest of what was stored (messages
with their threads, commitments in their order, organisations): the digests must be equal on both
engines and before/after a change to the write path.

    .venv/bin/python bench/sync_writes.py [--messages 20000]              # SQLite
    .venv/bin/python bench/sync_writes.py --postgres [--messages 20000]   # SQLite, then a PostgreSQL started for the run
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.models import Address, Commitment, Message, content_id  # noqa: E402
from assistant.store import Store, open_store  # noqa: E402
from assistant.watcher import SyncResult, _write  # noqa: E402

REP = "sam@seller.example"
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
BATCH = 500


def history(n: int) -> list[tuple[Message, list[Commitment]]]:
    """n messages in order of arrival: threads of a sent message and 0-3 replies a few messages later."""
    out: list[tuple[Message, list[Commitment]]] = []
    parents: list[tuple[int, str]] = []  # (thread number, Message-ID) of sent messages awaiting replies
    i = t = 0
    while len(out) < n:
        when = START + timedelta(minutes=7 * i)
        buyer = f"buyer{t % 997}@company{t % 211}.example"
        if i % 3 == 2 and parents:
            thread, parent = parents[i % len(parents)]
            mid = f"r{i}@company{thread % 211}.example"
            msg = Message(id=content_id(mid, i, prefix="m"), account="bench", source_id=f"INBOX/{i}", message_id=mid,
                          thread_id="", direction="received", sender=Address(buyer, "Buyer"),
                          recipients=(Address(REP, "Sam"),), subject=f"Re: deal {thread}", sent_at=when,
                          body="Thanks, that works. I'll get back to you by Friday.", in_reply_to=parent,
                          references=(parent,), org=(f"company{thread % 211}.example", f"Company {thread % 211}"))
            out.append((msg, []))
        else:
            mid = f"s{i}@seller.example"
            msg = Message(id=content_id(mid, i, prefix="m"), account="bench", source_id=f"Sent/{i}", message_id=mid,
                          thread_id="", direction="sent", sender=Address(REP, "Sam"),
                          recipients=(Address(buyer, "Buyer"),), subject=f"deal {t}", sent_at=when,
                          body="I'll send the proposal on Monday and call you Thursday at 10.")
            promises = [Commitment(id=content_id(msg.id, k, prefix="c"), message_id=msg.id, who="me", action=action,
                                   due=when + timedelta(days=3 + k), due_has_time=k == 1, conditional=False,
                                   vague=False, text=f"{action} for deal {t}")
                        for k, action in enumerate(("send", "call"))]
            out.append((msg, promises))
            parents = [*parents[-40:], (t, mid)]
            t += 1
        i += 1
    return out


class Counting:
    """The store's connection, counting the statements sent through it."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.statements = 0

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        self.statements += 1
        return self.db.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        self.statements += 1
        return self.db.executemany(sql, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def one_pass(store: Store, items: list[tuple[Message, list[Commitment]]]) -> tuple[float, SyncResult]:
    result = SyncResult("bench")
    t0 = time.perf_counter()
    for start in range(0, len(items), BATCH):
        with store.transaction():
            _write(store, items[start:start + BATCH], [], START, result)
    return time.perf_counter() - t0, result


def digest(store: Store) -> str:
    h = hashlib.sha256()
    for sql in ("SELECT id, account, source_id, message_id, thread_id, sent_at FROM messages ORDER BY rowid",
                "SELECT id, message_id, who, action, due, text FROM commitments ORDER BY rowid",
                "SELECT ref, id FROM message_refs ORDER BY ref, id",
                "SELECT company, name, seen_at FROM organisations ORDER BY company"):
        for row in store.tuples(sql):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()[:16]


def run(db: str, items: list[tuple[Message, list[Commitment]]], label: str) -> None:
    store = open_store(db, rep="bench")
    counting = Counting(store.db)
    store.db = counting
    first, r1 = one_pass(store, items)
    first_statements = counting.statements
    again, r2 = one_pass(store, items)
    print(f"{label}: first sync {first:.1f} s = {len(items) / first:,.0f} messages/s, "
          f"{first_statements:,} statements ({r1.stored:,} stored, {r1.commitments:,} commitments, "
          f"{r1.duplicates} duplicates); same messages again {again:.1f} s, "
          f"{counting.statements - first_statements:,} statements ({r2.duplicates:,} duplicates, {r2.stored} stored)"
          f"; digest {digest(store)}")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true",
                        help="also run on a throwaway PostgreSQL (tests/servers/postgres.py)")
    args = parser.parse_args()
    items = history(args.messages)
    with tempfile.TemporaryDirectory() as tmp:
        run(str(Path(tmp) / "bench.sqlite3"), items, "SQLite")
    if args.postgres:
        from tests.servers.postgres import start_postgres, stop_postgres

        server = start_postgres()
        try:
            run(server.url, items, "PostgreSQL")
        finally:
            stop_postgres(server)


if __name__ == "__main__":
    main()
