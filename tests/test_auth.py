"""Token storage (0600 file, atomic writes, keyring opt-in fallback), log redaction, and the AuthError
messages that name the sign-in command."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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


# -- token endpoints that fail for now, device sign-in, and a sign-in fixed while the watcher runs -----
@pytest.fixture
def one_google_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth retries a retryable token answer itself, sleeping for real (1 s, 2 s): one attempt here,
    so what the tests see is our own backoff (with its sleeps recorded, never slept)."""
    from google.oauth2 import _client

    monkeypatch.setattr(_client._exponential_backoff, "ExponentialBackoff", lambda *a, **k: iter(range(1)))


class MsalClock:
    """msal replays a token endpoint failure from its own cache for a while (60 s unless the server says
    otherwise): the tests' recorded sleeps move msal's clock on, as real sleeps would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import time as real_time

        import msal.individual_cache

        self.offset = 0.0
        self.sleeps: list[float] = []
        clock = self

        class _Time:
            @staticmethod
            def time() -> float:
                return real_time.time() + clock.offset

        monkeypatch.setattr(msal.individual_cache, "time", _Time)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


@pytest.fixture
def gmail_fake() -> Iterator[Any]:
    from tests.fakes.gmail import FakeGmail

    fake = FakeGmail(email="rep@example.com")
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def identity(tmp_path: Path) -> Iterator[Any]:
    from tests.fakes.graph import FakeGraph

    fake = FakeGraph(email="sam@seller.com")
    fake.start_tls(str(tmp_path))
    try:
        yield fake
    finally:
        fake.stop()


def google_sign_in(fake: Any, account: str = "work", provider: str = "gmail") -> None:
    """What `assistant login gmail` writes (an access token already expired: the first call refreshes)."""
    access, refresh = fake.issue_token()
    auth.TokenStore().put(provider, account, {
        "token": access, "refresh_token": refresh, "token_uri": fake.url + "/token", "client_id": "cid",
        "client_secret": "cs", "scopes": list(auth.GOOGLE_SCOPES), "expiry": "2000-01-01T00:00:00Z"})


def outlook_account(identity: Any) -> AccountConfig:
    return AccountConfig("work", "outlook", options={
        "client_id": "11111111-2222-3333-4444-555555555555", "authority": identity.authority,
        "ca_file": identity.ca_path})


def test_google_refresh_failure_sorts_retryable_from_revoked() -> None:
    from google.auth.exceptions import RefreshError

    from assistant.errors import TransientError

    later = auth.google_refresh_failure("work", "gmail", RefreshError("server_error: Backend Error", retryable=True))
    never = auth.google_refresh_failure("work", "gmail", RefreshError("invalid_grant: Token has been expired or "
                                                                      "revoked.", retryable=False))
    assert isinstance(later, TransientError) and "will retry" in str(later)
    assert isinstance(never, AuthError) and "assistant login gmail --account work" in str(never)


@pytest.mark.parametrize("status, error", [(503, "server_error"), (500, "internal_failure"),
                                           (400, "temporarily_unavailable")])
def test_gmail_token_endpoint_failing_for_now_is_retried_not_a_stopped_account(
        gmail_fake: Any, one_google_attempt: None, status: int, error: str) -> None:
    """Issue 14: a retryable refresh failure (RefreshError.retryable) used to stop the account until the
    watcher restarted. It is retried with backoff like a 5xx, and the mail is read."""
    from email.message import EmailMessage

    from assistant.config import Config, RepConfig
    from assistant.sources.gmail import GmailSource

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "rep@example.com", "b@acme.test", "Quote", "<q@x>"
    msg.set_content("I'll call you Thursday.")
    gmail_fake.add(msg.as_bytes(), labels=["SENT"])
    google_sign_in(gmail_fake, "g")
    gmail_fake.fail_token_endpoint(times=2, status=status, error=error)
    sleeps: list[float] = []
    account = AccountConfig("g", "gmail", options={"api_endpoint": gmail_fake.url + "/"})
    source = GmailSource(account, Config(rep=RepConfig(email="rep@example.com"), accounts=(account,)),
                         sleep=sleeps.append)
    batches = list(source.fetch({}))
    assert sum(len(b.messages) for b in batches) == 1
    assert len(sleeps) == 2  # two failed refreshes, two waits
    assert sum(r.path == "/token" for r in gmail_fake.requests) == 3


def test_google_calendar_token_endpoint_failing_for_now_is_retried(gmail_fake: Any, one_google_attempt: None) -> None:
    from assistant.calendars.google import GoogleCalendarWriter
    from tests.calendar_backends import make_config
    from tests.fakes.google_calendar import FakeGoogleCalendar
    from tests.test_calendar_faults import event

    calendar = FakeGoogleCalendar()
    calendar.accepts = lambda token: token in gmail_fake.access_tokens
    calendar.start()
    try:
        google_sign_in(gmail_fake)
        gmail_fake.fail_token_endpoint(times=1, status=503)
        config = make_config({"kind": "google", "account": "work", "api_endpoint": calendar.endpoint},
                             accounts=[{"name": "work", "kind": "gmail"}])
        sleeps: list[float] = []
        GoogleCalendarWriter(config.calendar, config, sleep=sleeps.append).put(event())
        assert len(calendar.live()) == 1 and len(sleeps) == 1
        gmail_fake.revoke()  # invalid_grant: that one needs a new sign-in
        with pytest.raises(AuthError, match="assistant login gmail --account work"):
            GoogleCalendarWriter(config.calendar, config, sleep=sleeps.append).get(event().uid)
    finally:
        calendar.stop()


@pytest.mark.parametrize("status, error, wait", [(503, "server_error", 60.0), (500, "server_error", 60.0),
                                                 (400, "temporarily_unavailable", 60.0)])
def test_msal_token_endpoint_failing_for_now_is_retried_after_msals_own_throttle(
        identity: Any, monkeypatch: pytest.MonkeyPatch, status: int, error: str, wait: float) -> None:
    """A 5xx made msal raise (an MsalServiceError no edge caught); `server_error` or `temporarily_unavailable`
    stopped the account. Both are retried, waiting out the time msal replays the failure from its cache."""
    from assistant.calendars.outlook import OutlookCalendarWriter
    from tests.calendar_backends import make_config
    from tests.fakes.graph_calendar import FakeGraphCalendar
    from tests.test_calendar_faults import event

    clock = MsalClock(monkeypatch)
    graph = FakeGraphCalendar()
    graph.accepts = lambda token: token in identity.access_tokens
    graph.start()
    try:
        account = outlook_account(identity)
        auth.microsoft_device_login(account, auth.TokenStore(), lambda text: None)
        identity.expire_access_tokens()
        identity.fail_token_endpoint(times=1, status=status, error=error)
        config = make_config({"kind": "outlook", "account": "work", "graph_url": graph.graph_url},
                             accounts=[{"name": "work", "kind": "outlook", **account.options}])
        OutlookCalendarWriter(config.calendar, config, sleep=clock.sleep).put(event())
        assert len(graph.live()) == 1
        assert clock.sleeps and clock.sleeps[0] >= wait
    finally:
        graph.stop()


def test_outlook_mail_token_endpoint_failing_for_now_is_retried_by_the_watcher(
        identity: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The mail source's refresh meets a 503: the watcher's backoff retries the pass, the mail is stored."""
    from email.message import EmailMessage

    from assistant import watcher
    from assistant.clock import fixed_clock
    from assistant.config import Config, RepConfig
    from assistant.sources.outlook import OutlookSource
    from assistant.store import open_store

    clock = MsalClock(monkeypatch)
    account = AccountConfig(name="o", kind="outlook", options={**outlook_account(identity).options,
                                                               "graph_url": identity.graph_url})
    auth.microsoft_device_login(account, auth.TokenStore(), lambda text: None)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "sam@seller.com", "b@acme.test", "Quote", "<o1@x>"
    msg.set_content("I'll call you Thursday.")
    identity.add(msg.as_bytes(), folder="sentitems", received=datetime.now(ZoneInfo("UTC")))
    identity.expire_access_tokens()  # Graph answers 401, the source refreshes, the token endpoint fails
    identity.fail_token_endpoint(times=1, status=503)
    source = OutlookSource(account, Config(rep=RepConfig(email="sam@seller.com"), accounts=(account,)),
                           sleep=clock.sleep)
    store = open_store(tmp_path / "db.sqlite3")
    waits: list[float] = []

    def wait(state: Any) -> float:
        seconds = watcher._wait_for_retry(state)
        waits.append(seconds)
        clock.sleep(seconds)  # (msal's clock moves on; nothing is slept)
        return 0.0

    result = watcher.sync_account(store, source, Config(rep=RepConfig(email="sam@seller.com"), accounts=(account,)),
                                  fixed_clock(datetime.now(ZoneInfo("UTC"))), extractor=lambda ms: [[] for _ in ms],
                                  retry_wait=wait)
    assert result.stored == 1 and store.count_messages() == 1
    assert waits and waits[0] >= auth.MSAL_THROTTLE_SECONDS
    store.close()


