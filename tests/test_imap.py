"""The IMAP source against a real Dovecot (tests/servers/dovecot.py): folders, first and incremental
sync, UIDVALIDITY change, IDLE and polling, dropped connections, TLS, big messages, sign-in errors."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from imapclient import IMAPClient

from assistant.config import AccountConfig, Config, RepConfig
from assistant.errors import AuthError, SourceError, TransientError
from assistant.sources.base import Batch, MailSource
from assistant.sources.imap import ImapSource
from tests.servers.dovecot import SENT_FOLDER, Dovecot

pytestmark = pytest.mark.server

REP = "rep@example.com"
BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def make_mail(subject: str, *, sent: bool, when: datetime, body: str = "Hello.", attachment: bytes = b"") -> bytes:
    msg = EmailMessage()
    msg["From"] = REP if sent else "buyer@acme.test"
    msg["To"] = "buyer@acme.test" if sent else REP
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="big.bin")
    return msg.as_bytes()


def append(server: Dovecot, user: str, folder: str, raw: bytes, when: datetime) -> None:
    c = server.client(user)
    try:
        c.append(folder, raw, flags=(), msg_time=when)
    finally:
        c.logout()


def source(server: Dovecot, user: str, **options: Any) -> ImapSource:
    account = AccountConfig(name="work", kind="imap", options=server.account_options(user, **options))
    return ImapSource(account, Config(rep=RepConfig(email=REP), accounts=(account,)))


def drain(batches: Any) -> tuple[list[Batch], dict[str, Any]]:
    out = list(batches)
    return out, (out[-1].cursor if out else {})


def subjects(batches: list[Batch]) -> list[str]:
    import email

    return [str(email.message_from_bytes(m.raw)["Subject"]) for b in batches for m in b.messages]


def seed(server: Dovecot, user: str, n_sent: int, n_inbox: int, start: datetime = BASE) -> list[str]:
    """Alternating sent/received messages an hour apart; returns subjects in time order."""
    out = []
    items = [("sent", i) for i in range(n_sent)] + [("inbox", i) for i in range(n_inbox)]
    items.sort(key=lambda x: (x[1], x[0] != "sent"))
    for k, (role, i) in enumerate(items):
        when = start + timedelta(hours=k)
        subject = f"{role} {i}"
        append(server, user, SENT_FOLDER if role == "sent" else "INBOX",
               make_mail(subject, sent=role == "sent", when=when), when)
        out.append(subject)
    return out


def test_sent_folder_found_by_special_use_flag_not_name(dovecot: Dovecot, imap_user: str) -> None:
    c = dovecot.client(imap_user)
    c.create_folder("Sent")  # a decoy with the usual name but no \Sent flag
    c.logout()
    src = source(dovecot, imap_user)
    try:
        assert isinstance(src, MailSource)
        assert src.folders() == {"sent": SENT_FOLDER, "inbox": "INBOX"}
    finally:
        src.close()


def test_sent_folder_found_by_name_when_nothing_is_flagged(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    c = dovecot.client(user)
    c.create_folder("Archive")
    c.create_folder("Sent Items")
    c.logout()
    src = source(dovecot, user)
    try:
        assert src.folders()["sent"] == "Sent Items"
    finally:
        src.close()


def test_no_sent_folder_names_the_option_to_set(dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    src = source(dovecot, user)
    try:
        with pytest.raises(SourceError, match="sent_folder"):
            src.folders()
    finally:
        src.close()


def test_first_sync_then_incremental_in_time_order_without_marking_seen(dovecot: Dovecot, imap_user: str) -> None:
    expected = seed(dovecot, imap_user, 3, 2)
    src = source(dovecot, imap_user, batch_size=2)
    try:
        batches, cursor = drain(src.fetch({}))
        assert subjects(batches) == expected  # merged by arrival time across both folders
        assert [len(b.messages) for b in batches] == [2, 2, 1]
        assert all(b.total == 5 for b in batches)
        hints = {m.folder: m.direction_hint for b in batches for m in b.messages}
        assert hints == {"sent": "sent", "inbox": "received"}
        ids = [m.source_id for b in batches for m in b.messages]
        assert len(set(ids)) == 5 and all(i.split("/")[0] in (SENT_FOLDER, "INBOX") for i in ids)
        # each batch's cursor covers exactly what was handed out so far
        assert batches[0].cursor["folders"]["sent"]["uid"] == 1
        assert batches[0].cursor["folders"]["inbox"]["uid"] == 1
        assert cursor["folders"]["sent"]["uid"] == 3 and cursor["folders"]["inbox"]["uid"] == 2
        assert cursor["folders"]["sent"]["modseq"] >= 1  # CONDSTORE: HIGHESTMODSEQ recorded

        # nothing new: no messages
        again, _ = drain(src.fetch(cursor))
        assert subjects(again) == []

        # a new reply arrives: only it comes back
        when = BASE + timedelta(days=1)
        append(dovecot, imap_user, "INBOX", make_mail("a reply", sent=False, when=when), when)
        more, cursor2 = drain(src.fetch(cursor))
        assert subjects(more) == ["a reply"]
        assert cursor2["folders"]["inbox"]["uid"] == 3
    finally:
        src.close()
    c = dovecot.client(imap_user)
    for folder in (SENT_FOLDER, "INBOX"):
        c.select_folder(folder, readonly=True)
        flags = c.get_flags(c.search("ALL"))
        assert all(b"\\Seen" not in f for f in flags.values()), folder
    c.logout()


def test_uidvalidity_change_reads_the_folder_again_with_the_same_bytes(dovecot: Dovecot, imap_user: str) -> None:
    seed(dovecot, imap_user, 2, 0)
    src = source(dovecot, imap_user)
    try:
        first, cursor = drain(src.fetch({}))
        old_raw = {m.raw for b in first for m in b.messages}
        old_validity = cursor["folders"]["sent"]["uidvalidity"]
        # the server renumbers the folder: delete it and put the same messages back, plus one new one
        c = dovecot.client(imap_user)
        c.delete_folder(SENT_FOLDER)
        c.create_folder(SENT_FOLDER)
        for raw in sorted(old_raw):
            c.append(SENT_FOLDER, raw, flags=(), msg_time=BASE)
        c.append(SENT_FOLDER, make_mail("new after renumbering", sent=True, when=BASE), flags=(), msg_time=BASE)
        c.logout()
        src.close()
        again, cursor2 = drain(src.fetch(cursor))
        got = [m for b in again for m in b.messages]
        assert cursor2["folders"]["sent"]["uidvalidity"] != old_validity
        assert len(got) == 3
        # the re-read copies are byte-identical, so their content-derived ids match what is stored
        assert old_raw < {m.raw for m in got}
        assert cursor2["folders"]["inbox"] == cursor["folders"]["inbox"]
    finally:
        src.close()


def test_idle_wakes_up_when_a_message_arrives(dovecot: Dovecot, imap_user: str) -> None:
    seed(dovecot, imap_user, 1, 0)
    src = source(dovecot, imap_user)
    try:
        _, cursor = drain(src.fetch({}))
        assert src.wait(0.5) is False  # nothing new: the timeout passes
        when = BASE + timedelta(days=2)
        timer = threading.Timer(0.3, append, (dovecot, imap_user, SENT_FOLDER,
                                              make_mail("promise", sent=True, when=when), when))
        timer.start()
        try:
            assert src.wait(30) is True
        finally:
            timer.join()
        batches, _ = drain(src.fetch(cursor))
        assert subjects(batches) == ["promise"]
        assert src._idlers, "IDLE ran on its own connections"
    finally:
        src.close()


def test_wait_returns_at_once_for_mail_that_arrived_before_it(dovecot: Dovecot, imap_user: str) -> None:
    src = source(dovecot, imap_user)
    try:
        drain(src.fetch({}))
        append(dovecot, imap_user, "INBOX", make_mail("early", sent=False, when=BASE), BASE)
        assert src.wait(30) is True
    finally:
        src.close()


def test_polling_fallback_without_idle(dovecot: Dovecot, imap_user: str) -> None:
    src = source(dovecot, imap_user, idle=False, poll_seconds=5)
    slept: list[float] = []

    def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            append(dovecot, imap_user, "INBOX", make_mail("polled", sent=False, when=BASE), BASE)

    src._sleep = fake_sleep
    try:
        drain(src.fetch({}))
        assert src.wait(3600) is True
        assert slept == [5, 5] and not src._idlers
    finally:
        src.close()


def _kill_sessions(server: Dovecot, user: str) -> int:
    pids = server.session_pids(user)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return len(pids)


def test_connection_dropped_mid_fetch_recovers_without_loss_or_duplicates(dovecot: Dovecot, imap_user: str) -> None:
    expected = seed(dovecot, imap_user, 3, 3)
    src = source(dovecot, imap_user, batch_size=2)
    try:
        gen = src.fetch({})
        batches = [next(gen)]
        assert _kill_sessions(dovecot, imap_user) >= 1  # the server side goes away mid-sync
        batches += list(gen)
        assert subjects(batches) == expected
    finally:
        src.close()


def test_connection_that_stays_down_raises_transient_and_the_cursor_resumes(dovecot: Dovecot, imap_user: str) -> None:
    expected = seed(dovecot, imap_user, 2, 2)
    src = source(dovecot, imap_user, batch_size=1)
    try:
        gen = src.fetch({})
        stored = [next(gen)]  # the watcher stored this batch and its cursor
        assert _kill_sessions(dovecot, imap_user) >= 1
        src.port = 1  # nothing listens there: reconnecting fails too
        with pytest.raises(TransientError, match="cannot connect"):
            next(gen)
    finally:
        src.close()
    src2 = source(dovecot, imap_user, batch_size=1)
    try:
        rest, _ = drain(src2.fetch(stored[-1].cursor))
        assert subjects(stored) + subjects(rest) == expected
    finally:
        src2.close()


def test_tls_is_the_default_and_checks_the_certificate(dovecot: Dovecot, imap_user: str) -> None:
    seed(dovecot, imap_user, 1, 0)
    opts = {"host": dovecot.host, "port": dovecot.tls_port, "username": imap_user, "password": "secret"}
    account = AccountConfig(name="tls", kind="imap", options={**opts, "ca_file": str(dovecot.ca_file)})
    src = ImapSource(account, Config(rep=RepConfig(email=REP)))
    assert src.use_ssl
    try:
        batches, _ = drain(src.fetch({}))
        assert subjects(batches) == ["sent 0"]
    finally:
        src.close()
    untrusted = ImapSource(AccountConfig(name="tls", kind="imap", options=opts), Config(rep=RepConfig(email=REP)))
    with pytest.raises(SourceError, match="certificate.*ca_file"):
        list(untrusted.fetch({}))
    untrusted.close()


def test_defaults_are_tls_on_993_and_starttls_uses_143() -> None:
    cfg = Config(rep=RepConfig(email=REP))
    tls = ImapSource(AccountConfig("a", "imap", options={"host": "imap.example.com"}), cfg)
    assert (tls.use_ssl, tls.port, tls.user) == (True, 993, REP)
    st = ImapSource(AccountConfig("a", "imap", options={"host": "imap.example.com", "starttls": True}), cfg)
    assert (st.use_ssl, st.starttls, st.port) == (False, True, 143)


def test_a_huge_message_is_read_only_up_to_the_limit(dovecot: Dovecot, imap_user: str) -> None:
    raw = make_mail("big deck", sent=True, when=BASE, body="Deck attached; I will call you Friday.",
                    attachment=os.urandom(3_000_000))
    append(dovecot, imap_user, SENT_FOLDER, raw, BASE)
    src = source(dovecot, imap_user, max_message_bytes=200_000)
    try:
        batches, _ = drain(src.fetch({}))
        [msg] = [m for b in batches for m in b.messages]
        assert len(msg.raw) < 300_000 < len(raw)
        assert b"Subject: big deck" in msg.raw and b"I will call you Friday." in msg.raw
    finally:
        src.close()


def test_wrong_password_is_an_auth_error_naming_the_login_command(dovecot: Dovecot, imap_user: str) -> None:
    src = source(dovecot, imap_user, password="wrong")
    with pytest.raises(AuthError, match=r"assistant login imap --account work"):
        list(src.fetch({}))
    src.close()
    src.close()  # idempotent


def test_the_password_stored_by_login_is_used(dovecot: Dovecot, imap_user: str, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from assistant.cli.login_cmd import login

    seed(dovecot, imap_user, 1, 0)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[rep]\nemail = "{REP}"\n[[accounts]]\nname = "work"\nkind = "imap"\nhost = "{dovecot.host}"\n'
                   f'port = {dovecot.port}\nssl = false\nusername = "{imap_user}"\n')
    result = CliRunner().invoke(login, ["imap", "--account", "work", "--config", str(cfg)], input="secret\n")
    assert result.exit_code == 0, result.output
    assert "secret" not in result.output
    from assistant.config import load_config

    config = load_config(cfg)
    src = ImapSource(config.account("work"), config)
    try:
        batches, _ = drain(src.fetch({}))
        assert subjects(batches) == ["sent 0"]
    finally:
        src.close()
    bad = CliRunner().invoke(login, ["imap", "--account", "work", "--config", str(cfg)], input="nope\n")
    assert bad.exit_code == 2 and "refused" in bad.output.lower()


def test_imapclient_is_what_runs(dovecot: Dovecot, imap_user: str) -> None:
    src = source(dovecot, imap_user)
    try:
        src.folders()
        assert isinstance(src._client, IMAPClient)
    finally:
        src.close()
    assert src._client is None


def _no_commitments(messages: Any) -> list[list[Any]]:
    return [[] for _ in messages]


def test_through_the_watcher_a_renumbered_folder_and_a_dropped_connection_store_each_message_once(
        dovecot: Dovecot, imap_user: str, tmp_path: Any) -> None:
    from assistant.store import open_store
    from assistant.watcher import sync_account

    seed(dovecot, imap_user, 3, 3)
    account = AccountConfig(name="work", kind="imap", options=dovecot.account_options(imap_user, batch_size=2))
    config = Config(rep=RepConfig(email=REP), accounts=(account,))
    clock = lambda: BASE + timedelta(days=30)  # noqa: E731
    with open_store(tmp_path / "ft.sqlite3") as store:
        src = ImapSource(account, config)
        try:
            first = sync_account(store, src, config, clock, extractor=_no_commitments)
            assert first.stored == 6 and store.count_messages("work") == 6
            # the server renumbers the Sent folder (same messages back, new UIDVALIDITY) and one new reply lands
            c = dovecot.client(imap_user)
            c.select_folder(SENT_FOLDER, readonly=True)
            raws = [d[b"BODY[]"] for d in c.fetch(c.search("ALL"), ["BODY.PEEK[]"]).values()]
            c.close_folder()
            c.delete_folder(SENT_FOLDER)
            c.create_folder(SENT_FOLDER)
            for raw in raws:
                c.append(SENT_FOLDER, raw, flags=(), msg_time=BASE)
            c.append("INBOX", make_mail("late reply", sent=False, when=BASE + timedelta(days=3)), flags=(),
                     msg_time=BASE + timedelta(days=3))
            c.logout()
            # ... and the connection drops in the middle of the next pass
            real_fetch = src._fetch_bodies
            dropped: list[bool] = []

            def drop_once(*args: Any, **kwargs: Any) -> Any:
                if not dropped:
                    dropped.append(True)
                    assert _kill_sessions(dovecot, imap_user) >= 1
                return real_fetch(*args, **kwargs)

            src._fetch_bodies = drop_once  # type: ignore[method-assign]
            second = sync_account(store, src, config, clock, extractor=_no_commitments)
        finally:
            src.close()
        assert dropped
        assert second.stored == 1 and second.duplicates == 3  # the renumbered copies are recognised
        assert store.count_messages("work") == 7
        subjects_stored = sorted(m.subject for m in store.messages())
        assert subjects_stored == sorted(["sent 0", "sent 1", "sent 2", "inbox 0", "inbox 1", "inbox 2",
                                          "late reply"])
        assert {m.direction for m in store.messages() if m.subject.startswith("sent")} == {"sent"}


def test_xoauth2_refreshes_an_expired_google_token_and_signs_in(dovecot: Dovecot, imap_user: str) -> None:
    """XOAUTH2 against Dovecot's oauth2 passdb (it asks the test's introspection endpoint); the expired
    access token is refreshed by google-auth at the Gmail fake's token endpoint first."""
    from assistant import auth
    from tests.fakes.gmail import FakeGmail

    seed(dovecot, imap_user, 1, 0)
    google = FakeGmail(email=imap_user)
    google.start()
    try:
        access, refresh = google.issue_token()
        dovecot.oauth_validator = lambda token: imap_user if token in google.access_tokens else None
        store = auth.TokenStore()
        store.put("imap", "oauth", {"token": access, "refresh_token": refresh, "token_uri": google.url + "/token",
                                    "client_id": "cid", "client_secret": "cs", "expiry": "2000-01-01T00:00:00Z"})
        google.expire_access_tokens()  # the stored access token no longer works
        options = {"host": dovecot.host, "port": dovecot.port, "ssl": False, "username": imap_user,
                   "auth": "xoauth2", "oauth_provider": "google"}
        account = AccountConfig(name="oauth", kind="imap", options=options)
        src = ImapSource(account, Config(rep=RepConfig(email=REP)), token_store=store)
        try:
            batches, _ = drain(src.fetch({}))
            assert subjects(batches) == ["sent 0"]
        finally:
            src.close()
        saved = store.get("imap", "oauth")
        assert saved is not None and saved["token"] != access and saved["token"] in google.access_tokens
        from imapclient.exceptions import LoginError

        bogus = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
        with pytest.raises(LoginError):  # Dovecot really checks the token
            bogus.oauth2_login(imap_user, access)
        bogus.shutdown()
        google.revoke()
        store.put("imap", "oauth", {**saved, "expiry": "2000-01-01T00:00:00Z"})
        src = ImapSource(account, Config(rep=RepConfig(email=REP)), token_store=store)
        with pytest.raises(AuthError, match=r"assistant login imap --account oauth"):
            list(src.fetch({}))
        src.close()
    finally:
        dovecot.oauth_validator = None
        google.stop()


