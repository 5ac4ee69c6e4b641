"""The store's port: the one interface to the product's database, whatever the engine.

Everything the product remembers passes through here: messages (only the fields the product needs),
commitments, sync cursors, tracked next steps, suggestions and calendar bookings. Writes that belong
together happen in one transaction: a source's cursor is committed with the messages it covers, and a
booking is recorded in the same transaction that marks its suggestion booked.

Adapters: `assistant.store.sqlite` (one rep, one file, no server: the default) and
`assistant.store.postgres` (a team's reps in one PostgreSQL database, one schema each); the registry in
`assistant.store` picks one by URL. `tests/test_store_contract.py` is the suite both pass."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

from assistant.errors import StoreError
from assistant.models import (
    ACCOUNT_STATES,
    AccountStatus,
    Address,
    Commitment,
    Counterpart,
    Message,
    NextStep,
    StepState,
    Suggestion,
    content_id,
)


class Row(Protocol):
    """A result row: by position (`row[0]`) or by column name (`row["id"]`)."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the shared SQL needs of a connection: sqlite3's own API with `?` placeholders."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


def safe_url(url: str) -> str:
    """A store URL without its password, for messages and logs."""
    return re.sub(r"(://[^/:@]*):[^@/]*@", r"\1:***@", url)


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


