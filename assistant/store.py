"""The one module that owns the database (SQLite in WAL mode, schema versioned by migrations).

Everything the product remembers passes through here: messages (only the fields the product needs),
commitments, sync cursors, tracked next steps, suggestions and calendar bookings. Writes that belong
together happen in one transaction: a source's cursor is committed with the messages it covers, and a
booking is recorded in the same transaction that marks its suggestion booked."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import StoreError
from assistant.models import (
    Address,
    Commitment,
    Counterpart,
    Message,
    NextStep,
    StepState,
    Suggestion,
    content_id,
)

# Each entry upgrades the schema by one version. Append, never edit a shipped entry.
MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE sync_state (
        account TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,              -- JSON, adapter-specific
        updated_at TEXT NOT NULL
    );
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        source_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('sent', 'received', 'note')),
        sender_email TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        recipients TEXT NOT NULL,          -- JSON [[email, name], ...]
        subject TEXT NOT NULL,
        sent_at TEXT NOT NULL,             -- ISO 8601, UTC
        body TEXT NOT NULL,                -- the author's own text after quote stripping
        in_reply_to TEXT NOT NULL DEFAULT '',
        refs TEXT NOT NULL DEFAULT '[]',
        provider_thread_id TEXT NOT NULL DEFAULT '',
        is_auto_reply INTEGER NOT NULL DEFAULT 0,
        auto_reply_until TEXT,
        timezone TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX messages_source ON messages(account, source_id);
    CREATE INDEX messages_thread ON messages(thread_id, sent_at);
    CREATE INDEX messages_msgid ON messages(message_id);
    CREATE INDEX messages_sent_at ON messages(sent_at);
    CREATE TABLE failed_messages (
        account TEXT NOT NULL,
        source_id TEXT NOT NULL,
        error TEXT NOT NULL,
        raw BLOB,
        attempts INTEGER NOT NULL DEFAULT 1,
        last_at TEXT NOT NULL,
        PRIMARY KEY (account, source_id)
    );
    CREATE TABLE commitments (
        id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL REFERENCES messages(id),
        who TEXT NOT NULL CHECK (who IN ('me', 'them')),
        action TEXT NOT NULL,
        due TEXT,                          -- ISO 8601 with offset, or NULL
        due_has_time INTEGER NOT NULL,
        conditional INTEGER NOT NULL,
        vague INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX commitments_message ON commitments(message_id);
    CREATE TABLE steps (
        commitment_id TEXT PRIMARY KEY REFERENCES commitments(id),
        owner TEXT NOT NULL,
        action TEXT NOT NULL,
        counterpart_email TEXT NOT NULL,
        counterpart_name TEXT NOT NULL,
        company TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        target TEXT NOT NULL,
        target_is_default INTEGER NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX steps_state ON steps(state);
    CREATE INDEX steps_company ON steps(company);
    CREATE TABLE step_transitions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        commitment_id TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX step_transitions_commitment ON step_transitions(commitment_id);
    CREATE TABLE suggestions (
        id TEXT PRIMARY KEY,
        commitment_id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        start TEXT NOT NULL,
        end TEXT NOT NULL,
        reason TEXT NOT NULL,
        state TEXT NOT NULL,
        link TEXT NOT NULL DEFAULT '',
        snoozed_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX suggestions_state ON suggestions(state);
    CREATE TABLE bookings (
        suggestion_id TEXT PRIMARY KEY REFERENCES suggestions(id),
        calendar TEXT NOT NULL,            -- adapter kind + target, e.g. "caldav:https://.../cal/"
        remote_id TEXT NOT NULL,
        etag TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,               -- booked | cancelled | stale
        booked_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE reports (
        week TEXT PRIMARY KEY,             -- ISO week, e.g. 2026-W47
        path TEXT NOT NULL,
        written_at TEXT NOT NULL
    );
    """,
    # 2: indexed thread lookups (thread_for scanned every message's refs with LIKE: quadratic on a first sync)
    """
    CREATE TABLE message_refs (
        ref TEXT NOT NULL,                 -- a Message-ID this message names in In-Reply-To or References
        id TEXT NOT NULL,                  -- messages.id
        PRIMARY KEY (ref, id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO message_refs(ref, id) SELECT in_reply_to, id FROM messages WHERE in_reply_to != '';
    INSERT OR IGNORE INTO message_refs(ref, id) SELECT j.value, m.id FROM messages m, json_each(m.refs) j;
    CREATE INDEX messages_provider_thread ON messages(provider_thread_id, account);
    """,
    # 3: the tracker's incremental pass finds the steps that may move by index (thread, state + target)
    """
    CREATE INDEX steps_thread ON steps(thread_id);
    CREATE INDEX steps_state_target ON steps(state, target);
    DROP INDEX IF EXISTS steps_state;
    """,
]


