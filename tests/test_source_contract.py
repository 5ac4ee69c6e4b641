"""ONE contract every mail source passes (like vdirsyncer's generic storage tests).

`SourceContract` holds the tests; each subclass supplies a `harness` fixture that can deliver a message to
its backend (a Maildir on disk, a real Dovecot, the Gmail fake, the Graph fake) and build a source with
small batches. The contract is what the watcher relies on:
- a first sync hands out every message once, in batches that each carry a JSON cursor (and the names
  the batch read, `read_names`, which the watcher stores with the cursor and hands back as `ReadNames`);
- a fetch from the final cursor hands out nothing new (a source may offer files changed in its last two
  seconds again, by the same source id: `reoffers_recent`; the watcher skips stored ids);
- a message delivered later appears in the next fetch from that cursor;
- a fetch resumed from any batch's cursor hands out everything after that batch (nothing is lost);
- sent mail carries direction_hint "sent", received mail "received";
- close() can be called twice.
And where the backend has the notion (issue 14; a harness leaves the hook None where it does not apply):
- a message that first lands where the source does not read (a draft, spam) is not handed out there, and
  is handed out once when it moves in (a draft sent as it was, a reply marked "not spam");
- a message read before is not handed out again when its flags or labels change (read, starred, archived
  and moved back);
- an expired sync state (Gmail's history, Graph's delta token) loses nothing and hands nothing out twice;
- a message over `max_message_bytes` is handed out with its header and the start of its text, the rest
  (the attachment) skipped."""

from __future__ import annotations

import email
import json
import mailbox
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest

from assistant import auth
from assistant.config import AccountConfig, Config, RepConfig
from assistant.sources.base import Batch, MailSource
from tests.mailfactory import big_mail

REP = "rep@example.com"
NOW = datetime.now(UTC).replace(microsecond=0)


