"""Composition (adjacent atoms joined by glue words become one mention) and resolution (a mention plus the
moment of writing becomes an aware datetime, a grain and a window). Wall times are built in the zone that
the text names (else the writer's) and normalised through UTC so DST gaps move forward, never raise."""

from __future__ import annotations

import bisect
import calendar
import copy
import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from nlp.when.base import Clock, Offset, Part, Period
from nlp.when.clauses import clause_starts
from nlp.when.grammar import scan
from nlp.when.holidays import country_of_zone, holiday_date, nth_weekday
from nlp.when.lexicon import DAYPARTS, PM_DAYPARTS, default_date_order
from nlp.when.units.zones import writer_reading


@dataclass(frozen=True)
class TimeMention:
    """One time expression found in a text, resolved against the moment of writing.

    `value` is aware and expressed in the writer's zone. For a date without a clock time it is that day's
    midnight (`has_time` False, grain "day"); for a day part ("tomorrow afternoon") it is a representative
    time inside `window_start`..`window_end` (grain "hour"); for "end of day"/EOD it is 23:59 with the window
    opening at 17:00, for close of business/COB 17:00."""

    start: int
    end: int
    text: str
    value: datetime
    grain: str
    has_time: bool
    window_start: datetime | None
    window_end: datetime | None
    is_past: bool
    is_deadline: bool
    is_conditional_ref: bool = False
    is_after: bool = False
    # clause scope (see `nlp.when.clauses`): the index of the clause the mention starts in, that clause's span,
    # and the subordinator that makes it a condition ("if", "unless", "when", "once", "before", "after",
    # "until"...; None for a main clause)
    clause: int = 0
    clause_start: int = 0
    clause_end: int = 0
    clause_condition: str | None = None


@dataclass(frozen=True)
class _Ctx:
    ref: datetime  # aware, in `tz`
    tz: tzinfo
    order: str
    tz_known: bool = True  # False for "UTC": the writer's zone is unknown, named zones keep their wall clock
    country: str | None = None  # ISO code whose holiday calendar names are read in (None: the fallbacks)


# ---------------------------------------------------------------------------------------------- composition
_GLUE = re.compile(
    r"(?:[\s,]|\b(?:at|on|@|around|about|approximately|approx|circa|of|the|in|by|from|say|maybe|preferably|ideally"
    r"|before|until|till|after|latest|for|this|next|sharp|(?:your|my|our|local)\s+time"
    r"|if\s+(?:that|it)\s+(?:works|suits)(?:\s+for\s+you)?|if\s+possible|if\s+convenient)\b|[-–—()/|.@~])*",
    re.I,
)
_DEADLINE_GLUE = re.compile(r"\b(?:by|before|until|till|latest)\b", re.I)
_FOR_GLUE = re.compile(r"\bfor\b", re.I)
_AFTER_GLUE = re.compile(r"\b(?:after)\b", re.I)

_DATE_FIELDS = ("abs_date", "rel_days", "holiday", "dom", "weekday", "week", "period", "offset", "nth_weekday",
                "nth_in_month", "now")


def _set(v: object) -> bool:
    return v is not None and v is not False


def _has_date(p: Part) -> bool:
    return any(_set(getattr(p, f)) for f in _DATE_FIELDS) or (
        p.numeric is not None and p.numeric[3] == "/")


_MERGE_FIELDS = tuple(f.name for f in fields(Part) if f.name not in ("start", "end", "atoms", "kinds"))


def _merge(a: Part, b: Part) -> Part | None:
    """`a` and `b` as one mention, or None when they say conflicting things (two clock times, two dates)."""
    out = copy.copy(a)
    out.kinds, out.end, out.atoms = a.kinds + b.kinds, b.end, a.atoms + b.atoms
    b = copy.copy(b)
    # a dotted or four-digit number after a date is a clock time ("Mon Dec 4 08.40", "12 Nov 1115"), except
    # after a bare weekday, where a date that falls on that weekday wins ("Monday 19.06")
    if b.numeric is not None and b.numeric[3] in (".", ".0", "t", "t0", "4") and _has_date(a) and a.clock is None:
        x, y = b.numeric[0], b.numeric[1]
        weekday_only = a.weekday is not None and not (a.abs_date or a.rel_days is not None or a.dom or a.numeric)
        if x <= 23 and y <= 59 and not (weekday_only and b.numeric[3] in (".", ".0")):
            b.clock, b.numeric = Clock(x, y, exact24=b.numeric[3] not in (".", "t") or x >= 13 or x == 0), None
    if a.numeric is not None and a.numeric[3] in ("t", "t0", "4") and _has_date(b) and a.clock is None and b.clock is None:
        x, y = a.numeric[0], a.numeric[1]  # "10.30 tomorrow", "0900 Monday"
        if x <= 23 and y <= 59:
            out.clock, out.numeric = Clock(x, y, exact24=a.numeric[3] != "t" or x >= 13 or x == 0), None
    if b.numeric is not None and b.numeric[3] == "4" and not _has_date(a):
        return None
    if a.now or b.now:
        if not (a.offset_from and b.now):
            return None
    for name in _MERGE_FIELDS:
        va, vb = getattr(out, name), getattr(b, name)
        if not _set(vb):
            continue
        if name in ("past_word", "deadline", "after", "during", "anchor_back"):
            setattr(out, name, True)
            continue
        if not _set(va):
            setattr(out, name, vb)
            continue
        if name == "daypart" and ("first thing" in (va, vb)):
            out.daypart = "first thing"
            continue
        if name == "weekday_mod":
            continue
        return None
    # combinations that make no sense as one expression
    datey = [x for x in ("abs_date", "holiday", "period", "nth_weekday", "nth_in_month")
             if getattr(out, x) is not None]
    if len(datey) > 1:
        return None
    if out.offset is not None and out.holiday is not None and out.offset.unit == "years":
        name, year, shift, observed = out.holiday  # "thanksgiving in 3 years"
        out.holiday, out.offset = (name, year, shift + int(out.offset.amount), observed), None
    if out.offset is not None and out.rel_days == 0 and out.offset.unit in ("seconds", "minutes", "hours"):
        out.rel_days = None  # "today in one hour"
    if out.offset is not None and (out.abs_date or out.holiday or out.period or out.rel_days is not None):
        return None
    if out.numeric is not None and out.numeric[3] == "/" and (out.abs_date or out.rel_days is not None and False):
        return None
    if out.week is not None and (out.abs_date or out.holiday or out.rel_days is not None):
        return None
    if out.offset_from is None and a.offset_from is None and b.offset_from is not None:
        return None
    return out