def utc_iso(moment: datetime) -> str:
    """Store instants as UTC ISO 8601 so that text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("the store keeps aware datetimes only")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso_or_none(moment: datetime | None) -> str | None:
    return utc_iso(moment) if moment is not None else None


def _state_values(states: Iterable[StepState | str] | None) -> list[str] | None:
    return None if states is None else [str(StepState(s).value) for s in states]


def _where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A WHERE clause from (fragment, value) pairs, skipping those whose value is None; a list value fills
    the fragment's `IN ({})` with one placeholder per item."""
    parts: list[str] = []
    args: list[Any] = []
    for fragment, value in conditions:
        if value is None:
            continue
        if isinstance(value, list):
            parts.append(fragment.format(",".join("?" * len(value))))
            args.extend(value)
        else:
            parts.append(fragment)
            args.append(value)
    return (" WHERE " + " AND ".join(parts) if parts else ""), args


class Store:
    """A connection to the product's database. Not thread-safe: one Store per thread."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the database {path}: {e}: check the path in [store] path") from None
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._depth = 0
        self.migrate()

    # -- schema -------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        current = self.schema_version
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this program knows ({len(MIGRATIONS)}): "
                "upgrade follow-through"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self.transaction():
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT. A nested use is a SAVEPOINT inside the outer transaction: when it
        fails, its own writes are undone and the outer transaction goes on (a booking pass holds one
        transaction around many bookings, each of which must stay whole)."""
        if self._depth:
            name = f"sp{self._depth}"
            self.db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self.db
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            else:
                self.db.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._depth = 0

    # -- sync cursors -------------------------------------------------------------------------
    def cursor(self, account: str) -> dict[str, Any]:
        row = self.db.execute("SELECT cursor FROM sync_state WHERE account = ?", (account,)).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def set_cursor(self, account: str, cursor: dict[str, Any], now: datetime | None = None) -> None:
        """Write an account's cursor. Call inside the transaction that stores the messages it covers."""
        self.db.execute(
            "INSERT INTO sync_state(account, cursor, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(account) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            (account, json.dumps(cursor, sort_keys=True), utc_iso(now or datetime.now(UTC))),
        )

    # -- messages -----------------------------------------------------------------------------
    def has_message(self, account: str, source_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM messages WHERE account = ? AND source_id = ?", (account, source_id)
        ).fetchone()
        return row is not None

    def thread_for(self, message_id: str, in_reply_to: str, references: Sequence[str],
                   provider_thread_id: str = "", account: str = "") -> str:
        """The thread a message belongs to: a stored message it replies to or references, else the
        provider's own thread id, else a new thread rooted at the first reference (or itself)."""
        ids = [i for i in (in_reply_to, *reversed(references)) if i]
        if ids:
            marks = ",".join("?" * len(ids))
            row = self.db.execute(
                f"SELECT thread_id FROM messages WHERE message_id IN ({marks}) LIMIT 1", ids
            ).fetchone()
            if row:
                return str(row[0])
        if message_id:
            row = self.db.execute(
                "SELECT m.thread_id FROM message_refs r JOIN messages m ON m.id = r.id WHERE r.ref = ? LIMIT 1",
                (message_id,),
            ).fetchone()
            if row:
                return str(row[0])
        if provider_thread_id:
            row = self.db.execute(
                "SELECT thread_id FROM messages WHERE provider_thread_id = ? AND account = ? LIMIT 1",
                (provider_thread_id, account),
            ).fetchone()
            if row:
                return str(row[0])
            return content_id(account, provider_thread_id, prefix="t")
        root = references[0] if references else (in_reply_to or message_id)
        return content_id(root, prefix="t")

    def add_message(self, message: Message) -> bool:
        """Insert a message unless it is already stored; True when it was new."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO messages(id, account, source_id, message_id, thread_id, direction, sender_email,"
            " sender_name, recipients, subject, sent_at, body, in_reply_to, refs, provider_thread_id, is_auto_reply,"
            " auto_reply_until, timezone) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                message.id, message.account, message.source_id, message.message_id, message.thread_id,
                message.direction, message.sender.email, message.sender.name,
                json.dumps([[a.email, a.name] for a in message.recipients]), message.subject,
                utc_iso(message.sent_at), message.body, message.in_reply_to, json.dumps(list(message.references)),
                message.provider_thread_id, int(message.is_auto_reply),
                utc_iso(message.auto_reply_until) if message.auto_reply_until else None, message.timezone,
            ),
        )
        if cur.rowcount > 0:
            refs = {r for r in (message.in_reply_to, *message.references) if r}
            self.db.executemany("INSERT OR IGNORE INTO message_refs(ref, id) VALUES (?, ?)",
                                [(r, message.id) for r in refs])
        return cur.rowcount > 0

    @staticmethod
    def _message(row: sqlite3.Row) -> Message:
        return Message(
            id=row["id"], account=row["account"], source_id=row["source_id"], message_id=row["message_id"],
            thread_id=row["thread_id"], direction=row["direction"],
            sender=Address(row["sender_email"], row["sender_name"]),
            recipients=tuple(Address(e, n) for e, n in json.loads(row["recipients"])),
            subject=row["subject"], sent_at=datetime.fromisoformat(row["sent_at"]), body=row["body"],
            in_reply_to=row["in_reply_to"], references=tuple(json.loads(row["refs"])),
            provider_thread_id=row["provider_thread_id"], is_auto_reply=bool(row["is_auto_reply"]),
            auto_reply_until=from_iso(row["auto_reply_until"]), timezone=row["timezone"],
        )

    def message(self, message_id: str) -> Message | None:
        row = self.db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        return self._message(row) if row else None

    def messages(self, *, thread_id: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, direction: str | None = None) -> list[Message]:
        where, args = _where(("thread_id = ?", thread_id), ("sent_at >= ?", _iso_or_none(since)),
                             ("sent_at < ?", _iso_or_none(until)), ("direction = ?", direction))
        return [self._message(r) for r in self.db.execute(f"SELECT * FROM messages{where} ORDER BY sent_at, id", args)]

    def count_messages(self, account: str | None = None) -> int:
        if account is None:
            return int(self.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
        return int(self.db.execute("SELECT COUNT(*) FROM messages WHERE account = ?", (account,)).fetchone()[0])

    # -- messages that failed to parse ----------------------------------------------------------
    def record_failure(self, account: str, source_id: str, error: str, raw: bytes | None, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO failed_messages(account, source_id, error, raw, attempts, last_at) VALUES (?,?,?,?,1,?) "
            "ON CONFLICT(account, source_id) DO UPDATE SET error = excluded.error, attempts = attempts + 1, "
            "last_at = excluded.last_at, raw = COALESCE(excluded.raw, raw)",
            (account, source_id, error, raw, utc_iso(now)),
        )

    def failures(self, account: str | None = None) -> list[sqlite3.Row]:
        if account is None:
            return list(self.db.execute("SELECT * FROM failed_messages ORDER BY last_at"))
        return list(self.db.execute("SELECT * FROM failed_messages WHERE account = ? ORDER BY last_at", (account,)))

    def clear_failure(self, account: str, source_id: str) -> None:
        self.db.execute("DELETE FROM failed_messages WHERE account = ? AND source_id = ?", (account, source_id))

    # -- sync: what the watcher needs (assistant/watcher.py) -------------------------------------
    def stored_source_ids(self, account: str, source_ids: Sequence[str]) -> set[str]:
        """Which of `source_ids` are already stored for `account` (one query per 500 ids)."""
        found: set[str] = set()
        ids = list(source_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.db.execute(
                f"SELECT source_id FROM messages WHERE account = ? AND source_id IN ({marks})", [account, *chunk]))
        return found

    def failed_source_ids(self, account: str) -> set[str]:
        """Source ids of `account`'s messages waiting for a parse retry."""
        return {r[0] for r in self.db.execute("SELECT source_id FROM failed_messages WHERE account = ?", (account,))}

    def has_message_id(self, message_id: str) -> bool:
        """True when a message with this content-derived id is stored (from any account)."""
        return self.db.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone() is not None

    def is_stored(self, message: Message) -> bool:
        """True when this message (same Message-ID and same content) is already stored, from any account.

        By its id; and for rows stored before ids covered the content (their id came from the Message-ID
        alone), by that old id with the same sender, time, subject and text."""
        if self.has_message_id(message.id):
            return True
        if not message.message_id:
            return False
        row = self.db.execute(
            "SELECT 1 FROM messages WHERE id = ? AND sender_email = ? AND sent_at = ? AND subject = ? AND body = ?",
            (content_id("msgid", message.message_id, prefix="m"), message.sender.email, utc_iso(message.sent_at),
             message.subject, message.body)).fetchone()
        return row is not None

    def sync_states(self) -> list[tuple[str, datetime]]:
        """(account, time its cursor last moved) for every account ever synced."""
        return [(r[0], datetime.fromisoformat(r[1]))
                for r in self.db.execute("SELECT account, updated_at FROM sync_state ORDER BY account")]

    def count_commitments(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM commitments").fetchone()[0])

    # -- commitments ----------------------------------------------------------------------------
    def add_commitments(self, commitments: Iterable[Commitment]) -> int:
        n = 0
        for c in commitments:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO commitments(id, message_id, who, action, due, due_has_time, conditional,"
                " vague, text) VALUES (?,?,?,?,?,?,?,?,?)",
                (c.id, c.message_id, c.who, c.action, c.due.isoformat() if c.due else None, int(c.due_has_time),
                 int(c.conditional), int(c.vague), c.text),
            )
            n += cur.rowcount
        return n

    @staticmethod
    def _commitment(row: sqlite3.Row) -> Commitment:
        return Commitment(
            id=row["id"], message_id=row["message_id"], who=row["who"], action=row["action"],
            due=from_iso(row["due"]), due_has_time=bool(row["due_has_time"]),
            conditional=bool(row["conditional"]), vague=bool(row["vague"]), text=row["text"],
        )

    def commitments(self, message_id: str | None = None) -> list[Commitment]:
        if message_id is None:
            rows = self.db.execute("SELECT * FROM commitments ORDER BY rowid")
        else:
            rows = self.db.execute("SELECT * FROM commitments WHERE message_id = ? ORDER BY rowid", (message_id,))
        return [self._commitment(r) for r in rows]

    def commitment(self, commitment_id: str) -> Commitment | None:
        row = self.db.execute("SELECT * FROM commitments WHERE id = ?", (commitment_id,)).fetchone()
        return self._commitment(row) if row else None

    # -- tracker, suggestions, bookings, reports: methods added below by their features -------

    # -- tracker: next steps and their transitions (owner: assistant/tracker.py) ---------------
    # The tracker decides; these methods only read and write. State changes go through
    # `set_step_state`, which records every transition in step_transitions.
    @staticmethod
    def _step(row: sqlite3.Row) -> NextStep:
        return NextStep(
            commitment_id=row["commitment_id"], owner=row["owner"], action=row["action"],
            counterpart=Counterpart(email=row["counterpart_email"], name=row["counterpart_name"],
                                    company=row["company"], thread_id=row["thread_id"]),
            target=datetime.fromisoformat(row["target"]), target_is_default=bool(row["target_is_default"]),
            state=StepState(row["state"]), updated_at=datetime.fromisoformat(row["updated_at"]),
        )

    def add_steps(self, steps: Iterable[NextStep], note: str = "tracked") -> int:
        """Insert new steps (ignoring ones already tracked) and record their first transition."""
        rows = [(s.commitment_id, s.owner, s.action, s.counterpart.email, s.counterpart.name, s.counterpart.company,
                 s.counterpart.thread_id, utc_iso(s.target), int(s.target_is_default), s.state.value,
                 utc_iso(s.updated_at)) for s in steps]
        if not rows:
            return 0
        with self.transaction():
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO steps(commitment_id, owner, action, counterpart_email, counterpart_name, company,"
                " thread_id, target, target_is_default, state, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            added = self.db.total_changes - before
            self.db.executemany(
                "INSERT INTO step_transitions(commitment_id, from_state, to_state, at, note) "
                "SELECT ?, NULL, ?, ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM step_transitions WHERE commitment_id = ?)",
                [(r[0], r[9], r[10], note, r[0]) for r in rows])
        return added

    def step(self, commitment_id: str) -> NextStep | None:
        row = self.db.execute("SELECT * FROM steps WHERE commitment_id = ?", (commitment_id,)).fetchone()
        return self._step(row) if row else None

    def steps(self, states: Iterable[StepState | str] | None = None, *, company: str | None = None,
              owner: str | None = None, thread_id: str | None = None) -> list[NextStep]:
        """Tracked steps, filtered by state(s), company, owner or thread; ordered by target."""
        where, args = _where(("state IN ({})", _state_values(states)), ("company = ?", company),
                             ("owner = ?", owner), ("thread_id = ?", thread_id))
        return [self._step(r)
                for r in self.db.execute(f"SELECT * FROM steps{where} ORDER BY target, commitment_id", args)]

    def set_step_states(self, changes: Iterable[tuple[str, StepState, StepState, str]], at: datetime) -> int:
        """Apply many (commitment_id, from_state, to_state, note) changes and record each transition.
        A change whose step is no longer in `from_state` is skipped (another writer got there first)."""
        n = 0
        stamp = utc_iso(at)
        with self.transaction():
            for commitment_id, from_state, to_state, note in changes:
                cur = self.db.execute(
                    "UPDATE steps SET state = ?, updated_at = ? WHERE commitment_id = ? AND state = ?",
                    (to_state.value, stamp, commitment_id, from_state.value))
                if cur.rowcount:
                    self.db.execute(
                        "INSERT INTO step_transitions(commitment_id, from_state, to_state, at, note) VALUES (?,?,?,?,?)",
                        (commitment_id, from_state.value, to_state.value, stamp, note))
                    self.db.execute(
                        "UPDATE suggestions SET state = ?, updated_at = ? WHERE commitment_id = ?",
                        (to_state.value, stamp, commitment_id))
                    n += 1
        return n

    def set_step_state(self, commitment_id: str, from_state: StepState, to_state: StepState, at: datetime,
                       note: str = "") -> bool:
        """One transition (see set_step_states); the step's suggestion, if any, follows the step's state."""
        return self.set_step_states([(commitment_id, from_state, to_state, note)], at) == 1

    def set_step_target(self, commitment_id: str, target: datetime, at: datetime) -> None:
        self.db.execute("UPDATE steps SET target = ?, updated_at = ? WHERE commitment_id = ?",
                        (utc_iso(target), utc_iso(at), commitment_id))

    def transitions(self, commitment_id: str | None = None, *, to_state: StepState | str | None = None,
                    since: datetime | None = None, until: datetime | None = None) -> list[StepTransition]:
        """The recorded history of steps, oldest first (the weekly report counts kept/broken/settled here)."""
        where, args = _where(("commitment_id = ?", commitment_id),
                             ("to_state = ?", StepState(to_state).value if to_state is not None else None),
                             ("at >= ?", _iso_or_none(since)), ("at < ?", _iso_or_none(until)))
        sql = f"SELECT * FROM step_transitions{where}"
        return [StepTransition(seq=r["seq"], commitment_id=r["commitment_id"],
                               from_state=StepState(r["from_state"]) if r["from_state"] else None,
                               to_state=StepState(r["to_state"]), at=datetime.fromisoformat(r["at"]), note=r["note"])
                for r in self.db.execute(sql + " ORDER BY seq", args)]

    def count_steps(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self.db.execute("SELECT state, COUNT(*) FROM steps GROUP BY state")}

    # The tracker's pass works over sets: the steps that may move are staged in a temp table (one query),
    # read back in chunks with the messages of their threads, and the pass's changes are written with
    # executemany, all inside the tracker's one transaction. Times are compared as UTC ISO text.
    TRACKER_MARK = "follow-through:tracker-pass"
    CANDIDATE_COLUMNS = (
        "cid", "who", "action", "due", "due_has_time", "conditional", "text", "message_id", "rfc_message_id",
        "account", "source_id", "thread_id", "sent_at", "subject", "state", "target", "target_is_default",
        "counterpart_email", "counterpart_name", "company", "suggestion_id", "suggestion_start", "snoozed_until")

    def tracker_mark(self) -> tuple[int, int, datetime] | None:
        """(last message rowid, last commitment rowid, `now`) of the previous tracker pass, or None."""
        c = self.cursor(self.TRACKER_MARK)
        if not c or "crowid" not in c:
            return None
        return int(c["rowid"]), int(c["crowid"]), datetime.fromisoformat(c["now"])

    def set_tracker_mark(self, now: datetime) -> None:
        rowid = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM messages").fetchone()[0]
        crowid = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM commitments").fetchone()[0]
        self.set_cursor(self.TRACKER_MARK, {"rowid": int(rowid), "crowid": int(crowid), "now": utc_iso(now)}, now)

    def stage_tracker_candidates(self, open_states: Iterable[StepState], now: datetime,
                                 mark: tuple[int, int, datetime] | None) -> int:
        """Stage (in temp.track_cand, oldest promise first) every commitment the pass must look at:
        untracked ones from messages sent by `now`, and open steps that may move. Without a mark (first
        pass, or a clock replayed backwards) every open step; with one only those on threads with mail
        stored or sent since, pending ones whose target passed, due/broken ones and snoozes that ended.
        Returns how many rows were staged."""
        wanted = [StepState(s).value for s in open_states]
        stamp = utc_iso(now)
        self.db.execute("DROP TABLE IF EXISTS temp.track_cand")
        self.db.execute(
            "CREATE TEMP TABLE track_cand(seq INTEGER PRIMARY KEY, " + ", ".join(self.CANDIDATE_COLUMNS) + ")")
        select = (
            "SELECT c.id, c.who, c.action, c.due, c.due_has_time, c.conditional, c.text, m.id, m.message_id,"
            " m.account, m.source_id, m.thread_id, m.sent_at, m.subject, s.state, s.target, s.target_is_default,"
            " s.counterpart_email, s.counterpart_name, s.company, g.id, g.start, g.snoozed_until"
            " FROM commitments c JOIN messages m ON m.id = c.message_id"
            " LEFT JOIN steps s ON s.commitment_id = c.id LEFT JOIN suggestions g ON g.commitment_id = c.id"
            f" WHERE m.sent_at <= ? AND (s.commitment_id IS NULL OR s.state IN ({','.join('?' * len(wanted))}))")
        args: list[Any] = [stamp, *wanted]
        if mark is not None:
            rowid, crowid, then = mark
            since = utc_iso(then)
            select += (
                " AND c.id IN (SELECT id FROM commitments WHERE rowid > ?"
                " UNION SELECT c2.id FROM messages m2 JOIN commitments c2 ON c2.message_id = m2.id"
                "  WHERE m2.sent_at > ? AND m2.sent_at <= ?"
                " UNION SELECT commitment_id FROM steps WHERE state = 'pending' AND target <= ?"
                " UNION SELECT commitment_id FROM steps WHERE state IN ('due', 'broken')"
                " UNION SELECT s3.commitment_id FROM steps s3 JOIN suggestions g3 ON g3.commitment_id = s3.commitment_id"
                "  WHERE s3.state = 'snoozed' AND (g3.snoozed_until IS NULL OR g3.snoozed_until <= ?)"
                " UNION SELECT s4.commitment_id FROM steps s4 WHERE s4.thread_id IN (SELECT thread_id FROM messages"
                "  WHERE rowid > ? UNION SELECT thread_id FROM messages WHERE sent_at > ? AND sent_at <= ?))")
            args += [crowid, since, stamp, stamp, stamp, rowid, since, stamp]
        self.db.execute(
            "INSERT INTO temp.track_cand(" + ", ".join(self.CANDIDATE_COLUMNS) + ") " + select
            + " ORDER BY m.sent_at, c.rowid", args)  # oldest promise first: it gets the first free slot
        return int(self.db.execute("SELECT COUNT(*) FROM temp.track_cand").fetchone()[0])

    def tracker_candidates(self, first: int, last: int) -> list[tuple[Any, ...]]:
        """Staged rows `first`..`last` (1-based, inclusive) as plain tuples in CANDIDATE_COLUMNS order."""
        cur = self.db.cursor()
        cur.row_factory = None
        return cur.execute("SELECT " + ", ".join(self.CANDIDATE_COLUMNS) + " FROM temp.track_cand"
                           " WHERE seq BETWEEN ? AND ? ORDER BY seq", (first, last)).fetchall()

    def tracker_thread_mail(self, first: int, last: int, now: datetime) -> list[tuple[Any, ...]]:
        """The mail of the threads of staged rows `first`..`last`, sent by `now`, by thread then time:
        (thread_id, id, direction, sender_email, sender_name, recipients JSON, sent_at, body, is_auto_reply,
        auto_reply_until, subject)."""
        cur = self.db.cursor()
        cur.row_factory = None
        return cur.execute(
            "SELECT thread_id, id, direction, sender_email, sender_name, recipients, sent_at, body, is_auto_reply,"
            " auto_reply_until, subject FROM messages WHERE thread_id IN"
            " (SELECT thread_id FROM temp.track_cand WHERE seq BETWEEN ? AND ?) AND sent_at <= ?"
            " ORDER BY thread_id, sent_at, id", (first, last, utc_iso(now))).fetchall()

    def taken_starts(self, since: datetime) -> list[str]:
        """Starts (UTC ISO text) of live follow-ups from `since` on (new untimed follow-ups avoid them)."""
        return [r[0] for r in self.db.execute(
            "SELECT start FROM suggestions WHERE state IN ('suggested', 'booked', 'accepted', 'snoozed')"
            " AND start >= ?", (utc_iso(since),))]

    def correspondents(self) -> list[tuple[str, str]]:
        """Distinct (email, name) of everyone who wrote to the rep (matches a note's "Kim at Contoso")."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT sender_email, MAX(sender_name) FROM messages WHERE direction = 'received' AND NOT is_auto_reply"
            " GROUP BY sender_email ORDER BY sender_email")]

    def write_tracker_pass(self, *, new_steps: Sequence[tuple[Any, ...]], state_changes: Sequence[tuple[str, str]],
                           transitions: Sequence[tuple[str, str | None, str, str]],
                           suggestions: Sequence[tuple[Any, ...]], moves: Sequence[tuple[str, str, str]],
                           at: datetime) -> None:
        """Bulk writes of one chunk of a tracker pass (call inside its transaction).

        new_steps: (commitment_id, owner, action, email, name, company, thread_id, target UTC ISO,
        target_is_default, state); state_changes: (commitment_id, state) - the step's suggestion follows;
        transitions: (commitment_id, from_state or None, to_state, note); suggestions: (id, commitment_id,
        title, body, start, end, reason, link) made in state suggested; moves: (suggestion id, start, end)."""
        stamp = utc_iso(at)
        if new_steps:
            self.db.executemany(
                "INSERT OR IGNORE INTO steps(commitment_id, owner, action, counterpart_email, counterpart_name, company,"
                " thread_id, target, target_is_default, state, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(*r, stamp) for r in new_steps])
        if suggestions:
            self.db.executemany(
                "INSERT OR IGNORE INTO suggestions(id, commitment_id, title, body, start, end, reason, state, link,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,'suggested',?,?,?)",
                [(*r, stamp, stamp) for r in suggestions])
        if state_changes:
            rows = [(state, stamp, cid) for cid, state in state_changes]
            self.db.executemany("UPDATE steps SET state = ?, updated_at = ? WHERE commitment_id = ?", rows)
            self.db.executemany("UPDATE suggestions SET state = ?, updated_at = ? WHERE commitment_id = ?", rows)
        if moves:
            self.db.executemany("UPDATE suggestions SET start = ?, end = ?, updated_at = ? WHERE id = ?",
                                [(start, end, stamp, sid) for sid, start, end in moves])
        if transitions:
            self.db.executemany(
                "INSERT INTO step_transitions(commitment_id, from_state, to_state, at, note) VALUES (?,?,?,?,?)",
                [(cid, a, b, stamp, note) for cid, a, b, note in transitions])

    def drop_tracker_candidates(self) -> None:
        self.db.execute("DROP TABLE IF EXISTS temp.track_cand")

    def staged_new_steps(self) -> int:
        """How many staged rows have no step yet (a first pass over a big mailbox stages them all)."""
        return int(self.db.execute("SELECT COUNT(*) FROM temp.track_cand WHERE state IS NULL").fetchone()[0])

    TRACKER_TABLES = ("steps", "step_transitions", "suggestions")

    @contextmanager
    def bulk_tracker_load(self) -> Iterator[None]:
        """A bulk load into the tracker's tables (inside a transaction): their secondary indexes are dropped
        and built again at the end - one sort instead of a random b-tree insert per row, about twice as
        fast for a first pass over 100,000 commitments. Unique and primary-key indexes stay."""
        marks = ",".join("?" * len(self.TRACKER_TABLES))
        indexes = [(r[0], r[1]) for r in self.db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            self.TRACKER_TABLES)]
        with self.transaction():
            for name, _ in indexes:
                self.db.execute(f'DROP INDEX "{name}"')
            yield
            for _, sql in indexes:
                self.db.execute(sql)

    # -- suggestions (owner: assistant/tracker.py; read by the review and the report) ----------
    @staticmethod
    def _suggestion(row: sqlite3.Row) -> Suggestion:
        return Suggestion(
            id=row["id"], commitment_id=row["commitment_id"], title=row["title"], body=row["body"],
            start=datetime.fromisoformat(row["start"]), end=datetime.fromisoformat(row["end"]),
            reason=row["reason"], state=StepState(row["state"]), link=row["link"],
        )

    def add_suggestions(self, suggestions: Iterable[Suggestion], now: datetime) -> int:
        """Insert suggestions unless one exists for the same id (ids are derived from the commitment)."""
        stamp = utc_iso(now)
        rows = [(s.id, s.commitment_id, s.title, s.body, utc_iso(s.start), utc_iso(s.end), s.reason, s.state.value,
                 s.link, stamp, stamp) for s in suggestions]
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO suggestions(id, commitment_id, title, body, start, end, reason, state, link,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        return self.db.total_changes - before

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        row = self.db.execute("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,)).fetchone()
        return self._suggestion(row) if row else None

    def suggestion_for(self, commitment_id: str) -> Suggestion | None:
        row = self.db.execute("SELECT * FROM suggestions WHERE commitment_id = ?", (commitment_id,)).fetchone()
        return self._suggestion(row) if row else None

    def suggestions(self, states: Iterable[StepState | str] | None = None, *, since: datetime | None = None,
                    until: datetime | None = None) -> list[Suggestion]:
        """Suggestions by state(s) (e.g. the review queue: [SUGGESTED]) and start window; ordered by start."""
        where, args = _where(("state IN ({})", _state_values(states)), ("start >= ?", _iso_or_none(since)),
                             ("start < ?", _iso_or_none(until)))
        return [self._suggestion(r)
                for r in self.db.execute(f"SELECT * FROM suggestions{where} ORDER BY start, id", args)]

    def update_suggestion(self, suggestion_id: str, now: datetime, *, start: datetime | None = None,
                          end: datetime | None = None, title: str | None = None, body: str | None = None,
                          snoozed_until: datetime | None = None, clear_snooze: bool = False) -> None:
        """Edit a suggestion's fields (not its state: states change with the step, see set_step_state)."""
        sets, args = ["updated_at = ?"], [utc_iso(now)]
        for column, value in (("start", start), ("end", end), ("snoozed_until", snoozed_until)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(utc_iso(value))
        for column, text in (("title", title), ("body", body)):
            if text is not None:
                sets.append(f"{column} = ?")
                args.append(text)
        if clear_snooze:
            sets.append("snoozed_until = NULL")
        self.db.execute(f"UPDATE suggestions SET {', '.join(sets)} WHERE id = ?", (*args, suggestion_id))

    def suggestion_detail(self, suggestion_id: str) -> SuggestionDetail | None:
        """A suggestion with everything a review needs: its step, commitment, message and booking."""
        row = self.db.execute("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,)).fetchone()
        if row is None:
            return None
        suggestion = self._suggestion(row)
        commitment = self.commitment(suggestion.commitment_id)
        step = self.step(suggestion.commitment_id)
        if commitment is None or step is None:
            raise StoreError(f"suggestion {suggestion_id} has no commitment or step: run `assistant track` to repair")
        return SuggestionDetail(
            suggestion=suggestion, step=step, commitment=commitment, message=self.message(commitment.message_id),
            booking=self.booking(suggestion_id), snoozed_until=from_iso(row["snoozed_until"]),
            created_at=datetime.fromisoformat(row["created_at"]),
        )

    def snoozed_until(self, suggestion_id: str) -> datetime | None:
        row = self.db.execute("SELECT snoozed_until FROM suggestions WHERE id = ?", (suggestion_id,)).fetchone()
        return from_iso(row[0]) if row else None

    # -- bookings (owner: assistant/booking.py) ------------------------------------------------
    # A booking row is written in the same transaction that moves the suggestion to booked/accepted.
    @staticmethod
    def _booking(row: sqlite3.Row) -> Booking:
        return Booking(suggestion_id=row["suggestion_id"], calendar=row["calendar"], remote_id=row["remote_id"],
                       etag=row["etag"], state=row["state"], booked_at=datetime.fromisoformat(row["booked_at"]),
                       updated_at=datetime.fromisoformat(row["updated_at"]))

    def booking(self, suggestion_id: str) -> Booking | None:
        row = self.db.execute("SELECT * FROM bookings WHERE suggestion_id = ?", (suggestion_id,)).fetchone()
        return self._booking(row) if row else None

    def bookings(self, states: Iterable[str] | None = None) -> list[Booking]:
        sql, args = "SELECT * FROM bookings", []
        if states is not None:
            wanted = list(states)
            sql += f" WHERE state IN ({','.join('?' * len(wanted))})"
            args.extend(wanted)
        return [self._booking(r) for r in self.db.execute(sql + " ORDER BY booked_at, suggestion_id", args)]

    def record_booking(self, suggestion_id: str, calendar: str, remote_id: str, now: datetime,
                       etag: str = "", state: str = "booked") -> None:
        """Insert or refresh the booking row (call inside the transaction that changes the suggestion's state)."""
        stamp = utc_iso(now)
        self.db.execute(
            "INSERT INTO bookings(suggestion_id, calendar, remote_id, etag, state, booked_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(suggestion_id) DO UPDATE SET calendar = excluded.calendar, "
            "remote_id = excluded.remote_id, etag = excluded.etag, state = excluded.state, "
            "updated_at = excluded.updated_at",
            (suggestion_id, calendar, remote_id, etag, state, stamp, stamp))

    def suggestions_to_book(self, auto_accounts: Iterable[str]) -> list[Suggestion]:
        """Suggestions that belong on the calendar but have no live booking: accepted ones, and suggested
        ones from accounts in book mode."""
        accounts = list(auto_accounts)
        marks = ",".join("?" * len(accounts)) or "NULL"
        rows = self.db.execute(
            "SELECT g.* FROM suggestions g JOIN commitments c ON c.id = g.commitment_id"
            " JOIN messages m ON m.id = c.message_id LEFT JOIN bookings b ON b.suggestion_id = g.id"
            f" WHERE (g.state = 'accepted' OR (g.state = 'suggested' AND m.account IN ({marks})))"
            " AND (b.suggestion_id IS NULL OR b.state != 'booked') ORDER BY g.start, g.id", accounts)
        return [self._suggestion(r) for r in rows]

    def bookings_to_release(self) -> list[Booking]:
        """Live bookings whose suggestion no longer wants an event (kept, settled, rejected, cancelled, snoozed)."""
        rows = self.db.execute(
            "SELECT b.* FROM bookings b JOIN suggestions g ON g.id = b.suggestion_id WHERE b.state = 'booked'"
            " AND g.state IN ('kept', 'settled', 'rejected', 'cancelled', 'snoozed') ORDER BY b.suggestion_id")
        return [self._booking(r) for r in rows]

    def set_booking_state(self, suggestion_id: str, state: str, now: datetime) -> None:
        self.db.execute("UPDATE bookings SET state = ?, updated_at = ? WHERE suggestion_id = ?",
                        (state, utc_iso(now), suggestion_id))

    # -- weekly reports (owner: assistant/report.py) -------------------------------------------
    def record_report(self, week: str, path: str, now: datetime) -> None:
        """Remember that the report for an ISO week was written (once per week for the scheduler)."""
        self.db.execute(
            "INSERT INTO reports(week, path, written_at) VALUES (?,?,?) ON CONFLICT(week) DO UPDATE SET "
            "path = excluded.path, written_at = excluded.written_at", (week, path, utc_iso(now)))

    def report_path(self, week: str) -> str | None:
        row = self.db.execute("SELECT path FROM reports WHERE week = ?", (week,)).fetchone()
        return str(row[0]) if row else None

    def report_weeks(self) -> list[str]:
        """Weeks with a written report, oldest first."""
        return [str(r[0]) for r in self.db.execute("SELECT week FROM reports ORDER BY week")]


@dataclass(frozen=True)
class StepTransition:
    """One recorded change of a step's state (None -> first state when it was first tracked)."""

    seq: int
    commitment_id: str
    from_state: StepState | None
    to_state: StepState
    at: datetime
    note: str


@dataclass(frozen=True)
class Booking:
    """A suggestion written to a calendar: state booked (on the calendar), cancelled (deleted) or stale
    (left on the calendar with a "no longer needed" note)."""

    suggestion_id: str
    calendar: str
    remote_id: str
    etag: str
    state: str
    booked_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SuggestionDetail:
    suggestion: Suggestion
    step: NextStep
    commitment: Commitment
    message: Message | None
    booking: Booking | None
    snoozed_until: datetime | None
    created_at: datetime
