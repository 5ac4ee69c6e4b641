"""Day parts: "morning", "this arvo", "late afternoon", "over lunch", "tonight"... a window of the day, read
only where a day word or a cue makes it a time."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from nlp.when.base import (
    _MON,
    _TMRW,
    _WD,
    Ctx,
    DayReading,
    MomentReader,
    Part,
    Res,
    Unit,
    _clean,
    _trie,
    wall,
)
from nlp.when.lexicon import DAYPART_TYPOS, DAYPARTS, MONTHS, TOMORROW_WORDS, WEEKDAYS

# what after a bare day part makes it a time: "morning of the 3rd", "afternoon on Friday", "morning Tuesday",
# "evening tomorrow"
_DAYPART_FOLLOWS = re.compile(r"\s*(?:of\b|on\b|[,(]?\s*(?:\d|" + _WD + r"|" + _MON + r"|today\b|" + _TMRW + r"\b))",
                              re.I)


def _h_daypart(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    mod = _clean(m.group(1)) if m.group(1) else ""
    dp = _clean(m.group(2)).replace(" ", "")
    if dp in DAYPART_TYPOS:  # "tomorrow monring": only right after a day word
        prev_w = _clean(text[max(0, s - 12):s]).split()
        if _clean(m.group(0)) != dp or not prev_w or not (
                prev_w[-1] in TOMORROW_WORDS or prev_w[-1].rstrip(".") in WEEKDAYS or prev_w[-1] in ("today", "this")):
            return None
        dp = DAYPART_TYPOS[dp]
    if re.search(r"\b(?:good|an?)\s+$", text[max(0, s - 8):s].lower()):
        return None  # "Good morning," is a greeting; "a late night" / "an early morning flight" describe
    if dp in ("a.m.", "p.m."):
        dp = "morning" if dp == "a.m." else "afternoon"
        return Part(s, e, daypart=dp)
    raw_dp = _clean(m.group(0))
    if dp == "arvo":  # Australian/British "afternoon"; alone ("try him again arvo") it is this afternoon
        if raw_dp == "arvo":
            return Part(s, e, daypart="afternoon", during=True)
        dp = "afternoon"
        raw_dp = raw_dp.replace("arvo", "afternoon")
    if dp == "morn":  # "tmrw morn": only right after a day word
        prev_w = _clean(text[max(0, s - 12):s]).split()
        if raw_dp != "morn" or not prev_w or not (prev_w[-1] in TOMORROW_WORDS or prev_w[-1].rstrip(".") in WEEKDAYS
                                                   or prev_w[-1] in ("today", "this")):
            return None
        dp = raw_dp = "morning"
    if raw_dp == dp and dp in ("morning", "afternoon", "evening", "forenoon") and text.strip().lower() != dp:
        prev = _clean(text[max(0, s - 14):s]).replace(",", " ").split()
        p_word = prev[-1].rstrip(".") if prev else ""
        follows = _DAYPART_FOLLOWS.match(text[e:e + 14])
        if not (p_word in WEEKDAYS or p_word in MONTHS or p_word[:1].isdigit()
                or p_word in TOMORROW_WORDS
                or p_word in ("today", "yesterday", "by", "before", "after", "until", "till",
                              "on", "at", "during", "st", "nd", "rd", "th", "next", "following", "every")
                or follows):
            return None  # "that evening", "our evening out", "start the afternoon"
    if dp.startswith("lunch"):
        before = _clean(text[max(0, s - 12):s]).replace(",", " ").split()
        if _clean(m.group(2)) == "lunch" and not mod and not (before and (
                before[-1] in ("at", "by", "before", "after", "over", "around", "until", "till", "today")
                or before[-1] in TOMORROW_WORDS
                or before[-1].rstrip(".") in WEEKDAYS)):
            return None
        dp = "lunch"
    if dp == "night" and mod == "":
        raw = _clean(m.group(0))
        prev = _clean(text[max(0, s - 12):s]).replace(",", " ").split()
        if raw == "night" and not (prev and (prev[-1].rstrip(".") in WEEKDAYS or (prev[-1] in TOMORROW_WORDS or prev[-1] == "today"))):
            return None  # "night" alone ("a late night", "the other night") is too weak
    mod = mod.replace("very ", "")
    name = f"{mod} {dp}" if mod and f"{mod} {dp}" in _DAYPART_NAMES else dp
    during = raw_dp.startswith("in ") or _DURING_CUE.search(text, max(0, s - 12), s) is not None
    return Part(s, e, daypart=name, during=during)


_DURING_CUE = re.compile(r"\b(?:over|during|at|around|after|before|by|until|till|through)\s+$", re.I)
_DAYPART_NAMES = frozenset({"early morning", "late morning", "early afternoon", "late afternoon", "early evening",
                            "late evening", "late night"})


UNITS: tuple[Unit, ...] = (
    Unit(
        'daypart',
        r"\b(?:(very\s+early|very\s+late|early|late|mid)[\s-]+)?(?:in\s+the\s+|this\s+|the\s+|in\s+)?"
                r"(morning|morn|afternoon|arvo|evening|night|forenoon|lunch\s*time|lunch|a\.m\.|p\.m\.|"
                + _trie(sorted(DAYPART_TYPOS)) + r")(?![a-z])",
        _h_daypart,
        starts=frozenset(set(DAYPART_TYPOS) | {"very", "early", "late", "mid", "in", "this", "the", "morning", "morn",
                                     "afternoon", "arvo", "evening", "night", "forenoon", "lunch", "lunchtime", "a", "p"}),
        needs=(frozenset(set(DAYPART_TYPOS) | {"morning", "morn", "afternoon", "arvo", "evening", "night", "forenoon",
                                                "lunch", "lunchtime", "a", "p"}), 5),
        doc='A day part: (in the) morning, early afternoon, lunchtime, this arvo.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
_MORNINGS = frozenset({"morning", "early morning", "first thing", "early", "forenoon"})


def _next_quarter_hour(t: datetime) -> datetime:
    """`t` rounded up to the next quarter hour (a day part under way is booked from now, not in the past)."""
    over = (t.minute % 15) * 60 + t.second + t.microsecond / 1e6
    return t if over == 0 else t + timedelta(seconds=15 * 60 - over)


def daypart_window(d: date, dp: str, tz: tzinfo) -> tuple[datetime, datetime, datetime]:
    """The representative time, start and end of day part `dp` on `d` (`nlp.when.lexicon.DAYPARTS`)."""
    (rh, rm), (sh, sm), (eh, em) = DAYPARTS[dp]
    return wall(d, rh, rm, tz), wall(d, sh, sm, tz), wall(d, eh, em, tz)


def _moment_daypart(g: Part, st: DayReading, ctx: Ctx) -> Res | None:
    """A day part: a window (grain "hour") on the day named. Without a day, a day part still to come is
    today's; one under way is the next one ("afternoon" said at 12:43), unless the text places the act inside
    it ("over lunch" said at noon, "in the afternoon" at one: from the next quarter hour); a morning that has
    begun is tomorrow's ("I'll call in the morning" said at 9:30)."""
    res = st.res
    if g.daypart is None or (res is not None and res.grain == "minute"):
        return None
    tz, day = ctx.tz, st.day
    dp = g.daypart if g.daypart in DAYPARTS else "morning"
    implicit = day is None
    if day is None:
        today = ctx.ref.date()
        _, start, end = daypart_window(today, dp, tz)
        in_progress = g.during and start <= ctx.ref < end and dp not in _MORNINGS
        day = today if ctx.ref < start or in_progress else today + timedelta(days=1)
    v, ws, we = daypart_window(day, dp, tz)
    if implicit and ws <= ctx.ref < we and v < ctx.ref:
        v = min(_next_quarter_hour(ctx.ref), we)
    if res is not None and res.grain == "hour" and g.period is not None:  # later this afternoon
        ws = min(max(ws, ctx.ref), we)
        v = min(max(v, ctx.ref + timedelta(hours=1)), we)
    return Res(v, "hour", False, ws, we, st.past)


MOMENT_READERS: dict[str, MomentReader] = {"daypart": _moment_daypart}
