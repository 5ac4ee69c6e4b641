"""A real PostgreSQL for the tests, initialised in a temp dir and started on 127.0.0.1 on a free port.

One server per test session (initdb + start take a few seconds); each test gets its own rep key, so its
own schema (that is how the adapter keeps reps apart), dropped afterwards. The unix socket lives in the
temp dir. PostgreSQL refuses to run as root, so when the tests run as root (CI) the server runs as
`nobody` and the temp dir is chowned to it. Durability is switched off (fsync, full-page writes): the
tests kill nothing but their own processes, and the data dies with the temp dir.

Register with `pytest_plugins = ["tests.servers.postgres"]` (tests/conftest.py does)."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import missing

INSTALL_HINT = missing("postgresql")


def _bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: Debian's versioned dir (newest first), else PATH."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.access(Path(candidate) / "initdb", os.X_OK) and os.access(Path(candidate) / "pg_ctl", os.X_OK):
            return Path(candidate)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).parent
    return None


BIN = _bin_dir()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Postgres:
    """A running server: its URL (superuser `ft`, trust auth on 127.0.0.1) and where its files are."""

    host: str
    port: int
    user: str
    database: str
    tmp: Path
    run_as: dict[str, Any]
    _reps: itertools.count  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def new_rep(self, prefix: str = "t") -> str:
        """A fresh rep key (so a fresh schema) for one test."""
        return f"{prefix}{os.getpid()}_{next(self._reps)}"

    def drop_rep(self, rep: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "rep_{rep}" CASCADE')

    def empty_rep(self, rep: str) -> None:
        """Delete every row of a rep's tables (keeping the schema: much cheaper than creating it again)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
                " AND table_name <> 'schema_version'", (f"rep_{rep}",))]
            with conn.transaction():  # DELETE, not TRUNCATE: no new files for a handful of rows
                conn.execute("SET LOCAL session_replication_role = replica")  # (foreign keys: any order)
                for t in tables:
                    conn.execute(f"DELETE FROM rep_{rep}.{t}")

    def log(self) -> str:
        try:
            return (self.tmp / "postgres.log").read_text(errors="replace")
        except OSError:
            return ""


def _run(cmd: list[str], run_as: dict[str, Any]) -> None:
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, check=False,
                          **run_as)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({done.returncode}): {done.stdout.decode(errors='replace')}")


def start_postgres() -> Postgres:
    """initdb into a temp dir and start the server; the caller stops it with `stop_postgres`."""
    assert BIN is not None
    tmp = Path(tempfile.mkdtemp(prefix="ft-postgres-", dir="/tmp"))
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam("nobody")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [], "cwd": str(tmp),
                  "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LC_ALL": "C"}}
    else:
        run_as = {"cwd": str(tmp), "env": {**os.environ, "LC_ALL": "C"}}
    data = tmp / "data"
    _run([str(BIN / "initdb"), "-D", str(data), "-U", "ft", "-A", "trust", "-E", "UTF8", "--locale=C",
          "--no-sync"], run_as)
    port = _free_port()
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{tmp}'\n"
                   "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\nmax_connections = 200\n")
    try:
        _run([str(BIN / "pg_ctl"), "-D", str(data), "-l", str(tmp / "postgres.log"), "-w", "-t", "60", "start"],
             run_as)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Postgres("127.0.0.1", port, "ft", "postgres", tmp, run_as, itertools.count(1))


def stop_postgres(server: Postgres) -> None:
    try:
        _run([str(BIN / "pg_ctl"), "-D", str(server.tmp / "data"), "-m", "immediate", "-w", "stop"], server.run_as)
    except (RuntimeError, subprocess.TimeoutExpired):
        pid_file = server.tmp / "data" / "postmaster.pid"
        if pid_file.exists():
            import signal

            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            time.sleep(0.5)
    shutil.rmtree(server.tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """The session's PostgreSQL; skipped (with the reason) only when its binaries are not installed."""
    if BIN is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture(scope="session")
def _pg_reused_rep(postgres: Postgres) -> str:
    from assistant.store import open_store

    rep = postgres.new_rep("reused")
    open_store(postgres.url, rep=rep).close()  # created and migrated once per session
    return rep


@pytest.fixture
def pg_empty_rep(postgres: Postgres, _pg_reused_rep: str) -> Iterator[str]:
    """A migrated rep schema with no rows (one schema reused by the session's tests, emptied around each):
    for tests that only need an empty store, such as the tracker's run on PostgreSQL."""
    postgres.empty_rep(_pg_reused_rep)
    yield _pg_reused_rep
    postgres.empty_rep(_pg_reused_rep)


@pytest.fixture
def pg_rep(postgres: Postgres) -> Iterator[str]:
    """A fresh rep key on the session's PostgreSQL (its schema is created on first open, dropped after)."""
    rep = postgres.new_rep()
    yield rep
    postgres.drop_rep(rep)


@contextlib.contextmanager
def own_database(server_url: str, prefix: str) -> Iterator[str]:
    """A database of its own on the test server (a team's store, vault and queue), dropped afterwards
    even while workers still hold connections to it."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{random.randrange(10**6)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
