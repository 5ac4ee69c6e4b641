"""A small pool of connections to the team's PostgreSQL for a long-running process (the team page), so that
requests reuse connections instead of opening one each (psycopg_pool's `ConnectionPool`, used as its authors
intend: opened once, borrowed with `connection()`, closed at shutdown).

- `TeamPool.store(rep)` lends one rep's store (the PostgreSQL adapter's own SQL and migrations) on a pooled
  connection; `TeamPool.connection()` lends a bare connection (the vault's token and link tables).
- Every connection the pool makes carries an `application_name` (it is how a DBA, and the tests, count
  the page's connections in `pg_stat_activity`); a connection handed back has its `search_path` reset, so a
  rep's schema never leaks into the next borrower; a broken one is checked and replaced before it is lent.
- A database that cannot be reached is one StoreError line after `timeout` seconds, never a traceback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from assistant.errors import StoreError
from assistant.store import safe_url
from assistant.store.postgres import (
    LOCK_WAIT_SECONDS,
    MIGRATIONS,
    PostgresStore,
    _Connection,
    _rows,
    schema_for,
)

if TYPE_CHECKING:
    import psycopg

PAGE_APPLICATION = "ft-team-page"


class PooledPostgresStore(PostgresStore):
    """One rep's schema on a connection lent by a TeamPool: the adapter's SQL, transactions and migrations,
    without a connection of its own (closing it gives nothing back: the pool's `store()` does)."""

    def __init__(self, conn: psycopg.Connection[Any], url: str, rep: str) -> None:  # noqa: PLW0231 - no connect
        from assistant.store.base import Store

        Store.__init__(self)
        self.url, self.rep, self.schema = url, rep, schema_for(rep)
        self.location = f"{safe_url(url)} (schema {self.schema})"
        self.db = _Connection(conn, safe_url(url))
        self.pg = conn
        self.db.execute(f'SET search_path TO "{self.schema}"')
        current = self.schema_version
        self._check_version(current)
        if current < len(MIGRATIONS):
            self.migrate()

    def close(self) -> None:
        """The connection is the pool's: it goes back when the `store()` block ends."""


class TeamPool:
    """A few connections to the team's database, opened on first use, shared by every request."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 4, timeout: float = 10.0,
                 application_name: str = PAGE_APPLICATION) -> None:
        from psycopg_pool import ConnectionPool

        self.url, self.timeout = url, timeout
        self._lock = threading.Lock()
        self._opened = False
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=min_size, max_size=max_size, timeout=timeout, open=False, name=application_name,
            kwargs={"autocommit": True, "row_factory": _rows, "application_name": application_name,
                    "connect_timeout": max(2, int(timeout))},
            configure=_configure, reset=_reset, check=ConnectionPool.check_connection)

    def _open(self) -> None:
        with self._lock:
            if not self._opened:
                self._pool.open(wait=False)  # a database down now is an error of the request, not of start-up
                self._opened = True

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection lent for the block (autocommit; rows read by index or name)."""
        import psycopg
        from psycopg_pool import PoolClosed, PoolTimeout

        self._open()
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout:
            raise StoreError(f"PostgreSQL at {safe_url(self.url)}: no connection within {self.timeout:g} s: check "
                             "that the server is running and reachable ([store] url)") from None
        except PoolClosed:
            raise StoreError("the team page is shutting down: try again in a moment") from None
        except psycopg.OperationalError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise StoreError(f"PostgreSQL at {safe_url(self.url)}: {first}: check that the server is running and "
                             "reachable") from None

    @contextmanager
    def store(self, rep: str) -> Iterator[PostgresStore]:
        """One rep's store on a pooled connection, for the block."""
        with self.connection() as conn:
            yield PooledPostgresStore(conn, self.url, rep)

    def check(self) -> None:
        """A StoreError line now when the database cannot be reached (before a page walks every rep)."""
        with self.connection() as conn:
            conn.execute("SELECT 1")

    def stats(self) -> dict[str, int]:
        """psycopg_pool's counters: `connections_num` is how many connections were ever opened."""
        return dict(self._pool.get_stats())

    def close(self) -> None:
        with self._lock:
            self._pool.close()
            self._opened = True  # a closed pool is not reopened by a late request: it answers PoolClosed


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.execute(f"SET lock_timeout = '{LOCK_WAIT_SECONDS}s'")


def _reset(conn: psycopg.Connection[Any]) -> None:
    conn.execute("RESET search_path")
