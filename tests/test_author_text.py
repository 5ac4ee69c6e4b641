"""One owner of "the author's own text": the watcher hands nlp the whole body, so a stored message yields the
same commitments through the watcher as through `assistant extract` (the signature tells whose side a named
company is on; the quoted history holds no promise of this message)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from assistant.clock import fixed_clock
from assistant.config import AccountConfig, Config, RepConfig
from assistant.mailparse import parse
from assistant.models import RawMessage
from assistant.store import open_store
from assistant.watcher import sync_account
from tests.test_watcher import ListSource

REP = RepConfig(name="Sam Rivera", email="sam@northwind-analytics.com", timezone="America/New_York")
BODY = """Hi Kim,

Northwind will deliver the rollout plan by Friday, and I'll call you Monday at 9:30.

Best,
Sam Rivera
Northwind Analytics

-----Original Message-----
From: Kim Lee
Sent: Monday, November 16, 2026 8:00 AM
Subject: plan

I will send you the budget numbers on Tuesday.
"""


def _mail() -> bytes:
    e = EmailMessage()
    e["From"], e["To"] = "Sam Rivera <sam@northwind-analytics.com>", "Kim Lee <kim@buyer.example>"
    e["Subject"], e["Date"], e["Message-ID"] = "RE: plan", "Mon, 16 Nov 2026 09:00:00 -0500", "<p1@northwind>"
    e.set_content(BODY)
    return e.as_bytes()


def test_watcher_and_extract_command_agree(tmp_path: Path) -> None:
    raw = _mail()
    config = Config(rep=REP, accounts=(AccountConfig("a", "local"),), store_path=tmp_path / "s.sqlite3")
    with open_store(tmp_path / "s.sqlite3") as store:
        sync_account(store, ListSource("a", [raw]), config, fixed_clock(datetime(2026, 11, 16, 15, tzinfo=UTC)),
                     parallel=False)
        [msg] = store.messages()
        stored = [(c.who, c.action, c.due, c.text) for c in store.commitments(msg.id)]
        assert "Original Message" not in msg.body  # the store keeps only the author's own text
    parsed = parse(RawMessage("a", "a/0", raw), REP)
    line = json.dumps({"id": "m", "text": parsed.body, "sent_at": parsed.sent_at.isoformat(),
                       "timezone": REP.timezone, "direction": parsed.direction})
    p = subprocess.run([sys.executable, "-m", "assistant", "extract"], input=line + "\n", capture_output=True,
                       text=True, timeout=120, check=True)
    via_cli = [(c["who"], c["action"], datetime.fromisoformat(c["due"]) if c["due"] else None, c["text"])
               for c in json.loads(p.stdout)["commitments"]]
    assert stored == via_cli
    assert [w for w, *_ in stored] == ["me", "me"]  # Northwind is the writer's side (its signature)
    assert not any("budget" in t for *_, t in stored)  # the quoted promise is not this message's
