"""The watcher: exactly-once storage across SIGKILLs, retries, failures kept for later, AuthError isolation."""

from __future__ import annotations

import json
import mailbox
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from assistant.clock import fixed_clock
from assistant.config import AccountConfig, Config, RepConfig, load_config
from assistant.errors import AuthError, ConfigError, TransientError
from assistant.models import Commitment, Message, RawMessage, content_id
from assistant.sources.base import Batch, ReadNames
from assistant.store import Store, open_store
from assistant.watcher import StopFlag, sync_account, watch

REP = RepConfig(name="Sam Rivera", email="sam@northwind-analytics.com", timezone="America/New_York")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def email_bytes(i: int, *, reply_to: int | None = None) -> bytes:
    e = EmailMessage()
    if reply_to is None:
        e["From"], e["To"] = "Sam Rivera <sam@northwind-analytics.com>", f"buyer{i % 7}@buyer.example"
        e.set_content(f"Hi,\n\nI'll call you Thursday at 9:{i % 60:02d} about item {i}.\n\nSam\n")
    else:
        e["From"], e["To"] = f"buyer{i % 7}@buyer.example", "Sam Rivera <sam@northwind-analytics.com>"
        e["In-Reply-To"] = f"<m{reply_to}@northwind-analytics.com>"
        e["References"] = f"<m{reply_to}@northwind-analytics.com>"
        e.set_content(f"Thanks, sounds good ({i}).\n")
    e["Subject"] = f"item {reply_to if reply_to is not None else i}"
    e["Date"] = f"Mon, {1 + i % 28:02d} Nov 2026 09:00:00 -0500"
    e["Message-ID"] = f"<m{i}@{'northwind-analytics.com' if reply_to is None else 'buyer.example'}>"
    return e.as_bytes()


def fake_extractor(messages: Sequence[Message]) -> list[list[Commitment]]:
    """One commitment per message saying "I'll": deterministic and fast (no spaCy in these tests)."""
    out = []
    for m in messages:
        found = []
        if "I'll" in m.body:
            text = m.body[m.body.index("I'll"):].split("\n")[0]
            found.append(Commitment(content_id(m.id, "me", "call", text, prefix="c"), m.id, "me", "call", None,
                                    False, False, False, text))
        out.append(found)
    return out


def slow_extractor(messages: Sequence[Message]) -> list[list[Commitment]]:
    time.sleep(0.003 * len(messages))  # widen the window in which a kill lands mid-sync
    return fake_extractor(messages)


def dying_extractor(messages: Sequence[Message]) -> list[list[Commitment]]:
    """Kills the worker process on its second batch; in the watcher's own process it just extracts."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        dying_extractor.calls = getattr(dying_extractor, "calls", 0) + 1  # type: ignore[attr-defined]
        if dying_extractor.calls == 2:  # type: ignore[attr-defined]
            os._exit(3)
    return fake_extractor(messages)


def build_maildir(root: Path, n: int) -> None:
    (root / "mail").mkdir(parents=True)
    sent = mailbox.Maildir(root / "mail" / "Sent", create=True)
    inbox = mailbox.Maildir(root / "mail" / "INBOX", create=True)
    for i in range(n):
        if i % 3 == 2:
            inbox.add(email_bytes(i, reply_to=i - 1))
        else:
            sent.add(email_bytes(i))


def write_config(root: Path, batch_size: int = 20, store: str = '[store]\npath = "store.sqlite3"') -> Path:
    path = root / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [rep]
        name = "Sam Rivera"
        email = "sam@northwind-analytics.com"
        timezone = "America/New_York"
        [[accounts]]
        name = "local"
        kind = "local"
        mail = ["mail"]
        batch_size = {batch_size}
        """) + store + "\n")
    return path


CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from tests.test_watcher import slow_extractor, NOW
    from assistant.clock import fixed_clock
    from assistant.config import load_config
    from assistant.watcher import watch

    watch(load_config(Path(sys.argv[1])), fixed_clock(NOW), once=True, extractor=slow_extractor,
          after=lambda *a: [], parallel=sys.argv[3] == "parallel")
    print("DONE")
