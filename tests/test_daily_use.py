"""Issue 13, using it every day: links back to the mail in the client it came from (per source kind, stored
with the message, on every event and every review row, escaped), names people recognise (the company from
a display name or a signature, else the domain as written), and the review in a terminal (snooze in words,
bad input asked again, `assistant accept|snooze|reject|done ID` for scripts, a table readable at 80 columns)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from assistant import review, tracker
from assistant.calendars.ics import IcsWriter
from assistant.cli.review_cmds import suggestion_table
from assistant.clock import fixed_clock
from assistant.config import AccountConfig, Config, RepConfig, TrackerConfig
from assistant.models import Commitment, Message, RawMessage, StepState, content_id
from assistant.sources.base import Batch, ReadNames
from assistant.sources.links import message_link, safe_link
from assistant.store import Store, open_store
from assistant.tracker.counterparts import company_label, display_name, organisation
from assistant.watcher import sync_account
from tests.review_world import NOW, NY, World, at, build, write_config

REP = RepConfig(name="Sam Rivera", email="sam@northwind-analytics.com", timezone="America/New_York")


# -- links back to the mail -------------------------------------------------------------------------
def raw(kind_hint: str = "", **kw: Any) -> RawMessage:
    return RawMessage(kw.pop("account", "a"), kw.pop("source_id", "id1"), b"", **kw)


def test_each_source_kind_links_to_its_own_client() -> None:
    mid = "CAF=x+y/1@mail.gmail.com"
    gmail = message_link("gmail", raw(provider_thread_id="18c2f"), mid)
    assert gmail == "https://mail.google.com/mail/#search/rfc822msgid:CAF%3Dx%2By%2F1@mail.gmail.com"
    assert message_link("gmail", raw(provider_thread_id="18c2f"), "") == "https://mail.google.com/mail/#all/18c2f"
    web = "https://outlook.office365.com/owa/?ItemID=AAMk%3D&exvsurl=1&viewmodel=ReadMessageItem"
    assert message_link("outlook", raw(link=web), mid) == web
    # a message retried without Graph's webLink still opens in Outlook on the web, by its Graph id
    assert message_link("outlook", raw(source_id="AAMk="), mid) == web
    assert message_link("outlook", raw(link="javascript:alert(1)", source_id="AAMk="), mid) == web
    assert message_link("imap", raw(), "abc@x.test") == "message:%3Cabc@x.test%3E"
    assert message_link("local", raw(), "a b>@x") == "message:%3Ca%20b%3E@x%3E"
    note = raw(direction_hint="note", link="file:///home/sam/notes/2026-11-12%20call.md")
    assert message_link("local", note, "") == "file:///home/sam/notes/2026-11-12%20call.md"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x/\n<script>", " "):
        assert safe_link(bad) == ""


class KindSource:
    """A source of a given kind handing over prepared raw messages (the adapters' own part is tested in
    their suites: Graph's webLink in test_outlook_mail, the note's file in test_local_source)."""

    def __init__(self, account: str, kind: str, raws: Sequence[RawMessage]) -> None:
        self.account, self.kind, self.raws = account, kind, tuple(raws)

    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        if not cursor:
            yield Batch(self.raws, {"done": True})

    def wait(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


def mail(sender: str, to: str, subject: str, body: str, msgid: str, date: str = "Mon, 16 Nov 2026 10:00:00 -0500"
         ) -> bytes:
    e = EmailMessage()
    e["From"], e["To"], e["Subject"], e["Date"], e["Message-ID"] = sender, to, subject, date, f"<{msgid}>"
    e.set_content(body)
    return e.as_bytes()


def extractor(messages: Sequence[Message]) -> list[list[Commitment]]:
    """The rep's "I'll call you Wednesday at 10:45" as a timed fallback (no spaCy in this test)."""
    out = []
    for m in messages:
        found = []
        if m.direction == "sent" and "I'll call" in m.body:
            text = m.body[m.body.index("I'll call"):].split("\n")[0]
            found.append(Commitment(id=content_id(m.id, "me", "call", text), message_id=m.id, who="me",
                                    action="call", due=datetime(2026, 11, 18, 10, 45, tzinfo=NY), due_has_time=True,
                                    conditional=True, vague=False, text=text))
        out.append(found)
    return out