def make_mail(subject: str, sent: bool, when: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = (REP, "buyer@acme.test") if sent else ("buyer@acme.test", REP)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content(f"About {subject}.")
    return msg.as_bytes()


@dataclass
class Harness:
    deliver: Callable[[bytes, bool, datetime], None]  # (raw, sent?, when)
    make_source: Callable[[], MailSource]
    reoffers_recent: bool = False
    # (raw, sent?, when) -> a handle: deliver where the source does not read (a draft if sent, else spam)
    park: Callable[[bytes, bool, datetime], Any] | None = None
    unpark: Callable[[Any], None] | None = None  # move a parked message into Sent / the inbox
    touch: Callable[[str], None] | None = None  # change the flags/labels of the message with this subject
    expire: Callable[[], None] | None = None  # the backend forgets the source's sync state
    make_capped_source: Callable[[int], MailSource] | None = None  # a source with max_message_bytes = n
    _n: int = 0

    def when(self) -> datetime:
        self._n += 1
        return NOW - timedelta(hours=100 - self._n)

    def add(self, subject: str, sent: bool) -> str:
        when = self.when()
        self.deliver(make_mail(subject, sent, when), sent, when)
        return subject

    def add_parked(self, subject: str, sent: bool) -> Any:
        assert self.park is not None
        when = self.when()
        return self.park(make_mail(subject, sent, when), sent, when)


def subjects_of(batches: list[Batch]) -> list[str]:
    return [str(email.message_from_bytes(m.raw)["Subject"]) for b in batches for m in b.messages]


class Remembered:
    """What the watcher does with each stored batch's `read_names` (the store's table, here a set)."""

    def __init__(self, batches: list[Batch] | None = None) -> None:
        self.names: set[tuple[str, str]] = set()
        for b in batches or []:
            self.keep(b)

    def keep(self, batch: Batch) -> None:
        self.names.update(batch.read_names)

    def unread(self, folder: str, names: Sequence[str]) -> list[str]:
        return [n for n in names if (folder, n) not in self.names]


def run(src: MailSource, cursor: dict[str, Any],
        read: Remembered | None = None) -> tuple[list[Batch], dict[str, Any]]:
    read = read if read is not None else Remembered()
    batches = list(src.fetch(cursor, read))
    for b in batches:
        read.keep(b)
    return batches, (batches[-1].cursor if batches else cursor)


class SourceContract:
    """The tests; subclasses define the `harness` fixture."""

    def test_is_a_mail_source(self, harness: Harness) -> None:
        src = harness.make_source()
        try:
            assert isinstance(src, MailSource)
            assert src.account and src.kind
        finally:
            src.close()

    def test_first_sync_hands_out_everything_once(self, harness: Harness) -> None:
        expected = {harness.add(f"msg {i}", sent=i % 2 == 0) for i in range(5)}
        src = harness.make_source()
        try:
            batches, _ = run(src, {})
        finally:
            src.close()
        got = subjects_of(batches)
        assert sorted(got) == sorted(expected) and len(got) == len(set(got))
        ids = [m.source_id for b in batches for m in b.messages]
        assert len(ids) == len(set(ids)) == 5
        assert all(m.account == src.account for b in batches for m in b.messages)

    def test_a_fetch_from_the_final_cursor_hands_out_nothing_new(self, harness: Harness) -> None:
        for i in range(3):
            harness.add(f"m{i}", sent=i == 0)
        src = harness.make_source()
        try:
            read = Remembered()
            first, cursor = run(src, {}, read)
            again, _ = run(src, cursor, read)
        finally:
            src.close()
        seen = {m.source_id for b in first for m in b.messages}
        if harness.reoffers_recent:
            assert {m.source_id for b in again for m in b.messages} <= seen
        else:
            assert subjects_of(again) == []

    def test_a_later_message_appears_in_the_next_fetch(self, harness: Harness) -> None:
        harness.add("before", sent=True)
        src = harness.make_source()
        try:
            read = Remembered()
            _, cursor = run(src, {}, read)
            harness.add("after", sent=False)
            batches, cursor2 = run(src, cursor, read)
            later = subjects_of(batches)
            assert "after" in later
            if not harness.reoffers_recent:
                assert later == ["after"]
            final, _ = run(src, cursor2, read)
            assert "after" not in subjects_of(final) or harness.reoffers_recent
        finally:
            src.close()

    def test_every_batch_carries_a_json_cursor_and_resuming_loses_nothing(self, harness: Harness) -> None:
        expected = {harness.add(f"r{i}", sent=i < 3) for i in range(6)}
        src = harness.make_source()
        try:
            batches, final = run(src, {})
        finally:
            src.close()
        assert len(batches) >= 2, "the harness uses small batches"
        for b in batches:
            assert isinstance(b.cursor, dict)
            assert json.loads(json.dumps(b.cursor)) == b.cursor
        for k, b in enumerate(batches[:-1]):
            src2 = harness.make_source()
            try:
                rest, _ = run(src2, json.loads(json.dumps(b.cursor)), Remembered(batches[:k + 1]))
            finally:
                src2.close()
            before = set(subjects_of(batches[:k + 1]))
            assert before | set(subjects_of(rest)) == expected, f"resuming after batch {k} lost mail"

    def test_sent_and_received_direction_hints(self, harness: Harness) -> None:
        harness.add("mine", sent=True)
        harness.add("theirs", sent=False)
        src = harness.make_source()
        try:
            batches, _ = run(src, {})
        finally:
            src.close()
        hints = {str(email.message_from_bytes(m.raw)["Subject"]): m.direction_hint for b in batches for m in b.messages}
        assert hints == {"mine": "sent", "theirs": "received"}

    def test_a_message_moved_in_from_drafts_or_spam_is_handed_out_once(self, harness: Harness) -> None:
        if harness.park is None or harness.unpark is None:
            pytest.skip("this backend has no drafts or spam apart from the folders it reads")
        harness.add("before", sent=True)
        src = harness.make_source()
        try:
            read = Remembered()
            _, cursor = run(src, {}, read)
            draft = harness.add_parked("sent from a draft", sent=True)
            spam = harness.add_parked("rescued from spam", sent=False)
            parked, cursor = run(src, cursor, read)
            assert subjects_of(parked) == []
            harness.unpark(draft)
            harness.unpark(spam)
            batches, cursor = run(src, cursor, read)
            hints = {str(email.message_from_bytes(m.raw)["Subject"]): m.direction_hint
                     for b in batches for m in b.messages}
            assert sorted(subjects_of(batches)) == ["rescued from spam", "sent from a draft"]
            assert hints == {"sent from a draft": "sent", "rescued from spam": "received"}
            again, _ = run(src, cursor, read)
            assert subjects_of(again) == []
        finally:
            src.close()

    def test_a_flag_change_does_not_hand_a_message_out_again(self, harness: Harness) -> None:
        if harness.touch is None:
            pytest.skip("this backend has no flags the source could see")
        harness.add("flagged later", sent=False)
        src = harness.make_source()
        try:
            read = Remembered()
            first, cursor = run(src, {}, read)
            assert subjects_of(first) == ["flagged later"]
            harness.touch("flagged later")
            new = harness.add("new", sent=False)
            again, _ = run(src, cursor, read)
            got = subjects_of(again)
            assert new in got
            if not harness.reoffers_recent:  # (a source that re-offers recent files may offer it by the same id)
                assert got == [new]
        finally:
            src.close()

    def test_an_expired_sync_state_loses_nothing_and_repeats_nothing(self, harness: Harness) -> None:
        if harness.expire is None:
            pytest.skip("this backend has no sync state that expires")
        harness.add("kept", sent=True)
        harness.add("also kept", sent=False)
        src = harness.make_source()
        try:
            read = Remembered()
            _, cursor = run(src, {}, read)
            harness.expire()
            harness.add("while expired", sent=False)
            batches, cursor = run(src, cursor, read)
            assert subjects_of(batches) == ["while expired"]
            harness.add("after", sent=True)
            assert subjects_of(run(src, cursor, read)[0]) == ["after"]
        finally:
            src.close()

    def test_a_message_over_the_size_cap_keeps_its_header_and_text(self, harness: Harness) -> None:
        if harness.make_capped_source is None:
            pytest.skip("this backend has no size cap")
        from assistant.mailparse import parse

        when = harness.when()
        harness.deliver(big_mail("contract", 60_000, REP, when), False, when)
        harness.add("small", sent=False)
        src = harness.make_capped_source(8_000)
        try:
            batches, _ = run(src, {})
        finally:
            src.close()
        got = {str(email.message_from_bytes(m.raw)["Subject"]): m for b in batches for m in b.messages}
        assert set(got) == {"contract", "small"}
        big = got["contract"]
        assert len(big.raw) < 8_000 + 4_000  # the header and at most 8,000 bytes of the rest
        assert "we start Monday" in parse(big, RepConfig(email=REP)).body

    def test_close_is_idempotent(self, harness: Harness) -> None:
        harness.add("x", sent=True)
        src = harness.make_source()
        run(src, {})
        src.close()
        src.close()


# -- local (Maildir) -------------------------------------------------------------------------------
class TestLocalSource(SourceContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Harness:
        from assistant.sources.local import LocalSource

        root = tmp_path / "Mail"
        root.mkdir()
        boxes = {True: mailbox.Maildir(root / "Sent", create=True), False: mailbox.Maildir(root / "INBOX", create=True)}
        account = AccountConfig("local", "local", options={"mail": [str(root)], "batch_size": 2})
        config = Config(rep=RepConfig(email=REP), accounts=(account,))

        def deliver(raw: bytes, sent: bool, when: datetime) -> None:
            boxes[sent].add(raw)

        def touch(subject: str) -> None:
            """Mark it read in the mail client: the file moves to cur/ with flags after ':2,'."""
            for box in boxes.values():
                for key, msg in box.items():
                    if msg["Subject"] == subject:
                        msg.set_subdir("cur")
                        msg.add_flag("S")
                        box[key] = msg

        return Harness(deliver, lambda: LocalSource(account, config), touch=touch)


# -- IMAP (a real Dovecot) ------------------------------------------------------------------------------
@pytest.mark.server
class TestImapSource(SourceContract):
    @pytest.fixture
    def harness(self, dovecot: Any, imap_user: str) -> Harness:
        from assistant.sources.imap import ImapSource
        from tests.servers.dovecot import SENT_FOLDER

        account = AccountConfig("imap", "imap", options=dovecot.account_options(imap_user, batch_size=2))
        config = Config(rep=RepConfig(email=REP), accounts=(account,))

        def deliver(raw: bytes, sent: bool, when: datetime) -> None:
            c = dovecot.client(imap_user)
            try:
                c.append(SENT_FOLDER if sent else "INBOX", raw, flags=(), msg_time=when)
            finally:
                c.logout()

        def park(raw: bytes, sent: bool, when: datetime) -> tuple[str, str, str]:
            folder = "Drafts" if sent else "Junk"
            c = dovecot.client(imap_user)
            try:
                if not c.folder_exists(folder):
                    c.create_folder(folder)
                c.append(folder, raw, flags=(), msg_time=when)
            finally:
                c.logout()
            return folder, str(email.message_from_bytes(raw)["Subject"]), SENT_FOLDER if sent else "INBOX"

        def unpark(handle: tuple[str, str, str]) -> None:
            folder, subject, target = handle
            c = dovecot.client(imap_user)
            try:
                c.select_folder(folder)
                c.move(c.search(["SUBJECT", subject]), target)
            finally:
                c.logout()

        def touch(subject: str) -> None:
            c = dovecot.client(imap_user)
            try:
                for folder in ("INBOX", SENT_FOLDER):
                    c.select_folder(folder)
                    c.add_flags(c.search(["SUBJECT", subject]), [b"\\Seen", b"\\Flagged"])
            finally:
                c.logout()

        def capped(limit: int) -> ImapSource:
            acct = AccountConfig("imap", "imap", options=dovecot.account_options(
                imap_user, batch_size=2, max_message_bytes=limit))
            return ImapSource(acct, Config(rep=RepConfig(email=REP), accounts=(acct,)))

        return Harness(deliver, lambda: ImapSource(account, config), park=park, unpark=unpark, touch=touch,
                       make_capped_source=capped)


# -- Gmail (local fake) ---------------------------------------------------------------------------------
class TestGmailSource(SourceContract):
    @pytest.fixture
    def harness(self) -> Iterator[Harness]:
        from assistant.sources.gmail import GmailSource
        from tests.fakes.gmail import FakeGmail

        fake = FakeGmail(email=REP, now=NOW)
        fake.start()
        access, refresh = fake.issue_token()
        store = auth.TokenStore()
        store.put("gmail", "gmail", {"token": access, "refresh_token": refresh, "token_uri": fake.url + "/token",
                                     "client_id": "cid", "client_secret": "cs", "expiry": "2099-01-01T00:00:00Z"})
        account = AccountConfig("gmail", "gmail", options={"api_endpoint": fake.url + "/", "batch_size": 2})
        config = Config(rep=RepConfig(email=REP), accounts=(account,))

        def deliver(raw: bytes, sent: bool, when: datetime) -> None:
            fake.add(raw, labels=["SENT"] if sent else ["INBOX", "UNREAD"], when=when)

        def park(raw: bytes, sent: bool, when: datetime) -> tuple[str, bool]:
            return fake.add(raw, labels=["DRAFT"] if sent else ["SPAM"], when=when), sent

        def unpark(handle: tuple[str, bool]) -> None:
            mid, sent = handle
            if sent:
                fake.send_draft(mid)
            else:
                fake.not_spam(mid)

        def touch(subject: str) -> None:
            for mid, m in list(fake.messages.items()):
                if email.message_from_bytes(m.raw)["Subject"] == subject:
                    fake.change_labels(mid, add=["STARRED"], remove=["UNREAD"])
                    if "INBOX" in m.labels:  # archived, then moved back to the inbox
                        fake.change_labels(mid, remove=["INBOX"])
                        fake.change_labels(mid, add=["INBOX"])

        def expire() -> None:
            fake.forget_history_before(fake.history_id + 1)

        def capped(limit: int) -> GmailSource:
            acct = AccountConfig("gmail", "gmail", options={"api_endpoint": fake.url + "/", "batch_size": 2,
                                                            "max_message_bytes": limit})
            return GmailSource(acct, Config(rep=RepConfig(email=REP), accounts=(acct,)), token_store=store,
                               sleep=lambda s: None)

        try:
            yield Harness(deliver, lambda: GmailSource(account, config, token_store=store, sleep=lambda s: None),
                          park=park, unpark=unpark, touch=touch, expire=expire, make_capped_source=capped)
        finally:
            fake.stop()


# -- Outlook (local Graph + identity fake over https) ------------------------------------------------------
class TestOutlookSource(SourceContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[Harness]:
        from assistant.sources.outlook import OutlookSource
        from tests.fakes.graph import FakeGraph

        fake = FakeGraph(email=REP)
        fake.start_tls(str(tmp_path))
        account = AccountConfig("outlook", "outlook", options={
            "client_id": "cid", "authority": fake.authority, "graph_url": fake.graph_url, "ca_file": fake.ca_path})
        config = Config(rep=RepConfig(email=REP), accounts=(account,))
        store = auth.TokenStore()
        auth.microsoft_device_login(account, store, lambda text: None)

        def deliver(raw: bytes, sent: bool, when: datetime) -> None:
            fake.add(raw, folder="sentitems" if sent else "inbox", received=when)

        def park(raw: bytes, sent: bool, when: datetime) -> tuple[str, str]:
            return (fake.add(raw, folder="drafts" if sent else "junkemail", received=when),
                    "sentitems" if sent else "inbox")

        def unpark(handle: tuple[str, str]) -> None:
            fake.move(*handle)

        def touch(subject: str) -> None:
            for mid, m in list(fake.messages.items()):
                if email.message_from_bytes(m.mime)["Subject"] == subject:
                    fake.mark_read(mid)

        def expire() -> None:
            fake.expired_status = 400  # Graph answers 410 or 400 SyncStateNotFound: the stricter of the two
            fake.invalidate_delta_tokens()

        def capped(limit: int) -> OutlookSource:
            acct = AccountConfig("outlook", "outlook", options={**account.options, "max_message_bytes": limit})
            return OutlookSource(acct, Config(rep=RepConfig(email=REP), accounts=(acct,)), token_store=store,
                                 sleep=lambda s: None)

        try:
            yield Harness(deliver, lambda: OutlookSource(account, config, token_store=store, sleep=lambda s: None),
                          park=park, unpark=unpark, touch=touch, expire=expire, make_capped_source=capped)
        finally:
            fake.stop()
