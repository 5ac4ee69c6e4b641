"""`assistant team forget REP`: a rep who leaves takes their store (their schema) and their encrypted sign-ins
out of the team's PostgreSQL, after a confirmation; the other reps keep theirs. Against a real PostgreSQL
(tests/servers/postgres.py), through the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.postgres import own_database
from tests.team_world import make_team

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("cryptography")


@pytest.fixture
def team_db(postgres: Any) -> Iterator[str]:
    """A database of its own, dropped afterwards."""
    with own_database(postgres.url, "forget") as url:
        yield url


def forget(team: Path, rep: str, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", "team", "forget", rep, "--config", str(team), *more],
                          capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_forget_removes_a_reps_schema_and_sign_ins_after_a_confirmation(tmp_path: Path, team_db: str) -> None:
    from assistant.store.postgres import PostgresStore, rep_keys
    from assistant.teamconfig import load_team
    from assistant.vault import TeamTokenStore, load_key, stored_sign_ins
    from tests.test_store_contract import commitment, mail

    team, reps = make_team(tmp_path, 2, team_db)
    leaving, staying = reps[0].name, reps[1].name
    key = load_key(load_team(team).key_file, "")
    for rep in (leaving, staying):
        with PostgresStore(team_db, rep) as store, store.transaction():
            m = mail(f"hello-{rep}")
            store.add_messages([(m, [commitment(m, "I'll send the deck.")])])
        TeamTokenStore(team_db, key, rep).put("gmail", "work", {"refresh_token": f"secret-{rep}"})
    TeamTokenStore(team_db, key, leaving).put("imap", "home", {"password": "hunter2-leaving"})

    asked = forget(team, leaving)  # no --yes and nobody at a terminal: nothing removed
    assert asked.returncode == 2 and "add --yes" in asked.stderr and "Traceback" not in asked.stderr
    assert "1 messages, 1 promises" in asked.stdout and "sign-in gmail:work" in asked.stdout
    assert leaving in rep_keys(team_db) and len(stored_sign_ins(team_db, leaving)) == 2

    done = forget(team, leaving, "--yes")
    assert done.returncode == 0, done.stderr
    removed = [ln for ln in done.stdout.splitlines() if ln.startswith("removed")]
    assert removed == [f"removed schema rep_{leaving} (the rep's messages, promises, follow-ups and bookings)",
                       "removed sign-in gmail:work", "removed sign-in imap:home"]
    assert "secret-" not in done.stdout + done.stderr and "hunter2" not in done.stdout + done.stderr
    assert f"rep {leaving!r} is still in" in done.stderr  # the workers would store its mail again
    assert rep_keys(team_db) == [staying] and stored_sign_ins(team_db, leaving) == []
    assert stored_sign_ins(team_db, staying) == ["gmail:work"]
    with PostgresStore(team_db, staying) as store:
        assert store.count_messages() == 1 and store.count_commitments() == 1

    again = forget(team, leaving, "--yes")
    assert again.returncode == 0 and f"nothing stored for rep {leaving!r}" in again.stdout
    assert leaving not in rep_keys(team_db)  # looking made no schema

    bad = forget(team, "Robert'); DROP", "--yes")
    assert bad.returncode != 0 and "rep key" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert rep_keys(team_db) == [staying]
