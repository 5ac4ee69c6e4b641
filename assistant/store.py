"""The one module that owns the database (SQLite in WAL mode, schema versioned by migrations).

Everything the product remembers passes through here: messages (only the fields the product needs),
commitments, sync cursors, tracked next steps, suggestions and calendar bookings. Writes that belong
together happen in one transaction: a source's cursor is committed with the messages it covers, and a
booking is recorded in the same transaction that marks its suggestion booked."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
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
from assistant.paths import data_dir

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
    # 4: a suggestion has no state of its own (it is its step's: assistant.tracker.states); a booking
    # remembers the status it was written with (a hold is tentative); contact lookups by person
    """
    DROP INDEX IF EXISTS suggestions_state;
    ALTER TABLE suggestions DROP COLUMN state;
    ALTER TABLE bookings ADD COLUMN status TEXT NOT NULL DEFAULT 'CONFIRMED';
    CREATE INDEX IF NOT EXISTS messages_sender ON messages(sender_email, sent_at);
    CREATE INDEX IF NOT EXISTS steps_counterpart ON steps(counterpart_email);
    """,
    # 5: the names a source has read (a Maildir's unique file names), one row each, written with the batch
    # that read them; the cursor keeps folder mtimes only (it held every name read, rewritten per batch).
    # Cursors that still hold names hand them over on their next pass (assistant.sources.local).
    """
    CREATE TABLE read_names (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,              -- the source's key of the folder, e.g. "mail/INBOX"
        name TEXT NOT NULL,
        PRIMARY KEY (account, folder, name)
    ) WITHOUT ROWID;
    """,
    # 6: the link back to each message in the client it came from (assistant.sources.links decides it per
    # source kind: Gmail web, Outlook's webLink, message: URLs, a note's file). Rows stored before keep ''
    # and the tracker falls back to a message: URL for them. And the name a company's people write for it
    # (a display name's "(Harbor Outfitters)", a signature line that spells the domain), per deal key.
    """
    ALTER TABLE messages ADD COLUMN link TEXT NOT NULL DEFAULT '';
    CREATE TABLE organisations (
        company TEXT PRIMARY KEY,          -- the deal key: an email domain, or an address for free mail
        name TEXT NOT NULL,                -- as its people write it, e.g. "Harbor Outfitters"
        seen_at TEXT NOT NULL              -- the message it was read from (the latest one wins)
    ) WITHOUT ROWID;
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


# -- faults: every SQLite error leaves this module as a StoreError that says what to do -------------------

BACKUP_DIR = "backups"  # beside the store
BACKUPS_KEPT = 7


def _sqlite_name(e: BaseException) -> str:
    return str(getattr(e, "sqlite_errorname", "") or "")


def describe(e: sqlite3.Error | OSError, path: Path) -> StoreError:
    """The one line a rep reads for a database fault on `path`, naming what to do."""
    if isinstance(e, OSError):
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(f"the disk holding the store {path} is full: free some space there and run the "
                              "command again (nothing was lost: the change that failed is made again)")
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return StoreError(f"cannot write the store {path} ({e.strerror}): make it and its folder writable by "
                              "you (chmod u+w), or point [store] path at a folder you own")
        return StoreError(f"cannot use the store {path} ({e.strerror}): check the path in [store] path")
    name = _sqlite_name(e)
    detail = str(e).strip().splitlines()[0] if str(e).strip() else name.lower()
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_IOERR")) and _read_only_disk(path):
        return StoreError(f"the store {path} is on a read-only disk: remount it read-write, or point [store] path "
                          "at a writable folder")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return StoreError(f"the store {path} is damaged ({detail}): run `assistant restore` to put back the newest "
                          f"daily backup (kept in {path.parent / BACKUP_DIR}); nothing else is changed")
    if name.startswith("SQLITE_FULL") or (name.startswith("SQLITE_IOERR") and "full" in detail):
        return StoreError(f"the disk holding the store {path} is full: free some space there and run the command "
                          "again (nothing was lost: the change that failed is made again)")
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return StoreError(f"cannot write the store {path} (read-only): make it and its folder writable by you "
                          "(chmod u+w), or point [store] path at a folder you own")
    if name.startswith("SQLITE_CANTOPEN"):
        return StoreError(f"cannot open the store {path}: check that its folder exists and is yours, or point "
                          "[store] path at a folder you own")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"the store {path} is busy ({detail}): another `assistant` (a watcher?) is writing to "
                          "it; wait for it or stop it, then run the command again")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"disk error on the store {path} ({detail}): check the disk (`df`, `dmesg`), then run "
                          "the command again")
    return StoreError(f"the store {path} failed ({name or type(e).__name__}: {detail}): run the command again; if "
                      "it fails the same way, run `assistant restore` to put back the newest daily backup")


