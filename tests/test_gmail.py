"""The Gmail source against the local Gmail fake (tests/fakes/gmail.py): the real google-api-python-client
and google-auth code runs; the fake speaks Gmail's JSON and Google's token endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from assistant import auth
from assistant.config import AccountConfig, Config, RepConfig
from assistant.errors import AuthError, TransientError
from assistant.sources.base import Batch, MailSource
from assistant.sources.gmail import GmailSource
from tests.fakes.gmail import FakeGmail
from tests.mailfactory import big_mail

REP = "rep@example.com"


def mail(subject: str, sent: bool) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = (REP, "buyer@acme.test") if sent else ("buyer@acme.test", REP)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content("Hello.")
    return msg.as_bytes()


@pytest.fixture
def fake() -> Iterator[FakeGmail]:
    service = FakeGmail(email=REP)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def sign_in(fake: FakeGmail, account: str = "g") -> auth.TokenStore:
    """What `assistant login gmail` leaves behind: authorized-user info in the token store."""
    access, refresh = fake.issue_token()
    store = auth.TokenStore()
    store.put("gmail", account, {"token": access, "refresh_token": refresh, "token_uri": fake.url + "/token",
                                 "client_id": "cid.apps.googleusercontent.com", "client_secret": "cs",
                                 "scopes": list(auth.GOOGLE_SCOPES), "expiry": "2099-01-01T00:00:00Z"})
    return store


def make_source(fake: FakeGmail, store: auth.TokenStore | None = None, sleeps: list[float] | None = None,
                **options: Any) -> GmailSource:
    opts = {"api_endpoint": fake.url + "/", "batch_size": 2, **options}
    account = AccountConfig(name="g", kind="gmail", options=opts)
    return GmailSource(account, Config(rep=RepConfig(email=REP), accounts=(account,)),
                       token_store=store or sign_in(fake), sleep=(sleeps.append if sleeps is not None else lambda s: None))


def drain(src: GmailSource, cursor: dict[str, Any]) -> tuple[list[Batch], dict[str, Any]]:
    batches = list(src.fetch(cursor))
    return batches, (batches[-1].cursor if batches else cursor)


def subjects(batches: list[Batch]) -> list[str]:
    import email

    return [str(email.message_from_bytes(m.raw)["Subject"]) for b in batches for m in b.messages]


def test_first_sync_is_bounded_oldest_first_with_threads_and_directions(fake: FakeGmail) -> None:
    fake.add(mail("too old", True), labels=["SENT"], when=fake.now - timedelta(days=100))
    t = fake.add(mail("promise", True), labels=["SENT"], when=fake.now - timedelta(days=5))
    fake.add(mail("reply", False), labels=["INBOX", "UNREAD"], when=fake.now - timedelta(days=4), thread_id=t)
    fake.add(mail("draft", True), labels=["DRAFT"], when=fake.now - timedelta(days=3))
    fake.add(mail("newest", False), labels=["INBOX"], when=fake.now - timedelta(days=1))
    src = make_source(fake, newer_than_days=30)
    assert isinstance(src, MailSource)
    batches, cursor = drain(src, {})
    assert subjects(batches) == ["promise", "reply", "newest"]  # drafts are listed but never handed out
    got = [m for b in batches for m in b.messages]
    assert [m.direction_hint for m in got] == ["sent", "received", "received"]
    assert got[0].provider_thread_id == got[1].provider_thread_id == t
    assert all(b.total == 4 for b in batches)
    # the new historyId appears only in the last batch
    assert [b.cursor for b in batches[:-1]] == [{}] * (len(batches) - 1)
    assert cursor == {"history_id": str(fake.history_id)}
    gets = [r for r in fake.requests if "/messages/" in r.path]
    assert all(r.arg("format") == "raw" for r in gets)
    src.close()
    src.close()


def test_max_messages_bounds_the_first_sync(fake: FakeGmail) -> None:
    for i in range(7):
        fake.add(mail(f"m{i}", True), labels=["SENT"], when=fake.now - timedelta(hours=10 - i))
    batches, _ = drain(make_source(fake, max_messages=4), {})
    assert subjects(batches) == ["m3", "m4", "m5", "m6"]


def test_history_brings_only_new_mail_and_nothing_when_quiet(fake: FakeGmail) -> None:
    fake.add(mail("first", True), labels=["SENT"])
    src = make_source(fake)
    _, cursor = drain(src, {})
    again, cursor_again = drain(src, cursor)
    assert subjects(again) == [] and cursor_again == cursor
    for i in range(5):  # more than one history page (the fake pages by 3)
        fake.add(mail(f"new {i}", i % 2 == 0), labels=["SENT"] if i % 2 == 0 else ["INBOX"])
    fake.add(mail("spam", False), labels=["SPAM"])
    batches, cursor2 = drain(src, cursor)
    assert subjects(batches) == [f"new {i}" for i in range(5)]
    assert [b.cursor for b in batches[:-1]] == [cursor] * (len(batches) - 1)
    assert cursor2 == {"history_id": str(fake.history_id)}
    assert any(r.path.endswith("/history") and r.arg("pageToken") for r in fake.requests)


def test_expired_history_id_falls_back_to_a_bounded_full_sync_without_new_ids(fake: FakeGmail) -> None:
    fake.add(mail("kept", True), labels=["SENT"])
    src = make_source(fake)
    first, cursor = drain(src, {})
    first_ids = {m.source_id for b in first for m in b.messages}
    fake.add(mail("while away", False), labels=["INBOX"])
    fake.forget_history_before(fake.history_id + 1)
    batches, cursor2 = drain(src, cursor)
    got = [m.source_id for b in batches for m in b.messages]
    assert subjects(batches) == ["kept", "while away"]
    assert first_ids < set(got)  # the same Gmail ids: the store ignores the repeat
    assert cursor2 == {"history_id": str(fake.history_id)}
    assert any(r.path.endswith("/history") for r in fake.requests)


def test_throttling_honours_retry_after_then_succeeds(fake: FakeGmail) -> None:
    fake.add(mail("a", True), labels=["SENT"])
    sleeps: list[float] = []
    src = make_source(fake, sleeps=sleeps)
    fake.fail_next(429, headers={"Retry-After": "7"}, path=r"/messages$")
    fake.fail_next(500, path=r"/messages/")
    batches, _ = drain(src, {})
    assert subjects(batches) == ["a"]
    assert sleeps[0] == 7.0 and len(sleeps) == 2


def test_persistent_5xx_is_transient_and_the_cursor_loses_nothing(fake: FakeGmail) -> None:
    fake.add(mail("one", True), labels=["SENT"])
    src = make_source(fake)
    _, cursor = drain(src, {})
    for i in range(3):
        fake.add(mail(f"n{i}", True), labels=["SENT"])
    gen = src.fetch(cursor)
    first = next(gen)  # batch of 2, still carrying the old cursor
    fake.fail_next(503, times=10, headers={"Retry-After": "30"})
    with pytest.raises(TransientError) as err:
        next(gen)
    assert err.value.retry_after == 30.0
    assert first.cursor == cursor
    fake.faults.clear()
    rest, _ = drain(make_source(fake, store=src.tokens), first.cursor)
    # replayed from the stored cursor: nothing is missing (the store drops the repeats of `first`)
    assert subjects([first]) == ["n0", "n1"] and subjects(rest) == ["n0", "n1", "n2"]


def test_an_expired_access_token_is_refreshed_and_kept(fake: FakeGmail) -> None:
    fake.add(mail("a", True), labels=["SENT"])
    store = sign_in(fake)
    before = store.get("gmail", "g")
    assert before is not None
    fake.expire_access_tokens()
    batches, _ = drain(make_source(fake, store=store), {})
    assert subjects(batches) == ["a"]
    after = store.get("gmail", "g")
    assert after is not None and after["token"] != before["token"] and after["refresh_token"] == before["refresh_token"]
    assert any(r.path == "/token" for r in fake.requests)


def test_a_revoked_sign_in_is_an_auth_error_naming_the_login_command(fake: FakeGmail) -> None:
    fake.add(mail("a", True), labels=["SENT"])
    store = sign_in(fake)
    fake.revoke()
    with pytest.raises(AuthError, match=r"assistant login gmail --account g"):
        list(make_source(fake, store=store).fetch({}))


def test_a_401_without_refresh_token_is_an_auth_error(fake: FakeGmail) -> None:
    from google.oauth2.credentials import Credentials

    account = AccountConfig(name="g", kind="gmail", options={"api_endpoint": fake.url + "/"})
    src = GmailSource(account, Config(), credentials=Credentials(token="stale"))
    with pytest.raises(AuthError, match="assistant login gmail"):
        list(src.fetch({}))


def test_not_signed_in_names_the_login_command() -> None:
    account = AccountConfig(name="g", kind="gmail", options={})
    with pytest.raises(AuthError, match=r"not signed in.*assistant login gmail --account g"):
        list(GmailSource(account, Config()).fetch({}))


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.naps: list[float] = []
        self.on_nap = lambda: None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds
        self.on_nap()


def test_wait_asks_for_the_history_id_only_every_poll_seconds(fake: FakeGmail) -> None:
    fake.add(mail("a", True), labels=["SENT"])
    clock = FakeTime()
    src = make_source(fake, poll_seconds=60)
    src._monotonic, src._sleep = clock, clock.sleep
    _, cursor = drain(src, {})

    def profile_calls() -> int:
        return sum(1 for r in fake.requests if r.path.endswith("/profile"))

    before = profile_calls()
    # the watcher waits in 5-second steps: eleven quiet steps cost no API call
    assert [src.wait(5) for _ in range(11)] == [False] * 11
    assert profile_calls() == before and sum(clock.naps) == 55
    assert src.wait(5) is False and profile_calls() == before + 1  # 60 s after the fetch: one check
    clock.on_nap = lambda: fake.add(mail("b", False), labels=["INBOX"]) if len(clock.naps) == 13 else None
    assert src.wait(3600) is True
    assert profile_calls() == before + 2
    batches, _ = drain(src, cursor)
    assert subjects(batches) == ["b"]


def test_login_gmail_runs_the_installed_app_flow_end_to_end(fake: FakeGmail, tmp_path: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`assistant login gmail`: the real google-auth-oauthlib flow opens the consent page (here: a
    stand-in browser that approves and follows the redirect to the local port), exchanges the code at
    the token endpoint (the fake) and keeps the tokens; the Gmail source then reads with them."""
    import json
    import threading
    import urllib.request
    import webbrowser
    from urllib.parse import parse_qs, urlencode, urlsplit

    from click.testing import CliRunner

    from assistant.cli.login_cmd import login

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake's token endpoint is plain http
    secrets_file = tmp_path / "client_secret.json"
    secrets_file.write_text(json.dumps({"installed": {
        "client_id": "123-abc.apps.googleusercontent.com", "project_id": "ft-test",
        "auth_uri": fake.url + "/o/oauth2/auth", "token_uri": fake.url + "/token",
        "client_secret": "desktop-secret", "redirect_uris": ["http://localhost"]}}))
    opened: list[str] = []

    class ConsentingBrowser:
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            opened.append(url)
            q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
            target = q["redirect_uri"] + "?" + urlencode({"code": fake.auth_code, "state": q["state"],
                                                           "scope": q["scope"]})
            threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=10).read(), daemon=True).start()
            return True

    monkeypatch.setattr(webbrowser, "get", lambda using=None: ConsentingBrowser())
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[rep]\nemail = "{REP}"\n[[accounts]]\nname = "g"\nkind = "gmail"\n'
                   f'client_secrets = "{secrets_file}"\napi_endpoint = "{fake.url}/"\n')
    result = CliRunner().invoke(login, ["gmail", "--account", "g", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert opened and "gmail.readonly" in opened[0] and "calendar.events" in opened[0]
    saved = auth.TokenStore().get("gmail", "g")
    assert saved is not None and saved["refresh_token"] in fake.refresh_tokens
    assert saved["token_uri"] == fake.url + "/token"
    assert "desktop-secret" not in result.output and saved["token"] not in result.output
    fake.add(mail("after login", True), labels=["SENT"])
    from assistant.config import load_config

    config = load_config(cfg)
    batches = list(GmailSource(config.account("g"), config).fetch({}))
    assert subjects(batches) == ["after login"]


# -- issue 14: the history as Gmail writes it ------------------------------------------------------------
def ids_of(batches: list[Batch]) -> list[str]:
    return [m.source_id for b in batches for m in b.messages]


def raw_gets(fake: FakeGmail, mid: str) -> int:
    return sum(1 for r in fake.requests if r.path.endswith(f"/messages/{mid}") and r.arg("format") == "raw")


def test_a_promise_sent_from_a_draft_is_read_though_history_shows_only_label_changes(fake: FakeGmail) -> None:
    """DATA LOSS (issue 14 item 4): the draft's messageAdded carries DRAFT; sending it adds SENT to the same
    message, which history.list reports only as labelAdded/labelRemoved records."""
    fake.add(mail("earlier", True), labels=["SENT"])
    src = make_source(fake)
    _, cursor = drain(src, {})
    draft = fake.add(mail("I'll send the quote by Friday", True), labels=["DRAFT"])
    fake.send_draft(draft)
    batches, cursor2 = drain(src, cursor)
    assert subjects(batches) == ["I'll send the quote by Friday"]
    got = [m for b in batches for m in b.messages]
    assert got[0].source_id == draft and got[0].direction_hint == "sent"
    assert raw_gets(fake, draft) == 1
    assert cursor2 == {"history_id": str(fake.history_id)}


def test_a_draft_sent_in_a_later_round_is_read_then(fake: FakeGmail) -> None:
    src = make_source(fake)
    draft = fake.add(mail("draft", True), labels=["DRAFT"])
    _, cursor = drain(src, {})  # the draft is listed and read, but never handed out
    quiet, cursor = drain(src, cursor)
    assert subjects(quiet) == []
    fake.send_draft(draft)
    batches, _ = drain(src, cursor)
    assert subjects(batches) == ["draft"] and ids_of(batches) == [draft]


def test_a_reply_rescued_from_spam_is_read(fake: FakeGmail) -> None:
    """DATA LOSS (issue 14 item 4): a buyer's reply filed as spam, then marked "Not spam"."""
    src = make_source(fake)
    _, cursor = drain(src, {})
    reply = fake.add(mail("Re: quote - yes, go ahead", False), labels=["SPAM"])
    quiet, cursor = drain(src, cursor)
    assert subjects(quiet) == []  # spam is never handed out
    fake.not_spam(reply)
    batches, _ = drain(src, cursor)
    assert ids_of(batches) == [reply] and batches[-1].messages[-1].direction_hint == "received"


def test_label_changes_never_read_a_message_twice(fake: FakeGmail) -> None:
    """A message read once is not read again when it gains INBOX or SENT later (archived and moved back,
    re-labelled), whether the change comes in the same round or a later one; the source asks the watcher's
    `ReadNames` which ids were read."""
    from tests.test_source_contract import Remembered

    src = make_source(fake)
    read = Remembered()
    first = list(src.fetch({}, read))
    for b in first:
        read.keep(b)
    cursor = first[-1].cursor if first else {}
    inbox = fake.add(mail("in the inbox", False), labels=["INBOX"])
    fake.change_labels(inbox, add=["STARRED"])  # same round: added and labelled
    batches = list(src.fetch(cursor, read))
    for b in batches:
        read.keep(b)
    assert ids_of(batches) == [inbox] and raw_gets(fake, inbox) == 1
    cursor = batches[-1].cursor
    fake.change_labels(inbox, remove=["INBOX"])  # archived ...
    fake.change_labels(inbox, add=["INBOX"])  # ... and moved back
    again = list(src.fetch(cursor, read))
    assert ids_of(again) == [] and raw_gets(fake, inbox) == 1
    assert again[-1].cursor == {"history_id": str(fake.history_id)}


def test_history_asks_only_for_the_record_types_it_reads(fake: FakeGmail) -> None:
    src = make_source(fake)
    _, cursor = drain(src, {})
    m = fake.add(mail("x", False), labels=["INBOX"])
    fake.change_labels(m, remove=["UNREAD"])
    fake.delete(m)
    drain(src, cursor)
    asked = [r for r in fake.requests if r.path.endswith("/history")]
    assert asked and all(sorted(r.query["historyTypes"]) == ["labelAdded", "messageAdded"] for r in asked)


def test_a_403_rate_limit_is_retried_when_the_error_also_carries_details(fake: FakeGmail) -> None:
    """Gmail's reason is in error.errors[].reason; with a `details` list beside it the client library's
    HttpError.error_details holds `details` (ErrorInfo), so reading error_details[0] missed the rate limit."""
    fake.add(mail("a", True), labels=["SENT"])
    sleeps: list[float] = []
    src = make_source(fake, sleeps=sleeps)
    fake.rate_limit(times=2, with_details=True, path=r"/messages$")
    batches, _ = drain(src, {})
    assert subjects(batches) == ["a"] and len(sleeps) == 2


def test_a_403_that_is_not_a_rate_limit_is_not_retried(fake: FakeGmail) -> None:
    from assistant.errors import SourceError

    fake.fail_next(403, body={"error": {"code": 403, "message": "Gmail API has not been used in project 1",
                                        "status": "PERMISSION_DENIED",
                                        "errors": [{"reason": "accessNotConfigured", "domain": "usageLimits",
                                                    "message": "Gmail API has not been used"}],
                                        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                     "reason": "SERVICE_DISABLED", "domain": "googleapis.com"}]}})
    sleeps: list[float] = []
    with pytest.raises(SourceError, match="403"):
        drain(make_source(fake, sleeps=sleeps), {})
    assert sleeps == []