def test_device_sign_in_waits_through_authorization_pending(identity: Any) -> None:
    """RFC 8628 3.5: the poll answers authorization_pending until the user has entered the code."""
    identity.device_pending = 1
    shown: list[str] = []
    user = auth.microsoft_device_login(outlook_account(identity), auth.TokenStore(), shown.append)
    assert user == "sam@seller.com" and "FT-CODE" in shown[0]
    polls = [r for r in identity.requests if r.path.endswith("/token")]
    assert len(polls) == 2 and identity.device_pending == 0
    assert auth.microsoft_token(outlook_account(identity), auth.TokenStore()).startswith("eyJ0")


@pytest.mark.parametrize("outcome, words", [("authorization_declined", "declined"), ("expired_token", "expired")])
def test_device_sign_in_declined_or_expired_is_one_line(identity: Any, outcome: str, words: str) -> None:
    identity.device_outcome = outcome
    with pytest.raises(AuthError, match=words) as info:
        auth.microsoft_device_login(outlook_account(identity), auth.TokenStore(), lambda text: None)
    assert "assistant login outlook --account work" in str(info.value)
    assert auth.TokenStore().get("outlook", "work") is None


def test_a_fixed_sign_in_resumes_the_account_without_restarting_the_watcher(gmail_fake: Any, tmp_path: Path) -> None:
    """Issue 14: the stopped state was never cleared. Now the pass after `assistant login` wrote a new
    token resumes the account; until then the account is not asked again."""
    from email.message import EmailMessage

    from assistant import watcher
    from assistant.clock import fixed_clock
    from assistant.config import parse_config
    from assistant.store import open_store

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "rep@example.com", "b@acme.test", "Quote", "<q1@x>"
    msg.set_content("I'll call you Thursday.")
    gmail_fake.add(msg.as_bytes(), labels=["SENT"])
    config = parse_config({"rep": {"email": "rep@example.com", "timezone": "America/New_York"},
                           "accounts": [{"name": "work", "kind": "gmail", "api_endpoint": gmail_fake.url + "/"}],
                           "store": {"path": str(tmp_path / "db.sqlite3")}})
    google_sign_in(gmail_fake)
    gmail_fake.revoke()  # the refresh token is refused: invalid_grant
    store = open_store(config.store_path)
    runs = [watcher.AccountRun(a) for a in config.accounts]
    clock = fixed_clock(datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("America/New_York")))

    def one_pass() -> list[Any]:
        return watcher.run_pass(store, runs, config, clock, stop=watcher.StopFlag(), extractor=lambda ms: [[] for _ in ms])

    first = one_pass()
    assert "assistant login gmail --account work" in first[0].error and runs[0].stopped_reason
    asked = len(gmail_fake.requests)
    assert one_pass() == [] and len(gmail_fake.requests) == asked  # stopped: not asked again
    google_sign_in(gmail_fake)  # `assistant login gmail --account work`, in another process
    resumed = one_pass()
    assert not runs[0].stopped_reason and resumed[0].error == "" and resumed[0].stored == 1
    assert store.count_messages() == 1
    store.close()