def _read_only_disk(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # (no statvfs on Windows)
        return False


class _Cursor(sqlite3.Cursor):
    """A cursor whose SQLite errors are StoreErrors (see `describe`)."""

    def _fail(self, e: sqlite3.Error) -> StoreError:
        conn = self.connection
        return describe(e, conn.where if isinstance(conn, _Connection) else Path("?"))

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as e:
            raise self._fail(e) from e

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _Cursor:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as e:
            raise self._fail(e) from e

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as e:
            raise self._fail(e) from e

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as e:
            raise self._fail(e) from e

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except sqlite3.Error as e:
            raise self._fail(e) from e

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as e:
            raise self._fail(e) from e


class _Connection(sqlite3.Connection):
    """The store's connection: every statement runs on a `_Cursor`, so no raw SQLite error escapes."""

    where: Path = Path("?")

    def cursor(self, factory: Any = None) -> _Cursor:  # type: ignore[override]
        cur = super().cursor(factory or _Cursor)
        assert isinstance(cur, _Cursor)
        return cur

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        return self.cursor().executemany(sql, parameters)


def _private_file(path: Path) -> None:
    """The store holds mail text and the rep's decisions: the file and its -wal/-shm are 0600."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if p.exists() and stat.S_IMODE(p.stat().st_mode) != 0o600:
                p.chmod(0o600)
        except OSError:
            pass  # (not ours to change: reported by the write that fails, if one does)


def _private_dir(folder: Path) -> None:
    """Create the store's folder 0700; the data dir is tightened to 0700 if an older version left it open."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # (mkdir's mode is masked by the umask)
    elif folder.resolve() == data_dir().resolve() and stat.S_IMODE(folder.stat().st_mode) != 0o700:
        try:
            folder.chmod(0o700)
        except OSError:
            pass


def backup_dir(path: Path) -> Path:
    return path.parent / BACKUP_DIR