def _compose(text: str, parts: list[Part]) -> list[Part]:
    groups: list[Part] = []
    cur: Part | None = None
    for p in parts:
        if cur is not None:
            gap = text[cur.end:p.start]
            if len(gap) <= 32 and _GLUE.fullmatch(gap) and not (_FOR_GLUE.search(gap) and _has_date(cur)
                                                                and _has_date(p)):
                # ("out Friday for Thanksgiving" is two days; "tomorrow for 10am" is one moment)
                merged = _merge(cur, p)
                if merged is not None:
                    if _DEADLINE_GLUE.search(gap) and p.clock is not None:
                        merged.deadline = True
                    if _AFTER_GLUE.search(gap) and p.clock is not None:
                        merged.after = True
                    cur = merged
                    continue
            groups.append(cur)
        cur = p
    if cur is not None:
        groups.append(cur)
    return groups


# ---------------------------------------------------------------------------------------------- time helpers
def _wall(d: date, h: int, mi: int, tz: tzinfo, s: int = 0) -> datetime:
    """Wall time `d h:mi` in `tz`, normalised: a time inside a DST gap moves forward by the gap."""
    naive = datetime.combine(d, time(h, mi, s))
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(tz)


def _midnight(d: date, tz: tzinfo) -> datetime:
    return _wall(d, 0, 0, tz)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_business_days(d: date, n: int) -> date:
    step = 1 if n >= 0 else -1
    left = abs(n)
    while left:
        d += timedelta(days=step)
        if d.weekday() < 5:
            left -= 1
    return d


def _apply_offset(base: datetime, off: Offset, tz: tzinfo) -> tuple[datetime, str]:
    """`base` moved by `off`; minutes/hours are elapsed time, days and longer are calendar steps."""
    amt = off.amount
    if off.unit in ("seconds", "minutes", "hours"):
        delta = {"seconds": timedelta(seconds=amt), "minutes": timedelta(minutes=amt), "hours": timedelta(hours=amt)}[off.unit]
        return (base.astimezone(ZoneInfo("UTC")) + delta).astimezone(tz), "minute"
    naive = base.replace(tzinfo=None)
    if off.unit.startswith("wd"):
        # the n-th given weekday strictly after (or before) the anchor day
        wd, d = int(off.unit[2:]), naive.date()
        n = int(off.amount)
        if n > 0:
            d = d + timedelta(days=(wd - d.weekday()) % 7 or 7) + timedelta(days=7 * (n - 1))
        else:
            d = d - timedelta(days=(d.weekday() - wd) % 7 or 7) - timedelta(days=7 * (-n - 1))
        return _midnight(d, tz), "day"
    if off.unit == "days":
        whole = int(amt)
        frac = amt - whole
        naive = naive + timedelta(days=whole, hours=frac * 24)
    elif off.unit == "business_days":
        naive = datetime.combine(_add_business_days(naive.date(), int(amt)), naive.time())
    elif off.unit == "weeks":
        naive = naive + timedelta(days=round(7 * amt))
    elif off.unit == "fortnights":
        naive = naive + timedelta(days=round(14 * amt))
    elif off.unit == "months":
        whole = int(amt)
        naive = datetime.combine(_add_months(naive.date(), whole), naive.time())
        if amt - whole:
            naive += timedelta(days=round(30 * (amt - whole)))
    elif off.unit == "years":
        whole = int(amt)
        naive = datetime.combine(_add_months(naive.date(), 12 * whole), naive.time())
        if amt - whole:
            naive += timedelta(days=round(365 * (amt - whole)))
    if off.plus_days:
        naive += timedelta(days=off.plus_days)
    return _wall(naive.date(), naive.hour, naive.minute, tz, naive.second), "day"


