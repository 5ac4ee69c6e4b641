"""The local source: Maildir, mbox and voicemail notes, read incrementally; the bundled sample."""

from __future__ import annotations

import mailbox
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from assistant.config import AccountConfig, Config, RepConfig, load_config
from assistant.errors import ConfigError
from assistant.mailparse import parse
from assistant.sources.base import Batch, MailSource
from assistant.sources.local import WINDOW_NS, LocalSource, split_front_matter
from assistant.store import open_store

REP = RepConfig(name="Sam Rivera", email="sam@northwind-analytics.com", timezone="America/New_York")
NY = ZoneInfo("America/New_York")
SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample"


def mail(i: int, sender: str = "kim@buyer.example", to: str = "sam@northwind-analytics.com") -> EmailMessage:
    e = EmailMessage()
    e["From"] = sender
    e["To"] = to
    e["Subject"] = f"message {i}"
    e["Date"] = "Mon, 16 Nov 2026 09:00:00 -0500"
    e["Message-ID"] = f"<m{i}@buyer.example>"
    e.set_content(f"Body {i}.\nFrom here on a line that starts with From the mbox must escape.\n")
    return e


def source(tmp_path: Path, **options: object) -> LocalSource:
    cfg = Config(rep=REP, source_path=tmp_path / "config.toml")
    return LocalSource(AccountConfig("local", "local", options=dict(options)), cfg)


class Kept:
    """The watcher's part: each batch's `read_names` stored (in a real store) and handed back to the next
    fetch, as `ReadNames`."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = open_store(tmp_path / "kept.sqlite3")

    def unread(self, folder: str, names: Sequence[str]) -> list[str]:
        # (the range-scan walk the store uses for a long listing, here from two names on; the watcher's
        # tests go through the look-up by name)
        return self.store.unread_names("local", folder, names, scan_from=2)

    def keep(self, batch: Batch) -> None:
        with self.store.transaction():
            self.store.remember_read("local", batch.read_names)

    def names(self, folder: str) -> set[str]:
        return {r[0] for r in self.store.db.execute("SELECT name FROM read_names WHERE folder = ?", (folder,))}


def drain(src: LocalSource, cursor: dict[str, Any], kept: Kept) -> tuple[list[str], dict[str, Any]]:
    ids: list[str] = []
    for batch in src.fetch(cursor, kept):
        ids += [r.source_id for r in batch.messages]
        cursor = batch.cursor
        kept.keep(batch)
    return ids, cursor


def test_maildir_first_and_incremental(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    md = mailbox.Maildir(tmp_path / "mail" / "INBOX", create=True)
    for i in range(5):
        md.add(mail(i))
    src = source(tmp_path, mail=["mail"], batch_size=2)
    assert isinstance(src, MailSource)
    batches = list(src.fetch({}))
    assert [len(b.messages) for b in batches] == [2, 2, 1] and batches[0].total == 5
    kept = Kept(tmp_path)
    ids, cursor = drain(src, {}, kept)
    assert len(set(ids)) == 5
    again, _ = drain(src, cursor, kept)
    assert again == []  # folders changed just now are listed again, but known names are not offered
    # a message read by a mail client moves new/ -> cur/ with flags: same source id
    key = next(iter(md.keys()))
    msg = md[key]
    msg.set_subdir("cur")
    msg.add_flag("S")
    md[key] = msg
    later, _ = drain(src, cursor, kept)
    assert later == []
    new_key = md.add(mail(99))
    newer, _ = drain(src, cursor, kept)
    assert newer == [f"maildir:mail/INBOX/{new_key}"]


def age(*dirs: Path, seconds: int = 60) -> None:
    """Set folders' mtimes into the past, as if the last change were long before the listing."""
    when = time.time() - seconds
    for d in dirs:
        os.utime(d, (when, when))


class ScandirSpy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.listed: list[str] = []
        real = os.scandir

        def spy(path: Any = ".") -> Any:
            self.listed.append(Path(path).name)
            return real(path)

        monkeypatch.setattr(os, "scandir", spy)


