"""Shared pytest set-up: keep every test away from the real user dirs, and load the server fixtures
(Dovecot, Radicale, ...) that the project's own files start and stop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.store import Store, open_store

pytest_plugins: list[str] = [
    # server fixture modules are appended here, one line each
    "tests.servers.dovecot",
    "tests.servers.radicale",
    "tests.servers.postgres",
    "tests.servers.summary",  # the end of the run lists the tests skipped for a missing server
    "pytester",
]


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the config and data dirs at a temp folder so no test touches the rep's real files."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FOLLOW_THROUGH_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("FOLLOW_THROUGH_DATA_DIR", str(base / "data"))
    yield base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.server)])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store adapter in turn (PostgreSQL skips, saying how to install it, when it is absent)."""
    return str(request.param)


@pytest.fixture
def any_store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A fresh, empty store of `store_kind`: a new SQLite file, or an emptied rep schema on the session's
    PostgreSQL (tests/servers/postgres.py)."""
    if store_kind == "sqlite":
        store = open_store(tmp_path / "db.sqlite3")
    else:
        server = request.getfixturevalue("postgres")
        store = open_store(server.url, rep=request.getfixturevalue("pg_empty_rep"))
    try:
        yield store
    finally:
        store.close()
