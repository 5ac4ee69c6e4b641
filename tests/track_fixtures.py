"""Small hand-built mailboxes for the tracker, booking and calendar tests (no nlp, no sources)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from assistant.config import Config, parse_config
from assistant.models import Address, Commitment, Message, content_id
from assistant.store import Store

NY = ZoneInfo("America/New_York")
REP = "sam@seller.com"


def config(tmp: Path | None = None, *, mode: str = "suggest", tz: str = "America/New_York",
           **tracker: Any) -> Config:
    data: dict[str, Any] = {
        "rep": {"name": "Sam Rivera", "email": REP, "timezone": tz, "working_hours": "09:00-17:30",
                "working_days": "Mon-Fri"},
        "accounts": [{"name": "work", "kind": "local", "mode": mode}],
        "tracker": tracker,
    }
    if tmp is not None:
        data["calendar"] = {"kind": "ics", "path": str(tmp / "followups.ics")}
    return parse_config(data)


def at(text: str, tz: ZoneInfo = NY) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def message(store: Store, key: str, *, thread: str, direction: str = "sent", sender: str = REP,
            to: tuple[str, ...] = ("ed.park@acme.com",), sent_at: datetime, body: str = "", subject: str = "Pricing",
            auto: bool = False, until: datetime | None = None, names: dict[str, str] | None = None,
            account: str = "work") -> Message:
    names = names or {"ed.park@acme.com": "Ed Park", REP: "Sam Rivera"}
    m = Message(
        id=content_id(key, prefix="m"), account=account, source_id=f"src/{key}", message_id=f"{key}@example.test"
        if direction != "note" else "", thread_id=thread, direction=direction,  # type: ignore[arg-type]
        sender=Address(sender, names.get(sender, "")), recipients=tuple(Address(a, names.get(a, "")) for a in to),
        subject=subject, sent_at=sent_at, body=body, is_auto_reply=auto, auto_reply_until=until,
    )
    store.add_message(m)
    return m


def promise(store: Store, msg: Message, *, who: str = "me", action: str = "call", due: datetime | None = None,
            has_time: bool = False, conditional: bool = False, vague: bool = False, text: str = "") -> Commitment:
    text = text or msg.body
    c = Commitment(id=content_id(msg.id, who, action, text), message_id=msg.id, who=who,  # type: ignore[arg-type]
                   action=action, due=due, due_has_time=has_time, conditional=conditional, vague=vague, text=text)
    store.add_commitments([c])
    return c


def store_toml(store: Store) -> str:
    """The `[store]` table of a config.toml that names this store (a SQLite file or a PostgreSQL rep)."""
    url, rep = getattr(store, "url", None), getattr(store, "rep", None)
    if url is not None:
        return f'[store]\nurl = "{url}"\nrep = "{rep}"\n'
    return f'[store]\npath = "{store.location}"\n'
