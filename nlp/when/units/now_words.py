""""Now" words ("right now", "at the moment", "ATM") and a bare "early"/"late" as a whole text."""

from __future__ import annotations

import re

from nlp.when.base import (
    Part,
    Unit,
    _clean,
)


def _h_bareday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """A text that is nothing but "early" / "late" / "very late" is that part of the day; in prose these
    words are never read as times."""
    if text.strip().lower() != m.group(0).lower():
        return None
    return Part(s, e, daypart=_clean(m.group(1)))


def _h_now(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    t = _clean(m.group(0))
    if t == "atm" and m.group(0) != "ATM":
        return None
    if t == "now":
        before = _clean(text[max(0, s - 12):s]).split()
        if before and before[-1] in ("from", "until", "till", "by", "for", "as", "right", "just", "than", "of"):
            return None
        if re.match(r"\s+(?:on|that|and\s+then|is|are|or)\b", text[e:e + 12].lower()):
            return None
        if re.match(r"\s*,", text[e:e + 3]) or (s == 0 and text[e:].strip()):
            return None
    return Part(s, e, now=True)


UNITS: tuple[Unit, ...] = (
    Unit(
        'bareday',
        r"\b(?:very\s+)?(early|late)(?![a-z])",
        _h_bareday,
        starts=frozenset({"very", "early", "late"}),
        needs=(frozenset({"early", "late"}), 2),
        doc="A text that is only 'early' or 'late'.",
    ),
    Unit(
        'now',
        r"\b(?:right\s+now|just\s+now|at\s+the\s+moment|at\s+present|at\s+the\s+present\s+time|as\s+of\s+now|"
            r"now|atm)(?![a-z])",
        _h_now,
        starts=frozenset({"right", "just", "at", "as", "now", "atm"}),
        needs=(frozenset({"now", "moment", "present", "atm"}), 5),
        doc='now, right now, at the moment, ATM.',
    ),
)