def sync(tmp_path: Path, kind: str, raws: Sequence[RawMessage]) -> tuple[Config, Store]:
    config = Config(rep=REP, accounts=(AccountConfig("work", kind),), store_path=tmp_path / "s.sqlite3",
                    tracker=TrackerConfig(hold_fallbacks=False))
    store = open_store(config.store_path)
    sync_account(store, KindSource("work", kind, raws), config, fixed_clock(datetime(2026, 11, 17, tzinfo=UTC)),
                 extractor=extractor)
    return config, store


@pytest.mark.parametrize(("kind", "extra", "expected"), [
    ("gmail", {"provider_thread_id": "18c2f"}, "https://mail.google.com/mail/#search/rfc822msgid:p1@northwind.test"),
    ("outlook", {"link": "https://outlook.office365.com/owa/?ItemID=AAMk&exvsurl=1&viewmodel=ReadMessageItem"},
     "https://outlook.office365.com/owa/?ItemID=AAMk&exvsurl=1&viewmodel=ReadMessageItem"),
    ("imap", {}, "message:%3Cp1@northwind.test%3E"),
])
def test_a_follow_up_links_to_the_message_on_its_event_and_in_the_review(tmp_path: Path, kind: str,
                                                                          extra: dict[str, str], expected: str) -> None:
    body = "Hi Ed,\n\nI'll call you Wednesday at 10:45 if I haven't heard back.\n\nSam"
    data = mail("Sam Rivera <sam@northwind-analytics.com>", "Ed Park <ed.park@acme.com>", "Rollout", body,
                "p1@northwind.test")
    config, store = sync(tmp_path, kind, [RawMessage("work", "g1", data, folder="sent", direction_hint="sent",
                                                     **extra)])
    with store:
        (m,) = store.messages()
        assert m.link == expected  # kept with the message (store migration 6)
        now = datetime(2026, 11, 18, 10, 46, tzinfo=NY)
        tracker.track(store, config, now)
        (s,) = store.suggestions()
        assert s.link == expected and f"Message: {expected}" in s.body
        (v,) = review.queue(store, config, now)
        assert v.link == expected and v.as_json(config.rep.timezone)["link"] == expected
        writer = IcsWriter(tmp_path / "f.ics")
        review.accept(store, config, s.id, now, writer)
    event = IcsWriter(tmp_path / "f.ics").get(s.id)
    assert event is not None and event.url == expected and expected in event.description


def test_a_voicemail_note_links_to_its_file(tmp_path: Path) -> None:
    from assistant.sources.local import LocalSource

    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "2026-11-12T1405 Ed Park.md"
    note.write_text("with: Ed Park <ed.park@acme.com>\n\nLeft a voicemail. I'll call again Friday at 11.\n",
                    encoding="utf-8")
    config = Config(rep=REP, accounts=(AccountConfig("work", "local", options={"notes": str(notes)}),),
                    store_path=tmp_path / "s.sqlite3")
    (acct,) = config.accounts
    source = LocalSource(acct, config)
    (batch,) = list(source.fetch({}))
    (r,) = batch.messages
    assert r.link == note.as_uri() and r.link.startswith("file:///") and "%20" in r.link
    with open_store(config.store_path) as store:
        sync_account(store, source, config, fixed_clock(datetime(2026, 11, 13, tzinfo=UTC)), extractor=extractor)
        (m,) = store.messages()
        assert m.direction == "note" and m.link == note.as_uri()


