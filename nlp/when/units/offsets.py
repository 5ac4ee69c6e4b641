"""Relative offsets and durations from the moment of writing: "in 3 days", "2 weeks from now", "3 days
ago", "within the hour", "in a fortnight", "a week from Tuesday", "the next 3 weeks", "in a day or two"."""

from __future__ import annotations

import re

from nlp.when.base import (
    _D,
    _MINWORD,
    _WD,
    _WEEKDAY_WORDS,
    Offset,
    Part,
    Period,
    Unit,
    _clean,
    _weekday,
)
from nlp.when.lexicon import number_value

_NUMQ = (r"(?:\d{1,2}\s*[-–]\s*\d{1,2}(?=\s)|\d+(?:\.\d+)?|a\s+couple(?:\s+of)?|couple(?:\s+of)?|a\s+few|few|several|a\s+pair\s+of"
         r"|half\s+an?|an?\s+half|one\s+and\s+a\s+half|\d+\s+and\s+(?:a|an)\s+half|a\s+quarter\s+of\s+an?"
         r"|three\s+quarters\s+of\s+an?|\d+\s+\d/\d"
         rf"|an?|{_MINWORD}|\d/\d)")
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


def _qty(q: str) -> float | None:
    t = _clean(q)
    if re.fullmatch(r"\d+\s*[-–]\s*\d+", t):  # "in 3-4 weeks": the near edge
        return float(re.split(r"\s*[-–]\s*", t)[0])
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return float(t)
    mixed = re.fullmatch(r"(\d+)\s+(\d)/(\d)", t)  # "in 2 1/2 hours"
    if mixed:
        return int(mixed.group(1)) + int(mixed.group(2)) / int(mixed.group(3)) if int(mixed.group(3)) else None
    if re.fullmatch(r"\d/\d", t):
        a, b = t.split("/")
        return int(a) / int(b) if int(b) else None
    m = re.fullmatch(r"(\d+) and an? half", t)
    if m:
        return int(m.group(1)) + 0.5
    table = {"a couple": 2, "a couple of": 2, "couple": 2, "couple of": 2, "a few": 3, "few": 3, "several": 3,
             "a pair of": 2, "half a": 0.5, "half an": 0.5, "a half": 0.5, "an half": 0.5,
             "one and a half": 1.5, "a quarter of a": 0.25, "a quarter of an": 0.25, "three quarters of a": 0.75,
             "three quarters of an": 0.75}
    if t in table:
        return float(table[t])
    n = number_value(t)
    return float(n) if n is not None else None


_PLUS_BEFORE = re.compile(r"(?<![\w+])\+\s?$")


def _h_offset(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    prefix, q, unit_s, extra, suffix = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    if prefix is None and _PLUS_BEFORE.search(text, max(0, s - 3), s):
        prefix = "in"  # "+15 minutes"
    elif prefix is not None and prefix.lower().startswith("give"):
        prefix = "in"  # "give it 2 months"
    amount = _qty(q)
    if amount is None:
        return None
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
               rf"(?![a-z]))*)"
               rf"(?:\s+or\s+(?:two|three|so|2|3))?(?:\s+time)?"
               r"(?:\s+(from\s+now|from\s+right\s+now|from\s+today|hence|later|ago|earlier|back|from\s+tomorrow"
               r"|from\s+yesterday|from\s+the\s+day\s+after\s+tomorrow|from|after|before|prior\s+to|since))?",
        _h_offset,
        starts=frozenset({_D, "give", "in", "within", "after", "over", "inside", "a", "an", "couple", "few", "several", "half",
               "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
               "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
               "thirty", "forty", "fifty"}),
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
        r"\b(?:(?:in|within)\s+(?:about\s+)?(?:half\s+an\s+hour|an\s+hour\s+and\s+a\s+half|a\s+half\s+hour"
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