def _weekday_date(wd: int, mod: str | None, week: int | None, today: date) -> date:
    monday = today - timedelta(days=today.weekday())
    if week is not None:
        return monday + timedelta(days=7 * week + wd)
    delta = (wd - today.weekday()) % 7
    if mod in (None, "on"):
        return today + timedelta(days=delta or 7)
    if mod == "this":
        return today + timedelta(days=delta or 7)
    if mod == "coming":
        return today + timedelta(days=delta or 7)
    if mod == "next":
        return monday + timedelta(days=7 + wd)
    if mod == "after_next":
        return today + timedelta(days=(delta or 7) + 7)
    if mod == "last":
        return today - timedelta(days=(today.weekday() - wd) % 7 or 7)
    if mod == "before_last":
        return today - timedelta(days=((today.weekday() - wd) % 7 or 7) + 7)
    return today + timedelta(days=delta or 7)


def _roll_year(m: int, d: int, today: date) -> date:
    """Month/day without a year: this year's if not yet past, else next year's."""
    for y in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            cand = date(y, m, d)
        except ValueError:
            continue
        if cand >= today:
            return cand
    return date(today.year + 4, m, min(d, 28))


def _year_by_weekday(m: int, d: int, weekday: int, today: date) -> date | None:
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


def _dom_date(dom: int, wd: int | None, today: date, month_shift: int | None) -> date | None:
    if month_shift is not None:
        first = _add_months(today.replace(day=1), month_shift)
        if dom == -1:
            return _month_end(first.year, first.month)
        try:
            return first.replace(day=dom)
        except ValueError:
            return None
    start = today.replace(day=1)
    for i in range(0, 36 if wd is not None else 3):
        first = _add_months(start, i)
        try:
            cand = first.replace(day=dom)
        except ValueError:
            continue
        if cand < today:
            continue
        if wd is None or cand.weekday() == wd:
            return cand
    return None


def _numeric_date(a: int, b: int, year: int | None, order: str, today: date) -> date | None:
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
    return _roll_year(m, d, today)


def _holiday_date(name: str, year: int | None, shift: int, observed: bool, ctx: _Ctx, past: bool) -> date:
    today = ctx.ref.date()

    def on(y: int) -> date:
        return holiday_date(name, y, ctx.country, observed)

    if year is not None:
        return on(year)
    if past:
        d = on(today.year)
        return d if d < today else on(today.year - 1)
    if shift:
        return on(today.year + shift)
    d = on(today.year)
    return d if d >= today else on(today.year + 1)


def _hour24(clock: Clock, daypart: str | None) -> int:
    h = clock.hour
    if clock.exact24 or clock.special:
        return h
    if clock.meridiem == "am":
        return 0 if h == 12 else h
    if clock.meridiem == "pm":
        return h if h == 12 else h + 12
    if daypart in PM_DAYPARTS:
        return h + 12 if h < 12 else h
    if daypart in ("morning", "early morning", "late morning", "forenoon", "first thing", "early"):
        return h
    if daypart in ("lunch", "midday"):
        return h + 12 if h < 6 else h
    # business hours: "at 9" is 9 am, "at 3" is 3 pm ("quarter to seven" is decided by the seven)
    rule = clock.rule_hour if clock.rule_hour is not None else h
    if 1 <= rule <= 6:  # ("ten to twelve" is 11:50 am: twelve is noon)
        return h + 12 if h < 12 else h
    return h


_MORNINGS = frozenset({"morning", "early morning", "first thing", "early", "forenoon"})


def _next_quarter_hour(t: datetime) -> datetime:
    """`t` rounded up to the next quarter hour (a day part under way is booked from now, not in the past)."""
    over = (t.minute % 15) * 60 + t.second + t.microsecond / 1e6
    return t if over == 0 else t + timedelta(seconds=15 * 60 - over)


def _daypart_window(d: date, dp: str, tz: tzinfo) -> tuple[datetime, datetime, datetime]:
    (rh, rm), (sh, sm), (eh, em) = DAYPARTS[dp]
    return _wall(d, rh, rm, tz), _wall(d, sh, sm, tz), _wall(d, eh, em, tz)


# ---------------------------------------------------------------------------------------------- resolution
@dataclass
class _Res:
    value: datetime
    grain: str
    has_time: bool
    window_start: datetime | None = None
    window_end: datetime | None = None
    past: bool = False


