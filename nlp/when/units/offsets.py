"""Relative offsets and durations from the moment of writing: "in 3 days", "2 weeks from now", "3 days
ago", "within the hour", "in a fortnight", "a week from Tuesday", "the next 3 weeks", "in a day or two"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from nlp.when.base import (
    _D,
    _WD,
    _WEEKDAY_WORDS,
    Ctx,
    DayReader,
    DayReading,
    MomentReader,
    NotATime,
    Offset,
    Part,
    Period,
    Res,
    Unit,
    _clean,
    _weekday,
    add_months,
    midnight,
    wall,
)
from nlp.when.lexicon import number_value
from nlp.when.units.clocks import next_clock
from nlp.when.units.numbers import AMOUNT as _NUMQ
from nlp.when.units.numbers import amount_of as _qty

# compact units ("1d", "3w", "2h") only right after the digits; "m" only inside a compound ("1h 30m")
_UNIT = (r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h(?![a-z])|business\s+days?|working\s+days?|days?|weeks?|wks?"
         rf"|fortnights?|months?|years?|yrs?|{_WD}|(?<=\d)[dw](?![a-z]))")


def _unit_of(u: str) -> str:
    t = _clean(u)
    if t.startswith(("business", "working")):
        return "business_days"
    if t.startswith("min"):
        return "minutes"
    if t.startswith("sec"):
        return "seconds"
    if t == "m":  # only inside a compound duration ("1h 30m")
        return "minutes"
    if t == "d":
        return "days"
    if t == "w":
        return "weeks"
    if t in ("h", "hr", "hrs") or t.startswith("hour"):
        return "hours"
    if t.startswith("day"):
        return "days"
    if t.startswith(("week", "wk")):
        return "weeks"
    if t.startswith("fortnight"):
        return "fortnights"
    if t.startswith("month"):
        return "months"
    if t.startswith(("year", "yr")):
        return "years"
    try:
        return f"wd{_weekday(t)}"
    except KeyError:
        return "days"


_PLUS_BEFORE = re.compile(r"(?<![\w+])\+\s?$")


def _h_offset(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    prefix, q, unit_s, extra, suffix = m.group(1), m.group(2), m.group(3), m.group(4), m.group(6)
    if prefix is None and _PLUS_BEFORE.search(text, max(0, s - 3), s):
        prefix = "in"  # "+15 minutes"
    elif prefix is not None and prefix.lower().startswith("give"):
        prefix = "in"  # "give it 2 months"
    amount = _qty(q)
    if amount is None:
        return None
    if m.group(5):  # "a day and a half", "two weeks and a half"
        if extra or amount != int(amount):
            return None
        amount += 0.5
    unit = _unit_of(unit_s)
    extra_days = 0.0
    if extra:
        # a compound duration becomes minutes, days or months, whichever unit is the smallest named
        pairs = [(amount, unit)] + [(float(a), _unit_of(u)) for a, u in re.findall(r"(\d+)\s*([a-z]+)", extra.lower())]
        if any(u in ("minutes", "hours") for _, u in pairs):
            scale = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}
            if any(u not in scale for _, u in pairs):
                return None
            amount, unit = sum(a * scale[u] for a, u in pairs), "minutes"
        else:
            months = sum(a * {"months": 1, "years": 12}.get(u, 0) for a, u in pairs)
            days = sum(a * {"days": 1, "weeks": 7, "fortnights": 14}.get(u, 0) for a, u in pairs)
            if days and months:
                amount, unit = months, "months+days"
                extra_days = days
            elif months:
                amount, unit = months, "months"
            else:
                amount, unit = days, "days"
    raw = _clean(m.group(0))
    window = None
    span = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", _clean(q))
    if span:
        if not 0 < int(span.group(1)) < int(span.group(2)):
            return None  # "in 10-2 days" is not a range of amounts
        window = float(span.group(2))
    elif " or two" in raw or " or 2" in raw:
        window = amount + 1
    elif " or three" in raw or " or 3" in raw:
        window = amount + 2
    elif " or so" in raw:
        window = amount * 1.5
    suf = _clean(suffix) if suffix else ""
    pre = _clean(prefix) if prefix else ""
    if unit.startswith("wd"):
        if suf not in ("from now", "from today", "later", "from right now") and pre != "in":
            return None
        return Part(s, e, nth_weekday=(int(amount), int(unit[2:])))
    if unit == "hours" and _clean(unit_s) == "h" and not pre and not suf:
        return None
    if suf in ("ago", "earlier", "back"):
        return Part(s, e, offset=Offset(-amount, unit), past_word=True)
    if suf in ("from", "after", "before", "prior to", "since"):
        sign = -1 if suf in ("before", "prior to") else 1
        part = Part(s, e, offset_from=Offset(sign * amount, unit))
        if pre == "within":
            part.deadline = True
        return part
    if suf == "from tomorrow":
        return Part(s, e, offset_from=Offset(amount, unit), rel_days=1)
    if suf == "from yesterday":
        return Part(s, e, offset_from=Offset(amount, unit), rel_days=-1)
    if suf == "from the day after tomorrow":
        return Part(s, e, offset_from=Offset(amount, unit), rel_days=2)
    if not pre and not suf:
        return None
    if unit == "months+days":
        p = Part(s, e, offset=Offset(amount, "months", None, extra_days))
        return p
    p = Part(s, e, offset=Offset(amount, unit, window))
    if pre in ("within", "inside", "inside of", "over"):
        p.deadline = True
    if pre == "after":
        p.after = True
    return p


def _h_dayoffset(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    raw = _clean(m.group(0))
    unit = "days" if " day " in f" {raw} " else "weeks" if "week" in raw else "months"
    p = Part(s, e, offset=Offset(1, unit, 2 if "two" in raw else 1.5))
    if raw.startswith("within"):
        p.deadline = True
    return p


def _h_halfhour(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    raw = _clean(m.group(0))
    amount = 90.0 if "and a half" in raw else 60.0 if raw.endswith("the hour") or raw.endswith("next hour") else 30.0
    p = Part(s, e, offset=Offset(amount, "minutes"))
    p.deadline = raw.startswith("within")
    return p


def _h_fortnight(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    p = Part(s, e, offset=Offset(14, "days"))
    p.deadline = _clean(m.group(0)).startswith("within")
    return p


def _h_weekfrom(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    raw = _clean(m.group(0)).split()
    amount = _qty(raw[0])
    if amount is None:
        return None
    return Part(s, e, offset_from=Offset(amount, _unit_of(raw[1])))


def _h_upcoming(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"the upcoming two days", "next 3 weeks", "2 upcoming days": as far as that stretch reaches."""
    n = number_value(m.group(1) or m.group(3))
    if not n:
        return None
    return Part(s, e, offset=Offset(n, _unit_of(m.group(2) or m.group(4))))


