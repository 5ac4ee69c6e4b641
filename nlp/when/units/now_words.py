""""Now" words and same-day anchors:
- "right now", "at the moment", "ATM": the moment of writing;
- "shortly", "in a bit", "in a little while", "momentarily": soon, read as within the hour (a deadline one
  hour after the moment of writing); "shortly after/before <x>" leaves the time to <x>;
- same-day anchors that name no clock: "before I head home", "before I leave the office", "before I log
  off" are today's close of business (17:00, a deadline); "once this meeting ends", "after this call",
  "when I'm out of this meeting" are an hour after the moment of writing;
- a bare "early"/"late" as a whole text."""

from __future__ import annotations

import re

from nlp.when.base import (
    Clock,
    Ctx,
    DayReader,
    DayReading,
    Offset,
    Part,
    Res,
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


def _h_shortly(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"I'll send it shortly": within the hour; "shortly after the call" is the call's time."""
    if re.match(r"\s+(?:after|before|thereafter|afterwards)\b", text[e:e + 16], re.I):
        return None
    p = Part(s, e, offset=Offset(1, "hours"))
    p.deadline = True
    return p


def _h_sameday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"before I head home" -> today's close of business (deadline); "once this meeting ends" -> an hour
    from now."""
    if m.group("home"):
        p = Part(s, e, rel_days=0, clock=Clock(17, 0, special="cob"))
        p.deadline = True
        return p
    p = Part(s, e, offset=Offset(1, "hours"))
    p.after = True
    return p


_MEETING = r"(?:meeting|call|session|presentation|demo|workshop|interview|review|standup|stand-up)"

UNITS: tuple[Unit, ...] = (
    Unit(
        'shortly',
        r"\b(?:shortly|momentarily|in\s+a\s+(?:little\s+)?bit|in\s+a\s+little\s+while)(?![a-z])",
        _h_shortly,
        starts=frozenset({"shortly", "momentarily", "in"}),
        needs=(frozenset({"shortly", "momentarily", "bit", "while"}), 5),
        anchors=frozenset({"bit", "while"}),
        doc="shortly, in a bit, in a little while: within the hour.",
    ),
    Unit(
        'sameday',
        r"\b(?:(?P<home>before\s+(?:i|we)(?:'m|\s+am|\s+are|'re)?\s+(?:head(?:ing)?|go(?:ing)?|leav(?:e|ing)|log(?:ging)?"
        r"\s+off|sign(?:ing)?\s+off|pack(?:ing)?\s+up|clock(?:ing)?\s+out|call\s+it\s+a\s+day)"
        r"(?:\s+(?:home|out|off|for\s+the\s+(?:day|night|evening)|the\s+office|work|today|tonight))?)"
        r"|(?:once|after|when|as\s+soon\s+as)\s+(?:this|the|my|our)\s+(?:next\s+)?" + _MEETING
        + r"\s+(?:ends|is\s+over|finishes|wraps(?:\s+up)?|is\s+done)"
        r"|(?:after|once\s+(?:i'?m|we'?re|i\s+am|we\s+are)\s+out\s+of|when\s+(?:i'?m|we'?re|i\s+get|we\s+get)"
        r"\s+out\s+of)\s+(?:this|my|our)\s+" + _MEETING + r")(?![a-z])",
        _h_sameday,
        starts=frozenset({"before", "once", "after", "when", "as"}),
        needs=(frozenset({"i", "we", "i'm", "we're", "this", "my", "our", "the"}), 3),
        anchors=frozenset({"home", "head", "go", "pack", "clock", "log", "sign", "out", "leave", "leaving", "off", "office", "meeting", "call", "session", "presentation",
                           "demo", "workshop", "interview", "review", "standup"}),
        doc="Same-day anchors: before I head home (today's COB), once this meeting ends (an hour from now).",
    ),
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


# ---------------------------------------------------------------------------------------------- resolution
def _day_now(g: Part, ctx: Ctx) -> DayReading | None:
    """"right now": the moment of writing."""
    if not g.now:
        return None
    return DayReading(ctx.ref.date(), "minute", False, Res(ctx.ref, "minute", True))


DAY_READERS: dict[str, DayReader] = {"now": _day_now}
