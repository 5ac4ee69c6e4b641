"""Shared pytest set-up: keep every test away from the real user dirs, and load the server fixtures
(Dovecot, Radicale, ...) that the project's own files start and stop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins: list[str] = [
    # server fixture modules are appended here, one line each
    "tests.servers.dovecot",
    "tests.servers.radicale",
]


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the config and data dirs at a temp folder so no test touches the rep's real files."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FOLLOW_THROUGH_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("FOLLOW_THROUGH_DATA_DIR", str(base / "data"))
    yield base
