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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import StoreError
from assistant.models import Address, Commitment, Message, content_id

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
]


def utc_iso(moment: datetime) -> str:
    """Store instants as UTC ISO 8601 so that text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("the store keeps aware datetimes only")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


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
        """BEGIN IMMEDIATE ... COMMIT; nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
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
                "SELECT thread_id FROM messages WHERE in_reply_to = ? OR refs LIKE ? LIMIT 1",
                (message_id, f'%"{message_id}"%'),
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
        sql, args = "SELECT * FROM messages WHERE 1=1", []
        if thread_id is not None:
            sql += " AND thread_id = ?"
            args.append(thread_id)
        if since is not None:
            sql += " AND sent_at >= ?"
            args.append(utc_iso(since))
        if until is not None:
            sql += " AND sent_at < ?"
            args.append(utc_iso(until))
        if direction is not None:
            sql += " AND direction = ?"
            args.append(direction)
        return [self._message(r) for r in self.db.execute(sql + " ORDER BY sent_at, id", args)]

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