def backups(path: Path) -> list[Path]:
    """The daily copies of the store at `path`, oldest first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem}-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].sqlite3"))


def _healthy(path: Path) -> bool:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return bool(db.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            db.close()
    except sqlite3.Error:
        return False


def restore(path: Path, source: Path | None = None, *, now: datetime) -> tuple[Path, Path | None]:
    """Put back a copy of the store: `source`, else the newest backup that is whole. The current file (and
    its -wal/-shm) is moved aside to `<name>.damaged-<time>`, never deleted. Returns (copied from, moved to)."""
    candidates = [source] if source is not None else list(reversed(backups(path)))
    chosen = next((c for c in candidates if c.is_file() and _healthy(c)), None)
    if chosen is None:
        where = source if source is not None else backup_dir(path)
        raise StoreError(f"no whole backup of the store in {where}: move {path} away and run `assistant watch` to "
                         "read your mail again (decisions made in the review are lost)")
    aside: Path | None = None
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        for suffix in ("", "-wal", "-shm"):
            current = path.with_name(path.name + suffix)
            if current.exists():
                moved = path.with_name(f"{path.name}{suffix}.damaged-{stamp}")
                os.replace(current, moved)
                aside = aside or moved
        _private_dir(path.parent)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        src = sqlite3.connect(f"file:{chosen}?mode=ro", uri=True)
        dst = sqlite3.connect(str(path))
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    except sqlite3.Error as e:
        raise describe(e, path) from e
    except OSError as e:
        raise describe(e, path) from e
    return chosen, aside


def remove(path: Path) -> list[Path]:
    """Delete the store at `path`, its -wal/-shm, its backups and the copies `restore` moved aside.
    Returns what was deleted."""
    gone: list[Path] = []
    candidates = [path.with_name(path.name + s) for s in ("", "-wal", "-shm")]
    candidates += sorted(path.parent.glob(f"{path.name}*.damaged-*")) if path.parent.is_dir() else []
    candidates += backups(path)
    for p in candidates:
        try:
            p.unlink()
            gone.append(p)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise describe(e, p) from e
    folder = backup_dir(path)
    for leftover in (folder, path.parent):
        try:
            leftover.rmdir()  # only when empty
        except OSError:
            pass
    return gone


class Store:
    """A connection to the product's database. Not thread-safe: one Store per thread."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            if self.path.is_dir():
                raise StoreError(f"the store {self.path} is a folder: point [store] path at a file in it, like "
                                 f"{self.path / 'follow-through.sqlite3'}")
            try:
                _private_dir(self.path.parent)
                if not self.path.exists():
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as e:
                raise describe(e, self.path) from e
        try:
            db = sqlite3.connect(str(path), isolation_level=None, timeout=30, factory=_Connection)
        except sqlite3.Error as e:
            raise describe(e, self.path) from e
        assert isinstance(db, _Connection)
        db.where = self.path
        self.db: _Connection = db
        self.db.row_factory = sqlite3.Row
        self._depth = 0
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except BaseException:
            self.db.close()
            raise
        if not memory:
            _private_file(self.path)

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

    # -- backups --------------------------------------------------------------------------------
    def backup(self, today: date, *, keep: int = BACKUPS_KEPT) -> Path | None:
        """Copy the store with SQLite's online backup API into `backups/` beside it as
        `<name>-YYYY-MM-DD.sqlite3` (0600), unless `today`'s copy exists; keep the newest `keep`.
        Returns the new copy's path, or None when today's was already taken."""
        folder = backup_dir(self.path)
        target = folder / f"{self.path.stem}-{today.isoformat()}.sqlite3"
        if target.exists():
            return None
        partial = target.with_name(target.name + ".partial")
        try:
            _private_dir(folder)
            partial.unlink(missing_ok=True)
            os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600))
            copy = sqlite3.connect(str(partial))
            try:
                self.db.backup(copy)
            finally:
                copy.close()
            os.replace(partial, target)
        except sqlite3.Error as e:
            partial.unlink(missing_ok=True)
            raise describe(e, target) from e
        except OSError as e:
            partial.unlink(missing_ok=True)
            raise describe(e, target) from e
        for old in backups(self.path)[:-keep] if keep > 0 else []:
            old.unlink(missing_ok=True)
        return target

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[_Connection]:
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
                if self.db.in_transaction:
                    try:
                        self.db.execute(f"ROLLBACK TO {name}")
                        self.db.execute(f"RELEASE {name}")
                    except StoreError:
                        pass  # the first error is the one to report
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
            if self.db.in_transaction:  # (SQLite has already rolled back after a full disk or an I/O error)
                try:
                    self.db.execute("ROLLBACK")
                except StoreError:
                    pass  # the first error is the one to report
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except StoreError:
                if self.db.in_transaction:
                    try:
                        self.db.execute("ROLLBACK")
                    except StoreError:
                        pass
                raise
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

    # -- names a source has read ---------------------------------------------------------------
    def remember_read(self, account: str, entries: Iterable[tuple[str, str]]) -> None:
        """Record (folder, name) pairs a batch read. Call inside the transaction that stores the batch."""
        self.db.executemany("INSERT OR IGNORE INTO read_names(account, folder, name) VALUES (?, ?, ?)",
                            ((account, folder, name) for folder, name in entries))

    def unread_names(self, account: str, folder: str, names: Sequence[str], chunk: int = 500,
                     scan_from: int = 2000) -> list[str]:
        """Those of `names` not recorded as read from `folder`, in their order. A long list in ascending
        order (a folder's listing) is walked beside the folder's rows read in the same order, one range
        scan; a short one (or one out of order) is looked up `chunk` names at a time."""
        if len(names) >= scan_from and all(a <= b for a, b in pairwise(names)):
            cur = self.db.cursor()
            cur.row_factory = None
            rows = cur.execute("SELECT name FROM read_names WHERE account = ? AND folder = ? "
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
            " auto_reply_until, timezone, link) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                message.id, message.account, message.source_id, message.message_id, message.thread_id,
                message.direction, message.sender.email, message.sender.name,
                json.dumps([[a.email, a.name] for a in message.recipients]), message.subject,
                utc_iso(message.sent_at), message.body, message.in_reply_to, json.dumps(list(message.references)),
                message.provider_thread_id, int(message.is_auto_reply),
                utc_iso(message.auto_reply_until) if message.auto_reply_until else None, message.timezone,
                message.link,
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
            auto_reply_until=from_iso(row["auto_reply_until"]), timezone=row["timezone"], link=row["link"],
        )

    def record_organisation(self, company: str, name: str, seen_at: datetime) -> None:
        """Remember how a company's people write its name; a later message's name replaces an older one."""
        self.db.execute(
            "INSERT INTO organisations(company, name, seen_at) VALUES (?, ?, ?) ON CONFLICT(company) DO UPDATE"
            " SET name = excluded.name, seen_at = excluded.seen_at WHERE excluded.seen_at >= organisations.seen_at",
            (company, name, utc_iso(seen_at)))

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

    # -- tracker: next steps and their transitions (owner: assistant/tracker/) -------------------
    # The tracker decides; these methods only read. Every state change goes through
    # assistant.tracker.states.apply, which records it in step_transitions; the pass's own queries
    # live in assistant.tracker.repository.
    @staticmethod
    def _step(row: sqlite3.Row) -> NextStep:
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
    def _suggestion(row: sqlite3.Row) -> Suggestion:
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
    def _booking(row: sqlite3.Row) -> Booking:
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
