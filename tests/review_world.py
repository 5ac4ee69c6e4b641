"""A small hand-built mailbox for the review, report and web tests (owner: the review feature).

Messages and commitments are written straight into a store (no nlp involved), then the real tracker
runs at the demo clock, so the suggestions, states and deals are the product's own. One thread is
hostile: its names, subject and promise are full of HTML, script and attribute-breaking quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant import tracker
from assistant.config import parse_config
from assistant.models import Address, Commitment, Message, content_id
from assistant.store import Store, open_store
from assistant.tracker.counterparts import organisation_of

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=NY)
REP = Address("sam@northwind-analytics.com", "Sam Rivera")
EVIL_NAME = '<script>alert("name")</script>'
EVIL_SUBJECT = '"><img src=x onerror=alert(1)> & <b>bold</b>'
EVIL_PROMISE = "I'll call you Thursday at 9:00 \"onmouseover=\"alert(2)\" '><script>alert(3)</script>"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def config_for(tmp: Path, mode: str = "suggest") -> object:
    return parse_config({
        "rep": {"name": "Sam Rivera", "email": REP.email, "timezone": "America/New_York",
                "working_hours": "09:00-17:30", "working_days": "Mon-Fri"},
        "accounts": [{"name": "work", "kind": "local", "mode": mode, "mail": ["mail"]}],
        "calendar": {"kind": "ics", "path": str(tmp / "followups.ics")},
        "store": {"path": str(tmp / "store.sqlite3")},
        "report": {"out_dir": str(tmp / "out")},
    }, source_path=tmp / "config.toml")


@dataclass
class World:
    config: object
    store_path: Path
    ics_path: Path
    ids: dict[str, str]  # name -> commitment id


class _Builder:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.ids: dict[str, str] = {}
        self.n = 0

    def msg(self, thread: str, direction: str, when: datetime, other: Address, subject: str, body: str,
            auto: bool = False) -> Message:
        self.n += 1
        mid = f"m{self.n}@test"
        sender, to = (REP, (other,)) if direction == "sent" else (other, (REP,))
        m = Message(id=content_id(mid, prefix="m"), account="work", source_id=f"src/{self.n}", message_id=mid,
                    thread_id=content_id(thread, prefix="t"), direction=direction,  # type: ignore[arg-type]
                    sender=sender, recipients=to, subject=subject, sent_at=when, body=body, is_auto_reply=auto,
                    timezone="America/New_York")
        self.store.add_message(m)
        org = organisation_of(m, frozenset({REP.email}))  # what the watcher records for each stored message
        if org is not None:
            self.store.record_organisation(*org, m.sent_at)
        return m

    def promise(self, name: str, m: Message, who: str, action: str, text: str, due: datetime | None,
                has_time: bool = False, conditional: bool = False, vague: bool = False) -> None:
        c = Commitment(id=content_id(m.id, who, action, text), message_id=m.id, who=who,  # type: ignore[arg-type]
                       action=action, due=due, due_has_time=has_time, conditional=conditional, vague=vague,
                       text=text)
        self.store.add_commitments([c])
        self.ids[name] = c.id


def build(tmp: Path, now: datetime = NOW, mode: str = "suggest") -> World:
    """The mailbox, tracked at `now`. Expected states at NOW:
    ed (fallback call Thu 8:15, no reply) -> suggested; laura (send by Wed, delivered) -> kept;
    priya (buyer: order form by Wed, nothing came) -> suggested (chase); marcus (fallback, he replied)
    -> settled; nina (vague "touch base soon", default target) -> pending; evil (call Thu 9:00) -> suggested;
    old (Harbor, October, vague) -> pending with a stalled deal."""
    config = config_for(tmp, mode)
    store = open_store(tmp / "store.sqlite3")
    b = _Builder(store)
    ed = Address("ed.park@acmelogistics.com", "Ed Park")
    m = b.msg("ed", "sent", at(16, 10, 12), ed, "Acme / Northwind - rollout plan",
              "Hi Ed,\n\nI'll call you Thursday at 8:15 if I haven't heard back by then.\n\nSam")
    b.promise("ed", m, "me", "call", "I'll call you Thursday at 8:15 if I haven't heard back by then.",
              at(19, 8, 15), has_time=True, conditional=True)

    laura = Address("laura.chen@evergreenrealty.com", "Laura Chen")
    m = b.msg("laura", "sent", at(16, 14), laura, "Revised proposal", "I'll send the revised proposal by Wednesday.")
    b.promise("laura", m, "me", "send", "I'll send the revised proposal by Wednesday.", at(18, 0))
    b.msg("laura", "sent", at(18, 11), laura, "Re: Revised proposal", "Attached is the revised proposal.")

    priya = Address("pnair@bluefinhealth.org", "Priya Nair")
    m = b.msg("priya", "received", at(16, 9, 30), priya, "Order form",
              "I'll get you the signed order form by Wednesday.\n\nPriya Nair\nOperations Analytics Lead, Bluefin Health")
    b.promise("priya", m, "them", "send", "I'll get you the signed order form by Wednesday.", at(18, 0))

    marcus = Address("marcus.lee@deltafreight.com", "Marcus Lee")
    m = b.msg("marcus", "sent", at(17, 15, 30), marcus, "MSA redlines",
              "I'll call you Friday at 10:00 if I don't hear back.")
    b.promise("marcus", m, "me", "call", "I'll call you Friday at 10:00 if I don't hear back.", at(20, 10),
              has_time=True, conditional=True)
    b.msg("marcus", "received", at(18, 16), marcus, "Re: MSA redlines", "Thanks Sam, legal signed off today.")

    nina = Address("nina.patel@kestrelenergy.com", "Nina Patel")
    m = b.msg("nina", "sent", at(18, 15, 10), nina, "Kestrel - next steps", "Hi Nina, I'll touch base soon.")
    b.promise("nina", m, "me", "follow_up", "I'll touch base soon.", None, vague=True)

    evil = Address("evil@example.com", EVIL_NAME)
    m = b.msg("evil", "sent", at(17, 12), evil, EVIL_SUBJECT, EVIL_PROMISE)
    b.promise("evil", m, "me", "call", EVIL_PROMISE, at(19, 9), has_time=True)

    chris = Address("cdunn@harboroutfitters.com", "Chris Dunn (Harbor Outfitters)")
    m = b.msg("chris", "sent", at(5, 9, 5, month=10), chris, "Pilot results", "I'll check in with you at some point.")
    b.promise("old", m, "me", "follow_up", "I'll check in with you at some point.", None, vague=True)
    b.msg("chris", "sent", at(5, 9, 30, month=10), chris, "Re: Pilot results", "Attached is the deck.")

    tracker.track(store, config, now)  # type: ignore[arg-type]
    store.close()
    return World(config=config, store_path=tmp / "store.sqlite3", ics_path=tmp / "followups.ics", ids=b.ids)


def write_config(world: World, tmp_path: Path) -> Path:
    """A rep config on this world's store and .ics, for running the CLI against it."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[rep]\nname = "Sam Rivera"\nemail = "sam@northwind-analytics.com"\ntimezone = "America/New_York"\n'
        f'[calendar]\nkind = "ics"\npath = "{world.ics_path}"\n[store]\npath = "{world.store_path}"\n',
        encoding="utf-8")
    return path
