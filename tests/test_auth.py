"""Token storage (0600 file, atomic writes, keyring opt-in fallback), log redaction, and the AuthError
messages that name the sign-in command."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import threading
from pathlib import Path

import pytest

from assistant import auth
from assistant.config import AccountConfig, config_dir
from assistant.errors import AuthError, ConfigError


def test_tokens_live_in_a_0600_file_in_the_config_dir() -> None:
    store = auth.TokenStore()
    store.put("gmail", "work", {"token": "ya29.secret-access", "refresh_token": "1//secret-refresh"})
    assert store.path == config_dir() / "tokens.json"
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert auth.TokenStore().get("gmail", "work") == {"token": "ya29.secret-access",
                                                      "refresh_token": "1//secret-refresh"}
    assert auth.TokenStore().get("gmail", "other") is None
    store.put("imap", "home", {"password": "hunter22"})
    store.delete("gmail", "work")
    assert json.loads(store.path.read_text()) == {"imap:home": {"password": "hunter22"}}


def test_a_too_open_token_file_is_tightened_on_read() -> None:
    store = auth.TokenStore()
    store.put("imap", "a", {"password": "pw-1234"})
    os.chmod(store.path, 0o644)
    assert store.get("imap", "a") == {"password": "pw-1234"}
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_writes_are_atomic_a_failed_write_leaves_the_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    store = auth.TokenStore()
    store.put("imap", "a", {"password": "first-pw"})
    before = store.path.read_bytes()

    def broken_dump(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(auth.json, "dump", broken_dump)
    with pytest.raises(OSError):
        store.put("imap", "a", {"password": "second-pw"})
    assert store.path.read_bytes() == before
    assert [p.name for p in store.path.parent.iterdir() if p.name.startswith(".tokens-")] == []


def test_concurrent_writers_lose_no_update() -> None:
    def writer(i: int) -> None:
        auth.TokenStore().put("imap", f"acct{i}", {"password": f"pw-{i:04d}"})

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = json.loads(auth.TokenStore().path.read_text())
    assert sorted(data) == sorted(f"imap:acct{i}" for i in range(12))


def test_a_corrupt_token_file_says_what_to_do() -> None:
    store = auth.TokenStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("{not json")
    with pytest.raises(ConfigError, match="sign in again"):
        store.get("gmail", "x")


def test_keyring_is_opt_in_and_falls_back_to_the_file_without_a_backend(caplog: pytest.LogCaptureFixture) -> None:
    assert auth.token_store_for(AccountConfig("a", "imap")).use_keyring is False
    with caplog.at_level(logging.WARNING):
        store = auth.token_store_for(AccountConfig("a", "imap", options={"keyring": True}))
    try:
        import keyring
        from keyring.backends import fail

        has_backend = not isinstance(keyring.get_keyring(), fail.Keyring)
    except ImportError:
        has_backend = False
    assert store.use_keyring is has_backend
    if not has_backend:
        assert "0600 token file" in caplog.text
        store.put("imap", "a", {"password": "pw-file"})
        assert store.path.exists()


def test_redact_masks_registered_secrets_and_token_shapes() -> None:
    auth.register_secret("s3cr3t-pass")
    text = ('login with s3cr3t-pass; Authorization: Bearer eyJ0eXAi.abc-def_ghi; {"access_token": "ya29.AAA", '
            '"refresh_token": "1//BBB", "expires_in": 3599} POST grant_type=refresh_token&refresh_token=1//CCC&x=1 '
            '> a001 AUTHENTICATE XOAUTH2 dXNlcj1yZXBAZXhhbXBsZS5jb20BYXV0aD1CZWFyZXIgeHh4AQE= '
            '> a002 LOGIN rep@example.com "hunter2"')
    out = auth.redact(text)
    for secret in ("s3cr3t-pass", "eyJ0eXAi", "ya29.AAA", "1//BBB", "1//CCC", "dXNlcj1y", "hunter2"):
        assert secret not in out, secret
    assert '"expires_in": 3599' in out and "grant_type=refresh_token" in out and "x=1" in out
    assert "rep@example.com" in out  # the user name stays: it helps to debug and is not a secret


def test_the_log_filter_keeps_tokens_out_of_every_handler() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        auth.install_log_redaction()
        store = auth.TokenStore()
        store.put("outlook", "o", {"access_token": "eyJ-very-secret-token"})
        store.get("outlook", "o")  # reading a token registers it
        logging.getLogger("assistant.sources.outlook").info("got %s", "eyJ-very-secret-token")
        logging.getLogger("urllib3.connectionpool").debug("header: Authorization: Bearer abc.def.ghi")
        logging.getLogger("imapclient.imaplib").debug("> b'a1 LOGIN rep \"pw-in-clear\"'")
        try:
            raise ValueError("refresh failed for refresh_token=1//zzz")
        except ValueError:
            logging.getLogger("assistant").exception("oops")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    out = buffer.getvalue()
    assert "eyJ-very-secret-token" not in out and "abc.def.ghi" not in out and "pw-in-clear" not in out
    assert "1//zzz" not in out
    assert out.count("[redacted]") >= 4


def test_auth_error_names_the_login_command() -> None:
    err = AuthError("work", "gmail", "invalid_grant")
    assert "assistant login gmail --account work" in str(err)


def test_imap_password_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    store = auth.TokenStore()
    account = AccountConfig("h", "imap", options={"password_env": "FT_TEST_PW"})
    monkeypatch.setenv("FT_TEST_PW", "from-env-pw")
    assert auth.imap_password(account, store) == "from-env-pw"
    monkeypatch.delenv("FT_TEST_PW")
    with pytest.raises(AuthError, match="FT_TEST_PW"):
        auth.imap_password(account, store)
    plain = AccountConfig("h", "imap")
    with pytest.raises(AuthError, match=r"no password stored.*assistant login imap --account h"):
        auth.imap_password(plain, store)
    auth.save_imap_password("h", store, "stored-pw")
    assert auth.imap_password(plain, store) == "stored-pw"


def test_google_credentials_keep_the_token_uri_and_report_missing_sign_in() -> None:
    store = auth.TokenStore()
    with pytest.raises(AuthError, match="not signed in"):
        auth.google_credentials("g", store)
    store.put("gmail", "g", {"token": "t-123", "refresh_token": "r-123", "client_id": "c", "client_secret": "s",
                             "token_uri": "http://127.0.0.1:9/token", "expiry": "2099-01-01T00:00:00Z"})
    creds = auth.google_credentials("g", store)
    assert creds.token_uri == "http://127.0.0.1:9/token" and creds.valid
    store.put("gmail", "g", {"token": "t-123"})
    with pytest.raises(AuthError, match="lacks"):
        auth.google_credentials("g", store)


def test_microsoft_needs_a_client_id() -> None:
    with pytest.raises(ConfigError, match="client_id"):
        auth.microsoft_app(AccountConfig("o", "outlook"), auth.TokenStore())


def test_gmail_login_needs_client_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="client_secrets"):
        auth.google_login(AccountConfig("g", "gmail"), auth.TokenStore())
    with pytest.raises(ConfigError, match="does not exist"):
        auth.google_login(AccountConfig("g", "gmail", options={"client_secrets": str(tmp_path / "nope.json")}),
                          auth.TokenStore())


def test_records_are_redacted_even_on_handlers_set_up_after_import() -> None:
    """`assistant watch` replaces the root handlers; the record factory still masks secrets."""
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = [logging.StreamHandler(buffer)]  # a fresh handler without the filter
    try:
        auth.register_secret("pw-registered-later")
        logging.getLogger("assistant.sources.imap").warning("login with %s failed", "pw-registered-later")
        logging.getLogger("requests").warning('{"refresh_token": "1//abc"}')
    finally:
        root.handlers[:] = saved
    out = buffer.getvalue()
    assert "pw-registered-later" not in out and "1//abc" not in out and out.count("[redacted]") == 2


def test_redaction_keeps_the_login_hint_readable() -> None:
    """The hint that names the sign-in command is not a secret: only the protocol's LOGIN argument is."""
    from assistant.auth import redact

    hint = "run `assistant login gmail --account work`"
    assert redact(hint) == hint
    assert "pw" not in redact('> b\'A0012 LOGIN rep "pw-secret"\'')