""")


def marked_processes(mark: str) -> list[int]:
    """Processes whose environment carries `mark` (the watcher children of one test and their workers)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mark.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def stored_messages(db: Path) -> int:
    """How many messages a (possibly running) watcher has committed; 0 before the schema exists."""
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
    except sqlite3.Error:
        return 0


def stored_messages_pg(conn: Any, rep: str) -> int:
    """The same on PostgreSQL (an autocommit psycopg connection): 0 before the rep's schema exists."""
    if conn.execute("SELECT to_regclass(%s)", (f"rep_{rep}.messages",)).fetchone()[0] is None:
        return 0
    return int(conn.execute(f"SELECT COUNT(*) FROM rep_{rep}.messages").fetchone()[0])


@pytest.mark.parametrize("mode", ["inline", "parallel"])
def test_sigkill_at_random_points_stores_every_message_exactly_once(tmp_path: Path, mode: str) -> None:
    db = tmp_path / "store.sqlite3"
    kill_repeatedly(tmp_path, mode, write_config(tmp_path), lambda: stored_messages(db))


@pytest.mark.server
def test_sigkill_at_random_points_stores_every_message_exactly_once_on_postgresql(
        tmp_path: Path, postgres: Any, pg_rep: str) -> None:
    """The same guarantee on the PostgreSQL adapter: a cursor commits with its messages or not at all."""
    import psycopg

    config_path = write_config(tmp_path, store=f'[store]\nurl = "{postgres.url}"\nrep = "{pg_rep}"')
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        kill_repeatedly(tmp_path, "inline", config_path, lambda: stored_messages_pg(conn, pg_rep))


