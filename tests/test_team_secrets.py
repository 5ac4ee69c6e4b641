"""Secrets on a server: the reps' tokens encrypted at rest in the team's PostgreSQL (Fernet, key from a file or
an environment variable), never in logs; one-time, expiring sign-in links an admin sends to a rep."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import ConfigError, SignInLinkError
from assistant.teamconfig import load_team
from tests.team_world import make_team

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("cryptography")


def test_tokens_are_encrypted_at_rest_and_read_back(postgres: Any, caplog: pytest.LogCaptureFixture) -> None:
    from assistant.auth import TokenStore, token_store_for, using_tokens
    from assistant.config import AccountConfig
    from assistant.vault import TOKENS_TABLE, TeamTokenStore, new_key

    key = new_key()
    alice = TeamTokenStore(postgres.url, key, "alice_secrets")
    bob = TeamTokenStore(postgres.url, key, "bob_secrets")
    secret = "ya29.a0-very-secret-refresh-token"
    alice.put("gmail", "work", {"refresh_token": secret, "client_id": "x"})
    assert alice.get("gmail", "work") == {"refresh_token": secret, "client_id": "x"}
    assert bob.get("gmail", "work") is None  # one rep's tokens are not another's
    with psycopg.connect(postgres.url) as conn:
        raw = conn.execute(f"SELECT value FROM {TOKENS_TABLE} WHERE rep = 'alice_secrets'").fetchone()[0]
    assert secret.encode() not in bytes(raw) and b"refresh_token" not in bytes(raw)
    # the adapters get the rep's encrypted store while a worker runs that rep's job, their own file otherwise
    account = AccountConfig(name="work", kind="gmail")
    with using_tokens(alice):
        assert token_store_for(account) is alice
    assert type(token_store_for(account)) is TokenStore
    # never in logs: a token once read is masked in every log line
    with caplog.at_level(logging.INFO, logger="assistant"):
        logging.getLogger("assistant.test").info("refreshing with %s", secret)
    assert secret not in caplog.text
    # a key that is not the one the tokens were written with: one line, nothing lost
    with pytest.raises(ConfigError, match="cannot be decrypted with the team's key"):
        TeamTokenStore(postgres.url, new_key(), "alice_secrets").get("gmail", "work")
    assert alice.get("gmail", "work") is not None
    alice.delete("gmail", "work")
    assert alice.get("gmail", "work") is None


def test_key_from_file_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.vault import load_key, new_key, write_key

    path = tmp_path / "team.key"
    write_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(load_key(path, "")) == 44
    with pytest.raises(ConfigError, match="exists"):
        write_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_key(path, "")
    with pytest.raises(ConfigError, match="FT_TEST_KEY is not set"):
        load_key(None, "FT_TEST_KEY")
    monkeypatch.setenv("FT_TEST_KEY", "not a key")
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_key(None, "FT_TEST_KEY")
    monkeypatch.setenv("FT_TEST_KEY", new_key().decode())
    assert load_key(None, "FT_TEST_KEY")


def test_a_sign_in_link_works_once_and_expires(postgres: Any) -> None:
    from assistant.vault import make_link, new_key, read_link, redeem_link

    key = new_key()
    link = make_link(key, "https://ft.example.com/", "alice", "work", hours=2)
    assert link.startswith("https://ft.example.com/team/sign-in/")
    token = link.rsplit("/", 1)[1]
    assert b"alice" not in token.encode()  # encrypted: the link does not even say whose it is
    grant = redeem_link(postgres.url, key, token)
    assert (grant.rep, grant.account) == ("alice", "work")
    with pytest.raises(SignInLinkError, match="used already"):
        redeem_link(postgres.url, key, token)
    with pytest.raises(SignInLinkError, match="expired"):
        read_link(key, make_link(key, "https://x", "alice", "work", hours=1).rsplit("/", 1)[1],
                  now=time.time() + 3601)
    with pytest.raises(SignInLinkError, match="not valid"):
        read_link(new_key(), make_link(key, "https://x", "alice", "work").rsplit("/", 1)[1])
    with pytest.raises(SignInLinkError, match="not valid"):
        read_link(key, token[:-4] + "AAAA")


def test_login_link_command(tmp_path: Path) -> None:
    team, _ = make_team(tmp_path, 2, "postgresql://ft@127.0.0.1:1/none")
    env = {**os.environ}
    proc = subprocess.run([sys.executable, "-m", "assistant", "team", "login-link", "rep001", "--config", str(team),
                           "--base-url", "https://ft.example.com"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    link = proc.stdout.strip().splitlines()[-1]
    from assistant.vault import load_key, read_link

    loaded = load_key(load_team(team).key_file, "")
    grant = read_link(loaded, link.rsplit("/", 1)[1])
    assert (grant.rep, grant.account) == ("rep001", "work")
    proc = subprocess.run([sys.executable, "-m", "assistant", "team", "login-link", "nobody", "--config", str(team),
                           "--base-url", "https://ft.example.com"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2 and "no rep named 'nobody'" in proc.stderr and "Traceback" not in proc.stderr