def test_watch_waits_for_a_sign_in_instead_of_exiting_when_every_account_is_stopped(tmp_path: Path) -> None:
    from assistant import watcher
    from assistant.clock import fixed_clock
    from assistant.config import parse_config
    from assistant.errors import AuthError as Expired
    from assistant.sources.base import Batch

    config = parse_config({"rep": {"email": "rep@example.com", "timezone": "America/New_York"},
                           "accounts": [{"name": "work", "kind": "gmail"}],
                           "store": {"path": str(tmp_path / "db.sqlite3")}})
    calls = {"n": 0}
    stop = watcher.StopFlag()

    class Source:
        account = "work"

        def fetch(self, cursor: dict[str, Any], read: Any = None) -> Iterator[Batch]:
            calls["n"] += 1
            if auth.TokenStore().get("gmail", "work") is None:
                raise Expired("work", "gmail", "invalid_grant")
            stop.set()
            return iter([])

        def wait(self, timeout: float) -> bool:
            return False

        def close(self) -> None:
            pass

    passes = {"n": 0}

    def after(*args: Any) -> list[str]:
        passes["n"] += 1
        if passes["n"] == 3:
            auth.TokenStore().put("gmail", "work", {"token": "new", "refresh_token": "r", "client_id": "c",
                                                    "client_secret": "s"})
        if passes["n"] > 10:
            stop.set()
        return []

    watcher.watch(config, fixed_clock(datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("America/New_York"))),
                  stop=stop, source_factory=lambda a, c: Source(), after=after, poll_seconds=0.01)  # type: ignore[arg-type,return-value]
    assert calls["n"] == 2  # asked once (stopped), then not until the new token, then resumed
    assert passes["n"] == 3  # the watcher kept running its passes while it waited