def kill_repeatedly(tmp_path: Path, mode: str, config_path: Path, stored: Callable[[], int]) -> None:
    """SIGKILL a `watch --once` child at random moments of a 300-message first sync, then let one finish:
    every message is stored exactly once, with its commitments, threads resolved."""
    n = 300
    build_maildir(tmp_path, n)
    rng = random.Random(20261120)
    mark = f"FT_KILL_TEST_{os.getpid()}_{mode}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), mark: "1"}
    kills = 0
    for _ in range(12):
        before = stored()
        if before >= n:
            break
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(config_path), str(ROOT), mode], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Kill by progress, not by a guess of the machine's speed: once the child has committed some more
        # batches, at a random moment within the next one.
        target = before + rng.randint(1, 60)
        deadline = time.monotonic() + 60
        while proc.poll() is None and stored() < target and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.08))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)
    final = subprocess.run([sys.executable, "-c", CHILD, str(config_path), str(ROOT), mode], env=env,
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert kills >= 3  # the test really killed syncs in flight
    deadline = time.monotonic() + 15
    while marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked_processes(mark) == []  # no extraction worker outlives a killed watcher
    config = load_config(config_path)
    with open_store(config.store_target, rep=config.store_rep) as store:
        assert store.count_messages() == n
        rows = store.db.execute("SELECT COUNT(DISTINCT source_id), COUNT(DISTINCT message_id) FROM messages").fetchone()
        assert tuple(rows) == (n, n)
        promised = [i for i in range(n) if i % 3 != 2]
        assert store.count_commitments() == len(promised)  # each message's commitments stored with it, once
        assert store.failures() == []
        replies = store.messages(direction="received")
        assert len(replies) == n // 3
        for reply in replies:  # threads resolved whatever order the restarts read them in
            original = store.db.execute("SELECT thread_id FROM messages WHERE message_id = ?",
                                        (reply.in_reply_to,)).fetchone()
            assert original[0] == reply.thread_id


def test_parallel_extraction_stores_every_batch_in_order_and_survives_a_dying_worker(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import multiprocessing

    n = 40
    build_maildir(tmp_path, n)
    config = load_config(write_config(tmp_path, batch_size=7))
    cursors: list[dict[str, Any]] = []
    with open_store(config.store_path) as store:
        real_set_cursor = store.set_cursor

        def recording(account: str, cursor: dict[str, Any], now: datetime | None = None) -> None:
            cursors.append(cursor)
            assert store.count_messages() == store.count_read_names("local")  # (written with the batch)
            real_set_cursor(account, cursor, now)

        store.set_cursor = recording  # type: ignore[method-assign]
        from assistant.sources.local import LocalSource

        src = LocalSource(config.accounts[0], config)
        res = sync_account(store, src, config, fixed_clock(NOW), extractor=dying_extractor, parallel=True)
        assert res.stored == n and store.count_messages() == n
        assert store.count_commitments() == len([i for i in range(n) if i % 3 != 2])
        assert len(cursors) == 6  # one commit per batch, each holding exactly the messages stored so far
    assert "extraction worker stopped (exit code 3)" in caplog.text  # the second batch came back to this process
    assert multiprocessing.active_children() == []


def test_a_batch_writes_what_it_read_not_everything_read_so_far(tmp_path: Path) -> None:
    """The cursor a batch commits does not grow with the messages already read (the Maildir cursor keeps
    folder mtimes; the names read are rows the batch adds in its own transaction): each commit writes its
    own batch's names and a cursor of the same size, on a first sync and on a later pass over a long
    history alike."""
    n, size = 120, 10
    build_maildir(tmp_path, n)
    config = load_config(write_config(tmp_path, batch_size=size))
    commits: list[tuple[int, int]] = []  # (bytes of cursor JSON, names written by the batch)
    with open_store(config.store_path) as store:
        real_set_cursor = store.set_cursor
        real_remember = store.remember_read
        written: list[int] = []

        def remember(account: str, entries: Iterable[tuple[str, str]]) -> None:
            entries = list(entries)
            written.append(len(entries))
            real_remember(account, entries)

        def recording(account: str, cursor: dict[str, Any], now: datetime | None = None) -> None:
            commits.append((len(json.dumps(cursor, sort_keys=True)), written[-1]))
            real_set_cursor(account, cursor, now)

        store.remember_read = remember  # type: ignore[method-assign]
        store.set_cursor = recording  # type: ignore[method-assign]
        from assistant.sources.local import LocalSource

        src = LocalSource(config.accounts[0], config)
        assert sync_account(store, src, config, fixed_clock(NOW), extractor=fake_extractor).stored == n
        assert [w for _, w in commits] == [size] * (n // size)
        first_sizes = [c for c, _ in commits]
        # (a folder's mtime is written once all of its messages are read: -1 before, nanoseconds after)
        assert max(first_sizes) - min(first_sizes) <= 2 * len(str(time.time_ns()))
        assert max(first_sizes) < 400

        sent = mailbox.Maildir(tmp_path / "mail" / "Sent", create=False)
        for i in range(n, n + 3):
            sent.add(email_bytes(i))
        commits.clear()
        assert sync_account(store, src, config, fixed_clock(NOW), extractor=fake_extractor).stored == 3
        assert [w for _, w in commits] == [3] and commits[0][0] <= max(first_sizes)
        assert store.count_read_names("local") == n + 3


def test_first_sync_shows_progress_and_later_passes_do_not(tmp_path: Path) -> None:
    import io
    import re

    from rich.console import Console

    from assistant.cli.watch_cmds import first_sync_progress

    build_maildir(tmp_path, 12)
    config = load_config(write_config(tmp_path, batch_size=5))
    out = io.StringIO()
    progress, progress_for = first_sync_progress(Console(file=out, force_terminal=True, width=100))
    with progress:
        watch(config, fixed_clock(NOW), once=True, extractor=fake_extractor, after=lambda *a: [],
              progress_for=progress_for)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())  # the terminal's control codes
    assert "first sync of local" in text
    counts = re.findall(r"first sync of local.*?(\d+)/(\d+)", text)
    assert {total for _, total in counts} == {"12"}
    assert [int(done) for done, _ in counts][-1] == 12
    assert {"5", "10", "12"} <= {done for done, _ in counts}  # it moved batch by batch
    again = io.StringIO()
    progress, progress_for = first_sync_progress(Console(file=again, force_terminal=True, width=100))
    (tmp_path / "mail" / "INBOX" / "new" / "99.x").write_bytes(email_bytes(99, reply_to=98))
    with progress:
        res = watch(config, fixed_clock(NOW), once=True, extractor=fake_extractor, after=lambda *a: [],
                    progress_for=progress_for)
    assert res[0].stored == 1 and "first sync" not in again.getvalue()


# -- fakes for the loop -----------------------------------------------------------------------------


class ListSource:
    kind = "fake"

    def __init__(self, account: str, raws: list[bytes], fail_first: int = 0, batch: int = 5) -> None:
        self.account = account
        self.raws = raws
        self.fail_first = fail_first
        self.calls = 0
        self.batch = batch

    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        self.calls += 1
        start = int(cursor.get("next", 0))
        for i in range(start, len(self.raws), self.batch):
            if self.calls <= self.fail_first and i > start:
                raise TransientError("connection reset by peer")
            chunk = self.raws[i:i + self.batch]
            yield Batch(tuple(RawMessage(self.account, f"{self.account}/{i + k}", r) for k, r in enumerate(chunk)),
                        {"next": i + len(chunk)}, total=len(self.raws))

    def wait(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


class ExpiredSource(ListSource):
    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        self.calls += 1
        raise AuthError(self.account, "gmail", "invalid_grant")


def cfg(tmp_path: Path, *names: str) -> Config:
    return Config(rep=REP, accounts=tuple(AccountConfig(n, "local") for n in names),
                  store_path=tmp_path / "s.sqlite3")


def test_transient_errors_are_retried_without_loss(tmp_path: Path) -> None:
    src = ListSource("a", [email_bytes(i) for i in range(20)], fail_first=2)
    with open_store(tmp_path / "s.sqlite3") as store:
        res = sync_account(store, src, cfg(tmp_path, "a"), fixed_clock(NOW), extractor=fake_extractor,
                           retry_wait=lambda _s: 0)
        assert src.calls == 3
        assert store.count_messages("a") == 20 and res.stored == 20
        assert store.cursor("a") == {"next": 20}


def test_transient_errors_give_up_after_the_retries(tmp_path: Path) -> None:
    src = ListSource("a", [email_bytes(i) for i in range(20)], fail_first=99)
    with open_store(tmp_path / "s.sqlite3") as store, pytest.raises(TransientError):
        sync_account(store, src, cfg(tmp_path, "a"), fixed_clock(NOW), extractor=fake_extractor,
                     retry_wait=lambda _s: 0, retry_attempts=3)
    with open_store(tmp_path / "s.sqlite3") as store:
        # each attempt resumed from the stored cursor and kept the batch it got before failing
        assert store.count_messages("a") == 15
        assert store.cursor("a") == {"next": 15}


def test_unparseable_message_is_kept_and_retried_while_the_rest_goes_on(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    raws = [email_bytes(0), b"\x00\x01 not mail at all", email_bytes(1)]
    src = ListSource("a", raws)
    import assistant.watcher as w

    real_parse = w.parse
    broken = {"m1@northwind-analytics.com"}

    def flaky(raw: RawMessage, rep: RepConfig, *, now: datetime | None = None) -> Message:
        if any(m.encode() in raw.raw for m in broken):
            raise RuntimeError("parser bug")
        return real_parse(raw, rep, now=now)

    monkeypatch.setattr(w, "parse", flaky)
    config = cfg(tmp_path, "a")
    with open_store(config.store_path) as store:
        res = sync_account(store, src, config, fixed_clock(NOW), extractor=fake_extractor)
        assert (res.stored, res.failed) == (1, 2)
        failures = {r["source_id"]: r for r in store.failures("a")}
        assert set(failures) == {"a/1", "a/2"} and bytes(failures["a/2"]["raw"]) == raws[2]
        broken.clear()  # the parser got fixed
        res2 = sync_account(store, src, config, fixed_clock(NOW), extractor=fake_extractor)
        assert res2.retried == 1 and store.count_messages("a") == 2
        left = store.failures("a")
        assert [r["source_id"] for r in left] == ["a/1"] and left[0]["attempts"] == 2


def test_stop_between_messages_commits_what_was_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = ListSource("a", [email_bytes(i) for i in range(10)], batch=10)
    stop = StopFlag()
    import assistant.watcher as w

    real_parse = w.parse
    seen = []

    def counting(raw: RawMessage, rep: RepConfig, *, now: datetime | None = None) -> Message:
        seen.append(raw.source_id)
        if len(seen) == 3:
            stop.set()  # SIGTERM arrives while the third message is read
        return real_parse(raw, rep, now=now)

    monkeypatch.setattr(w, "parse", counting)
    config = cfg(tmp_path, "a")
    with open_store(config.store_path) as store:
        res = sync_account(store, src, config, fixed_clock(NOW), stop=stop, extractor=fake_extractor)
        assert res.stopped and store.count_messages("a") == 3
        assert store.cursor("a") == {}  # the cursor never passes messages not stored
        res2 = sync_account(store, src, config, fixed_clock(NOW), extractor=fake_extractor)
        assert store.count_messages("a") == 10 and res2.stored == 7 and res2.duplicates == 3


def test_auth_error_stops_that_account_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = ListSource("good", [email_bytes(i) for i in range(6)])
    bad = ExpiredSource("bad", [])
    sources = {"good": good, "bad": bad}
    config = cfg(tmp_path, "bad", "good")
    passes = []
    stop = StopFlag()

    def after(store: Store, config: Config, now: datetime) -> list[str]:
        passes.append(store.count_messages())
        if len(passes) == 3:
            stop.set()
        return [f"pass {len(passes)}"]

    results = watch(config, fixed_clock(NOW), stop=stop, source_factory=lambda a, c: sources[a.name],
                    after=after, poll_seconds=0.01, extractor=fake_extractor)
    assert passes == [6, 6, 6]
    assert bad.calls == 1  # never asked again after the sign-in failed
    assert good.calls == 3
    assert "assistant login gmail --account bad" in caplog.text
    assert [r.account for r in results] == ["good"]


def test_watch_once_reports_the_auth_error(tmp_path: Path) -> None:
    config = cfg(tmp_path, "bad", "good")
    sources = {"good": ListSource("good", [email_bytes(1)]), "bad": ExpiredSource("bad", [])}
    results = watch(config, fixed_clock(NOW), once=True, source_factory=lambda a, c: sources[a.name],
                    after=lambda *a: [], extractor=fake_extractor)
    by_name = {r.account: r for r in results}
    assert "assistant login gmail --account bad" in by_name["bad"].error
    assert by_name["good"].stored == 1 and not by_name["good"].error


def test_no_accounts_is_a_clear_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="assistant init"):
        watch(cfg(tmp_path), fixed_clock(NOW), once=True)


def test_cli_watch_once_init_service_and_bad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from assistant.cli import main

    runner = CliRunner()
    missing = runner.invoke(main, ["watch", "--once", "--config", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "assistant init --config" in missing.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[rep]\ntimezone = \"Mars/Olympus\"\n")
    out = runner.invoke(main, ["watch", "--once", "--config", str(bad)])
    assert out.exit_code == 2 and "rep.timezone" in out.output
    conf = tmp_path / "new" / "config.toml"
    out = runner.invoke(main, ["init", "--config", str(conf), "--name", "Sam", "--email", "sam@x.example",
                               "--timezone", "America/New_York"])
    assert out.exit_code == 0, out.output
    again = runner.invoke(main, ["init", "--config", str(conf)])
    assert again.exit_code == 2 and "--force" in again.output
    from assistant.config import data_dir

    (data_dir() / "mail" / "new" / "1.x").write_bytes(email_bytes(1))  # init puts the Maildir in the data dir
    out = runner.invoke(main, ["watch", "--once", "--config", str(conf), "--now", "2026-11-20T09:00"])
    assert out.exit_code == 0, out.output
    with open_store(load_config(conf).store_path) as store:
        assert store.count_messages() == 1
    out = runner.invoke(main, ["service", "install", "--print", "--config", str(conf)])
    assert "ExecStart=" in out.output and "<key>ProgramArguments</key>" in out.output
    assert str(conf.resolve()) in out.output
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    out = runner.invoke(main, ["service", "install", "--config", str(conf)])
    assert out.exit_code == 0 and (tmp_path / "xdg" / "systemd" / "user" / "follow-through.service").exists()


# -- message identity: Message-ID AND content -------------------------------------------------------


def _same_id_mail(body: str, *, received: str = "") -> bytes:
    e = EmailMessage()
    if received:
        e["Received"] = received
    e["From"], e["To"] = "Kim Lee <kim@buyer.example>", "Sam Rivera <sam@northwind-analytics.com>"
    e["Subject"] = "pricing"
    e["Date"] = "Mon, 16 Nov 2026 09:00:00 -0500"
    e["Message-ID"] = "<reused@buyer.example>"
    e.set_content(body)
    return e.as_bytes()


def test_two_messages_with_one_message_id_are_both_stored_each_with_its_own_commitments(tmp_path: Path) -> None:
    first = _same_id_mail("I'll call you Tuesday about the renewal.\n")
    second = _same_id_mail("I'll send the signed order form on Friday.\n")
    again = _same_id_mail("I'll call you Tuesday about the renewal.\n", received="from mx2 by mx1; Mon, 16 Nov 2026")
    src = ListSource("a", [first, second, first, again], batch=10)  # all in one batch
    with open_store(tmp_path / "s.sqlite3") as store:
        res = sync_account(store, src, cfg(tmp_path, "a"), fixed_clock(NOW), extractor=fake_extractor)
        assert (res.stored, res.duplicates, res.failed) == (2, 2, 0)
        stored = store.messages()
        assert len(stored) == 2 and len({m.id for m in stored}) == 2
        for m in stored:
            texts = [c.text for c in store.commitments(m.id)]
            assert texts == [m.body.strip()], (m.body, texts)  # not the other message's promise
        assert {m.thread_id for m in stored} == {stored[0].thread_id}


def test_a_copy_stored_before_ids_covered_the_content_is_not_stored_again(tmp_path: Path) -> None:
    from assistant.mailparse import parse

    raw = _same_id_mail("I'll call you Tuesday about the renewal.\n")
    old = parse(RawMessage("a", "a/old", raw), REP)
    with open_store(tmp_path / "s.sqlite3") as store:
        with store.transaction():  # the row as an earlier version stored it: id from the Message-ID alone
            store.add_message(replace(old, id=content_id("msgid", old.message_id, prefix="m"), thread_id="t1",
                                      body=old.body.strip()))
        src = ListSource("a", [raw, _same_id_mail("Something else entirely.\n")])
        res = sync_account(store, src, cfg(tmp_path, "a"), fixed_clock(NOW), extractor=fake_extractor)
        assert (res.stored, res.duplicates) == (1, 1) and store.count_messages() == 2


def test_an_unreadable_maildir_entry_is_recorded_and_the_account_goes_on(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    build_maildir(tmp_path, 6)
    new = tmp_path / "mail" / "INBOX" / "new"
    (new / "1700000000.bad.host").mkdir()  # an entry no one can read as a file (root reads any mode)
    locked = sorted((tmp_path / "mail" / "Sent" / "new").iterdir())[0]
    import assistant.sources.local as local

    real_read = local.LocalSource._read_file

    def no_permission(self: local.LocalSource, path: Path) -> bytes:
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(self, path)

    config = load_config(write_config(tmp_path))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(local.LocalSource, "_read_file", no_permission)
        with caplog.at_level("WARNING"):
            res = watch(config, fixed_clock(NOW), once=True, extractor=fake_extractor, after=lambda *a: [])
    assert res[0].error == "" and (res[0].stored, res[0].failed) == (5, 2)
    lines = [r.getMessage() for r in caplog.records if "recorded as failed" in r.getMessage()]
    assert len(lines) == 2 and any(str(locked) in line and "Permission denied" in line for line in lines)
    assert not any(r.exc_info for r in caplog.records)
    with open_store(config.store_path) as store:
        assert {r["source_id"].rsplit("/", 1)[1] for r in store.failures()} == {"1700000000.bad.host",
                                                                                 locked.name}
    # the permission is fixed: the next pass reads it and clears its failure; the directory stays failed
    res = watch(config, fixed_clock(NOW), once=True, extractor=fake_extractor, after=lambda *a: [])
    assert (res[0].stored, res[0].failed) == (1, 1)
    with open_store(config.store_path) as store:
        assert store.count_messages() == 6
        assert [r["source_id"].rsplit("/", 1)[1] for r in store.failures()] == ["1700000000.bad.host"]
