"""The PostgreSQL adapter (psycopg 3): a team's reps in one database, one schema per rep.

Each rep's tables live in their own schema (`rep_<key>`, found by `search_path`), so the SQL of the port
runs unchanged, one rep can never read another's rows by a forgotten predicate, and the ids derived from
content (the same mail seen by two reps) need no rep column in every key. Writers of one rep go one at a
time (a transaction-scoped advisory lock on the rep, taken at BEGIN like SQLite's `BEGIN IMMEDIATE`);
different reps never wait for each other. Times stay UTC ISO text and text compares bytewise
(`COLLATE "C"`), so every ordering is the one SQLite and Python give.

The shared SQL is written with `?` placeholders (sqlite3's style); `_pg_sql` turns them into psycopg's
`%s` (and doubles a literal `%`) once per statement text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from assistant.errors import StoreError
from assistant.models import Commitment, Message
from assistant.store.base import AddedMessages, Store, safe_url

if TYPE_CHECKING:
    import psycopg

_T = 'TEXT COLLATE "C"'

# PostgreSQL's migrations, numbered in each rep schema's `schema_version` table. Append, never edit a
# shipped entry. Entry 1 is the schema SQLite reaches at its version 6 (its first six entries are the
# history of single-rep files, with SQLite-only statements that a new PostgreSQL schema never needs);
# from here on a new version of the schema appends one entry here and one to SQLite's list, and the
# contract suite checks that both end with the same tables and columns.
MIGRATIONS: list[str] = [
    # 1: the schema of SQLite's version 6, in PostgreSQL's types (booleans, bytea, identity columns);
    # `rowid` is the insertion order the tracker's mark reads (SQLite's implicit rowid)
    f"""
    CREATE TABLE sync_state (
        account {_T} PRIMARY KEY,
        cursor {_T} NOT NULL,
        updated_at {_T} NOT NULL
    );
    CREATE TABLE messages (
        rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id {_T} PRIMARY KEY,
        account {_T} NOT NULL,
        source_id {_T} NOT NULL,
        message_id {_T} NOT NULL,
        thread_id {_T} NOT NULL,
        direction {_T} NOT NULL CHECK (direction IN ('sent', 'received', 'note')),
        sender_email {_T} NOT NULL,
        sender_name {_T} NOT NULL,
        recipients {_T} NOT NULL,
        subject {_T} NOT NULL,
        sent_at {_T} NOT NULL,
        body {_T} NOT NULL,
        in_reply_to {_T} NOT NULL DEFAULT '',
        refs {_T} NOT NULL DEFAULT '[]',
        provider_thread_id {_T} NOT NULL DEFAULT '',
        is_auto_reply BOOLEAN NOT NULL DEFAULT FALSE,
        auto_reply_until {_T},
        timezone {_T} NOT NULL DEFAULT '',
        link {_T} NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX messages_source ON messages(account, source_id);
    CREATE INDEX messages_thread ON messages(thread_id, sent_at);
    CREATE INDEX messages_msgid ON messages(message_id);
    CREATE INDEX messages_sent_at ON messages(sent_at);
    CREATE INDEX messages_provider_thread ON messages(provider_thread_id, account);
    CREATE INDEX messages_sender ON messages(sender_email, sent_at);
    CREATE TABLE message_refs (
        ref {_T} NOT NULL,
        id {_T} NOT NULL,
        PRIMARY KEY (ref, id)
    );
    CREATE TABLE failed_messages (
        account {_T} NOT NULL,
        source_id {_T} NOT NULL,
        error {_T} NOT NULL,
        raw BYTEA,
        attempts INTEGER NOT NULL DEFAULT 1,
        last_at {_T} NOT NULL,
        PRIMARY KEY (account, source_id)
    );
    CREATE TABLE commitments (
        rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id {_T} PRIMARY KEY,
        message_id {_T} NOT NULL REFERENCES messages(id),
        who {_T} NOT NULL CHECK (who IN ('me', 'them')),
        action {_T} NOT NULL,
        due {_T},
        due_has_time BOOLEAN NOT NULL,
        conditional BOOLEAN NOT NULL,
        vague BOOLEAN NOT NULL,
        text {_T} NOT NULL
    );
    CREATE INDEX commitments_message ON commitments(message_id);
    CREATE TABLE steps (
        commitment_id {_T} PRIMARY KEY REFERENCES commitments(id),
        owner {_T} NOT NULL,
        action {_T} NOT NULL,
        counterpart_email {_T} NOT NULL,
        counterpart_name {_T} NOT NULL,
        company {_T} NOT NULL,
        thread_id {_T} NOT NULL,
        target {_T} NOT NULL,
        target_is_default BOOLEAN NOT NULL,
        state {_T} NOT NULL,
        updated_at {_T} NOT NULL
    );
    CREATE INDEX steps_company ON steps(company);
    CREATE INDEX steps_thread ON steps(thread_id);
    CREATE INDEX steps_state_target ON steps(state, target);
    CREATE INDEX steps_counterpart ON steps(counterpart_email);
    CREATE TABLE step_transitions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        commitment_id {_T} NOT NULL,
        from_state {_T},
        to_state {_T} NOT NULL,
        at {_T} NOT NULL,
        note {_T} NOT NULL DEFAULT ''
    );
    CREATE INDEX step_transitions_commitment ON step_transitions(commitment_id);
    CREATE TABLE suggestions (
        id {_T} PRIMARY KEY,
        commitment_id {_T} NOT NULL UNIQUE,
        title {_T} NOT NULL,
        body {_T} NOT NULL,
        start {_T} NOT NULL,
        "end" {_T} NOT NULL,
        reason {_T} NOT NULL,
        link {_T} NOT NULL DEFAULT '',
        snoozed_until {_T},
        created_at {_T} NOT NULL,
        updated_at {_T} NOT NULL
    );
    CREATE TABLE bookings (
        suggestion_id {_T} PRIMARY KEY REFERENCES suggestions(id),
        calendar {_T} NOT NULL,
        remote_id {_T} NOT NULL,
        etag {_T} NOT NULL DEFAULT '',
        state {_T} NOT NULL,
        booked_at {_T} NOT NULL,
        updated_at {_T} NOT NULL,
        status {_T} NOT NULL DEFAULT 'CONFIRMED'
    );
    CREATE TABLE reports (
        week {_T} PRIMARY KEY,
        path {_T} NOT NULL,
        written_at {_T} NOT NULL
    );
    CREATE TABLE read_names (
        account {_T} NOT NULL,
        folder {_T} NOT NULL,
        name {_T} NOT NULL,
        PRIMARY KEY (account, folder, name)
    );
    CREATE TABLE organisations (
        company {_T} PRIMARY KEY,
        name {_T} NOT NULL,
        seen_at {_T} NOT NULL
    );
    """,
    # 2: how each account's last pass went (`assistant status`; SQLite's entry 7)
    f"""
    CREATE TABLE account_status (
        account {_T} PRIMARY KEY,
        state {_T} NOT NULL,
        error {_T} NOT NULL DEFAULT '',
        updated_at {_T} NOT NULL,
        ok_at {_T}
    );
    """,
]

# The first key of every advisory lock this adapter takes ("FT" + 1); the second is the rep schema's hash.
# (A job queue in the same database uses its own keys.)
LOCK_CLASS = 0x46540001
LOCK_WAIT_SECONDS = 120  # how long a writer waits for the rep's lock (SQLite's busy timeout is 30 s)
ANALYZE_AFTER = 1000  # messages a session stores before it refreshes the planner's statistics (at the least)
_TYPES = {"TEXT": _T, "BOOLEAN": "BOOLEAN", "BIGINT": "BIGINT"}
REP_KEY = re.compile(r"[a-z0-9_]{1,40}")


def schema_for(rep: str) -> str:
    """The schema that holds one rep's tables."""
    if not REP_KEY.fullmatch(rep):
        raise StoreError(f"rep key {rep!r}: use 1-40 lowercase letters, digits or _ (it names the rep's "
                         "schema in PostgreSQL)")
    return f"rep_{rep}"


