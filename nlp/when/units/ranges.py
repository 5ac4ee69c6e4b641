"""Ranges read from their start: "2-4pm", "11-1pm" (starts in the morning), "3pm-4pm", "between 2 and 4",
"from 10 to 11:30": the mention is the first time; the span covers the whole range so that a deadline cue
before it still attaches."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nlp.when.base import (
    _D,
    _DAY_WORD_AFTER,
    _DAYNUM,
    _MERID,
    _MERID_ATTACHED,
    _MERID_WORDS,
    _MON,
    _MONTH_WORDS,
    _QUANTITY_AFTER,
    Clock,
    Part,
    TimeMention,
    Unit,
    _meridiem,
    _month,
    _next_is_ok,
    _valid,
    _year,
    wall,
)


def _h_dayrange(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"10 - 22 August", "10th to 22nd August", "from 3 to 7 March 2027", "between 4 and 6 December",
    "August 10-22", "Aug 10 - 22, 2027": a range of days of one month is read from its first day."""
    if m.group("mon1"):
        mon, d1, d2, yr = m.group("mon1"), int(m.group("a1")), int(m.group("b1")), m.group("y1")
    else:
        mon, d1, d2, yr = m.group("mon2"), int(m.group("a2")), int(m.group("b2")), m.group("y2")
    year = _year(yr) if yr else None
    mo = _month(mon)
    if not d1 < d2 or not _valid(year, mo, d1) or not _valid(year, mo, d2):
        return None
    return Part(s, e, abs_date=(year, mo, d1), kinds=["range"])


_ORD = r"(?:st|nd|rd|th)?"
_TO = r"\s*(?:-|–|—|to|till|until|through|thru|and)\s*"


def _h_clockrange(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    h1, m1 = int(m.group(2)), int(m.group(3) or 0)
    h2 = int(m.group(5))
    mer1, mer2 = _meridiem(m.group(4)), _meridiem(m.group(7))
    if h1 > 12 or h2 > 12 or m1 > 59 or h1 == 0:
        return None
    if mer1 is None:
        # "11-1pm" and "9-12pm" start in the morning (12pm is noon); "2-4pm" in the afternoon.
        mer1 = "am" if (mer2 == "pm" and (h1 > h2 or h2 == 12) and h1 != 12) else mer2
    # The span covers the first time only (plus the range), so a deadline cue can still attach.
    return Part(s, e, clock=Clock(h1, m1, meridiem=mer1), kinds=["range"])


def _h_clockspan(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"between 2 and 4 tomorrow", "from 10 to 11:30": a span of hours without am/pm starts at its first hour
    (business hours decide am/pm), when the numbers read as hours and no noun follows ("between 2 and 4 people")."""
    a, b = int(m.group(1)), int(m.group(3))
    ma, mb = int(m.group(2) or 0), int(m.group(4) or 0)
    if not (1 <= a <= 12 and 1 <= b <= 12 and ma < 60 and mb < 60 and 1 <= (b - a) % 12 <= 8):
        return None
    if not (_next_is_ok(text, e) or _DAY_WORD_AFTER.match(text, e)) or _QUANTITY_AFTER.match(text[e:e + 12].lower()):
        return None
    return Part(s, e, clock=Clock(a, ma), kinds=["range"])


UNITS: tuple[Unit, ...] = (
    Unit(
        'dayrange',
        rf"(?<![\w$€£.:/])(?:(?:from|between)\s+)?(?:the\s+)?(?P<a2>{_DAYNUM}){_ORD}{_TO}(?:the\s+)?(?P<b2>{_DAYNUM}){_ORD}"
        rf"(?:\s+of)?\s+(?P<mon2>{_MON})(?:,?\s+(?P<y2>(?:19|20)\d\d))?(?![\d:])"
        rf"|\b(?P<mon1>{_MON})\s+(?P<a1>{_DAYNUM}){_ORD}{_TO}(?P<b1>{_DAYNUM}){_ORD}(?![\d:]|\s*(?:[ap]\.?m|:))"
        rf"(?:,?\s+(?P<y1>(?:19|20)\d\d))?(?![\d:])",
        _h_dayrange,
        starts=frozenset({_D, "from", "between", "the"} | _MONTH_WORDS),
        needs=(frozenset(_MONTH_WORDS), 7),
        digit_next=" -–snrt",
        doc='A range of days of one month, read from its first day: 10 - 22 August, August 10-22.',
    ),
    Unit(
        'clockrange',
        rf"(?<![\w$€£.:/])(?:(between|from)\s+)?(\d{{1,2}})(?:[:.](\d\d))?\s*({_MERID})?\s*"
                   rf"(?:-|–|to|and|till|until)\s*(\d{{1,2}})(?:[:.](\d\d))?\s*({_MERID}|{_MERID_ATTACHED})",
        _h_clockrange,
        starts=frozenset({_D, "between", "from"}),
        needs=(frozenset(_MERID_WORDS), 9),
        digit_next=" -:.a",
        doc='A range of clock times with am/pm at its end: 2-4pm, 11-1pm, 3pm-4pm, between 9 and 10am.',
    ),
    Unit(
        'clockspan',
        r"\b(?:between|from)\s+(\d{1,2})(?:[:.](\d\d))?\s*(?:-|–|to|and|till|until)\s*(\d{1,2})(?:[:.](\d\d))?"
                  r"(?![\d:/%-]|[.,]\d|\s*(?:[ap]\.?m\b|[ap]\b|o'?clock|%))",
        _h_clockspan,
        starts=frozenset({"between", "from"}),
        needs=(frozenset({"and", "to", "till", "until"}), 5),
        doc='A span of hours without am/pm: between 2 and 4, from 10 to 11:30.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
_RANGE_GAP = re.compile(r"\s*(?:through|thru|to|until|till|-|–|—)\s*", re.I)


def start_ranges_today(text: str, out: list[TimeMention], bare_weekday: list[bool], ref: datetime) -> None:
    """"In the office Tuesday through Friday" said on a Tuesday starts today: a bare weekday that opens a range
    comes before the weekday that closes it (a bare weekday alone is never today); else the closing one moves on."""
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if not (bare_weekday[i] and a.value > b.value and a.window_start is None
                and _RANGE_GAP.fullmatch(text, a.end, b.start)):
            continue
        tz = ref.tzinfo or ZoneInfo("UTC")
        day = a.value.date() - timedelta(days=7)
        if day >= ref.date():
            out[i] = replace(a, value=wall(day, a.value.hour, a.value.minute, tz))
        elif bare_weekday[i + 1]:  # "Friday through Tuesday" said on a Saturday: the Tuesday after that Friday
            week = timedelta(days=7)
            out[i + 1] = replace(b, value=wall(b.value.date() + week, b.value.hour, b.value.minute, tz),
                                 window_end=b.window_end + week if b.window_end is not None else None)