def _period(p: Period, ctx: _Ctx) -> _Res:
    ref, tz = ctx.ref, ctx.tz
    today = ref.date()
    if p.unit == "day":  # later today
        end = _wall(today, 23, 59, tz)
        start = ref + timedelta(hours=1)
        return _Res(ref + timedelta(hours=2), "hour", False, start, end)
    if p.unit == "days":  # in the next few days (a number of them in `quarter`: "the next two days")
        return _Res(_midnight(today + timedelta(days=1), tz), "day", False, ref,
                    _midnight(today + timedelta(days=1 + (p.quarter or 3)), tz))
    if p.unit in ("week", "weekend"):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * p.shift)
        if p.unit == "weekend":
            sat = monday + timedelta(days=5)
            if p.shift == 0 and today.weekday() == 6:
                sat = today - timedelta(days=1)
            return _Res(_midnight(sat, tz), "day", False, _midnight(sat, tz), _midnight(sat + timedelta(days=2), tz))
        pos = p.position
        if pos in ("end",):
            fri = monday + timedelta(days=4)
            if p.shift == 0 and today > fri:
                fri += timedelta(days=7)
            return _Res(_midnight(fri, tz), "day", False, _midnight(fri, tz), _midnight(fri + timedelta(days=1), tz))
        if pos == "later":
            nxt = today + timedelta(days=1)
            fri = monday + timedelta(days=4)
            return _Res(_midnight(nxt, tz), "day", False, _midnight(nxt, tz),
                        _midnight(max(fri, nxt) + timedelta(days=1), tz))
        spans = {"early": (0, 2), "start": (0, 1), "mid": (1, 4), "late": (3, 5)}
        a, b = spans.get(pos or "", (0, 7))
        value_day = {"early": 0, "start": 0, "mid": 2, "late": 3}.get(pos or "", 0)
        v = monday + timedelta(days=value_day)
        if p.shift == 0 and v < today:
            v = today
        return _Res(_midnight(v, tz), "week", False, _midnight(monday + timedelta(days=a), tz),
                    _midnight(monday + timedelta(days=b), tz))
    if p.unit == "monthweek":  # "the first week of February": weeks start on the first Monday of the month
        if p.month is not None:
            y = today.year + (1 if p.month < today.month else 0)
            first = date(y, p.month, 1)
        else:
            first = _add_months(today.replace(day=1), p.shift)
        n = p.quarter or 1
        if n > 0:
            monday = first + timedelta(days=(7 - first.weekday()) % 7 if first.weekday() >= 4 else -first.weekday())
            monday += timedelta(days=7 * (n - 1))
        else:
            last = _month_end(first.year, first.month)
            monday = last - timedelta(days=last.weekday())
        v = max(monday, first)
        return _Res(_midnight(v, tz), "week", False, _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz))
    if p.unit == "month":
        if p.month is not None:
            y = p.year if p.year is not None else today.year + (1 if p.month < today.month else 0)
            if p.shift == 1 and p.year is None and p.month == today.month:
                y += 1
            if p.shift == -1 and p.year is None:
                y = today.year - (0 if p.month < today.month else 1)
            first = date(y, p.month, 1)
        else:
            first = _add_months(today.replace(day=1), p.shift)
        last = _month_end(first.year, first.month)
        pos = p.position
        if pos == "end":
            return _Res(_midnight(last, tz), "day", False, _midnight(last - timedelta(days=4), tz),
                        _midnight(last + timedelta(days=1), tz))
        if pos == "later":
            nxt = today + timedelta(days=1)
            return _Res(_midnight(nxt, tz), "day", False, _midnight(nxt, tz), _midnight(last + timedelta(days=1), tz))
        spans = {"early": (1, 10), "start": (1, 7), "mid": (10, 20), "late": (20, last.day)}
        if pos in spans:
            a, b = spans[pos]
            v = first.replace(day={"early": 1, "start": 1, "mid": 15, "late": 21}[pos])
            return _Res(_midnight(v, tz), "day", False, _midnight(first.replace(day=a), tz),
                        _midnight(first.replace(day=b) + timedelta(days=1), tz))
        v = max(first, today) if first.month == today.month and first.year == today.year else first
        return _Res(_midnight(v, tz), "month", False, _midnight(first, tz), _midnight(last + timedelta(days=1), tz))
    if p.unit == "season":
        return _season(p, ctx)
    if p.unit == "quarter":
        if p.quarter is not None:
            q = p.quarter
            y = p.year if p.year is not None else today.year
            if p.year is None and _month_end(y, 3 * q) < today:
                y += 1
        else:
            q0 = (today.month - 1) // 3 + p.shift
            y = today.year + q0 // 4
            q = q0 % 4 + 1
        first = date(y, 3 * (q - 1) + 1, 1)
        last = _month_end(y, 3 * q)
        pos = p.position
        if pos == "end":
            return _Res(_midnight(last, tz), "day", False, _midnight(last - timedelta(days=14), tz),
                        _midnight(last + timedelta(days=1), tz))
        if pos == "mid":
            v = first.replace(month=first.month + 1, day=15)
        elif pos == "late":
            v = first.replace(month=first.month + 2)
        else:
            v = first
        if v < today <= last:
            v = today
        return _Res(_midnight(v, tz), "month", False, _midnight(first, tz), _midnight(last + timedelta(days=1), tz))
    # year
    y = p.year if p.year is not None else today.year + p.shift
    pos = p.position
    if pos == "end":
        last = date(y, 12, 31)
        return _Res(_midnight(last, tz), "day", False, _midnight(date(y, 12, 1), tz), _midnight(last + timedelta(days=1), tz))
    first = date(y, 1, 1)
    if pos == "mid":
        first = date(y, 7, 1)
    elif pos == "late":
        first = date(y, 10, 1)
    v = max(first, today) if y == today.year else first
    return _Res(_midnight(v, tz), "month", False, _midnight(first, tz), _midnight(date(y + 1, 1, 1), tz))


_SOUTHERN = ("Australia/", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Fiji", "America/Sao_Paulo",
             "America/Argentina/", "America/Buenos_Aires", "America/Santiago", "America/Montevideo",
             "America/Asuncion", "America/Lima", "Africa/Johannesburg", "Africa/Maputo", "Africa/Harare",
             "Antarctica/", "Indian/Mauritius", "Indian/Reunion")


