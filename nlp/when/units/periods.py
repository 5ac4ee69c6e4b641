"""Named stretches: a month or a year alone ("in May", "May 2025"), "next week"/"end of the month"/"Q3",
"EOM", "mid-week", and seasons ("this summer", by the writer's hemisphere)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from nlp.when.base import (
    _ANCHORED_OK,
    _D,
    _MON,
    _MONTH_WORDS,
    _SHIFTS,
    _WHICH,
    Ctx,
    DayReader,
    DayReading,
    Part,
    Period,
    Res,
    Unit,
    _clean,
    _month,
    _word_after,
    _year,
    add_months,
    midnight,
    month_end,
    wall,
)
from nlp.when.units.written_dates import dom_date

_POSITIONS = {"early": "early", "mid": "mid", "late": "late", "later": "later", "the end of": "end", "end of": "end",
              "by the end of": "end", "the beginning of": "start", "beginning of": "start", "the start of": "start",
              "start of": "start", "the middle of": "mid", "middle of": "mid", "the rest of": "later",
              "rest of": "later"}


def _h_period(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    pos_s, which, unit = m.group(1), m.group(2) or m.group(3), _clean(m.group(4)).replace("-", "").replace(" ", "")
    pos = _POSITIONS.get(_clean(pos_s)) if pos_s else None
    shift = _SHIFTS.get(_clean(which), 0) if which else 0
    if not which and pos is not None:
        # "end of the month" / "later in the week" say which; "end of year-long contracts" does not
        if not re.search(r"\b(?:the|in)\s+" + unit, _clean(m.group(0))):
            # "by end of month." / "end of quarter, then" say which; "end of month reporting" is a noun
            if not (re.match(r"\s*(?:[.,;:!?)\]]|$)", text[e:e + 3]) or _word_after(text, e) in _ANCHORED_OK):
                return None
    if not which and pos is None and unit != "weekend":
        return None
    if unit == "week" and pos is None:
        return None  # plain "next week" is a weekref atom
    p = Part(s, e, period=Period(unit, shift, pos))
    if shift < 0:
        p.past_word = True
    if pos == "end" and re.match(r"(?:by\s+)", _clean(pos_s or "")):
        p.deadline = True
    return p


def _h_within(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"within the week", "within this month": a deadline at the end of the stretch under way."""
    unit = _clean(m.group(1))
    return Part(s, e, period=Period(unit, 0, "end"), deadline=True)


_SEASONS = {"spring": 0, "summer": 1, "fall": 2, "autumn": 2, "winter": 3}


