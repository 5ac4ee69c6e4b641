"""Every registered rule is a unit with a name, a docstring and examples; each head rule fires on its own
examples and each filter rejects a head on its own, as `explain` (the --explain trace) shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlp.extract import MAX_COMMITMENTS, MessageInput, explain, extract
from nlp.extract.filters import Candidate, EmptyClause
from nlp.extract.model import _Ctx, _Head, _Unit
from nlp.extract.registry import FILTERS, HEAD_RULES, TIMED_FILTERS

SENT = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def trace_of(text: str, direction: str = "sent"):  # type: ignore[no-untyped-def]
    return explain(MessageInput(text, SENT, "America/New_York", direction))


def test_rules_are_named_documented_units() -> None:
    names = [r.name for r in HEAD_RULES] + [f.name for f in FILTERS] + [f.name for f in TIMED_FILTERS]
    assert len(names) == len(set(names)) and all(names)
    for unit in (*HEAD_RULES, *FILTERS, *TIMED_FILTERS):
        assert (type(unit).__doc__ or "").strip(), f"{unit.name} has no docstring"
    assert [r.priority for r in HEAD_RULES] == sorted(r.priority for r in HEAD_RULES)


@pytest.mark.parametrize("rule", [r for r in HEAD_RULES if r.examples], ids=lambda r: r.name)
def test_each_head_rule_fires_on_its_examples(rule) -> None:  # type: ignore[no-untyped-def]
    for text in rule.examples:
        found, trace = trace_of(text, rule.direction)
        fired = {k.split("+")[-1] for st in trace for k, _ in st.kept}
        assert rule.name in fired, (text, [(st.kept, st.rejected) for st in trace])
        assert found and all(c.rule for c in found)


def test_every_head_rule_has_examples() -> None:
    assert [r.name for r in HEAD_RULES if not r.examples] == []


@pytest.mark.parametrize("flt", [f for f in (*FILTERS, *TIMED_FILTERS) if f.examples], ids=lambda f: f.name)
def test_each_filter_rejects_its_examples(flt) -> None:  # type: ignore[no-untyped-def]
    for text in flt.examples:
        found, trace = trace_of(text)
        rejected_by = {f for st in trace for _, f, _ in st.rejected}
        assert flt.name in rejected_by, (text, [(st.kept, st.rejected) for st in trace])


def test_every_filter_but_the_empty_clause_has_examples() -> None:
    assert [f.name for f in (*FILTERS, *TIMED_FILTERS) if not f.examples] == ["empty_clause"]
    ctx = _Ctx(SENT, ZoneInfo("America/New_York"), "sent", "")
    head = _Head(0, 6, "writer", "modal", rule="subject_modal")
    assert EmptyClause().rejects(Candidate("I will", head, "I will", "", ctx, _Unit(0, 0, "I will", "", False)))


@pytest.mark.parametrize("text, who", [
    ("Raj will send you the spec on Monday.", "them"),  # a named colleague (spec 2)
    ("Our implementation team will send you the rollout plan on Monday.", "me"),  # the writer's side
    ("I'll have Sara send you the numbers by Friday.", "me"),  # the writer arranges it
])
def test_who_follows_the_spec(text: str, who: str) -> None:
    found = extract(text, sent_at=SENT, timezone="America/New_York", direction="sent")
    assert [c.who for c in found][:1] == [who]


@pytest.mark.parametrize("text", [
    "I'll be in London next week.",
    "I think it will work.",
    "We will be able to deliver by Friday.",
    "I heard they will announce the merger next week.",
    "The board will vote on Tuesday.",
    "Attached is the deck from Tuesday.",
    "If they will sign, we can start in January.",
    "I'm going to have to think about it.",
    "Talk soon.",
    "We always send the confirms on Mondays.",
])
def test_classes_that_are_not_commitments(text: str) -> None:
    assert extract(text, sent_at=SENT, timezone="America/New_York", direction="sent") == []


def test_a_hostile_message_yields_at_most_the_cap_the_most_confident_kept() -> None:
    lines = [f"I'll send you report {i} by Friday." if i % 2 else f"I will talk to team {i}." for i in range(300)]
    found = extract("\n".join(lines), sent_at=SENT, timezone="America/New_York", direction="sent")
    assert len(found) == MAX_COMMITMENTS
    assert [c.start for c in found] == sorted(c.start for c in found)  # text order
    assert min(c.confidence for c in found) >= max(
        (c.confidence for c in extract("I will talk to team 1.", sent_at=SENT, timezone="America/New_York",
                                       direction="sent")), default=0.0)


def test_confidence_is_a_probability_from_the_calibration_table() -> None:
    from nlp.extract.confidence import table

    assert table().get("source", "").startswith("tuning half")
    for c in extract("I'll call you Wednesday at 10:45. Raj will send you the spec.", sent_at=SENT,
                     timezone="America/New_York", direction="sent"):
        assert 0.0 <= c.confidence <= 1.0


def test_the_gate_ships_with_its_data_and_scores_sentences() -> None:
    import json
    from pathlib import Path

    from nlp.extract import gate

    rows = [json.loads(x) for x in (Path(__file__).resolve().parents[1] / "nlp" / "train" /
                                     "commitment_sentences.jsonl").read_text(encoding="utf-8").splitlines() if x]
    assert len(rows) >= 3000 and {r["writer"] for r in rows} == {"A", "B", "C"}
    assert {r["label"] for r in rows} == {"commitment", "none"}
    yes = gate.score("I'll send you the revised proposal by Thursday.")
    no = gate.score("Prices will rise again once the new tariff kicks in.")
    assert yes is not None and no is not None and 0.0 <= no < gate.THRESHOLD < yes <= 1.0


def test_a_day_part_already_under_way_in_a_promise_is_today_not_dropped() -> None:
    late = datetime(2001, 8, 21, 17, 12, tzinfo=ZoneInfo("America/Chicago"))
    [c] = extract("I'll courier the signed lease to Priya this afternoon.", sent_at=late, timezone="America/Chicago",
                  direction="sent")
    assert c.due == late and c.due_has_time


def test_a_due_and_a_condition_belong_to_their_own_clause() -> None:
    text = ("I'll send the revised proposal by Thursday noon, and if I haven't heard back by Friday I'll call you "
            "Monday at 9:30.")
    send, call = extract(text, sent_at=SENT, timezone="America/New_York", direction="sent")
    assert (send.action, send.due, send.conditional) == ("send", datetime(2026, 11, 5, 12, 0, tzinfo=SENT.tzinfo),
                                                          False)
    assert (call.action, call.due, call.conditional) == ("call", datetime(2026, 11, 9, 9, 30, tzinfo=SENT.tzinfo),
                                                          True)
    # the same as two sentences
    two = extract(text.replace(", and if", ". If"), sent_at=SENT, timezone="America/New_York", direction="sent")
    assert [(c.due, c.conditional) for c in two] == [(send.due, False), (call.due, True)]


def test_a_named_doer_of_a_passive_owes_it_even_when_it_reads_like_an_arrival() -> None:
    [c] = extract("The signed NDA will be couriered to you tomorrow by Marta Lindqvist.", sent_at=SENT,
                  timezone="America/New_York", direction="sent")
    assert (c.who, c.action, c.rule) == ("them", "send", "passive_with_doer")
    assert c.due is not None and c.due.date().isoformat() == "2026-11-03"