def _season(p: Period, ctx: _Ctx) -> _Res:
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
        while _add_months(start, 3) <= today:  # the occurrence under way or to come
            start = date(start.year + 1, first_month, 1)
        while start > today and _add_months(date(start.year - 1, first_month, 1), 3) > today:
            start = date(start.year - 1, first_month, 1)
        under_way = start <= today
        if p.shift > 0 and under_way:
            start = date(start.year + 1, first_month, 1)
        elif p.shift < 0:
            start = date(start.year - 1, first_month, 1)
    end = _add_months(start, 3)
    pos = p.position
    if pos == "early":
        a, b = start, _add_months(start, 1)
    elif pos == "mid":
        a, b = _add_months(start, 1), _add_months(start, 2)
    elif pos == "late":
        a, b = _add_months(start, 2), end
    else:
        a, b = start, end
    v = max(a, today) if a <= today < b else a
    return _Res(_midnight(v, tz), "month", False, _midnight(a, tz), _midnight(b, tz))


def _next_clock(clock: Clock, daypart: str | None, ctx: _Ctx) -> datetime:
    """A clock time without a date: its next occurrence; a bare "at 7" written at 6 pm is 7 pm tonight."""
    ref, tz = ctx.ref, ctx.tz
    today = ref.date()
    h = _hour24(clock, daypart)
    if clock.special == "eod":
        return _wall(today, 23, 59, tz)
    if clock.special == "midnight":
        return _midnight(today + timedelta(days=1), tz)
    first = _wall(today, h, clock.minute, tz, clock.second)
    if first >= ref:
        return first
    return _wall(today + timedelta(days=1), h, clock.minute, tz, clock.second)


def _base_day(g: Part, ctx: _Ctx) -> tuple[date | None, str, bool, _Res | None]:
    """The day a mention names: (date, grain, past-word, full result for periods/offsets)."""
    today = ctx.ref.date()
    tz = ctx.tz
    if g.now:
        return today, "minute", False, _Res(ctx.ref, "minute", True)
    if g.period is not None and g.dom is not None and g.period.unit == "month" and g.period.month is None:
        first = _add_months(today.replace(day=1), g.period.shift)
        d1 = _dom_date(g.dom, None, today, g.period.shift) if g.dom > 0 else _month_end(first.year, first.month)
        if d1 is not None:
            return d1, "day", False, None
    if g.period is not None:
        r = _period(g.period, ctx)
        return r.value.date(), r.grain, g.past_word, r
    if g.offset is not None:
        v, grain = _apply_offset(ctx.ref, g.offset, tz)
        r = _Res(v, grain, grain == "minute")
        if g.offset.window_amount is not None:
            w_end, _ = _apply_offset(ctx.ref, replace(g.offset, amount=g.offset.window_amount), tz)
            r.window_start, r.window_end = v, w_end
        if g.deadline:
            r.window_start, r.window_end = ctx.ref, v
        d = v.date()
        if g.clock is not None and g.offset.unit in ("seconds", "minutes", "hours"):
            g.clock = None
        if g.weekday is not None:
            d = d + timedelta(days=(g.weekday - d.weekday()) % 7)
            r = _Res(_midnight(d, tz), "day", False)
        return d, r.grain, g.past_word, r
    if g.abs_date is not None:
        y, m, d_ = g.abs_date
        if y is None and g.weekday is not None:
            d = _year_by_weekday(m, d_, g.weekday, today) or _roll_year(m, d_, today)
        elif y is None:
            d = _roll_year(m, d_, today)
        else:
            d = date(y, m, d_)
        return d, "day", False, None
    if g.numeric is not None and g.numeric[3] in ("/", ".", ".0"):
        a, b, year, _ = g.numeric
        order = ctx.order
        if g.weekday is not None and a <= 12 and b <= 12:
            # "Tuesday, 8.5.": the reading that falls on the named weekday decides the order
            for o in (order, "DMY" if order == "MDY" else "MDY"):
                cand = _numeric_date(a, b, year, o, today)
                if cand is not None and cand.weekday() == g.weekday:
                    order = o
                    break
        d0 = _numeric_date(a, b, year, order, today)
        if d0 is not None and year is None and g.weekday is not None and d0.weekday() != g.weekday:
            d0 = _year_by_weekday(d0.month, d0.day, g.weekday, today) or d0
        if d0 is not None:
            return d0, "day", False, None
    if g.holiday is not None:
        name, year, shift, observed = g.holiday
        return _holiday_date(name, year, shift, observed, ctx, g.past_word), "day", g.past_word, None
    if g.nth_in_month is not None:
        n, wd, month, year, mshift = g.nth_in_month
        if wd == -1 and month is not None:  # the last day of a month
            y = year if year is not None else today.year
            d = _month_end(y, month)
            return (d if year is not None or d >= today else _month_end(y + 1, month)), "day", False, None
        if month is None:
            first = _add_months(today.replace(day=1), mshift)
            return nth_weekday(first.year, first.month, wd, n), "day", False, None
        y = year if year is not None else today.year
        d = nth_weekday(y, month, wd, n)
        if year is None and d < today:
            d = nth_weekday(y + 1, month, wd, n)
        return d, "day", False, None
    if g.nth_weekday is not None:
        n, wd = g.nth_weekday
        first = today + timedelta(days=(wd - today.weekday()) % 7 or 7)
        return first + timedelta(days=7 * (n - 1)), "day", False, None
    if g.dom is not None and g.rel_days is None:
        d1 = _dom_date(g.dom, g.weekday, today, g.dom_month_shift)
        if d1 is not None:
            return d1, "day", False, None
    if g.rel_days is not None:
        return today + timedelta(days=g.rel_days), "day", g.rel_days < 0, None
    if g.weekday is not None:
        d = _weekday_date(g.weekday, g.weekday_mod, g.week, today)
        return d, "day", g.weekday_mod in ("last", "before_last") or (g.week is not None and g.week < 0), None
    if g.week is not None:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * g.week)
        vday = today if g.week == 0 else monday
        r = _Res(_midnight(vday, tz), "week", False, _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz))
        return vday, "week", g.week < 0, r
    return None, "day", False, None