@lru_cache(maxsize=2048)
def _pg_sql(sql: str) -> str:
    """`?` placeholders (outside string literals) as `%s`; a literal `%` doubled."""
    out: list[str] = []
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


class _Row:
    """A result row by position or by column name (sqlite3.Row's two ways)."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Sequence[Any], names: dict[str, int]) -> None:
        self._values = values
        self._names = names

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._names[key]] if isinstance(key, str) else self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Any:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._names)


def _rows(cursor: Any) -> Any:
    """psycopg's row factory: a `_Row` maker for the cursor's columns."""
    names = {d.name: i for i, d in enumerate(cursor.description or ())}
    return lambda values: _Row(values, names)


class _Connection:
    """psycopg behind sqlite3's connection API: `?` placeholders, `execute` returning a cursor. A lost
    connection becomes a StoreError that says what to do."""

    def __init__(self, conn: psycopg.Connection[Any], where: str) -> None:
        self.conn = conn
        self.where = where

    def _fail(self, e: Exception) -> StoreError:
        if getattr(e, "sqlstate", None) == "55P03":  # lock_not_available: the rep's writer lock, still held
            return StoreError(f"PostgreSQL at {self.where}: another process has been writing this rep's store for "
                              f"{LOCK_WAIT_SECONDS} s: let it finish (or stop it) and try again")
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return StoreError(f"PostgreSQL at {self.where}: {first}: check that the server is running and reachable")

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        import psycopg

        cur = self.conn.cursor()
        try:
            cur.execute(_pg_sql(sql), tuple(parameters))
        except psycopg.OperationalError as e:
            raise self._fail(e) from None
        return cur

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        import psycopg

        cur = self.conn.cursor()
        try:
            cur.executemany(_pg_sql(sql), [tuple(p) for p in parameters])
        except psycopg.OperationalError as e:
            raise self._fail(e) from None
        return cur


class PostgresStore(Store):
    """One rep's schema in a PostgreSQL database. Not thread-safe: one Store per thread."""

    kind: ClassVar[str] = "postgresql"

    def __init__(self, url: str, rep: str = "default") -> None:
        super().__init__()
        try:
            import psycopg
        except ImportError:
            raise StoreError("a postgresql:// store needs psycopg: pip install 'follow-through[postgres]'") from None
        self.url = url
        self.rep = rep
        self.schema = schema_for(rep)
        self.location = f"{safe_url(url)} (schema {self.schema})"
        try:
            conn = psycopg.connect(url, autocommit=True, row_factory=_rows, connect_timeout=10)
        except psycopg.Error as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise StoreError(f"cannot connect to PostgreSQL at {safe_url(url)}: {first}: check [store] url "
                             "and that the server is running") from None
        self.db = _Connection(conn, safe_url(url))
        self.pg = conn
        self._planned_rows: float | None = None  # messages the planner's statistics knew at the last look
        self._grown = 0  # messages this session stored since then
        try:
            self.db.execute(f"SET lock_timeout = '{LOCK_WAIT_SECONDS}s'")
            self.db.execute(f'SET search_path TO "{self.schema}"')
            current = self.schema_version  # a read, no lock: opening an up-to-date rep never waits for a writer
            self._check_version(current)
            if current < len(MIGRATIONS):
                self.migrate()
        except BaseException:
            conn.close()
            raise

    # -- schema -------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        if self.db.execute("SELECT to_regclass(?)", (f'"{self.schema}".schema_version',)).fetchone()[0] is None:
            return 0  # a new rep: not even its schema yet
        return int(self.db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])

    @property
    def latest_version(self) -> int:
        return len(MIGRATIONS)

    def migrate(self) -> None:
        self._check_version(self.schema_version)
        while True:
            with self.transaction():  # the rep's lock: two workers starting at once migrate once
                self.db.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                self.db.execute(f'CREATE TABLE IF NOT EXISTS "{self.schema}".schema_version (version INTEGER PRIMARY KEY,'
                                f" applied_at {_T} NOT NULL DEFAULT now()::text)")
                current = self.schema_version
                self._check_version(current)
                if current >= len(MIGRATIONS):
                    return
                for statement in MIGRATIONS[current].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute("INSERT INTO schema_version(version) VALUES (?)", (current + 1,))

    def columns(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self.db.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?"
                " AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position", (self.schema,)):
            out.setdefault(str(r[0]), []).append(str(r[1]))
        return out

    def close(self) -> None:
        self.pg.close()

    def _begin(self) -> None:
        self.db.execute("BEGIN ISOLATION LEVEL READ COMMITTED")  # each statement sees what committed before it
        try:
            self.db.execute(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, hashtext(?))", (self.schema,))
        except BaseException:
            self._rollback()
            raise

    def _open(self) -> bool:
        from psycopg import pq

        status = self.pg.info.transaction_status
        return not self.pg.closed and status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    # -- the sync's writes ------------------------------------------------------------------------
    def add_messages(self, items: Sequence[tuple[Message, Sequence[Commitment]]]) -> AddedMessages:
        """The port's batch write, then fresh planner statistics once this session has stored as many
        messages as they knew of (and at least ANALYZE_AFTER): a first sync fills a rep's tables faster
        than autovacuum's analyze follows (it looks once a minute), and a planner that believes `messages`
        nearly empty reads every row of the account for each batch's "which of these are stored" (0.8 s
        a batch at 20,000 messages instead of 10 ms). Doubling keeps the analyzes to a handful per sync."""
        added = super().add_messages(items)
        if self._planned_rows is None:
            self._planned_rows = self._known_rows()
        self._grown += len(added.stored)
        if self._grown >= max(ANALYZE_AFTER, self._planned_rows):
            self.db.execute("ANALYZE messages, message_refs, commitments")
            self._planned_rows, self._grown = self._known_rows(), 0
        return added

    def _known_rows(self) -> float:
        """The rows of `messages` the planner's statistics count (0 before the first analyze)."""
        row = self.db.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)",
                              (f'"{self.schema}".messages',)).fetchone()
        return max(0.0, float(row[0])) if row else 0.0

    # -- dialect fragments ----------------------------------------------------------------------
    def create_temp_table(self, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.db.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        self.db.execute(f"CREATE TEMP TABLE {name}(seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                        + ", ".join(f"{c} {_TYPES[t]}" for c, t in columns) + ")")

    def json_pair_firsts(self, column: str, alias: str) -> tuple[str, str]:
        return f"jsonb_array_elements({column}::jsonb) AS {alias}(value)", f"{alias}.value->>0"

    def secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        marks = ",".join("?" * len(tables))
        return [(str(r[0]), str(r[1])) for r in self.db.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
            f" WHERE n.nspname = ? AND NOT x.indisunique AND t.relname IN ({marks}) ORDER BY i.relname",
            (self.schema, *tables))]

    def drop_rep(self) -> None:
        """Remove this rep's schema and everything in it (a rep who leaves; the tests)."""
        self.db.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def rep_keys(url: str) -> list[str]:
    """The keys of the reps with a schema in this database (a team's workers and the manager's report walk
    them; each rep's store is then `PostgresStore(url, rep)`)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rep\\_%' ORDER BY nspname")
            return [str(r[0])[len("rep_"):] for r in rows if REP_KEY.fullmatch(str(r[0])[len("rep_"):])]
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreError(f"cannot connect to PostgreSQL at {safe_url(url)}: {first}: check [store] url "
                         "and that the server is running") from None
