"""The SQLite adapter: one rep, one file, no server (the default).

WAL mode (the web page and `assistant review` read while the watcher writes), `PRAGMA user_version`
counts the migrations applied, `BEGIN IMMEDIATE` takes the file's write lock for a whole transaction."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from assistant.errors import StoreError
from assistant.paths import data_dir
from assistant.store.base import Store

# SQLite's migrations, numbered by `PRAGMA user_version`: each entry upgrades the schema by one version.
# Append, never edit a shipped entry. (PostgreSQL has its own list in assistant.store.postgres: a new
# version of the schema appends one entry to each; the contract suite checks both end with the same
# tables and columns.)
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
    # 7: how each account's last pass went (`assistant status`): the watcher writes it after every pass of
    # the account, `assistant login` when a sign-in succeeds (PostgreSQL's entry 2)
    """
    CREATE TABLE account_status (
        account TEXT PRIMARY KEY,
        state TEXT NOT NULL,               -- ok | signin | config | error | signed_in (see AccountStatus)
        error TEXT NOT NULL DEFAULT '',    -- the last error, one line
        updated_at TEXT NOT NULL,
        ok_at TEXT                         -- the last pass that went through
    );
    """,
]


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


class SqliteStore(Store):
    """A connection to one rep's SQLite file. Not thread-safe: one Store per thread."""

    kind: ClassVar[str] = "sqlite"

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.location = str(path)
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
        self.sqlite: _Connection = db
        self.db = db
        self.sqlite.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except BaseException:
            self.sqlite.close()
            raise
        if not memory:
            _private_file(self.path)

    # -- schema -------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.sqlite.execute("PRAGMA user_version").fetchone()[0])

    @property
    def latest_version(self) -> int:
        return len(MIGRATIONS)

    def migrate(self) -> None:
        current = self.schema_version
        self._check_version(current)
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self.transaction():
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        self.sqlite.execute(statement)
                self.sqlite.execute(f"PRAGMA user_version = {version}")

    def columns(self) -> dict[str, list[str]]:
        tables = [str(r[0]) for r in self.sqlite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: [str(r[1]) for r in self.sqlite.execute(f'PRAGMA table_info("{t}")')] for t in tables}

    def close(self) -> None:
        self.sqlite.close()

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
                self.sqlite.backup(copy)
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

    def _begin(self) -> None:
        self.sqlite.execute("BEGIN IMMEDIATE")  # the file's write lock, taken now rather than at the first write

    def _open(self) -> bool:
        return self.sqlite.in_transaction

    # -- queries --------------------------------------------------------------------------------
    def tuples(self, sql: str, args: Sequence[Any] = ()) -> Iterable[Sequence[Any]]:
        cur = self.sqlite.cursor()
        cur.row_factory = None  # plain tuples: a third faster than sqlite3.Row on bulk reads
        return cur.execute(sql, args)

    def create_temp_table(self, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.sqlite.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.sqlite.execute(f"CREATE TEMP TABLE {name}(seq INTEGER PRIMARY KEY, "
                            + ", ".join(c for c, _ in columns) + ")")  # untyped: values kept as given

    def json_pair_firsts(self, column: str, alias: str) -> tuple[str, str]:
        return f"json_each({column}) {alias}", f"json_extract({alias}.value, '$[0]')"

    def secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        marks = ",".join("?" * len(tables))
        return [(str(r[0]), str(r[1])) for r in self.sqlite.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tuple(tables))]