def test_a_message_over_the_size_cap_is_read_without_its_attachments(fake: FakeGmail) -> None:
    """As IMAP does (`max_message_bytes`, 10 MB by default): the header and the text are read, the rest is
    skipped - the raw download of the whole message never happens (first sync and history alike)."""
    from assistant.mailparse import parse

    small = fake.add(mail("small", False), labels=["INBOX"])
    big = fake.add(big_mail("contract", 40_000, REP), labels=["INBOX"])
    src = make_source(fake, max_message_bytes=20_000)
    batches, cursor = drain(src, {})
    got = {m.source_id: m for b in batches for m in b.messages}
    assert set(got) == {small, big}
    assert raw_gets(fake, big) == 0 and raw_gets(fake, small) == 1
    parsed = parse(got[big], RepConfig(email=REP))
    assert parsed.subject == "contract" and len(got[big].raw) < 20_000
    assert "we start Monday" in parsed.body and parsed.sender.email == "buyer@acme.test"
    later = fake.add(big_mail("second contract", 40_000, REP), labels=["INBOX"])
    more, _ = drain(src, cursor)
    assert ids_of(more) == [later] and raw_gets(fake, later) == 0
    assert "we start Monday" in parse(more[0].messages[0], RepConfig(email=REP)).body


def test_a_large_message_the_search_missed_is_cut_as_imap_cuts_it(fake: FakeGmail) -> None:
    """`larger:` is answered from the search index, which may lag behind delivery: a large message it
    missed is downloaded raw, and then cut to its header and the first `max_message_bytes` of its body."""
    fake.search_sees_size = False
    big = fake.add(big_mail("contract", 40_000, REP), labels=["INBOX"])
    batches, _ = drain(make_source(fake, max_message_bytes=5_000), {})
    (got,) = [m for b in batches for m in b.messages]
    assert got.source_id == big and raw_gets(fake, big) == 1
    head, _, body = got.raw.partition(b"\n\n")
    assert b"Subject: contract" in head and len(body) <= 5_000 and len(got.raw) < 6_000


def test_truncate_mime_keeps_the_header_and_the_start_of_the_body() -> None:
    from assistant.sources.base import truncate_mime

    assert truncate_mime(b"A: 1\r\nB: 2\r\n\r\n0123456789", 4) == b"A: 1\r\nB: 2\r\n\r\n0123"
    assert truncate_mime(b"A: 1\n\nbody\r\n\r\nmore", 2) == b"A: 1\n\nbo"
    assert truncate_mime(b"short", 100) == b"short"
