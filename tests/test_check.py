"""The next-action check: the verdict rule, the proposed sentence (names, action kind, business days and
working hours), drafts read by the real extractor (concrete, vague, none, conditional), and the command's
exit codes 0/3 and JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assistant import check
from assistant.config import WorkingHours, parse_config
from tests.review_world import NY, World, build

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=NY)  # a Friday
MONDAY = datetime(2026, 11, 16, 14, 0, tzinfo=NY)
CONFIG = parse_config({"rep": {"name": "Sam Rivera", "email": "sam@northwind-analytics.com",
                               "timezone": "America/New_York", "working_hours": "08:00-17:00"}})


@dataclass
class Found:
    who: str
    action: str
    due: datetime | None
    due_has_time: bool = False
    conditional: bool = False
    vague: bool = False
    text: str = "..."


def fake(*found: Found) -> Any:
    def extract(text: str, **kw: Any) -> list[Found]:
        assert kw["direction"] == "sent" and kw["timezone"] == "America/New_York"
        return list(found)

    return extract


# -- the sentence ---------------------------------------------------------------------------------
def test_business_days_skip_the_weekend() -> None:
    hours = WorkingHours()
    assert check.business_day(date(2026, 11, 20), 1, hours) == date(2026, 11, 23)
    assert check.business_day(date(2026, 11, 20), 2, hours) == date(2026, 11, 24)
    assert check.business_day(date(2026, 11, 16), 2, hours) == date(2026, 11, 18)
    only_tue_thu = WorkingHours(days=(1, 3))
    assert check.business_day(date(2026, 11, 20), 1, only_tue_thu) == date(2026, 11, 24)


def test_times_and_days_in_the_reps_words() -> None:
    assert check.say_time(time(8, 15)) == "8:15"
    assert check.say_time(time(14, 30)) == "2:30 pm"
    assert check.say_time(time(12, 0)) == "12:00 pm"
    assert check.call_time(WorkingHours(start=time(8, 0))) == time(8, 15)
    assert check.say_day(date(2026, 11, 25), date(2026, 11, 20)) == "Wednesday"
    assert check.say_day(date(2026, 12, 9), date(2026, 11, 20)) == "Wednesday 9 December"


def test_propose_from_a_monday_matches_the_products_example() -> None:
    assert check.propose(MONDAY, CONFIG, name="Ed") == (
        "Ed, if I haven't heard back by Wednesday, I'll call you Thursday at 8:15 - does that work for you?")


def test_propose_on_a_friday_skips_the_weekend_and_words_each_kind() -> None:
    assert check.propose(NOW, CONFIG) == (
        "If I haven't heard back by Tuesday, I'll call you Wednesday at 8:15 - does that work for you?")
    assert check.propose(NOW, CONFIG, name="Priya", kind="meet") == (
        "Priya, could we meet Wednesday at 8:15? I'll send you an invite today - does that work for you?")
    assert check.propose(NOW, CONFIG, name="Priya", kind="send").startswith(
        "Priya, I'll send it over by Tuesday, and I'll call you Wednesday at 8:15")
    late = parse_config({"rep": {"timezone": "Europe/Berlin", "working_hours": "10:00-18:00"},
                         "tracker": {"default_business_days": 1}})
    assert check.propose(NOW, late, name="Jo") == (  # 15:00 on Friday in Berlin
        "Jo, if I haven't heard back by Monday, I'll call you Tuesday at 10:15 - does that work for you?")


def test_names_from_headers_greetings_and_addresses() -> None:
    assert check.first_name("Ed Park") == "Ed"
    assert check.first_name("Park, Ed") == "Ed"
    assert check.first_name("", "laura.chen@evergreenrealty.com") == "Laura"
    assert check.first_name("", "x1@example.com") == ""
    assert check.greeted_name("Hi Ed,\n\nThanks") == "Ed"
    assert check.greeted_name("Hello Priya -\nfoo") == "Priya"
    assert check.greeted_name("Thanks, that works.") == ""
    draft = check.read_draft("To: Marcus Lee <marcus.lee@deltafreight.com>\nSubject: MSA\n\nJust checking in.\n")
    assert (draft.to_name, draft.to_email, draft.body) == ("Marcus Lee", "marcus.lee@deltafreight.com",
                                                           "Just checking in.")
    plain = check.read_draft("Re: the plan: sounds good\n\nOn Mon, Nov 16 Ed wrote:\n> I'll call Friday")
    assert "I'll call Friday" not in plain.body and plain.to_name == ""


# -- the verdict rule (extractor replaced) --------------------------------------------------------
def test_verdicts_with_a_replaced_extractor() -> None:
    due = datetime(2026, 11, 24, 10, 0, tzinfo=NY)
    r = check.check_draft("Hi Ed, I'll call you Tuesday at 10.", now=NOW, config=CONFIG,
                          extractor=fake(Found("me", "call", due, True, text="I'll call you Tuesday at 10.")))
    assert r.verdict == "concrete" and r.exit_code == 0 and r.suggestion is None
    assert r.reason == "sets a next action: you will call by Tue 24 Nov 10:00"
    r = check.check_draft("You'll send the PO by Tuesday.", now=NOW, config=CONFIG,
                          extractor=fake(Found("them", "send", due)))
    assert r.sets_next_action and "they will send by Tue 24 Nov" in r.reason
    r = check.check_draft("Hi Ed, just checking in.", now=NOW, config=CONFIG,
                          extractor=fake(Found("me", "follow_up", None, vague=True, text="just checking in")))
    assert r.verdict == "vague" and r.exit_code == 3
    assert r.suggestion and r.suggestion.startswith("Ed, if I haven't heard back by Tuesday")
    r = check.check_draft("Hi Ed, I'll send the deck.", now=NOW, config=CONFIG,
                          extractor=fake(Found("me", "send", None, text="I'll send the deck.")))
    assert r.verdict == "vague" and "no date" in r.reason
    assert r.suggestion and r.suggestion.startswith("Ed, I'll send it over by Tuesday")
    r = check.check_draft("Thanks for today.", now=NOW, config=CONFIG, extractor=fake())
    assert r.verdict == "none" and r.exit_code == 3 and r.suggestion and r.suggestion.startswith("If I haven't")
    data = r.as_json()
    assert data["sets_next_action"] is False and data["suggestion"] == r.suggestion and data["verdict"] == "none"


def test_the_thread_lends_the_name_and_the_kind(tmp_path: Path) -> None:
    world: World = build(tmp_path)
    from assistant.store import open_store

    with open_store(world.store_path) as store:
        priya = [m for m in store.messages() if m.subject == "Order form"]
        laura = [m for m in store.messages() if "Revised proposal" in m.subject]
    r = check.check_draft("Any news?", now=NOW, config=CONFIG, thread=priya, extractor=fake())
    assert r.recipient == "Priya"  # the buyer who wrote on the thread
    assert r.suggestion and r.suggestion.startswith("Priya, if I haven't heard back by Tuesday, I'll call you")
    r = check.check_draft("Any news?", now=NOW, config=CONFIG, thread=laura, extractor=fake())
    assert r.recipient == "Laura"  # whom the rep wrote to
    assert r.suggestion and r.suggestion.startswith("Laura, I'll send it over by Tuesday")  # the rep's thread sends


# -- drafts read by the real extractor -------------------------------------------------------------
CONCRETE = [
    "Hi Ed,\n\nThanks for your time today. I'll call you Tuesday at 10:30 to go through the numbers.\n\nSam",
    "Hi Priya,\n\nI'll send you the updated order form by Wednesday.\n\nBest,\nSam",
    "Marcus - if I don't hear back by Monday, I'll give you a call Tuesday at 9:45.",
    "Laura,\n\nI will email you the security answers tomorrow morning.\n\nSam",
    "To: Nina Patel <nina.patel@kestrelenergy.com>\nSubject: Next steps\n\nHi Nina,\n\n"
    "I'll phone you on Monday at 2pm to pick a start date.\n\nSam\n",
]
NOT_CONCRETE = [
    "Hi Ed,\n\nJust checking in to see if you had any thoughts on the proposal.\n\nSam",
    "Hi Priya,\n\nI'll follow up soon.\n\nSam",
    "Thanks Marcus, great to meet the team today!",
    "Hi Laura,\n\nLet me know if you have any questions.\n\nBest,\nSam",
    "Hi Nina, I'll circle back at some point.",
]


@pytest.mark.parametrize("draft", CONCRETE)
def test_real_extractor_concrete(draft: str) -> None:
    r = check.check_draft(draft, now=NOW, config=CONFIG)
    assert r.verdict == "concrete", r.reason
    assert r.next_actions and all(f.due is not None and not f.vague for f in r.next_actions)


@pytest.mark.parametrize("draft", NOT_CONCRETE)
def test_real_extractor_not_concrete(draft: str) -> None:
    r = check.check_draft(draft, now=NOW, config=CONFIG)
    assert r.verdict in ("vague", "none") and r.exit_code == 3
    assert r.suggestion
    # the proposed sentence, pasted into the draft, makes it pass
    fixed = check.check_draft(draft + "\n\n" + r.suggestion, now=NOW, config=CONFIG)
    assert fixed.verdict == "concrete", (r.suggestion, fixed.reason)


def test_conditional_fallback_is_a_next_action() -> None:
    r = check.check_draft("Hi Ed,\n\nIf I haven't heard back by Wednesday, I'll call you Thursday at 8:15.",
                          now=MONDAY, config=CONFIG)
    assert r.verdict == "concrete"
    assert any(f.conditional and f.action == "call" for f in r.next_actions)
    due = r.next_actions[0].due
    assert due is not None and due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 11, 19, 8, 15)


# -- the command ------------------------------------------------------------------------------------
def cli(args: list[str], stdin: str = "") -> Any:
    from assistant.cli import main

    return CliRunner().invoke(main, args, input=stdin)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[rep]\nname = "Sam"\ntimezone = "America/New_York"\nworking_hours = "08:00-17:00"\n'
                    f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n', encoding="utf-8")
    return path


def test_command_exit_codes(cfg: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(CONCRETE[0], encoding="utf-8")
    r = cli(["check", str(good), "--config", str(cfg), "--now", "2026-11-20T09:00"])
    assert r.exit_code == 0, r.output
    r = cli(["check", "-", "--config", str(cfg), "--now", "2026-11-20T09:00"], stdin=NOT_CONCRETE[0])
    assert r.exit_code == 3
    assert "Ed, if I haven't heard back by Tuesday, I'll call you Wednesday at 8:15" in r.output
    r = cli(["check", "--config", str(cfg), "--now", "2026-11-20T09:00"], stdin="<script>alert(1)</script> [red]x[/red]")
    assert r.exit_code == 3
    r = cli(["check", str(tmp_path / "missing.txt"), "--config", str(cfg)])
    assert r.exit_code == 2 and "cannot read" in r.output


def test_command_json(cfg: Path) -> None:
    r = cli(["check", "--json", "--config", str(cfg), "--now", "2026-11-20T09:00"], stdin=NOT_CONCRETE[1])
    assert r.exit_code == 3
    data = json.loads(r.output)
    assert data["sets_next_action"] is False and data["verdict"] in ("vague", "none")
    assert data["suggestion"].startswith("Priya, if I haven't heard back by Tuesday")
    r = cli(["check", "--json", "--config", str(cfg), "--now", "2026-11-20T09:00"], stdin=CONCRETE[1])
    data = json.loads(r.output)
    assert r.exit_code == 0 and data["sets_next_action"] is True and data["suggestion"] is None
    assert data["next_actions"][0]["who"] == "me"


def test_command_thread_option(cfg: Path, tmp_path: Path) -> None:
    r = cli(["check", "--thread", "t-none", "--config", str(cfg)], stdin="hi")
    assert r.exit_code == 2 and "no stored thread" in r.output
    world = build(tmp_path / "w")
    wcfg = tmp_path / "w.toml"
    wcfg.write_text(f'[rep]\ntimezone = "America/New_York"\n[store]\npath = "{world.store_path}"\n', encoding="utf-8")
    listed = json.loads(cli(["suggestions", "--json", "--config", str(wcfg), "--now", "2026-11-20T09:00"]).output)
    thread = next(s["thread_id"] for s in listed if s["counterpart"]["name"] == "Priya Nair")
    r = cli(["check", "--json", "--thread", thread, "--config", str(wcfg), "--now", "2026-11-20T09:00"],
            stdin="Any news on the order form?")
    assert r.exit_code == 3
    assert json.loads(r.output)["suggestion"].startswith("Priya, if I haven't heard back by Tuesday, I'll call you")