def _resolve_group(g: Part, ctx: _Ctx) -> _Res | None:
    if g.zone_word is not None and ctx.country is not None:
        other = writer_reading(g.zone_word, ctx.country)  # "IST" written in Dublin
        if other is not None:
            g = replace(g, zone=other)
    if g.zone is not None and g.clock is not None and ctx.tz_known and _has_date(g) and g.offset is None:
        # "Thursday at 4:30pm IST": Thursday on the writer's calendar, 4:30 pm on Indian clocks
        r = _resolve_in(g, ctx)
        if r is None or not r.has_time:
            return r
        v = _wall(r.value.date(), r.value.hour, r.value.minute, g.zone, r.value.second).astimezone(ctx.tz)
        return _Res(v, r.grain, True, None, None, r.past)
    if g.zone is not None and (g.clock is not None or g.numeric is not None) and ctx.tz_known:
        local = _Ctx(ctx.ref.astimezone(g.zone), g.zone, ctx.order, country=ctx.country)
        r = _resolve_in(g, local)
        if r is None:
            return None
        conv = ctx.tz
        return _Res(r.value.astimezone(conv), r.grain, r.has_time,
                    r.window_start.astimezone(conv) if r.window_start else None,
                    r.window_end.astimezone(conv) if r.window_end else None, r.past)
    return _resolve_in(g, ctx)


def _resolve_in(g: Part, ctx: _Ctx) -> _Res | None:
    tz = ctx.tz
    if g.year_or_clock is not None and g.abs_date is not None and g.abs_date[0] is not None and g.clock is None:
        if not ctx.ref.year - 1 <= g.abs_date[0] <= ctx.ref.year + 5:
            hh, mm = g.year_or_clock
            g = replace(g, abs_date=(None, g.abs_date[1], g.abs_date[2]), clock=Clock(hh, mm, exact24=True))
    if g.numeric is not None and g.numeric[3] in ("t", "t0") and g.weekday is not None and g.clock is None:
        g = replace(g, numeric=(g.numeric[0], g.numeric[1], None, "." if g.numeric[3] == "t" else ".0"))
    if g.numeric is not None and g.numeric[3] in (".", ".0") and g.weekday is not None and g.clock is None:
        # "Monday 19.06" is a date on that Monday; "Monday 9.45" (no such date on a Monday) is a time
        a, b, _, sep = g.numeric
        today = ctx.ref.date()
        on_weekday = any(d is not None and d.weekday() == g.weekday
                         for d in (_numeric_date(a, b, None, o, today) for o in ("MDY", "DMY")))
        if not on_weekday and a <= 23 and b <= 59:
            g = replace(g, numeric=None, clock=Clock(a, b, exact24=sep == ".0" or a >= 13 or a == 0))
    if g.numeric is not None and g.numeric[3] in (".", ".0", "t", "t0", "4") and g.clock is None and not _has_date(g):
        a, b, _, sep = g.numeric
        if sep in ("4", "t", "t0"):
            return None  # "7.38" in a table, "1204": numbers, unless a date stands next to them
        # a lone dotted number: a date when it reads as one, else a clock time
        if _numeric_date(a, b, None, ctx.order, ctx.ref.date()) is None:
            if a <= 23 and b <= 59:
                g = replace(g, clock=Clock(a, b, exact24=a >= 13), numeric=None)
            else:
                return None
    day, grain, past_word, res = _base_day(g, ctx)
    if g.offset_from is not None and g.clock is not None and day is None:
        # "15 minutes from 1pm"
        v, _ = _apply_offset(_next_clock(g.clock, g.daypart, ctx), g.offset_from, tz)
        return _Res(v, "minute", True)
    if g.offset_from is not None and day is None and not g.now and g.rel_days is None:
        return None  # "45 days prior to travel": the anchor is not a time
    if g.offset_from is not None:
        anchor = day if day is not None else ctx.ref.date()
        if res is not None and res.grain == "minute" and day is not None:
            base = res.value
        elif day is None:
            base = ctx.ref
        else:
            base = datetime.combine(anchor, ctx.ref.timetz()) if g.now else _midnight(anchor, tz)
        v, gr = _apply_offset(base, g.offset_from, tz)
        if g.weekday is not None and g.offset is None and (g.abs_date or g.holiday or g.rel_days is not None or g.now or g.period):
            d2 = v.date() + timedelta(days=(g.weekday - v.weekday()) % 7)
            v = _midnight(d2, tz)
        day, grain = v.date(), gr if day is None or g.now else "day"
        res = _Res(v if (gr == "minute" or day is None) else _midnight(v.date(), tz), grain, gr == "minute")
        if g.deadline:
            res.window_start, res.window_end = ctx.ref, v
    if g.clock is not None and g.clock.special == "same_time":
        # "same time tomorrow", "this time next week": the clock time of writing
        if g.week is not None and g.weekday is None and day is not None:
            day = ctx.ref.date() + timedelta(days=7 * g.week)
        if day is None:
            return None
        c = Clock(ctx.ref.hour, ctx.ref.minute, exact24=True)
        return _Res(_wall(day, c.hour, c.minute, tz), "minute", True, None, None, past_word)
    if g.week_of and day is not None and g.clock is None:
        monday = day - timedelta(days=day.weekday())
        return _Res(_midnight(monday, tz), "week", False, _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz),
                    past_word)
    if g.clock is not None:
        c = g.clock
        if day is None:
            v = _next_clock(c, g.daypart, ctx)
        else:
            h = _hour24(c, g.daypart)
            if c.special == "midnight":
                v = _midnight(day + timedelta(days=1), tz)
            else:
                v = _wall(day, h, c.minute, tz, c.second)
        ws = we = None
        if c.special == "eod":
            ws, we = _wall(v.date(), 17, 0, tz), v
        elif c.special == "first_thing":
            ws, we = _wall(v.date(), 8, 0, tz), _wall(v.date(), 10, 0, tz)
        return _Res(v, "minute", True, ws, we, past_word)
    if g.daypart is not None and (res is None or res.grain != "minute"):
        dp = g.daypart
        if dp not in DAYPARTS:
            dp = "morning"
        implicit = day is None
        if day is None:
            # a day part still to come is today's; one under way is the next one ("afternoon" said at 12:43),
            # unless the text places the act inside it ("over lunch" said at noon, "in the afternoon" at one);
            # a morning that has begun is tomorrow's ("I'll call in the morning" said at 9:30)
            today = ctx.ref.date()
            _, start, end = _daypart_window(today, dp, tz)
            in_progress = g.during and start <= ctx.ref < end and dp not in _MORNINGS
            day = today if ctx.ref < start or in_progress else today + timedelta(days=1)
        v, ws, we = _daypart_window(day, dp, tz)
        if implicit and ws <= ctx.ref < we and v < ctx.ref:
            v = min(_next_quarter_hour(ctx.ref), we)
        if res is not None and res.grain == "hour" and g.period is not None:  # later this afternoon
            ws = max(ws, ctx.ref)
            v = max(v, ctx.ref + timedelta(hours=1))
        return _Res(v, "hour", False, ws, we, past_word)
    if res is not None:
        res.past = res.past or past_word
        return res
    if day is None:
        return None
    return _Res(_midnight(day, tz), grain, False, None, None, past_word)


