"""Written-out numbers, wherever a time expression takes one:
- hours and minutes of a clock: "three pm", "seven thirty am", "three oh five pm", "at nineteen hundred
  (hours)";
- minutes before or after an hour: "ten to four", "twenty-two past three", "a quarter after two", "half past
  nine", British "half three";
- day numbers as ordinal words without a month or a digit suffix: "the twenty-first", "due the twenty
  third" (a single word, "the fifth", only after a cue: "on the fifth");
- amounts of an offset, fractions included: "in forty-two minutes", "in ninety minutes", "in two and a half
  weeks", "in a day and a half", "a quarter of an hour", "three quarters of an hour", "2 1/2 hours".
The vocabulary (`HOURWORD`, `AMOUNT`) and the readers (`hour_of`, `minute_words`, `amount_of`) are used by
the clock and offset units; the values come from `nlp.when.lexicon.number_value`/`ordinal_value`."""

from __future__ import annotations

import re

from nlp.when.base import (
    _D,
    _DAY_WORD_AFTER,
    _MERID,
    _MERID_WORDS,
    _MINWORD,
    _NUMBER_WORDS,
    _QUANTITY_AFTER,
    _UNITS_WORD,
    Clock,
    Part,
    Unit,
    _clean,
    _meridiem,
    _next_is_ok,
    _word_after,
)
from nlp.when.lexicon import WEEKDAYS, number_value, ordinal_value

# ---------------------------------------------------------------------------------------------- clocks
HOUR_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
HOURWORD = "(?:" + "|".join(HOUR_WORDS) + ")"

def minute_words(s: str | None) -> int | None:
    """Minutes written out: "fifteen", "forty-five", "oh five" (None when not a number)."""
    if not s:
        return None
    t = _clean(s).replace("-", " ")
    if t.startswith(("oh ", "o ")):  # "three oh five", "three o five"
        return number_value(t.split(" ", 1)[1])
    return number_value(t)


def hour_of(s: str) -> int | None:
    """An hour written out or in digits; noon 12, midnight 0."""
    t = _clean(s)
    if t == "noon":
        return 12
    if t == "midnight":
        return 0
    return number_value(t)


_RANGE_CUE = re.compile(r"\b(?:from|between)\s+$", re.I)