class Store(ABC):
    """The port: everything the watcher, the tracker, booking, the review and the report ask of the
    database. The SQL here is written once for both dialects (`?` placeholders, `ON CONFLICT`, booleans as
    booleans, times as UTC ISO text, `"end"` quoted); what differs (connecting, transactions, migrations,
    the few dialect fragments the tracker's queries need) is each adapter's. Not thread-safe: one Store
    per thread."""

    kind: ClassVar[str]  # the registry's name of the adapter: "sqlite" | "postgresql"
    db: Connection  # `?`-style DB-API connection (sqlite3's own; psycopg behind a thin translator)
    location: str  # where it is, for messages (a path, or a URL without its password)

    def __init__(self) -> None:
        self._depth = 0

    # -- schema -------------------------------------------------------------------------------
    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The number of this dialect's migrations applied."""

    @property
    @abstractmethod
    def latest_version(self) -> int:
        """The number of this dialect's migrations this program knows."""

    @abstractmethod
    def migrate(self) -> None:
        """Apply the migrations not applied yet, each in its own transaction; refuse a newer schema."""

    def _check_version(self, current: int) -> None:
        if current > self.latest_version:
            raise StoreError(
                f"{self.location} has schema version {current}, newer than this program knows "
                f"({self.latest_version}): upgrade follow-through"
            )

    @abstractmethod
    def columns(self) -> dict[str, list[str]]:
        """Table -> column names of the product's schema (the contract suite compares the dialects)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------------------
    @abstractmethod
    def _begin(self) -> None:
        """Open the outermost transaction, holding the rep's write lock (writers of one rep go one at a
        time, so a pass never interleaves with a sync; different reps never wait for each other)."""

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN ... COMMIT with the write lock held. A nested use is a SAVEPOINT inside the outer
        transaction: when it fails, its own writes are undone and the outer transaction goes on (a booking
        pass holds one transaction around many bookings, each of which must stay whole)."""
        if self._depth:
            name = f"sp{self._depth}"
            self.db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self.db
            except BaseException:
                if self._open():
                    try:
                        self.db.execute(f"ROLLBACK TO SAVEPOINT {name}")
                        self.db.execute(f"RELEASE SAVEPOINT {name}")
                    except StoreError:
                        pass  # the first error is the one to report
                raise
            else:
                self.db.execute(f"RELEASE SAVEPOINT {name}")
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except StoreError:
                self._rollback()
                raise
        finally:
            self._depth = 0

    @abstractmethod
    def _open(self) -> bool:
        """Whether the engine still holds a transaction open (SQLite rolls back by itself after a full
        disk or an I/O error; a lost PostgreSQL connection holds none)."""

    def _rollback(self) -> None:
        if self._open():
            try:
                self.db.execute("ROLLBACK")
            except StoreError:
                pass  # the first error is the one to report

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # -- backups ----------------------------------------------------------------------------------
    def backup(self, today: date, *, keep: int = 7) -> Path | None:
        """Take today's copy of the store unless it was taken; None when there was nothing to do. A SQLite
        file is copied beside itself; a server database is backed up by its own tools (pg_dump, the
        provider's snapshots), so the PostgreSQL adapter takes none."""
        return None

    # -- queries --------------------------------------------------------------------------------
    def tuples(self, sql: str, args: Sequence[Any] = ()) -> Iterable[Sequence[Any]]:
        """Rows as plain sequences (no column names): the bulk reads of the sync and the tracker."""
        rows: Iterable[Sequence[Any]] = self.db.execute(sql, args)
        return rows

    # -- dialect fragments the tracker's queries need (assistant.tracker.repository) ------------
    @abstractmethod
    def create_temp_table(self, name: str, columns: Sequence[tuple[str, str]]) -> None:
        """(Re)create a session-private table `name` with an auto-numbered `seq` key (numbered in insert
        order) and `columns` of the neutral types TEXT, BOOLEAN or BIGINT."""

    @abstractmethod
    def json_pair_firsts(self, column: str, alias: str) -> tuple[str, str]:
        """For a JSON column holding [[a, b], ...]: the FROM item that yields one row per pair (named
        `alias`) and the expression of the pair's first element."""

    @abstractmethod
    def secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the non-unique indexes of `tables` (a bulk load drops them)."""

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

    # -- names a source has read ---------------------------------------------------------------
    def remember_read(self, account: str, entries: Iterable[tuple[str, str]]) -> None:
        """Record (folder, name) pairs a batch read. Call inside the transaction that stores the batch."""
        self.db.executemany("INSERT INTO read_names(account, folder, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            ((account, folder, name) for folder, name in entries))

    def unread_names(self, account: str, folder: str, names: Sequence[str], chunk: int = 500,
                     scan_from: int = 2000) -> list[str]:
        """Those of `names` not recorded as read from `folder`, in their order. A long list in ascending
        order (a folder's listing) is walked beside the folder's rows read in the same order, one range
        scan; a short one (or one out of order) is looked up `chunk` names at a time."""
        if len(names) >= scan_from and all(a <= b for a, b in pairwise(names)):
            rows = self.tuples("SELECT name FROM read_names WHERE account = ? AND folder = ? "
                               "AND name BETWEEN ? AND ? ORDER BY name", (account, folder, names[0], names[-1]))
            out: list[str] = []
            i, n = 0, len(names)
            for (known,) in rows:
                while i < n and names[i] < known:
                    out.append(names[i])
                    i += 1
                while i < n and names[i] == known:
                    i += 1
            out.extend(names[i:])
            return out
        out = []
        for start in range(0, len(names), chunk):
            batch = names[start:start + chunk]
            marks = ",".join("?" * len(batch))
            known = {str(r[0]) for r in self.db.execute(
                f"SELECT name FROM read_names WHERE account = ? AND folder = ? AND name IN ({marks})",
                (account, folder, *batch))}
            out.extend(n for n in batch if n not in known)
        return out

    def count_read_names(self, account: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM read_names WHERE account = ?", (account,)).fetchone()[0])

    # -- messages -----------------------------------------------------------------------------
    def has_message(self, account: str, source_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM messages WHERE account = ? AND source_id = ?", (account, source_id)
        ).fetchone()
        return row is not None

    def thread_for(self, message_id: str, in_reply_to: str, references: Sequence[str],
                   provider_thread_id: str = "", account: str = "") -> str:
        """The thread a message belongs to: a stored message it replies to or references, else the
        provider's own thread id, else a new thread rooted at the first reference (or itself). Where several
        stored messages fit, the pick is the same on every engine: the first Message-ID in byte order and
        the earliest stored under it; the referring message with the first id; the earliest stored in the
        provider's thread (the order SQLite's indexes gave before the pick was written down)."""
        ids = [i for i in (in_reply_to, *reversed(references)) if i]
        if ids:
            marks = ",".join("?" * len(ids))
            row = self.db.execute(
                f"SELECT thread_id FROM messages WHERE message_id IN ({marks}) ORDER BY message_id, rowid LIMIT 1", ids
            ).fetchone()
            if row:
                return str(row[0])
        if message_id:
            row = self.db.execute(
                "SELECT m.thread_id FROM message_refs r JOIN messages m ON m.id = r.id WHERE r.ref = ?"
                " ORDER BY r.id LIMIT 1",
                (message_id,),
            ).fetchone()
            if row:
                return str(row[0])
        if provider_thread_id:
            row = self.db.execute(
                "SELECT thread_id FROM messages WHERE provider_thread_id = ? AND account = ? ORDER BY rowid LIMIT 1",
                (provider_thread_id, account),
            ).fetchone()
            if row:
                return str(row[0])
        return new_thread_id(message_id, in_reply_to, references, provider_thread_id, account)

    def add_message(self, message: Message) -> bool:
        """Insert a message unless it is already stored; True when it was new."""
        cur = self.db.execute(_INSERT_MESSAGE, _message_row(message))
        if cur.rowcount > 0:
            refs = {r for r in (message.in_reply_to, *message.references) if r}
            self.db.executemany(_INSERT_REF, [(r, message.id) for r in refs])
        return bool(cur.rowcount > 0)

    def add_messages(self, items: Sequence[tuple[Message, Sequence[Commitment]]]) -> AddedMessages:
        """Store a batch of parsed messages with their commitments and organisations, with the result of
        doing it one message at a time in order (`is_stored`, then `thread_for`, `add_message`,
        `record_organisation`, `add_commitments`): a message already stored, or whose source id is, is a
        duplicate; a message threads onto one stored earlier in the same batch; a message with no threading
        headers at all is a thread of its own. What decides that is read once for the whole batch (a few
        queries, not several per message) and the writes go as one `executemany` per table, in the batch's
        order (PostgreSQL pipelines each one: a round trip per table, not per row). Where the stored rows
        leave a thread open to more than one answer, the writes so far are flushed and `thread_for` asks
        the database, as the one-at-a-time path would. Call inside a transaction: the rep's write lock
        keeps what was read true until the writes."""
        seen = _Seen.read(self, items)
        stored: list[Message] = []
        duplicates = commitments = 0
        rows: list[tuple[Any, ...]] = []
        refs: list[tuple[str, str]] = []
        orgs: list[tuple[str, str, str]] = []
        promises: list[tuple[Any, ...]] = []

        def flush() -> None:
            if rows:
                self.db.executemany(_INSERT_MESSAGE, rows)
            if refs:
                self.db.executemany(_INSERT_REF, refs)
            if orgs:
                self.db.executemany(_UPSERT_ORGANISATION, orgs)
            if promises:
                self.db.executemany(_INSERT_COMMITMENT, promises)
            for pending in (rows, refs, orgs, promises):
                pending.clear()

        for msg, found in items:
            if seen.is_stored(msg):
                duplicates += 1
                continue
            if (msg.account, msg.source_id) in seen.sources:
                duplicates += 1
                continue
            thread = seen.thread(msg)
            if thread is None:  # more than one stored thread fits: the database's own answer, as thread_for gives it
                flush()
                thread = self.thread_for(msg.message_id, msg.in_reply_to, msg.references, msg.provider_thread_id,
                                         msg.account)
            msg = replace(msg, thread_id=thread)
            seen.add(msg)
            stored.append(msg)
            rows.append(_message_row(msg))
            refs.extend((r, msg.id) for r in {r for r in (msg.in_reply_to, *msg.references) if r})
            if msg.org is not None:
                orgs.append((*msg.org, utc_iso(msg.sent_at)))
            for c in found:
                if c.id not in seen.commitments:
                    seen.commitments.add(c.id)
                    promises.append(_commitment_row(c))
                    commitments += 1
        flush()
        return AddedMessages(tuple(stored), duplicates, commitments)

    @staticmethod
    def _message(row: Row) -> Message:
        return Message(
            id=row["id"], account=row["account"], source_id=row["source_id"], message_id=row["message_id"],
            thread_id=row["thread_id"], direction=row["direction"],
            sender=Address(row["sender_email"], row["sender_name"]),
            recipients=tuple(Address(e, n) for e, n in json.loads(row["recipients"])),
            subject=row["subject"], sent_at=datetime.fromisoformat(row["sent_at"]), body=row["body"],
            in_reply_to=row["in_reply_to"], references=tuple(json.loads(row["refs"])),
            provider_thread_id=row["provider_thread_id"], is_auto_reply=bool(row["is_auto_reply"]),
            auto_reply_until=from_iso(row["auto_reply_until"]), timezone=row["timezone"], link=row["link"],
        )

    def record_organisation(self, company: str, name: str, seen_at: datetime) -> None:
        """Remember how a company's people write its name; a later message's name replaces an older one."""
        self.db.execute(_UPSERT_ORGANISATION, (company, name, utc_iso(seen_at)))

    def organisations(self) -> dict[str, str]:
        """Deal key -> the company name its people write ("harboroutfitters.com" -> "Harbor Outfitters")."""
        return {str(r[0]): str(r[1]) for r in self.db.execute("SELECT company, name FROM organisations")}

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
            "ON CONFLICT(account, source_id) DO UPDATE SET error = excluded.error, attempts = failed_messages.attempts + 1, "
            "last_at = excluded.last_at, raw = COALESCE(excluded.raw, failed_messages.raw)",
            (account, source_id, error, raw, utc_iso(now)),
        )

    def failures(self, account: str | None = None) -> list[Row]:
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
            (legacy_message_id(message), message.sender.email, utc_iso(message.sent_at),
             message.subject, message.body)).fetchone()
        return row is not None

    def sync_states(self) -> list[tuple[str, datetime]]:
        """(account, time its cursor last moved) for every account ever synced."""
        return [(r[0], datetime.fromisoformat(r[1]))
                for r in self.db.execute("SELECT account, updated_at FROM sync_state ORDER BY account")]

    # -- account status ------------------------------------------------------------------------
    def set_account_status(self, account: str, state: str, error: str, now: datetime) -> None:
        """Record how an account's last pass (or sign-in) went; `error` is kept as one line."""
        if state not in ACCOUNT_STATES:
            raise ValueError(f"unknown account state {state!r}")
        line = " ".join(error.split())
        self.db.execute(
            "INSERT INTO account_status(account, state, error, updated_at, ok_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(account) DO UPDATE SET state = excluded.state, error = excluded.error, "
            "updated_at = excluded.updated_at, ok_at = COALESCE(excluded.ok_at, account_status.ok_at)",
            (account, state, line, utc_iso(now), utc_iso(now) if state == "ok" else None))

    def account_statuses(self) -> dict[str, AccountStatus]:
        """The recorded status of every account the watcher or `assistant login` has seen."""
        return {r[0]: AccountStatus(r[0], r[1], r[2], datetime.fromisoformat(r[3]), from_iso(r[4]))
                for r in self.db.execute("SELECT account, state, error, updated_at, ok_at FROM account_status")}

    def count_commitments(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM commitments").fetchone()[0])

    # -- commitments ----------------------------------------------------------------------------
    def add_commitments(self, commitments: Iterable[Commitment]) -> int:
        n = 0
        for c in commitments:
            cur = self.db.execute(_INSERT_COMMITMENT, _commitment_row(c))
            n += cur.rowcount
        return n

    @staticmethod
    def _commitment(row: Row) -> Commitment:
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

    # -- tracker: next steps and their transitions (owner: assistant/tracker/) -------------------
    # The tracker decides; these methods only read. Every state change goes through
    # assistant.tracker.states.apply, which records it in step_transitions; the pass's own queries
    # live in assistant.tracker.repository.
    @staticmethod
    def _step(row: Row) -> NextStep:
        return NextStep(
            commitment_id=row["commitment_id"], owner=row["owner"], action=row["action"],
            counterpart=Counterpart(email=row["counterpart_email"], name=row["counterpart_name"],
                                    company=row["company"], thread_id=row["thread_id"]),
            target=datetime.fromisoformat(row["target"]), target_is_default=bool(row["target_is_default"]),
            state=StepState(row["state"]), updated_at=datetime.fromisoformat(row["updated_at"]),
        )

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

    # -- suggestions (owner: assistant/tracker/; read by the review and the report) ------------
    # A suggestion's state is its step's: every read joins the step (SUGGESTION_SELECT).
    SUGGESTION_SELECT = ("SELECT g.*, s.state AS state FROM suggestions g"
                         " JOIN steps s ON s.commitment_id = g.commitment_id")

    @staticmethod
    def _suggestion(row: Row) -> Suggestion:
        return Suggestion(
            id=row["id"], commitment_id=row["commitment_id"], title=row["title"], body=row["body"],
            start=datetime.fromisoformat(row["start"]), end=datetime.fromisoformat(row["end"]),
            reason=row["reason"], state=StepState(row["state"]), link=row["link"],
        )

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        row = self.db.execute(self.SUGGESTION_SELECT + " WHERE g.id = ?", (suggestion_id,)).fetchone()
        return self._suggestion(row) if row else None

    def suggestion_for(self, commitment_id: str) -> Suggestion | None:
        row = self.db.execute(self.SUGGESTION_SELECT + " WHERE g.commitment_id = ?", (commitment_id,)).fetchone()
        return self._suggestion(row) if row else None

    def suggestions(self, states: Iterable[StepState | str] | None = None, *, since: datetime | None = None,
                    until: datetime | None = None) -> list[Suggestion]:
        """Suggestions by state(s) (e.g. the review queue: [SUGGESTED]) and start window; ordered by start."""
        where, args = _where(("s.state IN ({})", _state_values(states)), ("g.start >= ?", _iso_or_none(since)),
                             ("g.start < ?", _iso_or_none(until)))
        return [self._suggestion(r)
                for r in self.db.execute(f"{self.SUGGESTION_SELECT}{where} ORDER BY g.start, g.id", args)]

    def suggestion_ids(self, prefix: str, limit: int = 3) -> list[str]:
        """Ids of suggestions that start with `prefix` (at most `limit`, to tell unique from ambiguous)."""
        rows = self.db.execute("SELECT id FROM suggestions WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?",
                               (len(prefix), prefix, limit))
        return [str(r[0]) for r in rows]

    def update_suggestion(self, suggestion_id: str, now: datetime, *, start: datetime | None = None,
                          end: datetime | None = None, title: str | None = None, body: str | None = None,
                          snoozed_until: datetime | None = None, clear_snooze: bool = False) -> None:
        """Edit a suggestion's fields (its state is its step's: see assistant.tracker.states)."""
        sets, args = ["updated_at = ?"], [utc_iso(now)]
        for column, value in (("start", start), ('"end"', end), ("snoozed_until", snoozed_until)):
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
        row = self.db.execute(self.SUGGESTION_SELECT + " WHERE g.id = ?", (suggestion_id,)).fetchone()
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
    def _booking(row: Row) -> Booking:
        return Booking(suggestion_id=row["suggestion_id"], calendar=row["calendar"], remote_id=row["remote_id"],
                       etag=row["etag"], state=row["state"], booked_at=datetime.fromisoformat(row["booked_at"]),
                       status=row["status"],
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
                       etag: str = "", state: str = "booked", status: str = "CONFIRMED") -> None:
        """Insert or refresh the booking row (call inside the transaction that changes the suggestion's state);
        `status` is the event's (TENTATIVE for a hold)."""
        stamp = utc_iso(now)
        self.db.execute(
            "INSERT INTO bookings(suggestion_id, calendar, remote_id, etag, state, booked_at, updated_at, status) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(suggestion_id) DO UPDATE SET calendar = excluded.calendar, "
            "remote_id = excluded.remote_id, etag = excluded.etag, state = excluded.state, "
            "updated_at = excluded.updated_at, status = excluded.status",
            (suggestion_id, calendar, remote_id, etag, state, stamp, stamp, status))

    def suggestions_to_book(self, auto_accounts: Iterable[str], always: Iterable[StepState],
                            auto: Iterable[StepState], status_of: dict[StepState, str]) -> list[Suggestion]:
        """Follow-ups that belong on the calendar and are not there as they should be: those in `always`
        (held, accepted, booked), and those in `auto` (suggested) from accounts in book mode whose promise
        is not vague; with no live booking, or one written with another status than `status_of` says."""
        accounts = list(auto_accounts)
        always_v, auto_v = [s.value for s in always], [s.value for s in auto]
        marks = ",".join("?" * len(accounts)) or "NULL"
        rows = self.db.execute(
            "SELECT g.*, s.state AS state, b.status AS booked_status, b.state AS booking_state FROM suggestions g"
            " JOIN steps s ON s.commitment_id = g.commitment_id JOIN commitments c ON c.id = g.commitment_id"
            " JOIN messages m ON m.id = c.message_id LEFT JOIN bookings b ON b.suggestion_id = g.id"
            f" WHERE (s.state IN ({','.join('?' * len(always_v))}) OR (s.state IN ({','.join('?' * len(auto_v))})"
            f" AND m.account IN ({marks}) AND NOT c.vague)) ORDER BY g.start, g.id", (*always_v, *auto_v, *accounts))
        return [self._suggestion(r) for r in rows
                if r["booking_state"] != "booked" or r["booked_status"] != status_of.get(StepState(r["state"]))]

    def bookings_to_release(self, states: Iterable[StepState]) -> list[Booking]:
        """Live bookings whose step is in one of `states` (it no longer wants an event)."""
        wanted = [s.value for s in states]
        rows = self.db.execute(
            "SELECT b.* FROM bookings b JOIN suggestions g ON g.id = b.suggestion_id"
            " JOIN steps s ON s.commitment_id = g.commitment_id WHERE b.state = 'booked'"
            f" AND s.state IN ({','.join('?' * len(wanted))}) ORDER BY b.suggestion_id", wanted)
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


_INSERT_MESSAGE = (
    "INSERT INTO messages(id, account, source_id, message_id, thread_id, direction, sender_email, sender_name,"
    " recipients, subject, sent_at, body, in_reply_to, refs, provider_thread_id, is_auto_reply, auto_reply_until,"
    " timezone, link) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")
_INSERT_REF = "INSERT INTO message_refs(ref, id) VALUES (?, ?) ON CONFLICT DO NOTHING"
_UPSERT_ORGANISATION = (
    "INSERT INTO organisations(company, name, seen_at) VALUES (?, ?, ?) ON CONFLICT(company) DO UPDATE"
    " SET name = excluded.name, seen_at = excluded.seen_at WHERE excluded.seen_at >= organisations.seen_at")
_INSERT_COMMITMENT = (
    "INSERT INTO commitments(id, message_id, who, action, due, due_has_time, conditional, vague, text)"
    " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")
_IN_CHUNK = 500  # values per `IN (...)` list


def _message_row(message: Message) -> tuple[Any, ...]:
    return (
        message.id, message.account, message.source_id, message.message_id, message.thread_id,
        message.direction, message.sender.email, message.sender.name,
        json.dumps([[a.email, a.name] for a in message.recipients]), message.subject,
        utc_iso(message.sent_at), message.body, message.in_reply_to, json.dumps(list(message.references)),
        message.provider_thread_id, bool(message.is_auto_reply),
        utc_iso(message.auto_reply_until) if message.auto_reply_until else None, message.timezone, message.link,
    )


def _commitment_row(c: Commitment) -> tuple[Any, ...]:
    return (c.id, c.message_id, c.who, c.action, c.due.isoformat() if c.due else None, bool(c.due_has_time),
            bool(c.conditional), bool(c.vague), c.text)


def legacy_message_id(message: Message) -> str:
    """The id a message was stored under before ids covered its content (from its Message-ID alone)."""
    return content_id("msgid", message.message_id, prefix="m")


@dataclass(frozen=True)
class AddedMessages:
    """What `Store.add_messages` did: the messages it stored (with their threads), in the batch's order, the
    number it found already stored, and the number of new commitments."""

    stored: tuple[Message, ...]
    duplicates: int
    commitments: int


class _Seen:
    """What a batch's writes depend on, read once for the batch and kept up to date as the batch is stored:
    which ids, legacy ids, source ids and commitment ids are taken, and which threads the batch's Message-IDs,
    references and provider threads lead to (a set each: one thread is an answer; more than one is left to
    the database, whose pick among them the one-at-a-time path would get)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.legacy: dict[str, tuple[str, str, str, str]] = {}  # id -> sender, sent_at, subject, body
        self.sources: set[tuple[str, str]] = set()
        self.commitments: set[str] = set()
        self.by_message_id: dict[str, set[str]] = {}
        self.by_ref: dict[str, set[str]] = {}
        self.by_provider: dict[tuple[str, str], set[str]] = {}

    @classmethod
    def read(cls, store: Store, items: Sequence[tuple[Message, Sequence[Commitment]]]) -> _Seen:
        seen = cls()
        msgs = [m for m, _ in items]

        def rows(sql: str, values: Iterable[str], *args: Any) -> Iterator[Sequence[Any]]:
            wanted = sorted(set(values))
            for i in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[i:i + _IN_CHUNK]
                yield from store.tuples(sql.format(",".join("?" * len(chunk))), (*args, *chunk))

        seen.ids.update(str(r[0]) for r in rows("SELECT id FROM messages WHERE id IN ({})", (m.id for m in msgs)))
        for r in rows("SELECT id, sender_email, sent_at, subject, body FROM messages WHERE id IN ({})",
                      (legacy_message_id(m) for m in msgs if m.message_id and m.id not in seen.ids)):
            seen.legacy[str(r[0])] = (str(r[1]), str(r[2]), str(r[3]), str(r[4]))
        for account in sorted({m.account for m in msgs}):
            seen.sources.update((account, s) for s in store.stored_source_ids(
                account, sorted({m.source_id for m in msgs if m.account == account})))
        seen.commitments.update(str(r[0]) for r in rows("SELECT id FROM commitments WHERE id IN ({})",
                                                        (c.id for _, found in items for c in found)))
        for r in rows("SELECT DISTINCT message_id, thread_id FROM messages WHERE message_id IN ({})",
                      (i for m in msgs for i in (m.in_reply_to, *m.references) if i)):
            seen.by_message_id.setdefault(str(r[0]), set()).add(str(r[1]))
        for r in rows("SELECT DISTINCT r.ref, m.thread_id FROM message_refs r JOIN messages m ON m.id = r.id"
                      " WHERE r.ref IN ({})", (m.message_id for m in msgs if m.message_id)):
            seen.by_ref.setdefault(str(r[0]), set()).add(str(r[1]))
        for r in rows("SELECT DISTINCT provider_thread_id, account, thread_id FROM messages"
                      " WHERE provider_thread_id IN ({})", (m.provider_thread_id for m in msgs if m.provider_thread_id)):
            seen.by_provider.setdefault((str(r[0]), str(r[1])), set()).add(str(r[2]))
        return seen

    def is_stored(self, msg: Message) -> bool:
        """`Store.is_stored`, from what was read and what the batch stored."""
        if msg.id in self.ids:
            return True
        if not msg.message_id:
            return False
        old = self.legacy.get(legacy_message_id(msg))
        return old == (msg.sender.email, utc_iso(msg.sent_at), msg.subject, msg.body)

    def thread(self, msg: Message) -> str | None:
        """`Store.thread_for`'s answer for `msg`, or None when more than one stored thread fits."""
        if not (msg.message_id or msg.in_reply_to or msg.references or msg.provider_thread_id):
            return content_id(msg.id, prefix="t")  # no threading headers at all (notes, broken mail)
        ids = [i for i in (msg.in_reply_to, *reversed(msg.references)) if i]
        if ids:
            found = set().union(*(self.by_message_id.get(i, set()) for i in ids))
            if found:
                return found.pop() if len(found) == 1 else None
        if msg.message_id:
            found = self.by_ref.get(msg.message_id, set())
            if found:
                return next(iter(found)) if len(found) == 1 else None
        if msg.provider_thread_id:
            found = self.by_provider.get((msg.provider_thread_id, msg.account), set())
            if found:
                return next(iter(found)) if len(found) == 1 else None
        return new_thread_id(msg.message_id, msg.in_reply_to, msg.references, msg.provider_thread_id, msg.account)

    def add(self, msg: Message) -> None:
        """Record a message the batch stores (with its thread)."""
        self.ids.add(msg.id)
        self.legacy[msg.id] = (msg.sender.email, utc_iso(msg.sent_at), msg.subject, msg.body)
        self.sources.add((msg.account, msg.source_id))
        if msg.message_id:
            self.by_message_id.setdefault(msg.message_id, set()).add(msg.thread_id)
        for r in {r for r in (msg.in_reply_to, *msg.references) if r}:
            self.by_ref.setdefault(r, set()).add(msg.thread_id)
        if msg.provider_thread_id:
            self.by_provider.setdefault((msg.provider_thread_id, msg.account), set()).add(msg.thread_id)


def new_thread_id(message_id: str, in_reply_to: str, references: Sequence[str], provider_thread_id: str,
                  account: str) -> str:
    """The id of a new thread, for a message that no stored message threads with: the provider's own
    thread, else the first reference (or what it replies to, or itself). `thread_for` and a batch's
    `_Seen.thread` both end here."""
    if provider_thread_id:
        return content_id(account, provider_thread_id, prefix="t")
    root = references[0] if references else (in_reply_to or message_id)
    return content_id(root, prefix="t")


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
    status: str = "CONFIRMED"  # the event's status when it was written: TENTATIVE for a hold


@dataclass(frozen=True)
class SuggestionDetail:
    suggestion: Suggestion
    step: NextStep
    commitment: Commitment
    message: Message | None
    booking: Booking | None
    snoozed_until: datetime | None
    created_at: datetime
