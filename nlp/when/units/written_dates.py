"""Dates written with a month name or an ordinal: "May 31", "31st of May 2024", "the 9th", "the last day of
March", "the 15th of next month", "the third Friday of June", "the first week of May"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from nlp.when.base import (
    _D,
    _DAYNUM,
    _MERID,
    _MERID_ATTACHED,
    _MON,
    _MONTH_WORDS,
    _NUMBER_WORDS,
    _ORDINAL_WORDS,
    _SMALL,
    _UNITS_WORD,
    _WD,
    _WEEKDAY_WORDS,
    Clock,
    Ctx,
    DayReader,
    DayReading,
    Normaliser,
    Part,
    Period,
    Unit,
    _clean,
    _month,
    _valid,
    _weekday,
    _word_after,
    _year,
    add_months,
    month_end,
    roll_year,
)
from nlp.when.holidays import nth_weekday
from nlp.when.lexicon import MONTHS, WEEKDAYS, ordinal_value

_ORDWORD = (r"(?:(?:twenty|thirty)[- ]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
            r"|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
            r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)")
_DAYWORDS = rf"(?:(?:twenty|thirty)(?:[- ]{_UNITS_WORD})?|{_SMALL})"
_DAY = rf"(?:{_DAYNUM}(?:\s?(?:st|nd|rd|th)(?![a-z]))?(?![\d:])|{_ORDWORD}|{_DAYWORDS})"
_YEAR = r"(?:(?:19|20)\d\d(?![\d:])|'\d\d(?!\d))"


def _broken_line(gap: str) -> bool:
    """A month and a number on different lines are a list ("October.\n\n2."), unless a single line break
    wraps a date ("December\n4th")."""
    return "\n" in gap and ("." in gap or gap.count("\n") > 1)


def _h_monthday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    if _broken_line(text[m.end(1):m.start(2)]):
        return None
    mon_s = m.group(1)
    mo = _month(mon_s)
    d = ordinal_value(m.group(2))
    if d is None:
        return None
    if _clean(mon_s).startswith("may") and not mon_s[0].isupper() and not re.search(r"\d", m.group(2)):
        return None
    if _clean(mon_s) in ("mar", "march", "may", "sat") and not re.search(r"\d|st|nd|rd|th", m.group(2)):
        if not mon_s[0].isupper():
            return None
    yr = m.group(3)
    year = None
    if yr:
        t = yr.strip()
        if len(t.lstrip("'")) == 2 and not t.startswith("'"):
            # "Jan 12 15" is a two-digit year only after a comma
            seg = m.group(0)[m.end(2) - m.start(0):m.start(3) - m.start(0)]
            if "," not in seg:
                e = m.start(3)
                while e > s and text[e - 1] in " ,/-":
                    e -= 1
                t = ""
        year = _year(t) if t else None
    if not _valid(year, mo, d):
        return None
    return Part(s, e, abs_date=(year, mo, d))


def _h_daymonth(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    if _broken_line(text[m.end(1):m.start(2)]):
        return None
    d = ordinal_value(m.group(1))
    mon_s = m.group(2)
    if d is None:
        return None
    mo = _month(mon_s)
    day_s = _clean(m.group(1))
    if _clean(mon_s).rstrip(".") in ("may", "march") and not mon_s[0].isupper():
        # "3 may" / "one march" need a clearer cue
        gap = m.group(0)[m.end(1) - m.start(0):m.start(2) - m.start(0)]
        if "of" not in gap and not re.search(r"st|nd|rd|th", day_s):
            return None
    if not re.search(r"\d", day_s) and not re.search(r"st|nd|rd|th$", day_s) and "of" not in _clean(m.group(0)):
        return None
    yr = m.group(3)
    year = None
    if yr:
        t = yr.strip()
        year = _year(t)
    if not _valid(year, mo, d):
        return None
    p = Part(s, e, abs_date=(year, mo, d))
    if yr and re.fullmatch(r"\d{4}", yr.strip()) and int(yr[-2:]) < 60 and int(yr.strip()[:2]) < 24:
        p.year_or_clock = (int(yr.strip()[:2]), int(yr.strip()[2:]))
    return p


def _h_dayofmonth(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    mo = _month(m.group(2))
    year = _year(m.group(3))
    if _clean(m.group(1)) == "last":
        return Part(s, e, nth_in_month=(-1, -1, mo, year, 0))
    d = ordinal_value(m.group(1))
    if d is None or not _valid(year, mo, d):
        return None
    return Part(s, e, abs_date=(year, mo, d))


def _h_ordnofmonth(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    if _clean(m.group(1)) == "last":
        return Part(s, e, dom=-1, dom_month_shift=1 if _clean(m.group(2)) in ("next", "following", "the next") else 0)
    d = ordinal_value(m.group(1))
    if d is None or not 1 <= d <= 31:
        return None
    which = _clean(m.group(2))
    if which == "the":
        return Part(s, e, dom=d)  # "by the first of the month": the next first of a month
    return Part(s, e, dom=d, dom_month_shift=1 if which in ("next", "following", "the next") else 0)


# words after an ordinal that make it a count or a rank, not a day of the month ("3rd floor", "2nd try")
_DOM_BAD_NEXT = frozenset({
    "floor", "quarter", "party", "time", "times", "place", "round", "year", "years", "grade", "edition",
    "version", "century", "anniversary", "largest", "biggest", "best", "most", "item", "line", "page",
    "point", "step", "option", "attempt", "call", "meeting", "week", "month", "day", "thing", "person",
    "draft", "one", "two", "of", "half", "row", "column", "quarters", "level", "generation", "phase",
    "stage", "priority", "choice", "hand", "annual", "and", "or", "to", "-", "highest", "lowest",
    "position", "issue", "team", "deal", "contract", "name", "letter", "paragraph", "section", "try",
    "tries", "attempts", "reminder", "go", "ring", "chase", "email", "message", "voicemail", "request",
    "visit", "order", "invoice", "payment", "installment", "instalment", "notice", "sentence", "circuit",
    "q", "up", "birthday", "district", "amendment", "street", "st", "ave", "avenue", "blvd", "clause",
    "article", "word", "bullet", "grader", "percentile", "inning", "hole", "fl", "flr", "oldest", "newest"
})
_CAPITALISED_NEXT = re.compile(r" [A-Z][a-z]")  # one space: two or a line break may end an unpunctuated sentence


def _h_dom(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    raw = m.group(1) or m.group(2)
    d = ordinal_value(raw)
    if d is None or not 1 <= d <= 31:
        return None
    t = _clean(raw)
    has_digit = bool(re.search(r"\d", t))
    nxt = _word_after(text, e)
    if _CAPITALISED_NEXT.match(text, e) and nxt.rstrip(".") not in MONTHS and nxt not in WEEKDAYS:
        return None  # "the 9th Circuit", "6th Olympiad": an ordinal before a name
    if nxt in _DOM_BAD_NEXT or (nxt and nxt[0].isdigit()):
        if nxt not in ("and", "or", "to") or not has_digit:
            return None
    if has_digit and not t.endswith(("st", "nd", "rd", "th")) and nxt and nxt not in (
            "at", "of", "in", "and", "or", "by", "before", "after", "for", "-", "–"):
        return None  # "the 25 Yr Banquet", "the 5 X 24"
    if not has_digit:
        before = _clean(text[max(0, s - 14):s]).replace(",", " ").split()
        if not before or (before[-1] not in ("on", "by", "until", "till", "before", "from", "after", "for", "since")
                          and before[-1].rstrip(".") not in WEEKDAYS):
            return None
        if nxt and nxt not in ("at", "in", "morning", "afternoon", "evening", "works", "is", "would", "then", "if"):
            return None
        if len(t.split()) == 1 and t in ("second",) and nxt not in ("at",):
            return None
    if not m.group(1) and has_digit:
        before = _clean(text[max(0, s - 14):s]).split()
        if not t.endswith(("st", "nd", "rd", "th")):
            # "on 15" / "on 15 at 8:00": a day of the month, when nothing follows that makes it a count
            if not (before and before[-1] == "on" and re.match(r"\s*(?:$|[.,;!?]|at\b|,)", text[e:e + 5])):
                return None
        if before and before[-1] in ("our", "my", "his", "her", "their", "your", "its", "a", "an"):
            return None
    return Part(s, e, dom=d)


def _h_nthwd(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    n_s = _clean(m.group(1))
    n = -1 if n_s == "last" else (ordinal_value(n_s) or 1)
    wd = _weekday(m.group(2))
    which = _clean(m.group(3))
    if which in ("this month", "next month"):
        return Part(s, e, nth_in_month=(n, wd, None, None, 1 if which == "next month" else 0))
    return Part(s, e, nth_in_month=(n, wd, _month(which), _year(m.group(4)), 0))


def _h_monthweek(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    n_s = _clean(m.group(1))
    n = -1 if n_s == "last" else (ordinal_value(n_s) or 1)
    which = _clean(m.group(2))
    if which in ("this month", "next month"):
        return Part(s, e, period=Period("monthweek", 1 if which == "next month" else 0, None, quarter=n))
    return Part(s, e, period=Period("monthweek", 0, None, quarter=n, month=_month(which)))


_ORDINAL_SUFFIX = {"st", "nd", "rd", "th"}


def _h_timestamp(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """A full timestamp with the year after the clock ("Thu Oct 26 11:00:09 2023", the form of `date` and
    ctime): the year belongs to the date."""
    mo, d, y = _month(m.group(1)), int(m.group(2)), int(m.group(6))
    h, mi, sec = int(m.group(3)), int(m.group(4)), int(m.group(5) or 0)
    if not _valid(y, mo, d) or h > 23 or mi > 59 or sec > 59:
        return None
    return Part(s, e, abs_date=(y, mo, d), clock=Clock(h, mi, sec, exact24=True))


UNITS: tuple[Unit, ...] = (
    Unit(
        'timestamp',
        rf"\b({_MON})\s+(\d{{1,2}}),?\s+(\d{{1,2}}):(\d\d)(?::(\d\d))?\s+((?:19|20)\d\d)(?![\d:])",
        _h_timestamp,
        starts=frozenset(_MONTH_WORDS),
        needs=(frozenset({_D}), 6),
        doc='A timestamp with the year after the clock: Thu Oct 26 11:00:09 2023.',
    ),
    Unit(
        'monthday',
        rf"\b({_MON})(?:\s*[/\-.,]\s*|\s*)(?:the\s+)?({_DAY})(?!\s*(?:{_MERID}|{_MERID_ATTACHED}|[:h]\d))"
                 rf"(?:(?:,\s*|\s+|[/\-])(?:of\s+|in\s+)?({_YEAR}|(?:19|20)\d\d|\d\d(?![\d:.h])))?",
        _h_monthday,
        starts=frozenset(_MONTH_WORDS),
        needs=(frozenset(_MONTH_WORDS), 1),
        doc="Month name then day (and year): May 31, Jan 5th 2025, Sept. 3, '24.",
    ),
    Unit(
        'daymonth',
        rf"(?<![\w$€£])(?:the\s+)?({_DAY})\.?(?:\s*(?:of|in)\s+|\s*[/\-.]\s*|\s*)(?:the\s+)?({_MON})"
                 rf"(?:(?:,\s*|\s+(?:in\s+|of\s+)?|[/\-.])({_YEAR}|(?:19|20)\d\d|\d\d(?![\d:.h])))?",
        _h_daymonth,
        starts=frozenset(_NUMBER_WORDS | _ORDINAL_WORDS | {_D, "the"}),
        needs=(frozenset(_MONTH_WORDS), 6),
        digit_next=" ./-as",
        doc='Day then month name (and year): 31 May, 3rd of June 2024, the 1st of Dec.',
    ),
    Unit(
        'ordnofmonth',
        rf"\b(?:the\s+)?({_DAY}|last)\s+(?:day\s+)?(?:of|in)\s+(?:the\s+)?(this|next|current|following|the\s+current|the\s+next|the)\s+month",
        _h_ordnofmonth,
        starts=frozenset(_NUMBER_WORDS | _ORDINAL_WORDS | {_D, "the", "last"}),
        needs=(frozenset({"month"}), 8),
        digit_next=" s",
        doc='the 15th of next month, the last day of the month.',
    ),
    Unit(
        'dayofmonth',
        rf"\b(?:the\s+)?({_DAY}|last)\s+day\s+(?:of|in)\s+({_MON})(?:\s+((?:19|20)\d\d))?",
        _h_dayofmonth,
        starts=frozenset(_NUMBER_WORDS | _ORDINAL_WORDS | {_D, "the", "last"}),
        needs=(frozenset(_MONTH_WORDS), 8),
        doc='the N-th / last day of <month>.',
    ),
    Unit(
        'dom',
        rf"\b(?:the\s+)({_DAY})(?![a-z]|[/.:,-]?\d|\s*[x*×+=%$])|(?<![\w$€£.,/#])({_DAYNUM}(?:st|nd|rd|th)?)(?![a-z\d:.,/%-])",
        _h_dom,
        starts=frozenset({_D, "the"}),
        needs=(frozenset(_ORDINAL_SUFFIX | _ORDINAL_WORDS | {_D}), 3),
        digit_next="sx ",
        doc='A bare day of the month: the 9th, on the 21st.',
    ),
    Unit(
        'nthwd',
        rf"\b(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+({_WD})\s+(?:of|in)\s+(?:the\s+)?({_MON}|this\s+month|next\s+month)"
              rf"(?:\s+((?:19|20)\d\d))?",
        _h_nthwd,
        starts=frozenset({"first", "second", "third", "fourth", "fifth", "last", _D}),
        needs=(frozenset(_WEEKDAY_WORDS), 3),
        digit_next="snrt",
        doc='the third Friday of June, last Monday of the month.',
    ),
    Unit(
        'monthweek',
        rf"\b(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+week\s+(?:of|in)\s+"
                  rf"(?:the\s+)?({_MON}|this\s+month|next\s+month)",
        _h_monthweek,
        starts=frozenset({"the", "first", "second", "third", "fourth", "last", _D}),
        needs=(frozenset({"week"}), 4),
        digit_next="snrt",
        doc='the first week of May.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
def year_by_weekday(m: int, d: int, weekday: int, today: date) -> date | None:
    """A month/day named with its weekday ("I sent it Monday 11/16") may be a recent past date: the nearest year
    where it falls on that weekday, if that is no more than 30 days back or in the future; else None (the caller
    rolls forward as for any date without a year)."""
    found: list[date] = []
    for y in (today.year - 1, today.year, today.year + 1):
        try:
            cand = date(y, m, d)
        except ValueError:
            continue
        if cand.weekday() == weekday and (cand - today).days >= -30:
            found.append(cand)
    if not found:
        return None
    return min(found, key=lambda c: (abs((c - today).days), c < today))


def dom_date(dom: int, wd: int | None, today: date, month_shift: int | None) -> date | None:
    """"the 9th": the next 9th (a month shift names the month: "the 15th of next month"; -1 is its last
    day); with a weekday ("Friday the 13th") the next 13th that falls on a Friday, within three years."""
    if month_shift is not None:
        first = add_months(today.replace(day=1), month_shift)
        if dom == -1:
            return month_end(first.year, first.month)
        try:
            return first.replace(day=dom)
        except ValueError:
            return None
    start = today.replace(day=1)
    for i in range(0, 36 if wd is not None else 3):
        first = add_months(start, i)
        try:
            cand = first.replace(day=dom)
        except ValueError:
            continue
        if cand < today:
            continue
        if wd is None or cand.weekday() == wd:
            return cand
    return None


def _normalise_year_or_clock(g: Part, ctx: Ctx) -> Part:
    """"2 Nov 1940": a year when it is near the moment of writing, else the clock time 19:40 on 2 Nov."""
    if g.year_or_clock is not None and g.abs_date is not None and g.abs_date[0] is not None and g.clock is None:
        if not ctx.ref.year - 1 <= g.abs_date[0] <= ctx.ref.year + 5:
            hh, mm = g.year_or_clock
            return replace(g, abs_date=(None, g.abs_date[1], g.abs_date[2]), clock=Clock(hh, mm, exact24=True))
    return g


def _day_abs_date(g: Part, ctx: Ctx) -> DayReading | None:
    """A month and day (and year): without a year the next one, or, next to a weekday, the nearest that falls
    on it."""
    if g.abs_date is None:
        return None
    today = ctx.ref.date()
    y, m, d_ = g.abs_date
    if y is None and g.weekday is not None:
        d = year_by_weekday(m, d_, g.weekday, today) or roll_year(m, d_, today)
    elif y is None:
        d = roll_year(m, d_, today)
    else:
        d = date(y, m, d_)
    return DayReading(d)


def _day_nth_in_month(g: Part, ctx: Ctx) -> DayReading | None:
    """"the third Friday of June", "the last day of March", "the first Monday of next month"."""
    if g.nth_in_month is None:
        return None
    today = ctx.ref.date()
    n, wd, month, year, mshift = g.nth_in_month
    if wd == -1 and month is not None:  # the last day of a month
        y = year if year is not None else today.year
        d = month_end(y, month)
        return DayReading(d if year is not None or d >= today else month_end(y + 1, month))
    if month is None:
        first = add_months(today.replace(day=1), mshift)
        return DayReading(nth_weekday(first.year, first.month, wd, n))
    y = year if year is not None else today.year
    d = nth_weekday(y, month, wd, n)
    if year is None and d < today:
        d = nth_weekday(y + 1, month, wd, n)
    return DayReading(d)


def _day_dom(g: Part, ctx: Ctx) -> DayReading | None:
    if g.dom is None or g.rel_days is not None:
        return None
    d1 = dom_date(g.dom, g.weekday, ctx.ref.date(), g.dom_month_shift)
    return DayReading(d1) if d1 is not None else None


NORMALISERS: dict[str, Normaliser] = {"year_or_clock": _normalise_year_or_clock}
DAY_READERS: dict[str, DayReader] = {"abs_date": _day_abs_date, "nth_in_month": _day_nth_in_month,
                                     "dom": _day_dom}