def _h_season(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"this summer", "in the fall", "next spring", "late autumn", "winter 2027": a season of the writer's
    hemisphere (the resolver decides which months)."""
    pos = _clean(m.group(1)) if m.group(1) else None
    which = _clean(m.group(2)) if m.group(2) else ""
    shift = {"next": 1, "last": -1, "this past": -1}.get(which, 0)
    year = int(m.group(5)) if m.group(5) else None
    if not (which or m.group(3) or year):
        return None
    p = Part(s, e, period=Period("season", shift, pos, quarter=_SEASONS[_clean(m.group(4))], year=year))
    p.past_word = shift < 0
    if m.group(3) and _clean(m.group(3)).split()[0] in ("by", "until", "till", "before"):
        p.deadline = True
    return p


def _h_periodabbr(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    t = _clean(m.group(1)).replace("-", " ")
    unit = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year", "midweek": "week", "mid week": "week",
            "month end": "month", "quarter end": "quarter", "year end": "year", "week's end": "week"}[t]
    pos = "mid" if t.startswith("mid") else "end"
    year = int(m.group(2)) if m.group(2) and unit == "year" else None
    if m.group(2) and year is None:
        e = m.end(1)
    return Part(s, e, period=Period(unit, 0, pos, year=year))


def _h_quarter(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    pos = _POSITIONS.get(_clean(m.group(1))) if m.group(1) else None
    qn = m.group(2) or m.group(3)
    q = int(qn) if qn.isdigit() else {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2,
                                      "3rd": 3, "4th": 4}[_clean(qn)]
    if m.group(2) and not m.group(0)[m.start(2) - m.start(0) - 1].isupper() and pos is None and not m.group(4):
        return None  # lower-case "q3" alone is too weak
    return Part(s, e, period=Period("quarter", 0, pos or "start", quarter=q, year=_year(m.group(4))))


_DAY_NUMBER_NEXT = re.compile(r"[ \t]*,?[ \t]*(?:the\s+)?(?:[12]\d|3[01]|0?[1-9])(?![\d:]|\.\d)")


def _h_monthonly(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    pre = _clean(m.group(1)) if m.group(1) else "for" if m.group(6) else ""
    mon_s = m.group(2) or m.group(4) or m.group(6)
    mo = _month(mon_s)
    yr = m.group(3) or m.group(5) or m.group(7)
    full = _clean(mon_s).rstrip(".")
    if not yr and pre in ("from", "since", "after"):
        return None
    if not yr and _DAY_NUMBER_NEXT.match(text, e):
        return None  # "this May 8th": the month and day atom reads it
    if full in ("may", "mar", "march") and not mon_s[0].isupper():
        return None
    if len(full) <= 4 and full not in ("june", "july") and not yr:
        # "in May", "until Feb", "by Sept": a capitalised short name after a cue; "may"/"mar" alone are words
        if not (mon_s[0].isupper() and pre and pre not in ("from", "since", "after") and full != "mar"):
            return None
    pos = {"early": "early", "mid": "mid", "late": "late", "end of": "end", "the end of": "end",
           "beginning of": "start", "the beginning of": "start", "start of": "start", "middle of": "mid",
           "the middle of": "mid"}.get(pre)
    shift = {"next": 1, "last": -1}.get(pre, 0)
    p = Part(s, e, period=Period("month", shift, pos, month=mo, year=_year(yr) if yr else None))
    if pre in ("by", "until", "till", "before"):
        p.deadline = True
    if pre == "last":
        p.past_word = True
    return p


_POSITION_WORDS = {"early", "mid", "late", "later", "end", "beginning", "start", "middle", "rest"}


def _h_monthalone(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """A text that is nothing but a month name ("May", "September.") is that month; in prose a month needs a
    cue or a year (the "monthonly" unit): "may" and "march" are words."""
    if text.strip(" \t\n.,;:!?") != m.group(0).strip() or not m.group(0)[0].isupper():
        return None
    return Part(s, e, period=Period("month", 0, None, month=_month(m.group(1))))


UNITS: tuple[Unit, ...] = (
    Unit(
        'withinperiod',
        r"\bwithin\s+(?:the|this)\s+(week|month|quarter|year)(?![a-z]|\s+(?:of|after|before|following)\b)",
        _h_within,
        starts=frozenset({"within"}),
        needs=(frozenset({"week", "month", "quarter", "year"}), 3),
        doc='within the week / within this month: by the end of the stretch under way.',
    ),
    Unit(
        'monthalone',
        rf"\b({_MON})(?=[\s.,;:!?]*\Z)",
        _h_monthalone,
        starts=frozenset(_MONTH_WORDS),
        needs=(frozenset(_MONTH_WORDS), 1),
        doc='A month name that is the whole text: May.',
    ),
    Unit(
        'period',
        r"\b(?:(early|mid|late|later|the\s+end\s+of|end\s+of|by\s+the\s+end\s+of|the\s+beginning\s+of|beginning\s+of"
               r"|the\s+start\s+of|start\s+of|the\s+middle\s+of|middle\s+of|the\s+rest\s+of|rest\s+of)[\s-]+"
               r"(?:in\s+)?(?:the\s+)?(?:(this|next|last|following|coming|current|previous)\s+)?"
               r"|(this|next|last|the\s+following|following|the\s+coming|coming|previous|this\s+past)\s+|(?:over\s+)?the\s+(?=weekend))"
               r"(week[\s-]?end|week|month|quarter|year)(?![a-z])",
        _h_period,
        starts=frozenset(_POSITION_WORDS | _WHICH | {"the", "by", "over"}),
        needs=(frozenset({"week", "month", "quarter", "year", "weekend", "week's", "month's", "quarter's", "year's",
                          "weekend's"}), 7),
        doc='this/next/last week/month/quarter/year, early next week, end of the month, the weekend.',
    ),
    Unit(
        'season',
        r"\b(?:(early|mid|late)[\s-]+)?(?:(this|next|last|the\s+coming|coming|this\s+coming|this\s+past)\s+"
               r"|((?:in|during|over|by|until|till|before|after)\s+the)\s+|(?=[a-z]+\s+(?:of\s+)?(?:19|20)\d\d))"
               r"(spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?((?:19|20)\d\d)(?![\d:]))?(?![a-z'-])",
        _h_season,
        starts=frozenset({"early", "mid", "late", "this", "next", "last", "the", "coming", "in", "during", "over", "by", "until",
               "till", "before", "after", "spring", "summer", "fall", "autumn", "winter"}),
        needs=(frozenset({"spring", "summer", "fall", "autumn", "winter"}), 5),
        doc='this summer, in the fall, late spring 2027.',
    ),
    Unit(
        'periodabbr',
        r"\b(eow|eom|eoq|eoy|midweek|mid-week|month[\s-]end|quarter[\s-]end|year[\s-]end|week's\s+end)(?![a-z])"
                   r"(?:\s+((?:19|20)\d\d)(?![\d:]))?",
        _h_periodabbr,
        starts=frozenset({"eow", "eom", "eoq", "eoy", "midweek", "mid", "month", "quarter", "year", "week's"}),
        needs=(frozenset({"eow", "eom", "eoq", "eoy", "midweek", "week", "end"}), 3),
        doc='EOW, EOM, EOQ, EOY, midweek, month end.',
    ),
    Unit(
        'quarter',
        r"\b(?:(early|mid|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|beginning\s+of|start\s+of)[\s-]+)?"
                r"(?:the\s+)?(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)(?:\s+((?:19|20)\d\d))?(?![a-z\d])",
        _h_quarter,
        starts=frozenset(_POSITION_WORDS | {"the", "q", "first", "second", "third", "fourth", _D}),
        needs=(frozenset({"q", "quarter"}), 6),
        digit_next="snrt ",
        doc='Q3, the second quarter, end of Q4 2025.',
    ),
    Unit(
        'monthonly',
        rf"\b(?:(in|by|during|until|till|before|after|since|from|early|mid|late|end\s+of|the\s+end\s+of|"
                  rf"beginning\s+of|the\s+beginning\s+of|start\s+of|middle\s+of|the\s+middle\s+of|next|this|last)[\s-]+"
                  rf"({_MON})(?:,?\s+(?:of\s+)?((?:19|20)\d\d))?|({_MON}),?\s+(?:of\s+)?((?:19|20)\d\d)"
                  rf"|(?<=\bfor\s)({_MON})(?:,?\s+(?:of\s+)?((?:19|20)\d\d))?)(?![a-z\d])",
        _h_monthonly,
        starts=frozenset(_MONTH_WORDS | _POSITION_WORDS | {"in", "by", "during", "until", "till", "before", "after", "since",
                                                   "from", "the", "next", "this", "last"}),
        needs=(frozenset(_MONTH_WORDS), 5),
        doc='A month alone after a cue, or with a year: in May, by end of March, May 2025.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
def period_result(p: Period, ctx: Ctx) -> Res:
    """A named stretch (later today, the next few days, a week, a weekend, a week of a month, a month, a
    season, a quarter, a year) with its position ("early", "mid", "end"...): a value and its window."""
    ref, tz = ctx.ref, ctx.tz
    today = ref.date()
    if p.unit == "day":  # later today: from an hour on to the end of the day (late in the evening, what is left)
        end = wall(today, 23, 59, tz)
        start = min(ref + timedelta(hours=1), end)
        return Res(min(ref + timedelta(hours=2), end), "hour", False, start, end)
    if p.unit == "days":  # in the next few days (a number of them in `quarter`: "the next two days")
        return Res(midnight(today + timedelta(days=1), tz), "day", False, ref,
                    midnight(today + timedelta(days=1 + (p.quarter or 3)), tz))
    if p.unit in ("week", "weekend"):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * p.shift)
        if p.unit == "weekend":
            sat = monday + timedelta(days=5)
            if p.shift == 0 and today.weekday() == 6:
                sat = today - timedelta(days=1)
            return Res(midnight(sat, tz), "day", False, midnight(sat, tz), midnight(sat + timedelta(days=2), tz))
        pos = p.position
        if pos in ("end",):
            fri = monday + timedelta(days=4)
            if p.shift == 0 and today > fri:
                fri += timedelta(days=7)
            return Res(midnight(fri, tz), "day", False, midnight(fri, tz), midnight(fri + timedelta(days=1), tz))
        if pos == "later":
            nxt = today + timedelta(days=1)
            fri = monday + timedelta(days=4)
            return Res(midnight(nxt, tz), "day", False, midnight(nxt, tz),
                        midnight(max(fri, nxt) + timedelta(days=1), tz))
        spans = {"early": (0, 2), "start": (0, 1), "mid": (1, 4), "late": (3, 5)}
        a, b = spans.get(pos or "", (0, 7))
        value_day = {"early": 0, "start": 0, "mid": 2, "late": 3}.get(pos or "", 0)
        v = monday + timedelta(days=value_day)
        if p.shift == 0 and v < today:
            v = today
        return Res(midnight(v, tz), "week", False, midnight(monday + timedelta(days=a), tz),
                    midnight(monday + timedelta(days=b), tz))
    if p.unit == "monthweek":  # "the first week of February": weeks start on the first Monday of the month
        if p.month is not None:
            y = today.year + (1 if p.month < today.month else 0)
            first = date(y, p.month, 1)
        else:
            first = add_months(today.replace(day=1), p.shift)
        n = p.quarter or 1
        if n > 0:
            monday = first + timedelta(days=(7 - first.weekday()) % 7 if first.weekday() >= 4 else -first.weekday())
            monday += timedelta(days=7 * (n - 1))
        else:
            last = month_end(first.year, first.month)
            monday = last - timedelta(days=last.weekday())
        v = max(monday, first)
        return Res(midnight(v, tz), "week", False, midnight(monday, tz), midnight(monday + timedelta(days=7), tz))
    if p.unit == "month":
        if p.month is not None:
            y = p.year if p.year is not None else today.year + (1 if p.month < today.month else 0)
            if p.shift == 1 and p.year is None and p.month == today.month:
                y += 1
            if p.shift == -1 and p.year is None:
                y = today.year - (0 if p.month < today.month else 1)
            first = date(y, p.month, 1)
        else:
            first = add_months(today.replace(day=1), p.shift)
        last = month_end(first.year, first.month)
        pos = p.position
        if pos == "end":
            return Res(midnight(last, tz), "day", False, midnight(last - timedelta(days=4), tz),
                        midnight(last + timedelta(days=1), tz))
        if pos == "later":
            nxt = today + timedelta(days=1)
            return Res(midnight(nxt, tz), "day", False, midnight(nxt, tz), midnight(last + timedelta(days=1), tz))
        spans = {"early": (1, 10), "start": (1, 7), "mid": (10, 20), "late": (20, last.day)}
        if pos in spans:
            a, b = spans[pos]
            v = first.replace(day={"early": 1, "start": 1, "mid": 15, "late": 21}[pos])
            return Res(midnight(v, tz), "day", False, midnight(first.replace(day=a), tz),
                        midnight(first.replace(day=b) + timedelta(days=1), tz))
        v = max(first, today) if first.month == today.month and first.year == today.year else first
        return Res(midnight(v, tz), "month", False, midnight(first, tz), midnight(last + timedelta(days=1), tz))
    if p.unit == "season":
        return season_result(p, ctx)
    if p.unit == "quarter":
        if p.quarter is not None:
            q = p.quarter
            y = p.year if p.year is not None else today.year
            if p.year is None and month_end(y, 3 * q) < today:
                y += 1
        else:
            q0 = (today.month - 1) // 3 + p.shift
            y = today.year + q0 // 4
            q = q0 % 4 + 1
        first = date(y, 3 * (q - 1) + 1, 1)
        last = month_end(y, 3 * q)
        pos = p.position
        if pos == "end":
            return Res(midnight(last, tz), "day", False, midnight(last - timedelta(days=14), tz),
                        midnight(last + timedelta(days=1), tz))
        if pos == "mid":
            v = first.replace(month=first.month + 1, day=15)
        elif pos == "late":
            v = first.replace(month=first.month + 2)
        else:
            v = first
        if v < today <= last:
            v = today
        return Res(midnight(v, tz), "month", False, midnight(first, tz), midnight(last + timedelta(days=1), tz))
    # year
    y = p.year if p.year is not None else today.year + p.shift
    pos = p.position
    if pos == "end":
        last = date(y, 12, 31)
        return Res(midnight(last, tz), "day", False, midnight(date(y, 12, 1), tz), midnight(last + timedelta(days=1), tz))
    first = date(y, 1, 1)
    if pos == "mid":
        first = date(y, 7, 1)
    elif pos == "late":
        first = date(y, 10, 1)
    v = max(first, today) if y == today.year else first
    return Res(midnight(v, tz), "month", False, midnight(first, tz), midnight(date(y + 1, 1, 1), tz))


_SOUTHERN = ("Australia/", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Fiji", "America/Sao_Paulo",
             "America/Argentina/", "America/Buenos_Aires", "America/Santiago", "America/Montevideo",
             "America/Asuncion", "America/Lima", "Africa/Johannesburg", "Africa/Maputo", "Africa/Harare",
             "Antarctica/", "Indian/Mauritius", "Indian/Reunion")


def season_result(p: Period, ctx: Ctx) -> Res:
    """Meteorological seasons of the writer's hemisphere (northern spring = March to May). "this"/bare: the
    season under way or the next one; "next": the one after that if this one is under way; a year names the
    season that starts in that year."""
    tz, today = ctx.tz, ctx.ref.date()
    south = str(tz).startswith(_SOUTHERN)
    first_month = (3 + 3 * (p.quarter or 0) + (6 if south else 0) - 1) % 12 + 1
    if p.year is not None:
        start = date(p.year, first_month, 1)
    else:
        start = date(today.year, first_month, 1)
        while add_months(start, 3) <= today:  # the occurrence under way or to come
            start = date(start.year + 1, first_month, 1)
        while start > today and add_months(date(start.year - 1, first_month, 1), 3) > today:
            start = date(start.year - 1, first_month, 1)
        under_way = start <= today
        if p.shift > 0 and under_way:
            start = date(start.year + 1, first_month, 1)
        elif p.shift < 0:
            start = date(start.year - 1, first_month, 1)
    end = add_months(start, 3)
    pos = p.position
    if pos == "early":
        a, b = start, add_months(start, 1)
    elif pos == "mid":
        a, b = add_months(start, 1), add_months(start, 2)
    elif pos == "late":
        a, b = add_months(start, 2), end
    else:
        a, b = start, end
    v = max(a, today) if a <= today < b else a
    return Res(midnight(v, tz), "month", False, midnight(a, tz), midnight(b, tz))


def _day_period_dom(g: Part, ctx: Ctx) -> DayReading | None:
    """"the 15th of next month", "the last day of this month": a day of a month named by its shift."""
    if g.period is None or g.dom is None or g.period.unit != "month" or g.period.month is not None:
        return None
    today = ctx.ref.date()
    first = add_months(today.replace(day=1), g.period.shift)
    d1 = dom_date(g.dom, None, today, g.period.shift) if g.dom > 0 else month_end(first.year, first.month)
    return DayReading(d1) if d1 is not None else None


def _day_period(g: Part, ctx: Ctx) -> DayReading | None:
    if g.period is None:
        return None
    r = period_result(g.period, ctx)
    return DayReading(r.value.date(), r.grain, g.past_word, r)


DAY_READERS: dict[str, DayReader] = {"period_dom": _day_period_dom, "period": _day_period}