def _h_clockrel(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    qh, nmin, rel, hour_s, tail = m.group(1), m.group(2), _clean(m.group(3)), m.group(4), m.group(5)
    hour = hour_of(hour_s)
    if hour is None or hour > 23:
        return None
    if qh:
        minutes = 15 if _clean(qh) == "quarter" else 30
    else:
        mv = minute_words(nmin)
        if mv is None or not 1 <= mv <= 59:
            return None
        minutes = mv
        if (nmin or "")[:1].isdigit() and "min" not in _clean(m.group(0)) and rel in ("to", "till", "til", "of") \
                and not tail:
            # "flow 1 to 3, 2 to 3": digits before "to" are a range of numbers ("ten to five" is a time), but
            # "a call from 2 to 3" is a range of hours: its first hour
            if (rel == "to" and _RANGE_CUE.search(text, max(0, s - 9), s) and 1 <= minutes <= 12
                    and 1 <= hour <= 12 and 1 <= (hour - minutes) % 12 <= 8
                    and (_next_is_ok(text, e) or _DAY_WORD_AFTER.match(text, e))
                    and not _QUANTITY_AFTER.match(text[e:e + 12].lower())):
                return Part(s, e, clock=Clock(minutes, 0), kinds=["range"])
            return None
        if "min" not in _clean(m.group(0)) and rel in ("to", "till", "til", "before", "of"):
            if not tail and not _next_is_ok(text, e):
                return None  # "four to six months", "5 to 10 users"
    rule_hour = None
    if rel in ("to", "till", "til", "before", "of"):
        if _clean(qh or "") == "half":
            return None
        total = hour * 60 - minutes
        h, mi = divmod(total % (24 * 60), 60)
        rule_hour = hour
    else:
        h, mi = hour, minutes
    mer = _meridiem(tail) if tail and "clock" not in tail.lower() else None
    special = None
    if _clean(hour_s) == "noon":
        mer, special = "pm" if h >= 12 else "am", None
        h = h if h <= 12 else h
    if _clean(hour_s) == "midnight":
        return Part(s, e, clock=Clock(h, mi, exact24=True))
    if _clean(hour_s) == "noon":
        return Part(s, e, clock=Clock(h, mi, exact24=True))
    if mer == "pm" and rule_hour is not None and rule_hour == 12 and h == 11:
        mer = "am"  # "quarter to noon"
    return Part(s, e, clock=Clock(h, mi, meridiem=mer, special=special, rule_hour=rule_hour))


def _h_halfhr(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    hour = hour_of(m.group(1))
    if hour is None or not 1 <= hour <= 12:
        return None
    return Part(s, e, clock=Clock(hour, 30))


def _h_wordclock(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    h = hour_of(m.group(1))
    if h is None:
        return None
    mi = 0
    if m.group(2) and "clock" not in m.group(2).lower():
        mv = minute_words(m.group(2))
        if mv is None or mv > 59:
            return None
        mi = mv
    return Part(s, e, clock=Clock(h, mi, meridiem=_meridiem(m.group(3))))



# ---------------------------------------------------------------------------------------------- amounts
_TENS_BIG = r"(?:sixty|seventy|eighty|ninety)"
AMOUNT = (r"(?:\d{1,2}\s*[-–]\s*\d{1,2}(?=\s)|\d+(?:\.\d+)?|a\s+couple(?:\s+of)?|couple(?:\s+of)?|a\s+few|few|several|a\s+pair\s+of"
         r"|half\s+an?|an?\s+half|one\s+and\s+a\s+half|\d+\s+and\s+(?:a|an)\s+half|a\s+quarter\s+of\s+an?"
         r"|three\s+quarters\s+of\s+an?|\d+\s+\d/\d"
         rf"|{_MINWORD}\s+and\s+an?\s+half|{_TENS_BIG}(?:[- ]{_UNITS_WORD})?"
         rf"|an?|{_MINWORD}|\d/\d)")
def amount_of(q: str) -> float | None:
    """The amount an offset names: digits, a range's near edge, fractions ("2 1/2", "half an", "a quarter of
    an", "three quarters of an", "two and a half"), counts ("a couple", "a few") and numbers written out."""
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
    m = re.fullmatch(r"(.+) and an? half", t)
    if m:
        whole = number_value(m.group(1))
        return whole + 0.5 if whole is not None else None
    table = {"a couple": 2, "a couple of": 2, "couple": 2, "couple of": 2, "a few": 3, "few": 3, "several": 3,
             "a pair of": 2, "half a": 0.5, "half an": 0.5, "a half": 0.5, "an half": 0.5,
             "one and a half": 1.5, "a quarter of a": 0.25, "a quarter of an": 0.25, "three quarters of a": 0.75,
             "three quarters of an": 0.75}
    if t in table:
        return float(table[t])
    n = number_value(t)
    return float(n) if n is not None else None




_HUNDRED_HOURS = ("zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                  "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def _h_hundred(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"at nineteen hundred", "fourteen hundred hours", "oh nine hundred": a 24-hour clock read out; without
    "hours" only after a cue ("at", "by", "until"...), since "two hundred" is a count."""
    words = _clean(m.group(2)).replace("-", " ").split()
    if words[0] in ("oh", "zero"):
        words = words[1:]
    h = number_value(" ".join(words)) if words else 0
    if h is None or not 0 <= h <= 23:
        return None
    if not m.group(1) and not m.group(3):
        return None
    if not m.group(3) and not _next_is_ok(text, e):
        return None
    start = m.start(2) if m.group(1) else s
    return Part(start, e, clock=Clock(h, 0, exact24=True))


# ---------------------------------------------------------------------------------------------- day numbers
_ORD_UNITS = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
_ORD_DAY = rf"(?:twentieth|thirtieth|twenty[- ]?{_ORD_UNITS}|thirty[- ]?first)"
_DAY_NEXT_OK = frozenset({"", "at", "in", "morning", "afternoon", "evening", "works", "is", "would", "then", "if",
                          "and", "or", "to", "latest", "please", "so", "as", "instead", "ok", "okay", "works?", "-",
                          "–", "when", "because", "but", "unless", "assuming", "we", "i", "you", "that", "then,"})


def _h_dayword(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"the twenty-first", "the thirtieth": a day of the month as an ordinal word from 20 to 31, read without a
    month when nothing follows it but the end of the clause, a clock or a function word ("I'll send it the
    twenty-first.", "due the twenty third at noon"); "the twenty-first century" is no day."""
    d = ordinal_value(m.group(1))
    if d is None or not 20 <= d <= 31:
        return None
    nxt = _word_after(text, e)
    if nxt not in _DAY_NEXT_OK and nxt.rstrip(".") not in WEEKDAYS:
        return None
    return Part(s, e, dom=d)




UNITS: tuple[Unit, ...] = (
    Unit(
        'clockrel',
        rf"\b(?:(?:a\s+)?(quarter|half)|(\d{{1,2}}|{_MINWORD})(?:\s+min(?:ute)?s?)?)\s+(past|after|to|till|til|before|of)\s+"
                 rf"(\d{{1,2}}|{HOURWORD}|noon|midnight)(?![\d:])(?:\s*({_MERID}|o'?clock))?",
        _h_clockrel,
        starts=frozenset(_NUMBER_WORDS | {_D, "a", "quarter", "half"}),
        needs=(frozenset({"past", "after", "to", "till", "til", "before", "of"}), 5),
        digit_next=" ",
        doc='A clock time relative to an hour: half past three, quarter to 11, ten after 4, 20 to noon.',
    ),
    Unit(
        'halfhr',
        rf"\bhalf\s+({HOURWORD}|\d{{1,2}})(?![\d:])(?!\s+(?:an?\s|hours?|of|days?|the|dozen|million|percent))",
        _h_halfhr,
        starts=frozenset({"half"}),
        needs=(frozenset({"half"}), 1),
        doc="British 'half three' = 3:30.",
    ),
    Unit(
        'wordclock',
        rf"\b({HOURWORD})(?:[\s-]+({_MINWORD}|o'?clock))?\s*({_MERID})",
        _h_wordclock,
        starts=frozenset(_NUMBER_WORDS - {"thirteen", "fourteen", "fifteen",
                                                                          "sixteen", "seventeen", "eighteen",
                                                                          "nineteen", "twenty", "thirty", "forty",
                                                                          "fifty"}),
        needs=(frozenset(_MERID_WORDS), 5),
        doc='An hour word with am/pm: three pm, seven thirty am.',
    ),
    Unit(
        'hundredhrs',
        rf"(?:\b(at|by|before|after|until|till|from|around|about|@)\s+)?\b((?:oh\s+|zero\s+)?(?:{_MINWORD}))\s+hundred"
        r"(\s+hours|\s+hrs|\s+h(?![a-z]))?(?![a-z])",
        _h_hundred,
        starts=frozenset(_NUMBER_WORDS | {"oh", "zero", "at", "by", "before", "after", "until", "till", "from", "around",
                                          "about", "@"}),
        needs=(frozenset({"hundred"}), 5),
        doc='A 24-hour clock read out: at nineteen hundred, fourteen hundred hours, oh nine hundred.',
    ),
    Unit(
        'dayword',
        rf"\bthe\s+({_ORD_DAY})(?![a-z-])",
        _h_dayword,
        starts=frozenset({"the"}),
        needs=(frozenset({"twenty", "twentieth", "thirtieth", "thirty"}), 3),
        doc='A day number as an ordinal word without a month: the twenty-first, the thirtieth.',
    ),
)
