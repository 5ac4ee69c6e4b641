"""Clause scope (`nlp.when.clauses`): clauses cover the text in order, a condition opened by a subordinator
with a subject ends at a comma or where its main clause starts, time phrases ("before Friday") open nothing,
and `find_times` reports each mention's clause. Generated: every opener x every position x main clauses."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlp.when import find_times, split_clauses
from nlp.when.clauses import clause_of

REF = datetime(2026, 11, 18, 14, 30)  # a Wednesday
NY = "America/New_York"


def _pieces(text: str) -> list[tuple[str | None, str]]:
    return [(c.condition, text[c.start:c.end].strip(" ,.;!")) for c in split_clauses(text)]


def test_the_issue_sentence_has_three_clauses() -> None:
    text = ("I'll send the revised proposal by Thursday noon, and if I haven't heard back by Friday I'll call you "
            "Monday at 9:30")
    got = {m.text: (m.clause, m.clause_condition) for m in find_times(text, REF, NY)}
    assert got == {"Thursday noon": (0, None), "Friday": (1, "if"), "Monday at 9:30": (2, None)}


OPENERS = ["if", "unless", "in case", "provided that", "assuming", "as soon as", "when", "once", "before",
           "after", "until"]
CONDITIONS = ["I haven't heard back by Friday", "you sign the order on Friday", "we get the numbers Friday",
              "the client confirms Friday"]
MAINS = ["I'll call you Monday at 9:30", "we will meet on Monday at 9:30", "let's talk Monday at 9:30",
         "please send it Monday at 9:30"]


@pytest.mark.parametrize("opener", OPENERS)
def test_every_opener_before_and_after_its_main_clause(opener: str) -> None:
    for cond in CONDITIONS:
        for main in MAINS:
            for text, cond_first in ((f"{opener.capitalize()} {cond}, {main}.", True),
                                     (f"{opener.capitalize()} {cond} {main}.", True),
                                     (f"{main[0].upper()}{main[1:]} {opener} {cond}.", False)):
                found = {m.text: m for m in find_times(text, REF, NY)}
                fri = next(m for t, m in found.items() if "Friday" in t)
                mon = next(m for t, m in found.items() if "Monday" in t)
                expected = opener if opener in ("in case", "as soon as") else opener.split()[0]
                assert fri.clause_condition == expected, text
                assert mon.clause_condition is None, text
                assert fri.clause != mon.clause, text
                assert (fri.clause < mon.clause) == cond_first, text


@pytest.mark.parametrize("text", [
    "I'll send it before Friday.", "Let's talk after 3pm tomorrow.", "Hold the slot until Monday.",
    "I'll call before the meeting on Friday.", "We meet once a week, on Fridays.", "When can we meet on Friday?",
    "Send it by Friday once more.",
])
def test_time_phrases_open_no_clause(text: str) -> None:
    assert all(c.condition is None for c in split_clauses(text)), _pieces(text)


def test_same_day_anchors_are_conditions_of_their_own() -> None:
    assert _pieces("I'll send it before I head home.") == [(None, "I'll send it"), ("before", "before I head home")]
    assert _pieces("Once this meeting ends I'll send the deck") == [("once", "Once this meeting ends"),
                                                                    (None, "I'll send the deck")]


def test_coordination_and_sentences() -> None:
    assert _pieces("I will call you tomorrow and we can sign Friday") == [
        (None, "I will call you tomorrow"), (None, "and we can sign Friday")]
    assert _pieces("Thanks. I'll call Monday; then we sign Tuesday!") == [
        (None, "Thanks"), (None, "I'll call Monday"), (None, "then we sign Tuesday")]
    # "Thursday and Friday" is one clause
    assert len(split_clauses("I'm free Thursday and Friday.")) == 1


@pytest.mark.parametrize("text", ["", " ", "if", "if,", "and if", ",,,", "If you can, then", "\n\nif\n",
                                  "when when when", "before I", "x" * 50])
def test_clauses_cover_any_text_in_order(text: str) -> None:
    cs = split_clauses(text)
    assert cs[0].start == 0 and cs[-1].end == len(text)
    for i, (a, b) in enumerate(zip(cs, cs[1:], strict=False)):
        assert a.end == b.start and a.index == i and a.start < a.end
    for pos in range(len(text) + 1):
        c = clause_of(cs, pos)
        assert c.start <= pos <= c.end
