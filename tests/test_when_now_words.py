"""Now words, "shortly", same-day anchors and homographs, composed from their parts: every anchor verb x
subject x object ("before I head home", "before we leave the office"), every meeting noun x ending ("once this
meeting ends", "after my call"), and the short names that are also English words ("may", "march", "sat",
"sun", "wed") in word contexts and in date contexts. Expected values are computed here from the reference."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from nlp.when import find_times, resolve

ZONE = "America/New_York"
REF = datetime(2026, 11, 18, 14, 30, tzinfo=ZoneInfo(ZONE))  # Wednesday


@pytest.mark.parametrize("word", ["shortly", "in a bit", "in a little bit", "in a little while", "momentarily"])
def test_soon_words_are_within_the_hour(word: str) -> None:
    m = resolve(f"I'll send the proposal over {word}.", REF, ZONE)
    assert m is not None and m.value == REF + timedelta(hours=1) and m.is_deadline, m


def test_shortly_after_leaves_the_time_to_its_anchor() -> None:
    m = resolve("I'll call shortly after the board meeting on Friday", REF, ZONE)
    assert m is not None and m.value.date() == datetime(2026, 11, 20).date()


def test_going_home_anchors() -> None:
    subjects, verbs = ["I", "we"], ["head", "go", "leave", "log off", "sign off", "pack up", "clock out"]
    objects = ["", " home", " for the day", " the office", " today"]
    n = 0
    for subj, verb, obj in product(subjects, verbs, objects):
        if not obj and verb in ("head", "go", "pack up"):
            continue  # "before I head." says nowhere: not read
        text = f"I'll send it before {subj} {verb}{obj}."
        m = resolve(text, REF, ZONE)
        assert m is not None and m.value == REF.replace(hour=17, minute=0) and m.is_deadline, (text, m)
        n += 1
    assert n == 64


def test_meeting_anchors() -> None:
    nouns = ["meeting", "call", "session", "presentation", "demo", "review"]
    endings = ["ends", "is over", "finishes", "wraps up"]
    for noun, ending, opener, det in product(nouns, endings, ["once", "after", "when", "as soon as"],
                                             ["this", "the", "my"]):
        text = f"I'll send the deck {opener} {det} {noun} {ending}."
        m = resolve(text, REF, ZONE)
        assert m is not None and m.value == REF + timedelta(hours=1) and m.is_after, (text, m)
    for text in ("after this call", "once I'm out of this meeting", "when I get out of my meeting"):
        m = resolve(f"I'll ping you {text}.", REF, ZONE)
        assert m is not None and m.value == REF + timedelta(hours=1), (text, m)


@pytest.mark.parametrize("text", [
    "You may want to check", "I may be late", "May I ask a question?", "we march on regardless",
    "We sat down with the team", "We sat 3 hours in traffic", "the sun is out", "Sun exposure matters",
    "they wed last spring in Rome", "wed to the idea",
])
def test_homographs_in_word_contexts(text: str) -> None:
    days = [m for m in find_times(text, REF, ZONE) if m.grain == "day" and m.text.lower().split()[0] in (
        "may", "march", "sat", "sun", "wed", "mon")]
    assert not days, (text, days)


@pytest.mark.parametrize(("text", "day"), [
    ("on May 3", "2027-05-03"), ("by March 9th", "2027-03-09"), ("sat 3pm", "2026-11-21"),
    ("Sat at 10am", "2026-11-21"), ("sun at 10am", "2026-11-22"), ("on Sun", "2026-11-22"),
    ("Wed the 25th", "2026-11-25"), ("wed afternoon", "2026-11-25"), ("next Wed", "2026-11-25"),
    ("Sun of next week", "2026-11-29"), ("in May", "2027-05-01"), ("mid-March", "2027-03-15"),
])
def test_homographs_in_date_contexts(text: str, day: str) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value.date().isoformat() == day, (text, m)


@pytest.mark.parametrize("text", ["right now", "now", "at the moment", "ATM", "as of now"])
def test_now_words(text: str) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value == REF, (text, m)


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    out: list[dict[str, object]] = []
    ref = REF.replace(tzinfo=None)
    for noun, ending, opener in product(["meeting", "call", "session", "presentation", "demo", "review"],
                                        ["ends", "is over", "finishes", "wraps up"], ["once", "after", "when"]):
        out.append({"id": f"now-{len(out)}", "text": f"I'll send the deck {opener} this {noun} {ending}.",
                    "reference": ref.isoformat(), "timezone": ZONE,
                    "expected": {"grain": "hour", "value": (ref + timedelta(hours=1)).isoformat()}})
    for subj, verb in product(["I", "we"], ["head home", "leave the office", "log off", "sign off", "go home"]):
        out.append({"id": f"now-{len(out)}", "text": f"I'll send it before {subj} {verb}.",
                    "reference": ref.isoformat(), "timezone": ZONE,
                    "expected": {"grain": "minute", "value": ref.replace(hour=17, minute=0).isoformat()}})
    return out