def test_the_link_is_escaped_on_the_page_and_a_bad_scheme_is_dropped(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from assistant.web.app import create_app

    world = build(tmp_path)
    hostile = 'https://mail.example/"><script>alert(9)</script>'
    with open_store(world.store_path) as store:
        ed = content_id(world.ids["ed"], prefix="ft")
        evil = content_id(world.ids["evil"], prefix="ft")
        store.db.execute("UPDATE suggestions SET link = ? WHERE id = ?", (hostile, ed))
        store.db.execute("UPDATE suggestions SET link = ? WHERE id = ?", ("javascript:alert(8)", evil))
    app = create_app(world.config, token="t" * 24, clock=fixed_clock(NOW), allowed_hosts=["testserver"])  # type: ignore[arg-type]
    client = TestClient(app)
    client.get(f"/?token={'t' * 24}")
    html = client.get("/").text
    assert "<script>alert(9)" not in html and "javascript:" not in html
    assert 'href="https://mail.example/&#34;&gt;&lt;script&gt;alert(9)&lt;/script&gt;"' in html
    assert html.count('class="mail-link"') >= 2  # ed's row and priya's (message: URL); evil's is dropped
    assert 'href="message:%3Cm' in html


# -- names people recognise -----------------------------------------------------------------------------
def test_company_from_display_name_signature_or_the_domain_as_written() -> None:
    assert organisation("Ed Marsh (Harbor Outfitters)", "ed@harboroutfitters.com") == "Harbor Outfitters"
    assert organisation("Ed Marsh | Harbor Outfitters", "ed@gmail.com") == "Harbor Outfitters"
    assert organisation("Ed Marsh (External)", "ed@harboroutfitters.com") == ""
    assert organisation("Ed Marsh (Procurement)", "ed@harboroutfitters.com") == ""
    assert organisation("Ed Marsh (she/her)", "ed@harboroutfitters.com") == ""
    assert organisation("Marsh, Ed", "ed@harboroutfitters.com") == ""
    sig = "Sounds good.\n\nEd Marsh\nVP Operations, Harbor Outfitters Inc.\n+1 555 0100"
    assert organisation("Ed Marsh", "ed@harboroutfitters.com", sig) == "Harbor Outfitters Inc"
    assert organisation("Ed Park", "ed@acmelogistics.com", "Thanks\nEd Park | VP Operations | Acme Logistics") \
        == "Acme Logistics"
    # a line that does not spell the sender's domain is not their company (the rep's quoted signature)
    assert organisation("Ed Marsh", "ed@harboroutfitters.com",
                        "ok\n> Sam Rivera\n> Northwind Analytics\nVP Operations\n12 Harbor Street") == ""
    assert organisation("Jo", "jo@gmail.com", "Jo Smith\nGmail Fan Club") == ""
    assert display_name("Ed Marsh (Harbor Outfitters)") == "Ed Marsh"
    assert display_name("Marsh, Ed") == "Marsh, Ed"
    assert company_label("harboroutfitters.com") == "harboroutfitters.com"
    assert company_label("harboroutfitters.com", "Ed", "Harbor Outfitters") == "Harbor Outfitters"


def test_names_read_while_syncing_reach_titles_and_deals(tmp_path: Path) -> None:
    sent = [
        mail("Sam Rivera <sam@northwind-analytics.com>", "Ed Marsh (Harbor Outfitters) <ed@harboroutfitters.com>",
             "Pilot", "Hi Ed,\n\nI'll call you Wednesday at 10:45 if I haven't heard back.\n", "s1@nw.test"),
        mail("Sam Rivera <sam@northwind-analytics.com>", "Ken Ito <ken@kestrelenergy.com>", "Quote",
             "Hi Ken,\n\nI'll call you Wednesday at 10:45 if I haven't heard back.\n", "s2@nw.test"),
    ]
    received = mail("Priya Nair <pnair@bluefinhealth.org>", "sam@northwind-analytics.com", "Order form",
                    "Thanks Sam.\n\nPriya Nair\nOperations Analytics Lead, Bluefin Health\n", "r1@bh.test",
                    "Mon, 16 Nov 2026 11:00:00 -0500")
    raws = [RawMessage("work", f"m{i}", d, folder="sent", direction_hint="sent") for i, d in enumerate(sent)]
    raws.append(RawMessage("work", "r1", received, folder="inbox", direction_hint="received"))
    config, store = sync(tmp_path, "imap", raws)
    with store:
        assert store.organisations() == {"harboroutfitters.com": "Harbor Outfitters",
                                         "bluefinhealth.org": "Bluefin Health"}
        now = datetime(2026, 11, 18, 10, 46, tzinfo=NY)
        tracker.track(store, config, now)
        titles = sorted(s.title.partition(" \u2014 ")[0] for s in store.suggestions())
        assert titles == ["Call Ed Marsh (Harbor Outfitters)", "Call Ken Ito (kestrelenergy.com)"]
        labels = {d.label for d in tracker.deals(store, config, now)}
        assert labels == {"Harbor Outfitters", "kestrelenergy.com", "Bluefin Health"}


# -- the review in a terminal ---------------------------------------------------------------------------
@pytest.fixture
def world(tmp_path: Path) -> World:
    return build(tmp_path)


def sid(world: World, name: str) -> str:
    return content_id(world.ids[name], prefix="ft")


def run(cfg: Path, *args: str, input: str | None = None) -> Any:
    from assistant.cli import main

    return CliRunner().invoke(main, [*args, "--config", str(cfg), "--now", "2026-11-20T09:00"], input=input)


def state(world: World, name: str) -> StepState:
    with open_store(world.store_path) as store:
        s = store.suggestion(sid(world, name))
        assert s is not None
        return s.state


def test_snooze_reads_words_in_the_reps_zone(world: World) -> None:
    friday = NOW  # Fri 20 Nov 2026 09:00 New York
    assert review.parse_snooze("next thursday", friday, world.config) == at(26, 9)  # type: ignore[arg-type]
    assert review.parse_snooze("tomorrow 9", friday, world.config) == at(21, 9)  # type: ignore[arg-type]
    assert review.parse_snooze("Monday 2pm", friday, world.config) == at(23, 14)  # type: ignore[arg-type]
    assert review.parse_snooze("next week", friday, world.config) == at(23, 9)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2026-11-24 09:15"):
        review.parse_snooze("whenever", friday, world.config)  # type: ignore[arg-type]


def test_bad_snooze_input_asks_again_and_never_skips_the_item(world: World, tmp_path: Path) -> None:
    cfg = write_config(world, tmp_path)
    # first item (priya): snooze, "whenever" is not understood, "yesterday" has passed, then "next thursday"
    result = run(cfg, "review", input="s\nwhenever\nyesterday\nnext thursday\nq\n")
    assert result.exit_code == 0, result.output
    assert "not understood" in result.output and "that moment has passed" in result.output
    assert "Snoozed until Thu 26 Nov 09:00" in result.output
    assert state(world, "priya") == StepState.SNOOZED and state(world, "ed") == StepState.SUGGESTED


def test_a_refused_action_asks_again_for_the_same_item(world: World, tmp_path: Path) -> None:
    cfg = write_config(world, tmp_path)
    # edit with a time that does not read asks again; the edited item is then accepted, the next skipped
    result = run(cfg, "review", input="e\nsomeday\n2026-11-25 11:45\n\na\nk\nq\n")
    assert result.exit_code == 0, result.output
    assert "not understood" in result.output and "Accepted" in result.output
    assert state(world, "priya") == StepState.ACCEPTED and state(world, "ed") == StepState.SUGGESTED


def test_scripts_act_by_id_or_unique_prefix(world: World, tmp_path: Path) -> None:
    cfg = write_config(world, tmp_path)
    priya, ed, evil = sid(world, "priya"), sid(world, "ed"), sid(world, "evil")
    result = run(cfg, "accept", priya[:9])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Accepted") and state(world, "priya") == StepState.ACCEPTED
    assert priya in IcsWriter(world.ics_path).uids()
    result = run(cfg, "snooze", ed, "next", "thursday")
    assert result.exit_code == 0 and "Snoozed until Thu 26 Nov 09:00" in result.output
    result = run(cfg, "reject", evil[2:10])  # the id without its "ft"
    assert result.exit_code == 0 and state(world, "evil") == StepState.REJECTED
    result = run(cfg, "done", priya)  # the rep's chase of Priya happened: settled, the event stays
    assert result.exit_code == 0 and result.output.startswith("Done")
    assert state(world, "priya") == StepState.SETTLED and priya in IcsWriter(world.ics_path).uids()


@pytest.mark.parametrize("args", [("accept", "ftnope"), ("done", "zz"), ("snooze", "ft", "tomorrow"),
                                  ("snooze", "ftnope", "tomorrow")])
def test_an_unknown_or_ambiguous_id_is_one_line_and_exit_2(world: World, tmp_path: Path, args: tuple[str, ...]
                                                           ) -> None:
    cfg = write_config(world, tmp_path)
    result = run(cfg, *args)
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.output
    assert ("more than one" in lines[0]) == (args[1] == "ft")


def test_snoozing_into_the_past_by_script_is_refused(world: World, tmp_path: Path) -> None:
    result = run(write_config(world, tmp_path), "snooze", sid(world, "ed"), "yesterday")
    assert result.exit_code == 2 and "future" in result.output and state(world, "ed") == StepState.SUGGESTED


def test_mark_done_goes_through_the_state_machine(world: World) -> None:
    with open_store(world.store_path) as store:
        out = review.mark_done(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]
        assert out.state == "kept"  # the rep's own fallback call: kept
        hops = [(t.from_state, t.to_state) for t in store.transitions(world.ids["ed"])]
        assert hops[-1] == (StepState.SUGGESTED, StepState.KEPT)
        with pytest.raises(review.ReviewError, match="cannot mark done"):
            review.mark_done(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]


def render(views: list[review.SuggestionView], config: object, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(suggestion_table(views, config, "To review", width=width))  # type: ignore[arg-type]
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [80, 100, 110, 120, 160])
def test_the_table_is_readable_at_80_columns_and_up(world: World, width: int) -> None:
    with open_store(world.store_path) as store:
        views = review.queue(store, world.config, NOW)  # type: ignore[arg-type]
    out = render(views, world.config, width)
    lines = out.splitlines()
    assert max(len(ln) for ln in lines) <= width
    border = next(ln for ln in lines if ln.startswith("\u250f"))  # the header's top border: one run per column
    columns = [len(run) for run in re.split("[\u250f\u2533\u2513]", border)[1:-1]]
    readable = columns[2:5] if len(columns) == 6 else columns[2:4]  # With, The promise (and Why now when wide)
    assert len(columns) == (6 if width >= 120 else 4) and min(readable) >= 14, columns
    words = " ".join(ln.strip("\u2502\u2503 ") for ln in lines)
    for v in views:  # every reason's words are whole somewhere (not cut into two-letter pieces)
        for word in v.reason.split():
            assert re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", out), (word, width)
    assert "Why now" in words
    assert "\u2026" not in "".join(lines[:6])  # headers are not truncated


def test_old_stores_upgrade_and_keep_their_messages(tmp_path: Path) -> None:
    import sqlite3

    from assistant.store.sqlite import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for version, script in enumerate(MIGRATIONS[:5], 1):
        db.executescript(script)
        db.execute(f"PRAGMA user_version = {version}")
    db.execute("INSERT INTO messages(id, account, source_id, message_id, thread_id, direction, sender_email,"
               " sender_name, recipients, subject, sent_at, body) VALUES ('m1','a','s','x@y','t','sent','sam@n','',"
               "'[]','s','2026-11-16T15:00:00+00:00','b')")
    db.commit()
    db.close()
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        (m,) = store.messages()
        assert m.link == "" and store.organisations() == {}