def test_maildir_incremental_by_folder_mtime_and_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mail").mkdir()
    root = tmp_path / "mail" / "INBOX"
    md = mailbox.Maildir(root, create=True)
    keys = [md.add(mail(i)) for i in range(4)]
    age(root / "new", root / "cur")
    src = source(tmp_path, mail=["mail"], batch_size=3)
    kept = Kept(tmp_path)
    ids, cursor = drain(src, {}, kept)
    assert len(ids) == 4 == len(set(ids))
    spy = ScandirSpy(monkeypatch)
    again, cursor2 = drain(src, cursor, kept)
    assert again == [] and spy.listed == []  # unchanged folders are not even listed
    assert cursor2 == cursor

    # a mail client reads one: new/ -> cur/ with flags (both folders change); another gets a flag in cur/
    for key, flags in ((keys[0], "S"), (keys[1], "S")):
        msg = md[key]
        msg.set_subdir("cur")
        msg.add_flag(flags)
        md[key] = msg
    age(root / "new", root / "cur")
    moved, cursor = drain(src, cursor, kept)
    assert moved == [] and sorted(spy.listed) == ["cur", "new"]
    msg = md[keys[1]]
    msg.add_flag("R")  # renamed within cur/ with more flags
    md[keys[1]] = msg
    assert any(name.endswith(",RS") for name in os.listdir(root / "cur"))
    age(root / "cur")
    spy.listed.clear()
    renamed, cursor = drain(src, cursor, kept)
    assert renamed == [] and spy.listed == ["cur"]  # new/ unchanged: skipped

    # a new message in new/, and one deleted: exactly the new one is offered
    new_key = md.add(mail(10))
    md.remove(keys[3])
    age(root / "new", root / "cur")
    spy.listed.clear()
    fresh, cursor = drain(src, cursor, kept)
    assert fresh == [f"maildir:mail/INBOX/{new_key}"]
    # the names read are the store's (names are never reused: a deleted one's is simply kept); the cursor
    # holds the folders' mtimes only
    assert kept.names("mail/INBOX") == {*keys, new_key}
    assert {sub: set(v) for sub, v in cursor["maildir"]["mail/INBOX"].items()} == {"new": {"mtime"},
                                                                                   "cur": {"mtime"}}
    assert drain(src, cursor, kept)[0] == []