def _h_nextdays(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    n = number_value(m.group(1))  # "the next two days"; "few"/"couple" leave the default span
    return Part(s, e, period=Period("days", 0, "next", quarter=n))


_UNIT_WORDS = {"d", "w", "m", "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h", "day", "days", "week", "weeks",
               "wk", "wks", "fortnight", "fortnights", "month", "months", "year", "years", "yr", "yrs", "business",
               "working"} | _WEEKDAY_WORDS


UNITS: tuple[Unit, ...] = (
    Unit(
        'offset',
        rf"\b(?:(in|within|after|over|inside\s+of|inside|give\s+(?:it|me|us|them|him|her))\s+(?:the\s+next\s+"
               rf"|the\s+coming\s+|another\s+|about\s+"
               rf"|around\s+|approximately\s+|roughly\s+|less\s+than\s+|under\s+|just\s+|only\s+|a\s+further\s+)*)?"
               rf"(?:~\s?)?({_NUMQ})\s*(?:more\s+|additional\s+|extra\s+|further\s+)?({_UNIT})(?:'s|s'|’s)?"
               rf"((?:,?\s+(?:and\s+)?\d+\s*(?:minutes?|mins?|m|hours?|hrs?|hr|h|days?|d|weeks?|wks?|w|months?|years?)"
               rf"(?![a-z]))*)(\s+and\s+a\s+half(?![a-z]))?"
               rf"(?:\s+or\s+(?:two|three|so|2|3))?(?:\s+time)?"
               r"(?:\s+(from\s+now|from\s+right\s+now|from\s+today|hence|later|ago|earlier|back|from\s+tomorrow"
               r"|from\s+yesterday|from\s+the\s+day\s+after\s+tomorrow|from|after|before|prior\s+to|since))?",
        _h_offset,
        starts=frozenset({_D, "give", "in", "within", "after", "over", "inside", "a", "an", "couple", "few", "several", "half",
               "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
               "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
               "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}),
        needs=(frozenset(_UNIT_WORDS), 7),
        digit_next=" ah.",
        doc='An amount of a unit with a preposition or suffix: in 3 days, 2 hours later, 3 weeks ago, 1h 30m.',
    ),
    Unit(
        'dayoffset',
        r"\b(?:in|within)\s+(?:the\s+next\s+|the\s+coming\s+)?(?:day|week|month)\s+or\s+(?:two|so)\b",
        _h_dayoffset,
        starts=frozenset({"in", "within"}),
        needs=(frozenset({"or"}), 6),
        doc='in a day or two / within a week or so.',
    ),
    Unit(
        'halfhour',
        r"\b(?:(?:in|within)\s+(?:about\s+)?(?:half\s+an\s+hour|an\s+hour\s+and\s+a\s+half|(?:a|the\s+next)\s+half\s+hour"
        r"|the\s+(?:next\s+)?hour)|(?:(?:in|within|during|over)\s+)?(?:the\s+)?next\s+hour(?![a-z]))"
        r"(?:'s\s+time)?",
        _h_halfhour,
        starts=frozenset({"in", "within", "during", "over", "the", "next"}),
        needs=(frozenset({"half", "hour"}), 5),
        doc='in half an hour / within the hour / in an hour and a half / next hour.',
    ),
    Unit(
        'fortnight',
        r"\b(?:in|within)\s+a\s+fortnight(?:'s|’s)?(?:\s+time)?|\ba\s+fortnight\s+(?:from\s+(?:now|today)|hence)",
        _h_fortnight,
        starts=frozenset({"in", "within", "a"}),
        needs=(frozenset({"fortnight"}), 3),
        doc='in a fortnight / a fortnight from now.',
    ),
    Unit(
        'weekfrom',
        rf"\b(?:a|one|two|three|four|\d)\s+(?:weeks?|months?|days?|years?)\s+from\s+(?=today|tomorrow|now|{_WD}|next|this)",
        _h_weekfrom,
        starts=frozenset({_D, "a", "one", "two", "three", "four"}),
        needs=(frozenset({"from"}), 4),
        digit_next=" ",
        doc="'a week from' before a day word: counted from that day.",
    ),
    Unit(
        'upcoming',
        r"\b(?:the\s+)?(?:upcoming|coming|next)\s+(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+"
                 r"(days?|weeks?|months?)\b|\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:upcoming|coming)\s+"
                 r"(days?|weeks?|months?)\b",
        _h_upcoming,
        starts=frozenset({"the", "upcoming", "coming", "next", _D, "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten"}),
        needs=(frozenset({"day", "days", "week", "weeks", "month", "months"}), 5),
        digit_next=" ",
        doc='the upcoming two days / next 3 weeks.',
    ),
    Unit(
        'nextdays',
        r"\b(?:in|over|within|during)\s+the\s+(?:next|coming)\s+(few|couple(?:\s+of)?|two|three|four|five|[2-9])"
                 r"\s+days\b",
        _h_nextdays,
        starts=frozenset({"in", "over", "within", "during"}),
        needs=(frozenset({"days"}), 7),
        doc='over the next few days.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
_UTC = ZoneInfo("UTC")


def add_business_days(d: date, n: int) -> date:
    step = 1 if n >= 0 else -1
    left = abs(n)
    while left:
        d += timedelta(days=step)
        if d.weekday() < 5:
            left -= 1
    return d


def apply_offset(base: datetime, off: Offset, tz: tzinfo) -> tuple[datetime, str]:
    """`base` moved by `off`; minutes/hours are elapsed time, days and longer are calendar steps."""
    amt = off.amount
    if off.unit in ("seconds", "minutes", "hours"):
        delta = {"seconds": timedelta(seconds=amt), "minutes": timedelta(minutes=amt), "hours": timedelta(hours=amt)}[off.unit]
        return (base.astimezone(_UTC) + delta).astimezone(tz), "minute"
    naive = base.replace(tzinfo=None)
    if off.unit.startswith("wd"):
        # the n-th given weekday strictly after (or before) the anchor day
        wd, d = int(off.unit[2:]), naive.date()
        n = int(off.amount)
        if n > 0:
            d = d + timedelta(days=(wd - d.weekday()) % 7 or 7) + timedelta(days=7 * (n - 1))
        else:
            d = d - timedelta(days=(d.weekday() - wd) % 7 or 7) - timedelta(days=7 * (-n - 1))
        return midnight(d, tz), "day"
    if off.unit == "days":
        whole = int(amt)
        frac = amt - whole
        naive = naive + timedelta(days=whole, hours=frac * 24)
    elif off.unit == "business_days":
        naive = datetime.combine(add_business_days(naive.date(), int(amt)), naive.time())
    elif off.unit == "weeks":
        naive = naive + timedelta(days=round(7 * amt))
    elif off.unit == "fortnights":
        naive = naive + timedelta(days=round(14 * amt))
    elif off.unit == "months":
        whole = int(amt)
        naive = datetime.combine(add_months(naive.date(), whole), naive.time())
        if amt - whole:
            naive += timedelta(days=round(30 * (amt - whole)))
    elif off.unit == "years":
        whole = int(amt)
        naive = datetime.combine(add_months(naive.date(), 12 * whole), naive.time())
        if amt - whole:
            naive += timedelta(days=round(365 * (amt - whole)))
    if off.plus_days:
        naive += timedelta(days=off.plus_days)
    return wall(naive.date(), naive.hour, naive.minute, tz, naive.second), "day"


def _day_offset(g: Part, ctx: Ctx) -> DayReading | None:
    """"in 3 days", "2 hours from now": the moment of writing moved by the offset; "in a day or two" keeps the
    far edge as the window; a deadline ("within 2 weeks") runs from now to the offset."""
    if g.offset is None:
        return None
    tz = ctx.tz
    v, grain = apply_offset(ctx.ref, g.offset, tz)
    r = Res(v, grain, grain == "minute")
    if g.offset.window_amount is not None:
        w_end, _ = apply_offset(ctx.ref, replace(g.offset, amount=g.offset.window_amount), tz)
        r.window_start, r.window_end = v, w_end
    if g.deadline:
        r.window_start, r.window_end = ctx.ref, v
    d = v.date()
    if g.clock is not None and g.offset.unit in ("seconds", "minutes", "hours"):
        g.clock = None
    if g.weekday is not None:
        d = d + timedelta(days=(g.weekday - d.weekday()) % 7)
        r = Res(midnight(d, tz), "day", False)
    return DayReading(d, r.grain, g.past_word, r)


def _day_nth_weekday(g: Part, ctx: Ctx) -> DayReading | None:
    """"3 Fridays from now": the third Friday after today."""
    if g.nth_weekday is None:
        return None
    n, wd = g.nth_weekday
    today = ctx.ref.date()
    first = today + timedelta(days=(wd - today.weekday()) % 7 or 7)
    return DayReading(first + timedelta(days=7 * (n - 1)))


def _moment_offset_from(g: Part, st: DayReading, ctx: Ctx) -> Res | None:
    """An offset from an anchor ("a week from Tuesday", "15 minutes from 1pm", "2 days after the 18th"): the
    anchor's day (or clock time) moved by the offset; the reading then goes on from that day."""
    if g.offset_from is None:
        return None
    tz, day, res = ctx.tz, st.day, st.res
    if g.clock is not None and day is None:
        v, _ = apply_offset(next_clock(g.clock, g.daypart, ctx), g.offset_from, tz)
        return Res(v, "minute", True)
    if day is None and not g.now and g.rel_days is None:
        raise NotATime("an offset from something that is not a time")  # "45 days prior to travel"
    anchor = day if day is not None else ctx.ref.date()
    if res is not None and res.grain == "minute" and day is not None:
        base = res.value
    elif day is None:
        base = ctx.ref
    else:
        base = datetime.combine(anchor, ctx.ref.timetz()) if g.now else midnight(anchor, tz)
    v, gr = apply_offset(base, g.offset_from, tz)
    if g.weekday is not None and g.offset is None and (g.abs_date or g.holiday or g.rel_days is not None or g.now
                                                       or g.period):
        d2 = v.date() + timedelta(days=(g.weekday - v.weekday()) % 7)
        v = midnight(d2, tz)
    st.grain = gr if day is None or g.now else "day"
    st.day = v.date()
    st.res = Res(v if gr == "minute" else midnight(v.date(), tz), st.grain, gr == "minute")
    if g.deadline:
        st.res.window_start, st.res.window_end = ctx.ref, v
    return None


DAY_READERS: dict[str, DayReader] = {"offset": _day_offset, "nth_weekday": _day_nth_weekday}
MOMENT_READERS: dict[str, MomentReader] = {"offset_from": _moment_offset_from}
