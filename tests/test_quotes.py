"""nlp.quotes: the author's own text, measured on hand-written emails of every quoting style."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.quotes import own_text_mask, quote_start, strip_quotes

CASES = [json.loads(x) for x in (Path(__file__).parent / "data" / "quotes" / "cases.jsonl").read_text().splitlines()
         if x.strip()]


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_own_text_of_each_style(case: dict[str, str]) -> None:
    assert norm(strip_quotes(case["text"])) == norm(case["own"])


def test_promise_in_quoted_reply_is_not_own_text() -> None:
    text = "Thanks, sounds good.\n\nOn Wed, Nov 18, 2026 at 3:10 PM Kim Lee <kim@x.example> wrote:\n> I'll send the PO."
    assert strip_quotes(text) == "Thanks, sounds good."
    assert quote_start(text) == text.index("On Wed")


def test_signature_hours_are_not_own_text() -> None:
    assert strip_quotes("I'll send it tonight.\n\n--\nSam | Available Mon-Thu 8am-6pm") == "I'll send it tonight."


def test_body_without_history_is_kept() -> None:
    text = "Hi Jo,\n\nI looked at the numbers and I'll call you Wednesday at 10:45 to go through them."
    assert strip_quotes(text) == text
    assert quote_start(text) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_mask_keeps_offsets_and_never_raises(text: str) -> None:
    masked = own_text_mask(text)
    assert len(masked) == len(text)
    assert all(a == b or b == " " for a, b in zip(text, masked, strict=True) if a != "\n")
    strip_quotes(text)


def test_control_whitespace_line_is_not_a_crash() -> None:
    # str.split() treats \x1f as whitespace while lstrip(" \t*") keeps it: a line of it has no first word.
    assert "call" in strip_quotes("I'll call you Friday.\n\x1f\nthanks")
