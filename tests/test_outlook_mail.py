"""The Outlook (Microsoft 365) source against the local Graph + identity fake (tests/fakes/graph.py),
over https with a test CA: the real msal device-code flow signs in, the real requests code reads the
delta pages."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from assistant import auth
from assistant.config import AccountConfig, Config, RepConfig
from assistant.errors import AuthError, TransientError
from assistant.sources.base import Batch, MailSource
from assistant.sources.outlook import OutlookSource
from tests.fakes.graph import FakeGraph
from tests.mailfactory import big_mail

REP = "rep@contoso.test"
NOW = datetime.now(UTC)


def mail(subject: str, sent: bool) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = (REP, "buyer@acme.test") if sent else ("buyer@acme.test", REP)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="contoso.test")
    msg.set_content("Hello.")
    return msg.as_bytes()


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGraph]:
    service = FakeGraph(email=REP)
    service.start_tls(str(tmp_path))
    try:
        yield service
    finally:
        service.stop()


def account(fake: FakeGraph, **options: Any) -> AccountConfig:
    return AccountConfig(name="o", kind="outlook", options={
        "client_id": "11111111-2222-3333-4444-555555555555", "authority": fake.authority,
        "graph_url": fake.graph_url, "ca_file": fake.ca_path, "newer_than_days": 30, **options})


def sign_in(fake: FakeGraph) -> auth.TokenStore:
    """The real device-code flow (msal) against the fake identity platform."""
    store = auth.TokenStore()
    shown: list[str] = []
    who = auth.microsoft_device_login(account(fake), store, shown.append)
    assert who == REP and "FT-CODE" in shown[0]
    return store


def make_source(fake: FakeGraph, store: auth.TokenStore, sleeps: list[float] | None = None,
                **options: Any) -> OutlookSource:
    acct = account(fake, **options)
    return OutlookSource(acct, Config(rep=RepConfig(email=REP), accounts=(acct,)), token_store=store,
                         sleep=sleeps.append if sleeps is not None else (lambda s: None))


def drain(src: OutlookSource, cursor: dict[str, Any]) -> tuple[list[Batch], dict[str, Any]]:
    batches = list(src.fetch(cursor))
    return batches, (batches[-1].cursor if batches else cursor)


def subjects(batches: list[Batch]) -> list[str]:
    import email

    return [str(email.message_from_bytes(m.raw)["Subject"]) for b in batches for m in b.messages]


def test_device_login_keeps_the_msal_cache_in_a_0600_file(fake: FakeGraph) -> None:
    store = sign_in(fake)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    saved = store.get("outlook", "o")
    assert saved is not None and "msal_cache" in saved
    assert auth.microsoft_token(account(fake), store, ("Mail.Read",)) in fake.access_tokens


def test_first_sync_reads_both_folders_by_delta_with_mime_threads_and_directions(fake: FakeGraph) -> None:
    store = sign_in(fake)
    fake.add(mail("ancient", True), folder="sentitems", received=NOW - timedelta(days=60))
    p = fake.add(mail("promise", True), folder="sentitems", received=NOW - timedelta(days=3), conversation_id="C1")
    fake.add(mail("second", True), folder="sentitems", received=NOW - timedelta(days=2))
    fake.add(mail("deck", True), folder="sentitems", received=NOW - timedelta(days=2))
    fake.add(mail("reply", False), folder="inbox", received=NOW - timedelta(days=1), conversation_id="C1")
    src = make_source(fake, store)
    assert isinstance(src, MailSource)
    batches, cursor = drain(src, {})
    # "ancient" is outside newer_than_days; a round comes in no set order (each page is sorted by date)
    assert sorted(subjects(batches)) == ["deck", "promise", "reply", "second"]
    got = {m.source_id: m for b in batches for m in b.messages}
    assert got[p].direction_hint == "sent" and got[p].provider_thread_id == "C1"
    # Graph's webLink (Outlook on the web) is asked for with the delta and kept for the link back to the mail
    assert "webLink" in src._initial_link("sentitems")
    assert got[p].link.startswith("https://outlook.office365.com/owa/?ItemID=") and p in got[p].link
    assert [m.direction_hint for m in got.values()][-1] == "received"  # sent items first, then the inbox
    assert cursor["sent"]["complete"] and cursor["inbox"]["complete"]
    assert "$deltatoken=" in cursor["sent"]["link"] and "$deltatoken=" in cursor["inbox"]["link"]
    assert not batches[0].cursor["sent"]["complete"]  # mid-round: the nextLink is the cursor
    assert any(r.path.endswith("/$value") for r in fake.requests)
    assert any(r.arg("$skiptoken") for r in fake.requests)

    again, cursor2 = drain(src, cursor)
    assert subjects(again) == []
    fake.remove(p)
    fake.add(mail("new reply", False), folder="inbox", received=NOW, conversation_id="C1")
    more, _ = drain(src, cursor2)
    assert subjects(more) == ["new reply"]  # the @removed entry is skipped
    src.close()
    src.close()


def test_a_sync_stopped_mid_round_resumes_from_the_next_link(fake: FakeGraph) -> None:
    store = sign_in(fake)
    for i in range(5):
        fake.add(mail(f"s{i}", True), folder="sentitems", received=NOW - timedelta(hours=5 - i))
    gen = make_source(fake, store).fetch({})
    first = next(gen)
    gen.close()  # the watcher was stopped after storing `first`
    rest, cursor = drain(make_source(fake, store), first.cursor)
    assert sorted(subjects([first]) + subjects(rest)) == [f"s{i}" for i in range(5)]
    assert cursor["sent"]["complete"]


def test_410_starts_a_new_bounded_round_with_the_same_ids(fake: FakeGraph) -> None:
    store = sign_in(fake)
    a = fake.add(mail("a", True), folder="sentitems", received=NOW - timedelta(days=1))
    src = make_source(fake, store)
    _, cursor = drain(src, {})
    fake.invalidate_delta_tokens()
    b = fake.add(mail("b", False), folder="inbox", received=NOW)
    batches, cursor2 = drain(src, cursor)
    assert [m.source_id for bt in batches for m in bt.messages] == [a, b]
    assert cursor2["sent"]["complete"] and cursor2["inbox"]["complete"]
    assert ids_of(drain(src, cursor2)[0]) == []


def test_429_honours_retry_after_and_5xx_is_retried(fake: FakeGraph) -> None:
    store = sign_in(fake)
    fake.add(mail("a", True), folder="sentitems", received=NOW)
    sleeps: list[float] = []
    fake.fail_next(429, headers={"Retry-After": "4"}, path=r"/delta$")
    fake.fail_next(500, path=r"/\$value$")
    batches, _ = drain(make_source(fake, store, sleeps=sleeps), {})
    assert subjects(batches) == ["a"]
    assert sleeps[0] == 4.0 and len(sleeps) == 2


def test_throttling_that_persists_is_transient_with_retry_after(fake: FakeGraph) -> None:
    store = sign_in(fake)
    fake.fail_next(429, times=20, headers={"Retry-After": "120"}, path=r"/delta$")
    with pytest.raises(TransientError) as err:
        list(make_source(fake, store).fetch({}))
    assert err.value.retry_after == 120.0


def test_an_expired_access_token_is_refreshed_with_the_refresh_token(fake: FakeGraph) -> None:
    store = sign_in(fake)
    fake.add(mail("a", True), folder="sentitems", received=NOW)
    before = store.get("outlook", "o")
    fake.expire_access_tokens()
    batches, _ = drain(make_source(fake, store), {})
    assert subjects(batches) == ["a"]
    assert store.get("outlook", "o") != before  # the refreshed cache was kept


def test_a_revoked_sign_in_stops_with_the_login_command(fake: FakeGraph) -> None:
    store = sign_in(fake)
    fake.revoke()
    with pytest.raises(AuthError, match=r"assistant login outlook --account o"):
        list(make_source(fake, store).fetch({}))


def test_not_signed_in_names_the_login_command(fake: FakeGraph) -> None:
    with pytest.raises(AuthError, match=r"not signed in.*assistant login outlook --account o"):
        list(make_source(fake, auth.TokenStore()).fetch({}))


def test_login_command_runs_the_device_flow(fake: FakeGraph, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from assistant.cli.login_cmd import login

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[rep]\nemail = "{REP}"\n[[accounts]]\nname = "o"\nkind = "outlook"\n'
                   f'client_id = "cid"\nauthority = "{fake.authority}"\nca_file = "{fake.ca_path}"\n')
    result = CliRunner().invoke(login, ["outlook", "--account", "o", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "FT-CODE" in result.output and REP in result.output
    assert auth.TokenStore().get("outlook", "o") is not None


def test_wait_polls_the_delta_links_every_poll_seconds(fake: FakeGraph) -> None:
    from tests.test_gmail import FakeTime

    store = sign_in(fake)
    fake.add(mail("a", True), folder="sentitems", received=NOW)
    clock = FakeTime()
    src = make_source(fake, store, poll_seconds=30)
    src._monotonic, src._sleep = clock, clock.sleep
    _, cursor = drain(src, {})
    deltas = sum(1 for r in fake.requests if r.path.endswith("/delta"))
    assert src.wait(20) is False
    assert sum(1 for r in fake.requests if r.path.endswith("/delta")) == deltas  # not due yet
    assert src.wait(20) is False  # due at 30 s: both folders asked, nothing new
    assert sum(1 for r in fake.requests if r.path.endswith("/delta")) == deltas + 2
    fake.add(mail("b", False), folder="inbox", received=NOW)
    assert src.wait(3600) is True
    batches, _ = drain(src, cursor)
    assert subjects(batches) == ["b"]


# -- issue 14: Graph as it behaves ------------------------------------------------------------------------
def ids_of(batches: list[Batch]) -> list[str]:
    return [m.source_id for b in batches for m in b.messages]


def value_gets(fake: FakeGraph, mid: str | None = None) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/$value") and (mid is None or f"/{mid}/" in r.path))


def fetch_with(src: OutlookSource, cursor: dict[str, Any], read: Any) -> tuple[list[Batch], dict[str, Any]]:
    batches = list(src.fetch(cursor, read))
    for b in batches:
        read.keep(b)
    return batches, (batches[-1].cursor if batches else cursor)


def test_the_first_sync_reads_every_message_of_the_window_past_the_filter_cap(fake: FakeGraph) -> None:
    """DATA LOSS (issue 14 item 1): a delta with $filter returns at most 5,000 messages, in no set order
    (here the fake's cap is 4); the rest were never read, on that round or any later one."""
    store = sign_in(fake)
    fake.filter_cap = 4
    expected = {fake.add(mail(f"in{i}", False), folder="inbox", received=NOW - timedelta(hours=i)) for i in range(9)}
    fake.add(mail("old", False), folder="inbox", received=NOW - timedelta(days=40))  # outside newer_than_days
    src = make_source(fake, store)
    batches, cursor = drain(src, {})
    assert len(ids_of(batches)) == 9
    assert set(ids_of(batches)) == expected
    later = fake.add(mail("later", False), folder="inbox", received=NOW)
    more, _ = drain(src, cursor)
    assert ids_of(more) == [later]


def test_a_400_sync_state_not_found_resyncs_without_loss_or_duplicates(fake: FakeGraph) -> None:
    """PERMANENT STALL (issue 14 item 2): an expired token may answer 400 with code syncStateNotFound (not
    only 410); the adapter raised and kept the dead link, so the folder never synced again."""
    from tests.test_source_contract import Remembered

    store = sign_in(fake)
    fake.expired_status = 400
    a = fake.add(mail("a", True), folder="sentitems", received=NOW - timedelta(days=1))
    src = make_source(fake, store)
    read = Remembered()
    _, cursor = fetch_with(src, {}, read)
    fake.invalidate_delta_tokens()
    b = fake.add(mail("b", False), folder="inbox", received=NOW)
    downloads = value_gets(fake)
    batches, cursor2 = fetch_with(src, cursor, read)
    assert ids_of(batches) == [b]  # nothing lost, nothing handed out twice
    assert value_gets(fake) == downloads + 1  # and `a` is not downloaded again
    assert cursor2["sent"]["complete"] and cursor2["inbox"]["complete"]
    c = fake.add(mail("c", False), folder="inbox", received=NOW)
    assert ids_of(fetch_with(src, cursor2, read)[0]) == [c] and a not in ids_of(batches)


def test_any_4xx_naming_sync_state_not_found_is_an_expired_token(fake: FakeGraph) -> None:
    store = sign_in(fake)
    a = fake.add(mail("a", True), folder="sentitems", received=NOW)
    src = make_source(fake, store)
    _, cursor = drain(src, {})
    fake.fail_next(404, body={"error": {"code": "syncStateNotFound", "message": "gone"}}, path=r"sentitems")
    batches, cursor2 = drain(src, cursor)
    assert ids_of(batches) == [a]  # read again (no ReadNames here): the store keeps one copy
    assert cursor2["sent"]["complete"]


def test_a_quiet_account_keeps_its_delta_link_alive(fake: FakeGraph) -> None:
    """Issue 14: Exchange keeps a few sync-state generations and every delta call mints one; polling a stored
    deltaLink over and over (without ever moving on to the newest) let it expire, so the next pass re-read the
    whole window."""
    from tests.test_gmail import FakeTime
    from tests.test_source_contract import Remembered

    store = sign_in(fake)
    old = fake.add(mail("old", False), folder="inbox", received=NOW - timedelta(days=2))
    clock = FakeTime()
    src = make_source(fake, store, poll_seconds=30)
    src._monotonic, src._sleep = clock, clock.sleep
    read = Remembered()
    _, cursor = fetch_with(src, {}, read)
    for _ in range(fake.kept_generations + 2):  # the watcher's waits, nothing new
        assert src.wait(30) is False
    new = fake.add(mail("new", False), folder="inbox", received=NOW)
    downloads = value_gets(fake)
    batches, cursor2 = fetch_with(src, cursor, read)
    assert ids_of(batches) == [new] and value_gets(fake) == downloads + 1
    assert old not in ids_of(batches)
    assert cursor2["inbox"]["link"] != cursor["inbox"]["link"]  # the newest link is what gets stored
    assert not any(r.path.endswith("/delta") and not (r.arg("$deltatoken") or r.arg("$skiptoken"))
                   for r in fake.requests[-6:])  # no new first round was started


def test_the_newest_delta_link_is_stored_after_every_round(fake: FakeGraph) -> None:
    store = sign_in(fake)
    fake.add(mail("a", True), folder="sentitems", received=NOW)
    src = make_source(fake, store)
    _, cursor = drain(src, {})
    links = [cursor["sent"]["link"]]
    for _ in range(fake.kept_generations + 1):
        batches, cursor = drain(src, cursor)
        assert batches and ids_of(batches) == []  # an empty batch that carries the new links
        links.append(cursor["sent"]["link"])
    assert len(set(links)) == len(links)
    b = fake.add(mail("b", True), folder="sentitems", received=NOW)
    assert ids_of(drain(src, cursor)[0]) == [b]


def test_a_message_moved_between_the_delta_page_and_the_download_is_still_read(fake: FakeGraph) -> None:
    """Ids are asked for as immutable (Prefer: IdType="ImmutableId"): a default id changes when the message
    moves, and the download by the old id found nothing, so the message was silently skipped."""
    store = sign_in(fake)
    m = fake.add(mail("moved", False), folder="inbox", received=NOW)

    def move_once(folder: str) -> None:
        if folder == "inbox":
            fake.after_delta = None
            fake.move(m, "archive")

    fake.after_delta = move_once
    batches, _ = drain(make_source(fake, store), {})
    assert ids_of(batches) == [m] and subjects(batches) == ["moved"]
    delta = [r for r in fake.requests if r.path.endswith("/delta") or r.path.endswith("/$value")]
    assert all('IdType="ImmutableId"' in r.headers.get("prefer", "") for r in delta)


def test_a_read_flag_change_is_not_downloaded_again(fake: FakeGraph) -> None:
    """Delta returns a message again when its read flag changes; the source asks the watcher's ReadNames
    and does not download a message it has read."""
    from tests.test_source_contract import Remembered

    store = sign_in(fake)
    m = fake.add(mail("reply", False), folder="inbox", received=NOW)
    src = make_source(fake, store)
    read = Remembered()
    _, cursor = fetch_with(src, {}, read)
    fake.mark_read(m)
    downloads = value_gets(fake, m)
    batches, _ = fetch_with(src, cursor, read)
    assert ids_of(batches) == [] and value_gets(fake, m) == downloads == 1


def test_a_message_rescued_from_junk_is_read(fake: FakeGraph) -> None:
    store = sign_in(fake)
    src = make_source(fake, store)
    _, cursor = drain(src, {})
    m = fake.add(mail("Re: quote", False), folder="junkemail", received=NOW)
    fake.move(m, "inbox")
    assert ids_of(drain(src, cursor)[0]) == [m]


def test_a_message_over_the_size_cap_is_cut_as_imap_cuts_it(fake: FakeGraph) -> None:
    from assistant.mailparse import parse

    store = sign_in(fake)
    big = fake.add(big_mail("contract", 400_000, REP, domain="contoso.test"), folder="inbox", received=NOW)
    batches, _ = drain(make_source(fake, store, max_message_bytes=5_000), {})
    (got,) = [m for b in batches for m in b.messages]
    assert got.source_id == big
    head, _, body = got.raw.partition(b"\n\n")
    assert b"Subject: contract" in head and len(body) <= 5_000
    parsed = parse(got, RepConfig(email=REP))
    assert "we start Monday" in parsed.body


def test_through_the_watcher_an_upgrade_and_a_lost_sync_state_store_every_message_once(
        fake: FakeGraph, tmp_path: Path) -> None:
    """The store keeps one copy by message identity (content-derived id): a store written before issue 14
    (default ids, a cursor without "v") is read once more after the upgrade - to find what the capped first
    round missed - and nothing is stored twice; a later 400 syncStateNotFound downloads only the new mail."""
    from assistant.clock import fixed_clock
    from assistant.store import open_store
    from assistant.watcher import sync_account
    from tests.test_watcher import fake_extractor

    tokens = sign_in(fake)
    for i in range(3):
        fake.add(mail(f"s{i}", True), folder="sentitems", received=NOW - timedelta(hours=i + 1))
    fake.add(mail("r", False), folder="inbox", received=NOW - timedelta(hours=1))
    acct = account(fake)
    config = Config(rep=RepConfig(email=REP), accounts=(acct,), store_path=tmp_path / "s.sqlite3")
    clock = fixed_clock(NOW)

    def one_pass() -> Any:
        src = OutlookSource(acct, config, token_store=tokens, sleep=lambda s: None)
        try:
            return sync_account(store, src, config, clock, extractor=fake_extractor)
        finally:
            src.close()

    def stored() -> int:
        return int(store.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])

    with open_store(config.store_path) as store:
        fake.immutable_ids_honoured = False  # what the adapter saw before: ids that change on a move
        assert one_pass().stored == 4
        old = store.cursor("o")
        with store.transaction():
            store.set_cursor("o", {role: {k: v for k, v in st.items() if k != "v"} for role, st in old.items()})
        fake.immutable_ids_honoured = True
        res = one_pass()
        assert (res.fetched, res.stored, res.duplicates) == (4, 0, 4) and stored() == 4
        assert all(st["v"] == 2 for st in store.cursor("o").values())
        fake.expired_status = 400
        fake.invalidate_delta_tokens()
        fake.add(mail("new", False), folder="inbox", received=NOW)
        downloads = value_gets(fake)
        res = one_pass()
        assert (res.fetched, res.stored) == (1, 1) and stored() == 5 and value_gets(fake) == downloads + 1
        assert one_pass().fetched == 0 and stored() == 5