_KILL_CHILD = """
import sys
sys.path.insert(0, sys.argv[2])
from datetime import UTC, datetime
from assistant.config import load_config
from assistant.sources.imap import ImapSource
from assistant.store import Store, open_store
from assistant.watcher import sync_account
config = load_config(__import__("pathlib").Path(sys.argv[1]))
with open_store(config.store_path) as store:
    src = ImapSource(config.accounts[0], config)
    try:
        # an extractor that costs about what the real one does, so kills land mid-sync
        sync_account(store, src, config, lambda: datetime(2026, 12, 1, tzinfo=UTC),
                     extractor=lambda ms: (__import__("time").sleep(0.1 * len(ms)), [[] for _ in ms])[1])
    finally:
        src.close()
"""


def test_sigkill_at_random_points_of_an_imap_sync_stores_every_message_once(
        dovecot: Dovecot, imap_user: str, tmp_path: Any) -> None:
    import random
    import subprocess
    import sys
    import time
    from pathlib import Path

    from assistant.store import open_store

    expected = seed(dovecot, imap_user, 10, 10)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[rep]\nemail = "{REP}"\n[store]\npath = "{tmp_path / "ft.sqlite3"}"\n[[accounts]]\nname = "work"\n'
                   f'kind = "imap"\nhost = "{dovecot.host}"\nport = {dovecot.port}\nssl = false\nusername = "{imap_user}"\n'
                   f'password = "secret"\nbatch_size = 4\n')
    root = str(Path(__file__).resolve().parents[1])
    rng = random.Random(5)
    mid_sync_kills = 0
    db = tmp_path / "ft.sqlite3"

    def stored() -> int:
        if not db.exists():
            return 0
        import sqlite3

        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
                return int(conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0

    for _ in range(10):
        before = stored()
        if before == len(expected):
            break
        proc = subprocess.Popen([sys.executable, "-c", _KILL_CHILD, str(cfg), root], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while stored() == before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # wait until this run has committed at least one batch
        time.sleep(rng.uniform(0.0, 0.3))  # then kill it somewhere in the next batches
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGKILL and before < stored() < len(expected):
            mid_sync_kills += 1
    final = subprocess.run([sys.executable, "-c", _KILL_CHILD, str(cfg), root], capture_output=True, text=True,
                           timeout=120)
    assert final.returncode == 0, final.stderr
    assert mid_sync_kills >= 2  # the test really killed syncs in flight
    with open_store(tmp_path / "ft.sqlite3") as store:
        assert sorted(m.subject for m in store.messages()) == sorted(expected)
        assert store.count_messages("work") == len(expected) == 20
