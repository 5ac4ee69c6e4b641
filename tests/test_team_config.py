"""team.toml: one typed schema (unknown keys with a did-you-mean, one-line errors), and `assistant team check`,
which checks every rep's own config.toml and accounts and prints one line per problem (exit 2 if any)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.teamconfig import load_team
from tests.team_world import make_team

URL = "postgresql://followthrough@127.0.0.1:5999/sales"


def team_cmd(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", "team", *args], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, **(env or {})})


def test_a_good_team_checks_clean(tmp_path: Path) -> None:
    team, reps = make_team(tmp_path, 3, URL)
    loaded = load_team(team)
    assert [r.name for r in loaded.reps] == [r.name for r in reps]
    assert loaded.managed_by("Dana@northwind.example") == tuple(r.name for r in reps)
    assert loaded.managed_by("rep000@northwind.example") == ()
    proc = team_cmd("check", "--config", str(team))
    assert proc.returncode == 0, proc.stderr
    assert "3 reps" in proc.stdout


@pytest.mark.parametrize(("extra", "words"), [
    ("[storee]\nurl = 'x'\n", ["storee", "did you mean 'store'"]),
    ("[worker]\nsync_secs = 5\n", ["sync_secs", "did you mean 'sync_seconds'"]),
    ("[worker]\nsync_seconds = 1\n", ["worker.sync_seconds", "from 10"]),
    ("[worker]\npoll_seconds = 0\n", ["worker.poll_seconds", "from 0.2"]),
    ("[[reps]]\nname = 'rep000'\nconfig = 'x.toml'\n", ["two reps are named 'rep000'"]),
    ("[[reps]]\nname = 'Bad Name'\nconfig = 'x.toml'\n", ["name = \"Bad Name\"", "lower-case"]),
    ("[[managers]]\nemail = 'x@y'\nreps = ['nobody']\n", ["'nobody'", "no [[reps]] name"]),
])
def test_bad_team_file_is_one_line(tmp_path: Path, extra: str, words: list[str]) -> None:
    team, _ = make_team(tmp_path, 1, URL, extra=extra)
    with pytest.raises(ConfigError) as e:
        load_team(team)
    for word in words:
        assert word in str(e.value)
    proc = team_cmd("check", "--config", str(team))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_proxy_must_be_an_address(tmp_path: Path) -> None:
    team, _ = make_team(tmp_path, 1, URL, proxies="['not an address']")
    with pytest.raises(ConfigError, match=r"web.proxies: 'not an address' is not an IP address"):
        load_team(team)


def test_store_must_be_postgres(tmp_path: Path) -> None:
    team, _ = make_team(tmp_path, 1, "sqlite:///tmp/x.sqlite3")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_team(team)


def test_check_lists_every_problem_of_every_rep(tmp_path: Path) -> None:
    team, reps = make_team(tmp_path, 4, URL)
    # rep 0: a typo in its own config; rep 1: its Maildir is gone; rep 2: reads rep 3's mailbox; rep 3 is fine
    cfg0 = reps[0].config.read_text(encoding="utf-8").replace("[tracker]", "").replace("[report]", "[reportt]")
    reps[0].config.write_text(cfg0, encoding="utf-8")
    (reps[1].mail / "INBOX").rename(reps[1].home / "moved")
    import shutil

    shutil.rmtree(reps[1].mail)
    cfg2 = reps[2].config.read_text(encoding="utf-8").replace('mail = ["mail"]', f'mail = ["{reps[3].mail}"]')
    reps[2].config.write_text(cfg2, encoding="utf-8")
    proc = team_cmd("check", "--config", str(team))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert len(lines) == 3, proc.stderr
    assert "rep 'rep000'" in lines[0] and "reportt" in lines[0] and "did you mean 'report'" in lines[0]
    assert "rep 'rep001'" in lines[1] and "does not exist" in lines[1]
    assert "rep 'rep003'" in lines[2] and "same mailbox as rep 'rep002'" in lines[2]


def test_check_names_a_missing_or_open_key(tmp_path: Path) -> None:
    team, _ = make_team(tmp_path, 1, URL)
    (tmp_path / "team.key").chmod(0o644)
    proc = team_cmd("check", "--config", str(team))
    assert proc.returncode == 2 and "chmod 600" in proc.stderr
    (tmp_path / "team.key").unlink()
    proc = team_cmd("check", "--config", str(team))
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "new-key" in proc.stderr
