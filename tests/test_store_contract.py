"""The store's contract: one suite every adapter inherits (vdirsyncer style). `TestSqlite` runs it on a
SQLite file, `TestPostgres` on a real PostgreSQL started by tests/servers/postgres.py (skipped, naming
the install command, when PostgreSQL is absent). Each subclass gives `store` (a fresh, migrated store)
and `reopen` (a second, independent connection to the same store: what another process sees)."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant import booking, tracker
from assistant.calendars.ics import IcsWriter
from assistant.errors import StoreError
from assistant.models import Address, Commitment, Message, StepState, content_id
from assistant.store import Store, open_store, scheme_of
from assistant.tracker import states
from tests.servers.postgres import Postgres
from tests.track_fixtures import at, config, message, promise

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
Reopen = Callable[[], Store]


def mail(key: str, *, account: str = "work", thread: str = "", in_reply_to: str = "",
         refs: tuple[str, ...] = (), provider_thread: str = "", sent: datetime = NOW,
         body: str = "I'll send the deck.") -> Message:
    return Message(id=content_id(key, prefix="m"), account=account, source_id=f"src/{key}",
                   message_id=f"{key}@example.test", thread_id=thread or content_id(key, prefix="t"),
                   direction="sent", sender=Address("sam@seller.com", "Sam Rivera"),
                   recipients=(Address("ed@acme.com", "Ed Park"), Address("kim@contoso.com", "Kim Lee")),
                   subject=f"About {key}", sent_at=sent, body=body, in_reply_to=in_reply_to, references=refs,
                   provider_thread_id=provider_thread, is_auto_reply=False,
                   auto_reply_until=NOW + timedelta(days=3), timezone="America/New_York")


def commitment(m: Message, text: str, *, due: datetime | None = None, vague: bool = False) -> Commitment:
    return Commitment(id=content_id(m.id, text, prefix="c"), message_id=m.id, who="me", action="send", due=due,
                      due_has_time=due is not None, conditional=False, vague=vague, text=text)


class Boom(Exception):
    pass


class StoreContract:
    """What every adapter guarantees. Subclasses provide the `store` and `reopen` fixtures and
    `set_version` (write a schema version, as a newer program would have)."""

    def set_version(self, store: Store, version: int) -> None:
        raise NotImplementedError

    # -- schema -------------------------------------------------------------------------------------------
    def test_a_new_store_is_migrated_and_a_reopened_one_is_left_as_it_is(self, store: Store,
                                                                         reopen: Reopen) -> None:
        assert store.schema_version == store.latest_version >= 1
        store.set_cursor("work", {"uid": 7}, NOW)
        with reopen() as again:
            assert again.schema_version == store.latest_version
            assert again.cursor("work") == {"uid": 7}

    def test_a_schema_newer_than_the_program_is_refused_with_what_to_do(self, store: Store,
                                                                        reopen: Reopen) -> None:
        self.set_version(store, store.latest_version + 1)
        with pytest.raises(StoreError, match="newer than this program knows.*upgrade follow-through"):
            reopen()

    def test_both_dialects_define_the_same_tables_and_columns(self, store: Store, tmp_path: Path) -> None:
        with open_store(tmp_path / "reference.sqlite3") as reference:
            want = {t: set(c) for t, c in reference.columns().items()}
        got = {t: set(c) - {"rowid"} for t, c in store.columns().items()}  # (PostgreSQL's explicit rowid)
        assert got == want

    # -- the watcher's guarantee: a cursor is committed with the messages it covers ------------------------
    def test_a_cursor_commits_with_its_messages_and_read_names_or_not_at_all(self, store: Store,
                                                                             reopen: Reopen) -> None:
        m = mail("a1")
        with pytest.raises(Boom), store.transaction():
            assert store.add_message(m)
            store.add_commitments([commitment(m, "I'll send the deck.")])
            store.remember_read("work", [("mail/INBOX", "n1"), ("mail/INBOX", "n2")])
            store.set_cursor("work", {"mtime": 1}, NOW)
            raise Boom  # the process dies before COMMIT
        for s in (store, reopen()):
            assert s.count_messages() == 0 and s.count_commitments() == 0
            assert s.cursor("work") == {} and s.count_read_names("work") == 0
        with store.transaction():
            store.add_message(m)
            store.add_commitments([commitment(m, "I'll send the deck.")])
            store.remember_read("work", [("mail/INBOX", "n1"), ("mail/INBOX", "n2")])
            store.set_cursor("work", {"mtime": 1}, NOW)
            with reopen() as other:  # another process sees none of it before the commit
                assert other.count_messages() == 0 and other.cursor("work") == {}
        with reopen() as other:
            assert other.count_messages() == 1 and other.count_commitments() == 1
            assert other.cursor("work") == {"mtime": 1} and other.count_read_names("work") == 2

    def test_a_failed_savepoint_undoes_only_its_own_writes(self, store: Store) -> None:
        with store.transaction():
            store.add_message(mail("kept"))
            with pytest.raises(Boom), store.transaction():
                store.add_message(mail("undone"))
                raise Boom
            with store.transaction():
                store.add_message(mail("also-kept"))
        assert {m.source_id for m in store.messages()} == {"src/kept", "src/also-kept"}

    def test_writers_of_one_store_take_turns(self, store: Store, reopen: Reopen) -> None:
        """A second writer waits for the first one's commit (SQLite's file lock, PostgreSQL's rep lock)."""
        order: list[str] = []
        opened = threading.Event()

        def second() -> None:
            with reopen() as other:  # (a connection belongs to the thread that opened it)
                opened.set()
                with other.transaction():
                    order.append("second in")
                    other.set_cursor("work", {"by": "second"}, NOW)

        with store.transaction():
            store.set_cursor("work", {"by": "first"}, NOW)
            thread = threading.Thread(target=second)
            thread.start()
            assert opened.wait(30)
            time.sleep(0.3)  # the second writer is now waiting for the lock
            order.append("first commits")
        thread.join(timeout=30)
        assert order == ["first commits", "second in"]
        assert store.cursor("work") == {"by": "second"}

    # -- booking's guarantee: a booking is committed with the state that marks it booked ------------------
    def _suggested(self, store: Store, tmp_path: Path) -> str:
        m = message(store, "p1", thread="t1", sent_at=at("2026-11-16T10:00"), body="I'll send the proposal Friday.")
        promise(store, m, action="send", due=at("2026-11-20T00:00"))
        tracker.track(store, config(tmp_path), at("2026-11-17T09:00"))
        assert store.count_steps() == {"pending": 1} and store.suggestions() == []
        tracker.track(store, config(tmp_path), at("2026-11-20T09:00"))  # due: a follow-up is suggested
        [s] = store.suggestions([StepState.SUGGESTED])
        return s.id

    def test_a_booking_commits_with_the_state_that_marks_it_booked_or_not_at_all(
            self, store: Store, reopen: Reopen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        sid = self._suggested(store, tmp_path)
        writer = IcsWriter(tmp_path / "f.ics", timezone="America/New_York")

        def dies(*args: object, **kw: object) -> None:
            raise Boom  # killed between the booking row and the state change

        with monkeypatch.context() as patch:
            patch.setattr(states, "change", dies)
            with pytest.raises(Boom):
                booking.book(store, writer, sid, at("2026-11-20T09:05"))
        with reopen() as other:
            assert other.booking(sid) is None
            assert other.suggestion(sid).state == StepState.SUGGESTED  # type: ignore[union-attr]
        outcome = booking.book(store, writer, sid, at("2026-11-20T09:06"))
        assert outcome.action == "recovered"  # the event was written before the crash: found, not doubled
        with reopen() as other:
            assert other.booking(sid).state == "booked"  # type: ignore[union-attr]
            assert other.suggestion(sid).state == StepState.BOOKED  # type: ignore[union-attr]
            assert [t.to_state for t in other.transitions(other.suggestion(sid).commitment_id)][-1] \
                == StepState.BOOKED  # type: ignore[union-attr]

    # -- what is stored comes back as it was ----------------------------------------------------------------
    def test_messages_round_trip_and_are_stored_once(self, store: Store) -> None:
        m = mail("rt", refs=("r0@example.test",), in_reply_to="r0@example.test")
        assert store.add_message(m) is True
        assert store.add_message(m) is False
        assert store.message(m.id) == m
        assert store.has_message("work", "src/rt") and not store.has_message("other", "src/rt")
        assert store.is_stored(m) and store.has_message_id(m.id)
        assert store.messages(thread_id=m.thread_id) == [m]
        assert store.messages(since=NOW + timedelta(seconds=1)) == []
        assert store.count_messages() == 1 and store.count_messages("work") == 1 and store.count_messages("x") == 0

    def test_threads_are_found_by_reply_reference_and_provider_thread(self, store: Store) -> None:
        root = mail("root", thread="t-root", provider_thread="gm-1")
        store.add_message(root)
        assert store.thread_for("new@x", "root@example.test", ()) == "t-root"
        assert store.thread_for("new@x", "", ("zzz@x", "root@example.test")) == "t-root"
        assert store.thread_for("other@x", "", (), "gm-1", "work") == "t-root"
        assert store.thread_for("other@x", "", (), "gm-1", "another-account") != "t-root"
        child = mail("child", thread="t-child", refs=("parent@example.test",))
        store.add_message(child)  # the parent arrives after its reply: found by the reply's references
        assert store.thread_for("parent@example.test", "", ()) == "t-child"

    def test_a_batch_is_stored_as_one_message_at_a_time_would_store_it(self, store: Store) -> None:
        old = mail("old", thread="t-old", provider_thread="gm-old")
        kept = commitment(old, "old promise")
        store.add_message(old)
        store.add_commitments([kept])
        a = replace(mail("a", sent=NOW), org=("acme.com", "Acme"))
        reply = replace(mail("reply", in_reply_to="a@example.test", refs=("a@example.test",),
                             sent=NOW + timedelta(hours=1)), org=("acme.com", "ACME Corp"))
        child = mail("child", refs=("late@example.test",))
        late = replace(mail("late", sent=NOW - timedelta(days=1)), org=("acme.com", "acme (old)"))
        by_provider = mail("gm", provider_thread="gm-old")
        note = replace(mail("note"), message_id="")
        to_old = mail("to-old", in_reply_to="old@example.test")
        same_source = replace(mail("other"), source_id="src/a")
        batch = [(old, [commitment(old, "again")]), (a, [commitment(a, "one"), replace(kept, message_id=a.id),
                                                         commitment(a, "two"), commitment(a, "one")]),
                 (reply, [commitment(reply, "three")]), (a, []), (same_source, [commitment(same_source, "x")]),
                 (child, []), (late, []), (by_provider, []), (note, []), (to_old, [])]
        with store.transaction():
            added = store.add_messages(batch)
        assert [m.id for m in added.stored] == [m.id for m in (a, reply, child, late, by_provider, note, to_old)]
        assert added.duplicates == 3 and added.commitments == 3
        threads = {m.id: m.thread_id for m in added.stored}
        assert threads[a.id] == content_id("a@example.test", prefix="t") == threads[reply.id]
        assert threads[late.id] == threads[child.id] == content_id("late@example.test", prefix="t")
        assert threads[by_provider.id] == threads[to_old.id] == "t-old"
        assert threads[note.id] == content_id(note.id, prefix="t")
        assert [store.message(m.id) for m in added.stored] == list(added.stored)
        assert store.thread_for("", "reply@example.test", ()) == threads[a.id]  # its references were recorded
        assert [c.text for c in store.commitments(a.id)] == ["one", "two"]
        assert store.commitment(kept.id) == kept and store.count_commitments() == 4
        assert store.organisations() == {"acme.com": "ACME Corp"}
        assert store.count_messages() == 8

    def test_a_batch_gives_the_threads_and_counts_of_one_message_at_a_time(self, store: Store) -> None:
        """Random batches over few Message-IDs, references, provider threads and source ids (so that replies
        meet their parents in the batch, stored messages share Message-IDs across threads, and duplicates
        of every kind occur): the batch write stores what the one-at-a-time path stores, in its order."""
        rng = random.Random(11)
        pool = [f"p{i}@example.test" for i in range(30)]

        def one_batch(n: int, first: int) -> list[tuple[Message, list[Commitment]]]:
            items = []
            for i in range(first, first + n):
                refs = tuple(rng.sample(pool, rng.randrange(0, 3)))
                m = Message(id=content_id("r", i, rng.randrange(3), prefix="m"), account=rng.choice(("work", "home")),
                            source_id=f"src/{rng.randrange(first + n)}", message_id=rng.choice(["", *pool]),
                            thread_id="", direction="sent", sender=Address("sam@seller.com", "Sam"),
                            recipients=(), subject=f"s{i}", sent_at=NOW + timedelta(minutes=rng.randrange(100)),
                            body="b", in_reply_to=rng.choice(["", "", *pool]), references=refs,
                            provider_thread_id=rng.choice(["", "", "g1", "g2"]),
                            org=rng.choice([None, ("acme.com", f"Acme {i}")]))
                items.append((m, [replace(commitment(m, f"c{rng.randrange(4)}"), id=content_id(
                    "c", rng.randrange(first + n), prefix="c")) for _ in range(rng.randrange(3))]))
            return items

        def one_at_a_time(items: list[tuple[Message, list[Commitment]]]) -> tuple[list[str], int, int]:
            stored, duplicates, commitments = [], 0, 0
            for msg, found in items:
                if store.is_stored(msg):
                    duplicates += 1
                    continue
                if msg.message_id or msg.in_reply_to or msg.references or msg.provider_thread_id:
                    thread = store.thread_for(msg.message_id, msg.in_reply_to, msg.references,
                                              msg.provider_thread_id, msg.account)
                else:
                    thread = content_id(msg.id, prefix="t")
                if store.add_message(replace(msg, thread_id=thread)):
                    stored.append(f"{msg.id} {thread}")
                    if msg.org is not None:
                        store.record_organisation(*msg.org, msg.sent_at)
                    commitments += store.add_commitments(found)
                else:
                    duplicates += 1
            return stored, duplicates, commitments

        def contents() -> list[object]:
            return [list(map(tuple, store.tuples(sql))) for sql in (
                "SELECT id, thread_id, source_id FROM messages ORDER BY rowid",
                "SELECT id, message_id FROM commitments ORDER BY rowid",
                "SELECT ref, id FROM message_refs ORDER BY ref, id", "SELECT company, name FROM organisations")]

        for round_ in range(4):
            items = one_batch(60, 60 * round_)
            with suppress(Boom), store.transaction():
                expected = one_at_a_time(items), contents()
                raise Boom  # undone: the batch write starts from the same rows
            with store.transaction():
                added = store.add_messages(items)
            got = ([f"{m.id} {m.thread_id}" for m in added.stored], added.duplicates, added.commitments), contents()
            assert got == expected

    def test_many_source_ids_are_checked_in_chunks(self, store: Store) -> None:
        with store.transaction():
            for i in range(0, 1200, 3):
                store.add_message(mail(f"k{i}"))
        wanted = [f"src/k{i}" for i in range(1200)]
        assert store.stored_source_ids("work", wanted) == {f"src/k{i}" for i in range(0, 1200, 3)}

    def test_commitments_come_back_in_the_order_they_were_stored(self, store: Store) -> None:
        m = mail("c")
        store.add_message(m)
        texts = ["zulu", "alpha", "mike", "bravo"]
        assert store.add_commitments(commitment(m, t, due=at("2026-11-21T10:00"), vague=t == "mike")
                                     for t in texts) == 4
        assert store.add_commitments([commitment(m, "alpha")]) == 0
        got = store.commitments(m.id)
        assert [c.text for c in got] == texts
        assert got[2].vague and not got[0].vague and got[0].due == at("2026-11-21T10:00") and got[0].due_has_time
        assert store.commitment(got[1].id) == got[1]

    @pytest.mark.parametrize("count", [40, 3000])  # a lookup by chunks; a range scan beside a sorted listing
    def test_unread_names_in_the_order_python_sorts_them(self, store: Store, count: int) -> None:
        names = sorted({f"{i:05d}.M{i}P1.host" for i in range(count)} | {"Zed", "alpha", "Éclair", "_x", "a b"})
        read = names[::2]
        store.remember_read("work", [("mail/INBOX", n) for n in read])
        store.remember_read("work", [("mail/INBOX", read[0])])  # read twice: kept once
        store.remember_read("work", [("mail/Sent", n) for n in names])  # another folder is another list
        assert store.unread_names("work", "mail/INBOX", names) == names[1::2]
        assert store.count_read_names("work") == len(read) + len(names)

    def test_a_failed_message_keeps_its_bytes_and_counts_attempts(self, store: Store) -> None:
        store.record_failure("work", "src/bad", "unknown charset", b"\x00\xffraw bytes", NOW)
        store.record_failure("work", "src/bad", "still bad", None, NOW + timedelta(hours=1))
        [row] = store.failures("work")
        assert (row["source_id"], row["error"], row["attempts"]) == ("src/bad", "still bad", 2)
        assert bytes(row["raw"]) == b"\x00\xffraw bytes"
        assert store.failed_source_ids("work") == {"src/bad"} and store.failures("other") == []
        store.clear_failure("work", "src/bad")
        assert store.failures() == []

    def test_bookings_and_reports_are_upserted(self, store: Store, tmp_path: Path) -> None:
        sid = self._suggested(store, tmp_path)
        store.record_booking(sid, "ics:/tmp/f.ics", "r1", NOW, etag="e1", status="TENTATIVE")
        store.record_booking(sid, "ics:/tmp/f.ics", "r2", NOW + timedelta(hours=1), etag="e2")
        b = store.booking(sid)
        assert b is not None and (b.remote_id, b.etag, b.status, b.booked_at) == ("r2", "e2", "CONFIRMED", NOW)
        store.set_booking_state(sid, "cancelled", NOW)
        assert store.bookings(["booked"]) == [] and [x.suggestion_id for x in store.bookings(["cancelled"])] == [sid]
        store.record_report("2026-W47", "/r/47.html", NOW)
        store.record_report("2026-W46", "/r/46.html", NOW)
        store.record_report("2026-W47", "/r/47b.html", NOW)
        assert store.report_weeks() == ["2026-W46", "2026-W47"] and store.report_path("2026-W47") == "/r/47b.html"

    def test_suggestions_are_edited_and_snoozed(self, store: Store, tmp_path: Path) -> None:
        sid = self._suggested(store, tmp_path)
        start = at("2026-11-24T10:00")
        store.update_suggestion(sid, NOW, start=start, end=start + timedelta(minutes=15), title="Call Ed",
                                snoozed_until=at("2026-11-23T09:00"))
        s = store.suggestion(sid)
        assert s is not None and (s.start, s.end, s.title) == (start, start + timedelta(minutes=15), "Call Ed")
        assert store.snoozed_until(sid) == at("2026-11-23T09:00")
        store.update_suggestion(sid, NOW, clear_snooze=True)
        assert store.snoozed_until(sid) is None
        detail = store.suggestion_detail(sid)
        assert detail is not None and detail.message is not None and detail.step.state == StepState.SUGGESTED


# -- the adapters ------------------------------------------------------------------------------------------
class TestSqlite(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        with open_store(tmp_path / "store.sqlite3") as s:
            yield s

    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Iterator[Reopen]:
        opened: list[Store] = []

        def again() -> Store:
            opened.append(open_store(f"sqlite://{tmp_path / 'store.sqlite3'}"))
            return opened[-1]

        yield again
        for s in opened:
            with suppress(sqlite3.ProgrammingError):  # (one closed by the thread that opened it)
                s.close()

    def set_version(self, store: Store, version: int) -> None:
        store.db.execute(f"PRAGMA user_version = {version}")

    def test_a_file_that_is_not_a_database_is_one_clear_error(self, tmp_path: Path) -> None:
        bad = tmp_path / "broken.sqlite3"
        bad.write_bytes(b"this is not a database" * 100)
        with pytest.raises(StoreError, match=r"the store .*broken.sqlite3 is damaged.*assistant restore"):
            open_store(bad)
        assert bad.read_bytes() == b"this is not a database" * 100  # nothing overwritten


@pytest.mark.server
class TestPostgres(StoreContract):
    @pytest.fixture
    def store(self, postgres: Postgres, pg_rep: str) -> Iterator[Store]:
        with open_store(postgres.url, rep=pg_rep) as s:
            yield s

    @pytest.fixture
    def reopen(self, postgres: Postgres, pg_rep: str) -> Iterator[Reopen]:
        opened: list[Store] = []

        def again() -> Store:
            opened.append(open_store(postgres.url, rep=pg_rep))
            return opened[-1]

        yield again
        for s in opened:
            s.close()

    def set_version(self, store: Store, version: int) -> None:
        store.db.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))

    def test_reps_sharing_one_database_never_see_each_other(self, postgres: Postgres) -> None:
        from assistant.store.postgres import PostgresStore, rep_keys

        alice, bob = postgres.new_rep("alice"), postgres.new_rep("bob")
        try:
            with PostgresStore(postgres.url, alice) as a, PostgresStore(postgres.url, bob) as b:
                same = mail("cc-both")  # one mail copied to both reps: the same content id in each schema
                assert a.add_message(same) and b.add_message(same)
                a.add_message(mail("alice-only"))
                a.set_cursor("work", {"uid": 1}, NOW)
                assert (a.count_messages(), b.count_messages()) == (2, 1)
                assert b.cursor("work") == {} and b.message(content_id("alice-only", prefix="m")) is None
                with a.transaction():  # one rep's open transaction never holds up another rep's writers
                    a.set_cursor("work", {"uid": 2}, NOW)
                    with b.transaction():
                        b.set_cursor("work", {"uid": 9}, NOW)
                assert (a.cursor("work"), b.cursor("work")) == ({"uid": 2}, {"uid": 9})
            assert {alice, bob} <= set(rep_keys(postgres.url))
            with PostgresStore(postgres.url, alice) as a:
                a.drop_rep()  # a rep who leaves: their schema and everything in it
            assert alice not in rep_keys(postgres.url) and bob in rep_keys(postgres.url)
        finally:
            postgres.drop_rep(alice)
            postgres.drop_rep(bob)

    def test_two_processes_opening_a_new_rep_at_once_migrate_it_once(self, postgres: Postgres) -> None:
        rep = postgres.new_rep("race")
        errors: list[BaseException] = []

        def open_it() -> None:
            try:
                open_store(postgres.url, rep=rep).close()
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        try:
            threads = [threading.Thread(target=open_it) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert errors == []
            with open_store(postgres.url, rep=rep) as s:
                assert [r[0] for r in s.db.execute("SELECT version FROM schema_version")] == \
                    list(range(1, s.latest_version + 1))
        finally:
            postgres.drop_rep(rep)

    def test_an_unreachable_server_is_one_line_without_the_password(self, postgres: Postgres) -> None:
        from tests.servers.dovecot import _free_port

        url = f"postgresql://ft:s3cret-pw@127.0.0.1:{_free_port()}/postgres?connect_timeout=2"
        with pytest.raises(StoreError) as caught:
            open_store(url, rep="x")
        text = str(caught.value)
        assert "s3cret-pw" not in text and "cannot connect to PostgreSQL" in text and "\n" not in text

    def test_a_growing_rep_has_its_planner_statistics_refreshed_as_its_messages_double(
            self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        from assistant.store import postgres

        monkeypatch.setattr(postgres, "ANALYZE_AFTER", 20)

        def planned() -> float:
            return float(next(iter(store.tuples("SELECT reltuples FROM pg_class WHERE oid = 'messages'::regclass")))[0])

        def add(first: int, n: int) -> None:
            with store.transaction():
                store.add_messages([(mail(f"g{i}"), []) for i in range(first, first + n)])

        add(0, 30)
        assert planned() == 30  # a new rep's first batch: the planner no longer believes the table empty
        add(30, 10)
        assert planned() == 30  # not yet doubled: no new look
        add(40, 25)
        assert planned() == 65

    def test_a_bad_rep_key_is_refused_before_anything_is_created(self, postgres: Postgres) -> None:
        with pytest.raises(StoreError, match="rep key"):
            open_store(postgres.url, rep='x"; DROP SCHEMA public; --')


def test_the_registry_picks_the_adapter_by_url_or_path(tmp_path: Path) -> None:
    assert scheme_of(tmp_path / "a.sqlite3") == "sqlite" and scheme_of("relative/a.sqlite3") == "sqlite"
    assert scheme_of("sqlite:///x/a.sqlite3") == "sqlite"
    assert scheme_of("postgresql://u@h/db") == scheme_of("POSTGRESQL://u@h/db") == "postgresql"
    with open_store(f"sqlite://{tmp_path / 'u.sqlite3'}") as s:
        assert s.kind == "sqlite" and (tmp_path / "u.sqlite3").exists()
    with pytest.raises(StoreError, match="unknown kind 'mysql'"):
        open_store("mysql://u@h/db")


def test_the_config_names_the_store_by_path_or_url(tmp_path: Path) -> None:
    from assistant.config import parse_config
    from assistant.errors import ConfigError

    cfg = parse_config({"store": {"url": "postgresql://ft@db.example.com/sales", "rep": "alice"}})
    assert (cfg.store_target, cfg.store_rep) == ("postgresql://ft@db.example.com/sales", "alice")
    assert parse_config({}).store_target == parse_config({}).store_path
    with pytest.raises(ConfigError, match=r"\[store\] url"):
        parse_config({"store": {"url": "mysql://x"}})
    assert replace(cfg, store_url="").store_target == cfg.store_path