_GRAIN_STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
               "week": timedelta(days=7), "month": timedelta(days=28)}


def _end_of(r: _Res) -> datetime:
    if r.window_end is not None:
        return r.window_end
    return r.value + _GRAIN_STEP.get(r.grain, timedelta(0))


_DEADLINE_BEFORE = re.compile(
    r"(?:\b(?:by|before|until|till|til|no\s+later\s+than|not\s+later\s+than|prior\s+to|ahead\s+of|on\s+or\s+before"
    r"|due(?:\s+on|\s+by)?|deadline(?:\s+is|\s+of)?|latest|within|as\s+late\s+as|earlier\s+than|or\s+earlier\s+than"
    r"|up\s+to|through|thru)|[<≤]=?|deadline:)\s*(?:the\s+|this\s+|on\s+|at\s+)?$",
    re.I,
)
_AFTER_BEFORE = re.compile(
    r"(?:\b(?:after|since|starting(?:\s+on|\s+from|\s+at)?|beginning(?:\s+on|\s+at)?|as\s+of|on\s+or\s+after"
    r"|no\s+earlier\s+than|later\s+than|from)|>=?)\s*(?:the\s+|this\s+|on\s+|at\s+)?$",
    re.I,
)
_LATEST_AFTER = re.compile(r"\s*,?\s*(?:at\s+the\s+(?:very\s+)?latest|latest)\b", re.I)
_CUE_WORDS = frozenset("""by before until till til than to due deadline deadline: latest within as through thru up
after since starting beginning of from the this on at""".split())
_CONSEQUENT = re.compile(r"'ll\b|\bwill\b|\bshall\b|\bthen\b|\blet's\b|\bplease\b", re.I)
_CONDITION_HINTS = ("if", "unless", "case", "provided", "assuming", "should", "event", "once", "when", "whether")
_CONDITION = re.compile(r"\b(?:if|unless|in\s+case|provided(?:\s+that)?|assuming|should\s+(?:you|they|we|he|she)"
                        r"|in\s+the\s+event|once|when|whether)\b", re.I)


def _is_conditional(text: str, start: int) -> bool:
    head = text[max(0, start - 200):start]
    cut = max(head.rfind("."), head.rfind(";"), head.rfind("!"), head.rfind("?"), head.rfind("\n"))
    clause = head[cut + 1:]
    low = clause.lower()
    if not any(h in low for h in _CONDITION_HINTS):
        return False
    hits = list(_CONDITION.finditer(clause))
    if not hits:
        return False
    rest = clause[hits[-1].end():]
    # the condition ends at a comma, "then", or where the promise starts ("... by the 30th I'll call Tuesday")
    return "," not in rest and not _CONSEQUENT.search(rest)


