"""Numeric dates: ISO dates and timestamps ("2024-05-31", "2024-05-31T14:15"), a year, a month name and a day
("2024-May-31"), and day/month numbers with slashes, dots or hyphens ("5/31", "31.05.2024", "3-15"), whose
order the resolver decides (writer's zone, `date_order`, or a weekday next to it)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from nlp.when.base import (
    _D,
    _DAY_WORD_AFTER,
    _MON,
    _QUANTITY_AFTER,
    Clock,
    Ctx,
    DayReader,
    DayReading,
    Normaliser,
    NotATime,
    Part,
    Period,
    Unit,
    _month,
    _valid,
    _year,
    has_date,
    roll_year,
)
from nlp.when.units.written_dates import year_by_weekday


def _year_first(y: int, a: int, b: int) -> tuple[int, int, int] | None:
    """A date written year first: month then day (ISO), or day then month when the middle number cannot be a
    month ("2027-15-03")."""
    if _valid(y, a, b):
        return y, a, b
    if _valid(y, b, a):
        return y, b, a
    return None


_VERSION_BEFORE = re.compile(r"\b(?:version|ver|v|build|release|rev)\.?\s*$", re.I)


def _h_iso(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"2024-05-31", "2024/5/31", "2027.03.15", "2027-15-03" (the year first, then month and day, or day and
    month when the middle number is over 12), optionally with a time."""
    ymd = _year_first(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    if ymd is None or m.group(2) == "." and _VERSION_BEFORE.search(text, max(0, s - 12), s):
        return None
    p = Part(s, e, abs_date=ymd)
    if m.group(5):
        h, mi = int(m.group(5)), int(m.group(6))
        if h > 23 or mi > 59:
            return None
        p.clock = Clock(h, mi, int(m.group(7) or 0), exact24=True)
    return p


def _h_yspaced(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"2027 03 15", "2027 15 03": year first, separated by single spaces."""
    ymd = _year_first(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return Part(s, e, abs_date=ymd) if ymd is not None else None


def _h_dspaced(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"15 03 2027", "03 15 2027": day and month (the writer's order decides, as for "15/03/2027") and a
    four-digit year, separated by single spaces."""
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (_valid(year, a, b) or _valid(year, b, a)):
        return None
    return Part(s, e, numeric=(a, b, year, "/"))


def _h_compact_dmy(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"15032027", "03152027": eight digits with the year last, day and month in the writer's order."""
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (_valid(year, a, b) or _valid(year, b, a)):
        return None
    return Part(s, e, numeric=(a, b, year, "/"))


def _h_ymond(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    if re.search(r"(?:\bat|@)\s*$", text[max(0, s - 4):s], re.I):
        return None  # "at 2030 December 4th": a clock time before a date
    y, mo, d = int(m.group(1)), _month(m.group(2)), int(m.group(3))
    return Part(s, e, abs_date=(y, mo, d)) if _valid(y, mo, d) else None


def _h_spaceddate(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"15 . 03 . 2027", "3 / 15 / 27": separators with spaces around them, read like "15.03.2027" (the year
    is required: "3 / 4" is a fraction)."""
    a, b, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
    if not (_valid(year, a, b) or _valid(year, b, a)):
        return None
    return Part(s, e, numeric=(a, b, year, "/"))


def _h_compact(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"20270315": eight digits, year first (ISO basic format)."""
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return Part(s, e, abs_date=(y, mo, d)) if _valid(y, mo, d) else None


def _h_monthyear(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"9/2012", "03/2027": a month and a four-digit year alone are that month (grain month)."""
    if _QUANTITY_AFTER.match(text[e:e + 12].lower()):
        return None
    return Part(s, e, period=Period("month", 0, None, month=int(m.group(1)), year=int(m.group(2))))


_CLOCK_AFTER = re.compile(r"\s+(?:at\s+|@\s*)?\d{1,2}(?:[:.]\d\d)?\s*[ap]\.?m\b", re.I)


def _h_numdate(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    a, sep, b, yr, trail = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4), m.group(5)
    if trail and sep != ".":
        e -= 1
    raw = m.group(0)
    after = text[e:e + 12].lower()
    if _QUANTITY_AFTER.match(after):
        return None
    if sep == "/" and not yr and re.search(r"\d\s+$", text[max(0, s - 4):s]):
        return None  # "8 7/8": a mixed fraction
    if raw.startswith(("24/7", "24-7")) or (a == 50 and b == 50):
        return None
    if sep == "." and not yr:
        # "2.5" and "VOC 1.31" are numbers; "26.9.", "on 16.12", "01.11", "Monday 19.06", "8.11 in the evening"
        # are dates; "10.30" after a date is a time (the resolver decides).
        before = text[max(0, s - 16):s].lower()
        after_s = text[e:e + 24].lower()
        if _NUMBER_BEFORE.search(before) or re.match(r"\s*\d+\.\d+\s+\d+\.\d+", after_s):
            return None  # "Section 5.6.", "version 2.1", a row of decimals in a price table
        if not trail and not m.group(1).startswith("0") and text.strip() != m.group(0):
            if not (re.search(r"(?:\bon|\bthe|\bby|\buntil|\btill|\bfrom|\bam|\bbefore|\bafter|\bdue|\bearliest|\blatest"
                              r"|\baround|[a-z]{3,}day|"
                              r"\btoday|\btomorrow|\bmon|\btue|\bwed|\bthu|\bfri|\bsat|\bsun)[,.]?\s*$", before)
                    or re.match(r"\s*(?:in\s+the\s+|at\s+|early\s+|late\s+)?(?:morning|afternoon|evening|night|\d{1,2}[:.]\d\d|at\b)",
                                after_s)):
                return None
        if (b > 12 or (len(m.group(3)) == 2 and not trail)) and a <= 23 and b <= 59:
            return Part(s, e, numeric=(a, b, None, ".0" if m.group(1).startswith("0") else "."))
    if sep == "-" and not yr:
        # "3-4" is more often a range of numbers than a date; "from 10-2 tomorrow" is a range of hours
        # "on 3-15", "due 3-15", "deadline: 3-15", "3-15 at 2pm" or the whole text are dates
        before = text[max(0, s - 12):s].lower()
        if not (re.search(r"(?:\bon|\bthe|\bby|\buntil|\btill|\bfrom|\bdue|\bdeadline:?|\bbefore|\bafter|\bstarting"
                          r"|[a-z]{3,}day,?)\s*$", before)
                or text.strip(" \t\n.,;:!?") == m.group(0).rstrip(".") or _CLOCK_AFTER.match(text, e)):
            return None
        if 1 <= a <= 12 and 1 <= b <= 12 and _DAY_WORD_AFTER.match(text, e):
            return Part(s, e, clock=Clock(a, 0), kinds=["range"])
    year = _year(yr) if yr else None
    if not (_valid(year, a, b) or _valid(year, b, a)):
        return None
    return Part(s, e, numeric=(a, b, year, "/"))


# words before a dotted number that make it a number: "Section 5.6.", "version 2.1", "Article 11.1."
_NUMBER_BEFORE = re.compile(
    r"(?:\b(?:sections?|articles?|paragraphs?|para|clauses?|items?|sec|rules?|steps?|chapters?|ch|fig|figure|table|note"
    r"|exhibit|schedule|appendix|points?|version|ver|v|release|rel|no|nos|number|rate|pages?|pp|p|lines?|art|verse)\.?"
    r"(?:\s+of)?"
    r"|§|[\d%$=&])\s*$")


UNITS: tuple[Unit, ...] = (
    Unit(
        'monthyear',
        r"(?<![\w$€£#.,/:\-+])(0?[1-9]|1[0-2])\s?/\s?((?:19|20)\d\d)(?![\w/\-%]|[.,]\d)",
        _h_monthyear,
        starts=frozenset({_D}),
        needs="/",
        digit_next="/",
        doc='A month and a year alone: 9/2012, 03/2027.',
    ),
    Unit(
        'spaceddate',
        r"(?<![\w$€£#.,/:\-+])(\d{1,2})\s+([/.\-])\s+(\d{1,2})\s+\2\s+(\d{4}|\d{2})(?![\w/\-%]|[.,]\d)",
        _h_spaceddate,
        starts=frozenset({_D}),
        needs=" sep",
        digit_next=" ",
        doc='A numeric date with spaced separators: 15 . 03 . 2027, 3 / 15 / 27.',
    ),
    Unit(
        'compact',
        r"(?<![\w$€£#.,/:\-+])((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\w/\-%]|[.,]\d)",
        _h_compact,
        starts=frozenset({_D}),
        needs="8",
        digit_next=" .x",
        doc='Eight digits year first: 20270315.',
    ),
    Unit(
        'iso',
        r"(?<![\d\w])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ](\d{1,2}):(\d\d)(?::(\d\d))?)?(?![\d]|\.\d)",
        _h_iso,
        starts=frozenset({_D}),
        needs="-/.",
        digit_next="-/.",
        doc='ISO date, optionally with a time: 2024-05-31, 2024/5/31 14:15:09, 2027.03.15, 2027-15-03.',
    ),
    Unit(
        'yspaced',
        r"(?<![\w$€£#.,/:\-+])((?:19|20)\d\d) (\d{1,2}) (\d{1,2})(?![\w/\-%:]|[.,]\d| \d)",
        _h_yspaced,
        starts=frozenset({_D}),
        needs="",
        digit_next=" ",
        doc='A date year first with spaces: 2027 03 15, 2027 15 03.',
    ),
    Unit(
        'dspaced',
        r"(?<![\w$€£#.,/:\-+])(\d{1,2}) (\d{1,2}) ((?:19|20)\d\d)(?![\w/\-%:]|[.,]\d| \d)",
        _h_dspaced,
        starts=frozenset({_D}),
        needs=" ",
        digit_next=" ",
        doc='Day, month and year with spaces: 15 03 2027 (the writer\'s order decides).',
    ),
    Unit(
        'compactdmy',
        r"(?<![\w$€£#.,/:\-+])(\d\d)(\d\d)((?:19|20)\d\d)(?![\w/\-%]|[.,]\d)",
        _h_compact_dmy,
        starts=frozenset({_D}),
        needs="8",
        digit_next=" .x",
        doc='Eight digits year last: 15032027, 03152027 (the writer\'s order decides).',
    ),
    Unit(
        'ymond',
        rf"(?<![\d\w])((?:19|20)\d\d)[-/ ]({_MON})[-/ ](\d{{1,2}})(?!\d)",
        _h_ymond,
        starts=frozenset({_D}),
        needs="-/ ",
        digit_next="-/ ",
        doc='Year, month name, day: 2024-May-31, 2024 may 31.',
    ),
    Unit(
        'numdate',
        # a time may be glued on with a hyphen ("05/31/2024-14:15")
        r"(?<![\w$€£#.,/:\-+])(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(\.)?(?![\w/%]|-(?!\d{1,2}:\d\d)|[.,]\d)",
        _h_numdate,
        starts=frozenset({_D}),
        needs="/-.",
        digit_next="/-.",
        doc='Two or three numbers with / . or -: 5/31, 31.05.2024, 3-15 after a cue; the resolver picks the order.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
def numeric_date(a: int, b: int, year: int | None, order: str, today: date) -> date | None:
    """Two numbers read as a date: a number over 12 is the day, else `order` ("MDY"/"DMY") decides; without a
    year the next such day."""
    if a > 12 and b <= 12:
        m, d = b, a
    elif b > 12 and a <= 12:
        m, d = a, b
    elif order == "DMY":
        m, d = b, a
    else:
        m, d = a, b
    if year is not None:
        try:
            return date(year, m, d)
        except ValueError:
            return None
    try:
        date(2000, m, d)
    except ValueError:
        return None
    return roll_year(m, d, today)


def _normalise_numeric(g: Part, ctx: Ctx) -> Part:
    """A dotted or four-digit number is a date or a clock time: "Monday 19.06" is a date on that Monday,
    "Monday 9.45" (no such date on a Monday) a time; a lone "9.15" a date when it reads as one, else a time;
    "7.38" in a table or "1204" alone no time at all."""
    if g.numeric is None or g.clock is not None:
        return g
    if g.numeric[3] in ("t", "t0") and g.weekday is not None:
        g = replace(g, numeric=(g.numeric[0], g.numeric[1], None, "." if g.numeric[3] == "t" else ".0"))
    assert g.numeric is not None
    if g.numeric[3] in (".", ".0") and g.weekday is not None:
        a, b, _, sep = g.numeric
        today = ctx.ref.date()
        on_weekday = any(d is not None and d.weekday() == g.weekday
                         for d in (numeric_date(a, b, None, o, today) for o in ("MDY", "DMY")))
        if not on_weekday and a <= 23 and b <= 59:
            g = replace(g, numeric=None, clock=Clock(a, b, exact24=sep == ".0" or a >= 13 or a == 0))
    if g.numeric is not None and g.numeric[3] in (".", ".0", "t", "t0", "4") and not has_date(g):
        a, b, _, sep = g.numeric
        if sep in ("4", "t", "t0"):
            raise NotATime("a number alone")  # "7.38" in a table, "1204": numbers, unless a date stands next
        if numeric_date(a, b, None, ctx.order, ctx.ref.date()) is None:
            if a <= 23 and b <= 59:
                g = replace(g, clock=Clock(a, b, exact24=a >= 13), numeric=None)
            else:
                raise NotATime("neither a date nor a clock time")
    return g


def _day_numeric(g: Part, ctx: Ctx) -> DayReading | None:
    """"5/31", "31.05.2024": the order of the writer's zone, unless the reading that falls on a weekday
    written next to it decides ("Tuesday, 8.5.")."""
    if g.numeric is None or g.numeric[3] not in ("/", ".", ".0"):
        return None
    today = ctx.ref.date()
    a, b, year, _ = g.numeric
    order = ctx.order
    if g.weekday is not None and a <= 12 and b <= 12:
        for o in (order, "DMY" if order == "MDY" else "MDY"):
            cand = numeric_date(a, b, year, o, today)
            if cand is not None and cand.weekday() == g.weekday:
                order = o
                break
    d0 = numeric_date(a, b, year, order, today)
    if d0 is not None and year is None and g.weekday is not None and d0.weekday() != g.weekday:
        d0 = year_by_weekday(d0.month, d0.day, g.weekday, today) or d0
    return DayReading(d0) if d0 is not None else None


NORMALISERS: dict[str, Normaliser] = {"numeric": _normalise_numeric}
DAY_READERS: dict[str, DayReader] = {"numeric": _day_numeric}
