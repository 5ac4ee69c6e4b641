"""Numeric dates: ISO dates and timestamps ("2024-05-31", "2024-05-31T14:15"), a year, a month name and a day
("2024-May-31"), and day/month numbers with slashes, dots or hyphens ("5/31", "31.05.2024", "3-15"), whose
order the resolver decides (writer's zone, `date_order`, or a weekday next to it)."""

from __future__ import annotations

import re

from nlp.when.base import (
    _D,
    _DAY_WORD_AFTER,
    _MON,
    _QUANTITY_AFTER,
    Clock,
    Part,
    Period,
    Unit,
    _month,
    _valid,
    _year,
)


def _h_iso(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not _valid(y, mo, d):
        return None
    p = Part(s, e, abs_date=(y, mo, d))
    if m.group(4):
        h, mi = int(m.group(4)), int(m.group(5))
        if h > 23 or mi > 59:
            return None
        p.clock = Clock(h, mi, int(m.group(6) or 0), exact24=True)
    return p


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
        r"(?<![\d\w])(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d\d)(?::(\d\d))?)?(?![\d])",
        _h_iso,
        starts=frozenset({_D}),
        needs="-/",
        digit_next="-/",
        doc='ISO date, optionally with a time: 2024-05-31, 2024/5/31 14:15:09.',
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