def test_maildir_racy_folder_is_listed_again_and_crash_resumes(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mail").mkdir()
    root = tmp_path / "mail" / "INBOX"
    md = mailbox.Maildir(root, create=True)
    for i in range(5):
        md.add(mail(i))
    src = source(tmp_path, mail=["mail"], batch_size=2)
    batches = list(src.fetch({}))
    assert [len(b.messages) for b in batches] == [2, 2, 1]
    # a crash after the first batch was stored: the folder's mtime did not move, its names were stored
    assert batches[0].cursor["maildir"]["mail/INBOX"]["new"] == {"mtime": -1}
    assert len(batches[0].read_names) == 2
    kept = Kept(tmp_path)
    kept.keep(batches[0])
    rest, cursor = drain(src, batches[0].cursor, kept)
    done = {r.source_id for r in batches[0].messages}
    assert len(rest) == 3 and not done & set(rest)
    # the folder changed just now: its mtime may hide a change in the same tick, so it is listed again
    spy = ScandirSpy(monkeypatch)
    assert drain(src, cursor, kept)[0] == [] and "new" in spy.listed
    age(root / "new", root / "cur")
    _, cursor = drain(src, cursor, kept)
    spy.listed.clear()
    assert drain(src, cursor, kept)[0] == [] and spy.listed == []


def test_maildir_cursor_from_before_names_were_kept(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    md = mailbox.Maildir(tmp_path / "mail" / "INBOX", create=True)
    old = [md.add(mail(i)) for i in range(3)]
    for key in old:
        os.utime(tmp_path / "mail" / "INBOX" / "new" / key, (1e9, 1e9))
    newest = max(os.stat(tmp_path / "mail" / "INBOX" / "new" / k).st_ctime_ns for k in old)
    stamp = newest + WINDOW_NS + 1  # the old cursor: ctime of the newest file read (then deleted), 2 s window
    time.sleep(0.05)
    new_key = md.add(mail(3))
    kept = Kept(tmp_path)
    ids, cursor = drain(source(tmp_path, mail=["mail"]), {"stamps": {"mail/INBOX": stamp}}, kept)
    assert ids == [f"maildir:mail/INBOX/{new_key}"]
    assert "mail/INBOX" not in cursor["stamps"] and kept.names("mail/INBOX") == {*old, new_key}


def test_maildir_cursor_that_held_the_names_hands_them_to_the_store(tmp_path: Path) -> None:
    """A cursor from before the store kept the names: nothing it knew is read again, its names go to the
    store with the next pass's first batch, and the cursor keeps mtimes only from then on."""
    (tmp_path / "mail").mkdir()
    root = tmp_path / "mail" / "INBOX"
    md = mailbox.Maildir(root, create=True)
    old = [md.add(mail(i)) for i in range(3)]
    age(root / "new", root / "cur")
    mtimes = {sub: os.stat(root / sub).st_mtime_ns for sub in ("new", "cur")}
    legacy = {"maildir": {"mail/INBOX": {"new": {"mtime": mtimes["new"] - 1, "names": sorted(old)},
                                         "cur": {"mtime": mtimes["cur"], "names": []}}}}
    src = source(tmp_path, mail=["mail"])
    kept = Kept(tmp_path)
    batches = list(src.fetch(legacy, kept))
    assert [b.messages for b in batches] == [()] and sorted(batches[0].read_names) == [("mail/INBOX", k) for k in
                                                                                       sorted(old)]
    assert batches[0].cursor["maildir"]["mail/INBOX"] == {"new": {"mtime": mtimes["new"]},
                                                          "cur": {"mtime": mtimes["cur"]}}
    kept.keep(batches[0])
    new_key = md.add(mail(3))
    assert drain(src, batches[0].cursor, kept)[0] == [f"maildir:mail/INBOX/{new_key}"]
    # (a legacy cursor whose pass is interrupted before its first batch is stored hands them over next time)
    new_too = md.add(mail(4))
    again = list(src.fetch(legacy, Kept(tmp_path / "other")))
    assert sorted(r.source_id for b in again for r in b.messages) == sorted(
        f"maildir:mail/INBOX/{k}" for k in (new_key, new_too))
    assert len(again[0].read_names) >= 3


def test_folder_direction_and_rep_address(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    mailbox.Maildir(tmp_path / "mail" / "Sent", create=True).add(mail(1, sender="other@northwind-analytics.com",
                                                                      to="kim@buyer.example"))
    mailbox.Maildir(tmp_path / "mail" / "INBOX", create=True).add(mail(2))
    src = source(tmp_path, mail="mail")
    raws = [r for b in src.fetch({}) for r in b.messages]
    directions = {parse(r, REP).subject: parse(r, REP).direction for r in raws}
    assert directions == {"message 1": "sent", "message 2": "received"}


def test_mbox_append_is_incremental_and_unescapes_from(tmp_path: Path) -> None:
    path = tmp_path / "archive.mbox"
    box = mailbox.mbox(path)
    for i in range(3):
        box.add(mail(i))
    box.flush()
    src = source(tmp_path, mail=str(path))
    raws = [r for b in src.fetch({}) for r in b.messages]
    assert len(raws) == 3
    assert b"\nFrom here on" in raws[0].raw  # ">From" unescaped
    assert parse(raws[0], REP).subject == "message 0"
    kept = Kept(tmp_path)
    _, cursor = drain(src, {}, kept)
    box.add(mail(3))
    box.flush()
    box.close()
    new, cursor2 = drain(src, cursor, kept)
    assert len(new) == 1
    assert drain(src, cursor2, kept)[0] == []


def test_notes_front_matter_file_name_and_mtime(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("---\ndate: 2026-11-18 16:40\nwith: Rosa Alvarez <rosa@juniper.example>\n"
                                "subject: Voicemail from Rosa\n---\n\nI'll call her back Friday at 11.\n")
    (notes / "b.txt").write_text("date: 2026-11-16 11:20 -08:00\n\nLeft a voicemail.\n")
    (notes / "2026-11-12T1405 Ed Park call.md").write_text("# Call with Ed\n\nI'll send the plan by Monday.\n")
    (notes / "2026-11-19 Granite.txt").write_text("Tried Michael.\n")
    (notes / "undated.txt").write_text("No date anywhere.\n")
    os.utime(notes / "undated.txt", (1795000000, 1795000000))
    (notes / "ignored.pdf").write_bytes(b"%PDF")
    src = source(tmp_path, notes="notes")
    parsed = {r.source_id.rsplit("/", 1)[1]: parse(r, REP) for b in src.fetch({}) for r in b.messages}
    assert set(parsed) == {"a.md", "b.txt", "2026-11-12T1405 Ed Park call.md", "2026-11-19 Granite.txt",
                           "undated.txt"}
    a = parsed["a.md"]
    assert a.direction == "note" and a.sent_at == datetime(2026, 11, 18, 16, 40, tzinfo=NY)
    assert a.recipients[0].email == "rosa@juniper.example" and a.subject == "Voicemail from Rosa"
    assert a.body.strip() == "I'll call her back Friday at 11."
    assert parsed["b.txt"].sent_at == datetime(2026, 11, 16, 19, 20, tzinfo=UTC)
    ed = parsed["2026-11-12T1405 Ed Park call.md"]
    assert ed.sent_at == datetime(2026, 11, 12, 14, 5, tzinfo=NY) and ed.subject == "Call with Ed"
    assert parsed["2026-11-19 Granite.txt"].sent_at == datetime(2026, 11, 19, 12, 0, tzinfo=NY)
    assert parsed["undated.txt"].sent_at == datetime.fromtimestamp(1795000000, UTC)
    assert len({m.id for m in parsed.values()}) == 5


def test_split_front_matter_leaves_plain_text_alone() -> None:
    assert split_front_matter("Note: this is text\nmore") == ({}, "Note: this is text\nmore")
    assert split_front_matter("---\nno closing") == ({}, "---\nno closing")


def test_bad_config_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="reads nothing"):
        source(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        source(tmp_path, mail="nowhere")
    with pytest.raises(ConfigError, match="list of paths"):
        source(tmp_path, mail=5)


def test_bundled_sample_reads_whole() -> None:
    cfg = load_config(SAMPLE / "config.toml")
    # the mailbox (book mode) and the call notes (suggest mode, so the demo shows the review step)
    msgs = [parse(r, cfg.rep) for account in cfg.accounts for b in LocalSource(account, cfg).fetch({})
            for r in b.messages]
    assert len(msgs) >= 30
    kinds = {m.direction for m in msgs}
    assert kinds == {"sent", "received", "note"}
    assert sum(m.is_auto_reply for m in msgs) == 1
    ooo = next(m for m in msgs if m.is_auto_reply)
    assert ooo.auto_reply_until == datetime(2026, 11, 23, tzinfo=NY)
    assert any(m.sender.domain == "gmail.com" for m in msgs)
    assert min(m.sent_at for m in msgs) < datetime(2026, 10, 20, tzinfo=UTC)  # a thread stalled > 30 days
    assert all(m.sent_at < datetime(2026, 11, 20, 14, 0, tzinfo=UTC) for m in msgs)  # before the demo clock


def test_the_store_answers_which_names_are_unread_per_account_and_folder(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        with store.transaction():
            store.remember_read("a", [("mail/INBOX", "n1"), ("mail/INBOX", "n3"), ("mail/Sent", "n4")])
            store.remember_read("a", [("mail/INBOX", "n1")])  # (a batch re-offered after a crash: once)
            store.remember_read("b", [("mail/INBOX", "n2")])
        names = ["n5", "n4", "n3", "n2", "n1"]
        assert store.unread_names("a", "mail/INBOX", names, chunk=2) == ["n5", "n4", "n2"]
        assert store.unread_names("a", "mail/Sent", names) == ["n5", "n3", "n2", "n1"]
        # a long listing in ascending order is walked beside the stored rows (one range scan): same answer
        ordered = sorted(names + ["n0", "n3"])
        assert store.unread_names("a", "mail/INBOX", ordered, scan_from=2) == ["n0", "n2", "n4", "n5"]
        assert store.unread_names("a", "mail/Sent", ordered, scan_from=2) == ["n0", "n1", "n2", "n3", "n3", "n5"]
        assert store.unread_names("a", "mail/INBOX", names, scan_from=2) == ["n5", "n4", "n2"]  # (out of order)
        assert store.count_read_names("a") == 3


def test_a_first_sync_holds_file_names_and_builds_each_item_as_it_is_read(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays flat with the mailbox: a listing keeps bare file names; the item for a message (its
    path, source id, folder) is built only when its batch is read, so the first batch of a long history
    has built about one batch of them."""
    from assistant.sources import local

    (tmp_path / "mail").mkdir()
    md = mailbox.Maildir(tmp_path / "mail" / "INBOX", create=True)
    for i in range(60):
        md.add(mail(i))
    made: list[object] = []
    real = local._Item

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(local, "_Item", counting)
    batches = source(tmp_path, mail=["mail"], batch_size=10).fetch({}, Kept(tmp_path))
    first = next(batches)
    assert len(first.messages) == 10 and first.total == 60
    assert len(made) <= 10 + 1  # (the merge of new/ and cur/ looks one item ahead)
    rest = [r.source_id for b in batches for r in b.messages]
    assert len(made) == 60 and len(set(rest) | {r.source_id for r in first.messages}) == 60