def _from_named_day(g: Part, named: date) -> Part:
    """"The board meets on the 18th ... the following Monday": the Monday after the 18th; "the week after":
    the week after that day."""
    if g.offset_from is None and g.weekday is not None:
        g = replace(g, offset_from=Offset(1, f"wd{g.weekday}"), weekday=None, weekday_mod=None)
    if g.offset_from is None or _has_date(g):
        return g
    return replace(g, abs_date=(named.year, named.month, named.day), anchor_back=False)


# A writer "in UTC" is, in practice, a writer whose zone nobody recorded (server defaults, corpora): a time
# given in a named zone then keeps its wall clock instead of being converted to UTC.
_UNKNOWN_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"})


def find_times(text: str, reference: datetime, timezone: str, date_order: str | None = None,
               country: str | None = None) -> list[TimeMention]:
    """Every time expression in `text`, left to right, with its character span, resolved against `reference`
    (aware; a naive one is wall time in `timezone`). `date_order` "MDY"/"DMY" reads numeric dates; by default
    it follows the zone (see `nlp.when.lexicon.default_date_order`). `country` (ISO code, e.g. "CA") names the
    holiday calendar; by default the zone's country (see `nlp.when.holidays`)."""
    tz = ZoneInfo(timezone)
    ref = reference.replace(tzinfo=tz) if reference.tzinfo is None else reference.astimezone(tz)
    order = (date_order or default_date_order(timezone)).upper()
    ctx = _Ctx(ref, tz, order, timezone not in _UNKNOWN_ZONES, country or country_of_zone(timezone))
    out: list[TimeMention] = []
    bare_weekday: list[bool] = []
    named: date | None = None  # the day of the last mention, for "the following Monday", "the week after"
    found: list[tuple[Part, _Res, datetime | None, datetime | None, bool, bool, bool]] = []
    for g in _compose(text, scan(text)):
        if g.anchor_back and (named is not None or g.weekday is None):
            # counted from the day named before; "the day after" alone counts from today, "the following
            # Friday" alone is next week's
            g = _from_named_day(g, named if named is not None else ref.date())
        try:
            r = _resolve_group(g, ctx)
        except (ValueError, OverflowError, KeyError):
            r = None
        if r is None:
            continue
        before = text[max(0, g.start - 40):g.start]
        cue = not _CUE_WORDS.isdisjoint(before.lower().split()[-4:]) or "<" in before or ">" in before or "≤" in before
        deadline = g.deadline or (cue and bool(_DEADLINE_BEFORE.search(before))) or bool(
            _LATEST_AFTER.match(text, g.end))
        after = g.after or (cue and bool(_AFTER_BEFORE.search(before)))
        past = g.past_word or r.past or _end_of(r) <= ref and not deadline
        ws, we = r.window_start, r.window_end
        if deadline and ws is None and not r.has_time and _end_of(r) > ref:
            ws, we = ref, _end_of(r)
        if r.grain in ("day", "hour", "minute"):
            named = r.value.date()
        found.append((g, r, ws, we, bool(past), deadline, after and not deadline))
        bare_weekday.append(g.weekday is not None and g.weekday_mod is None and g.week is None and g.dom is None
                            and g.abs_date is None and g.numeric is None)
    if found:
        starts, conds, last_end = clause_starts(text, found[-1][0].end)
        for g, r, ws, we, past_, deadline_, after_ in found:
            k = max(0, bisect.bisect_right(starts, g.start) - 1)
            out.append(TimeMention(
                start=g.start, end=g.end, text=text[g.start:g.end], value=r.value, grain=r.grain,
                has_time=r.has_time, window_start=ws, window_end=we, is_past=past_, is_deadline=deadline_,
                is_conditional_ref=_is_conditional(text, g.start), is_after=after_,
                clause=k, clause_start=starts[k], clause_end=starts[k + 1] if k + 1 < len(starts) else last_end,
                clause_condition=conds[k],
            ))
    _start_ranges_today(text, out, bare_weekday, ref)
    return out


_RANGE_GAP = re.compile(r"\s*(?:through|thru|to|until|till|-|–|—)\s*", re.I)


def _start_ranges_today(text: str, out: list[TimeMention], bare_weekday: list[bool], ref: datetime) -> None:
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
            out[i] = replace(a, value=_wall(day, a.value.hour, a.value.minute, tz))
        elif bare_weekday[i + 1]:  # "Friday through Tuesday" said on a Saturday: the Tuesday after that Friday
            week = timedelta(days=7)
            out[i + 1] = replace(b, value=_wall(b.value.date() + week, b.value.hour, b.value.minute, tz),
                                 window_end=b.window_end + week if b.window_end is not None else None)


def resolve(text: str, reference: datetime, timezone: str, date_order: str | None = None,
            country: str | None = None) -> TimeMention | None:
    """The time expression `text` is about: the first one that is not inside a condition ("if I haven't heard
    back by Wednesday, I'll call Thursday" -> Thursday), else the first one; None when there is none."""
    found = find_times(text, reference, timezone, date_order, country)
    if not found:
        return None
    for m in found:
        if not m.is_conditional_ref:
            return m
    return found[0]
