"""Shared building blocks of the expression classes: the partial meanings an atom yields (`Part`, `Clock`,
`Offset`, `Period`), the `Unit` every class declares, the vocabulary as regex fragments, small readers
used by several classes (`_clean`, `_month`, `_meridiem`, the checks on the words around a number), and what
the classes' resolution steps share: the context of writing (`Ctx`), a result (`Res`), the day a mention
names (`DayReading`), the readers' signatures, and wall-clock arithmetic (`wall`, `midnight`, `add_months`,
`month_end`, `roll_year`)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from nlp.when.lexicon import MONTH_TYPOS, MONTHS, TOMORROW_WORDS, WEEKDAY_TYPOS, WEEKDAYS


@dataclass(frozen=True)
class Clock:
    """A clock time as written. `meridiem` is 'am'/'pm' when given; `exact24` when the writing fixes the hour
    (15:30, 08:00, 16h); `special` names business words (eod, cob, noon, midnight, first_thing)."""

    hour: int
    minute: int = 0
    second: int = 0
    meridiem: str | None = None
    exact24: bool = False
    special: str | None = None
    rule_hour: int | None = None  # the hour that decides am/pm by business hours ("quarter to seven" -> 7)


@dataclass(frozen=True)
class Offset:
    """A signed amount of a unit: minutes, hours, days, business_days, weeks, months, years, or a weekday
    count (unit 'wd0'..'wd6')."""

    amount: float
    unit: str
    window_amount: float | None = None  # "in a day or two": the far edge
    plus_days: float | None = None  # "2 years 21 days later": days on top of whole months


@dataclass(frozen=True)
class Period:
    """A named stretch: ('week', 1, 'early') = early next week; ('month', 0, 'end') = end of this month."""

    unit: str  # day | week | weekend | month | quarter | year | days
    shift: int
    position: str | None = None  # early | mid | late | end | start | later | None
    quarter: int | None = None
    month: int | None = None
    year: int | None = None


@dataclass
class Part:
    """What one atom (or several composed atoms) says. Fields left None say nothing."""

    start: int
    end: int
    abs_date: tuple[int | None, int, int] | None = None  # (year or None, month, day)
    rel_days: int | None = None  # today 0, tomorrow 1, yesterday -1
    holiday: tuple[str, int | None, int, bool] | None = None  # (name, year, year shift, observed)
    dom: int | None = None  # "the 9th"
    weekday: int | None = None
    weekday_mod: str | None = None
    week: int | None = None  # next week = 1
    period: Period | None = None
    offset: Offset | None = None  # from the reference ("in 3 days")
    offset_from: Offset | None = None  # from an anchor that must follow ("3 days from Tuesday")
    nth_weekday: tuple[int, int] | None = None  # ("3 fridays from now") -> (3, 4)
    clock: Clock | None = None
    numeric: tuple[int, int, int | None, str] | None = None  # (a, b, year, sep): "9.15", "1030", "3/4"
    nth_in_month: tuple[int, int, int | None, int | None, int] | None = None  # (n, weekday, month, year, shift)
    week_of: bool = False  # "the week of Dec 7th": that date's week
    year_or_clock: tuple[int, int] | None = None  # "2 Nov 1940": a year, or 19:40 when no year fits
    dom_month_shift: int | None = None  # "the 15th of next month" -> 1
    daypart: str | None = None
    zone: tzinfo | None = None
    zone_word: str | None = None  # the abbreviation as written, for readings the writer's country decides
    now: bool = False
    past_word: bool = False
    deadline: bool = False
    after: bool = False
    during: bool = False  # "over lunch", "in the afternoon": a day part under way is the current one
    anchor_back: bool = False  # "the following Monday", "the week after": counted from the date named before
    atoms: int = 1
    kinds: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- vocabulary
_TrieNode = dict[str, "_TrieNode"]


def _trie(words: list[str]) -> str:
    """An alternation of `words` factored by common prefixes ("mon(?:day|)..."), so that a failed match gives up
    after a letter or two instead of trying every word (the typo tables make these lists long)."""
    tree: _TrieNode = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _TrieNode) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + emit(tree) + ")"


_FULL_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december"]
_FULL_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MON = (r"(?:" + _trie(_FULL_MONTHS + sorted(MONTH_TYPOS)) + r"(?![a-z])|"
        + _trie(["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec"]) + r"(?![a-z])\.?)")
_WD = (r"(?:" + _trie(_FULL_WEEKDAYS + sorted(WEEKDAY_TYPOS)) + r"s?(?![a-z'])|"
       + _trie(["thurs", "thur", "tues", "weds", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]) + r"(?![a-z'])\.?)")
_DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])"
_SMALL = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
          r"|sixteen|seventeen|eighteen|nineteen)")
_UNITS_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"

_MINWORD = rf"(?:(?:twenty|thirty|forty|fifty)(?:[- ]{_UNITS_WORD})?|{_SMALL}|oh?[- ]{_UNITS_WORD})"
# am/pm as written: "pm", "p.m.", "p. m.", "p . m ." (spaced dots), "PM"
_MERID = r"(?:[ap]\s?\.\s?m(?:\s?\.)?|[ap]\s?m(?![a-z]))"
_MERID_ATTACHED = r"(?:[ap](?![a-z])\.?)"

_TMRW = _trie(sorted(TOMORROW_WORDS))

# Words that may follow a bare number read as a clock time ("at 3 tomorrow" yes, "at 3 locations" no).
_AFTER_CLOCK_OK = frozenset("""
on tomorrow today tonight this next in or and to then sharp ish your my our if for with so but is would works work
ok okay that the we i you let please latest earliest at works? suits suit sounds should could will can pst pdt est
edt cst cdt et pt ct mt cet gmt utc bst ist aest aedt eastern pacific central mountain london new sydney time local
a.m p.m am pm o'clock oclock monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
morning afternoon evening night instead - – work? latest. it
""".split()) | TOMORROW_WORDS


def _word_after(text: str, end: int) -> str:
    m = re.match(r"\s*([^\s]+)", text[end:end + 30])
    return m.group(1).lower().rstrip(",.;:!?)") if m else ""


def _next_is_ok(text: str, end: int) -> bool:
    tail = text[end:end + 20]
    if not tail.strip() or re.match(r"\s*[.,;:!?)\]\n]", tail) and not re.match(r"\s*[.,]\d", tail):
        return True
    w = _word_after(text, end)
    return w in _AFTER_CLOCK_OK


# After a day word ("Friday at 11 as planned", "Wednesday around 11 to confirm") a bare number is a clock time
# when a function word follows; a noun ("Friday at 3 sites") still makes it a count.
_ANCHORED_OK = _AFTER_CLOCK_OK | frozenset("""
as like per when once unless because since while which where who he she they us me him them there here just
again latest either both via through also too
""".split())


def _clean(s: str) -> str:
    """Lower-cased, trimmed, inner whitespace runs collapsed to one space (str.split: the hot path)."""
    return " ".join(s.lower().split())


def _month(s: str) -> int:
    return MONTHS[_clean(s).rstrip(".")]


def _weekday(s: str) -> int:
    t = _clean(s).rstrip(".")
    if t not in WEEKDAYS and t.endswith("s"):
        t = t[:-1]
    return WEEKDAYS[t]


def _year(s: str | None) -> int | None:
    if not s:
        return None
    t = s.strip().lstrip("'")
    y = int(t)
    if len(t) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _valid(y: int | None, m: int, d: int) -> bool:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return False
    try:
        date(y or 2000, m, d)
    except ValueError:
        return False
    return True


def _meridiem(s: str | None) -> str | None:
    if not s:
        return None
    t = s.lower().replace(".", "").replace(" ", "")
    if t.startswith("a"):
        return "am"
    if t.startswith("p"):
        return "pm"
    return None


_QUANTITY_AFTER = re.compile(
    r"\s*(?:of\b|hours?\b|hrs?\b|h\b|cups?\b|miles?\b|inch|x\b|million|billion|k\b|m\b|mm\b|cm\b|km\b|lbs?\b|kg\b|%"
    r"|cents?\b|percent|pct\b|dollars?\b|bucks\b|points?\b|pts\b|mw|kw|gw|dth|mmbtu|bcf|mcf|tons?\b|barrels?\b|bbls?\b"
    r"|gallons?\b|feet\b|ft\b|acres?\b|times\b|per\b)")

_DAY_WORD_AFTER = re.compile(rf"\s+(?:{_TMRW}|today|tonight|{_WD})\b", re.I)

_SHIFTS = {"this past": -1, "this": 0, "current": 0, "the current": 0, "next": 1, "following": 1, "the following": 1, "coming": 1,
           "the coming": 1, "last": -1, "previous": -1}

_D = "#d"  # any run of digits
_MONTH_WORDS = set(MONTHS)
_WEEKDAY_WORDS = (set(WEEKDAYS) | {w + "s" for w in WEEKDAYS} | {"tues", "weds", "thur", "thurs"}
                  | {w + "'s" for w in WEEKDAYS if len(w) > 3})
_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
                 "thirty", "forty", "fifty"}
_ORDINAL_WORDS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                  "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                  "eighteenth", "nineteenth", "twentieth", "thirtieth"}
_WHICH = {"this", "next", "last", "past", "previous", "coming", "upcoming", "following", "current"}

_HOLIDAY_WORDS = {"christmas", "xmas", "boxing", "new", "valentine", "valentines", "valentine's", "st", "saint",
                  "halloween", "independence", "fourth", "july", "canada", "australia", "juneteenth", "veterans",
                  "veteran", "veterans'", "remembrance", "tax", "mlk", "martin", "presidents", "president",
                  "presidents'", "washington", "washington's", "george", "memorial", "labor", "labour", "columbus",
                  "thanksgiving", "black", "cyber", "mothers", "mother's", "mother", "fathers", "father's", "father",
                  "good", "easter", "april", "earth", "groundhog", "groundhog's", "flag", "patriot", "pi", "cinco",
                  "bonfire", "guy", "boss", "boss's", "bosses", "election", "mardi", "fat", "shrove", "pancake", "ash",
                  "palm", "victoria", "early", "may", "spring", "summer", "august", "holidays", "holiday", "festive"}

_MERID_WORDS = {"am", "pm", "a", "p"}


Handler = Callable[[str, "re.Match[str]", int, int], "Part | None"]


@dataclass(frozen=True)
class Unit:
    """One atom of an expression class: its `name`, its surface `pattern` (compiled case-insensitively), the
    `handler` that turns a match into a `Part` (or None to refuse it), the words it can start with
    (`starts`; `D` stands for any run of digits), the cheap gate the scanner checks before trying the
    pattern (`needs`: a set of words one of which must occur within a window of tokens, or, for a unit that
    starts on digits, a string: "" four digits, "8" eight digits, "m" three or four digits before am/pm, " sep" a
    spaced separator ("3 / 15"),
    any other string the characters that may follow the digits), the characters that may follow a leading run of digits (`digit_next`,
    None = any), a one-line `doc`, and `anchors`: words (besides the non-prefix start words) whose presence
    makes the scanner try the unit's start words up to four tokens before them ("home" in "before I head
    home"). Units are registered in `nlp.when.registry`."""

    name: str
    pattern: str
    handler: Handler
    starts: frozenset[str]
    needs: tuple[frozenset[str], int] | str
    digit_next: str | None = None
    doc: str = ""
    anchors: frozenset[str] = frozenset()  # words that make the scanner try this unit up to four tokens before


# ---------------------------------------------------------------------------------------------- resolution
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
class Ctx:
    """The moment of writing: `ref` (aware, in `tz`), the writer's zone, the numeric date order ("MDY"/"DMY"),
    whether the zone is known (False for "UTC": named zones keep their wall clock) and the ISO code of the
    holiday calendar (None: the fallbacks)."""

    ref: datetime
    tz: tzinfo
    order: str
    tz_known: bool = True
    country: str | None = None


@dataclass
class Res:
    """A resolved mention: value, grain, whether a clock moment was written, its window and whether it is
    past by its words ("last Friday")."""

    value: datetime
    grain: str
    has_time: bool
    window_start: datetime | None = None
    window_end: datetime | None = None
    past: bool = False


@dataclass
class DayReading:
    """The day a mention names, as a class's day reader finds it: the date (None: no day named), its grain,
    whether the words make it past, and the full result when the class decides more than a day (periods,
    offsets, "now")."""

    day: date | None
    grain: str = "day"
    past: bool = False
    res: Res | None = None


class NotATime(ValueError):
    """Raised by a class's resolution step when the mention, read in full, is not a time after all ("7.38"
    alone, "45 days prior to travel"); the mention is dropped."""


# a class's resolution steps, registered in `nlp.when.registry` in the order the resolver applies them:
# a normaliser rewrites a mention before the day is read (or raises `NotATime`); a day reader returns the
# day its fields name, or None to leave the mention to the next reader; a moment reader turns the day into
# the final result (a clock time, a day part...), returns None to pass, or raises `NotATime`
Normaliser = Callable[[Part, Ctx], Part]
DayReader = Callable[[Part, Ctx], "DayReading | None"]
MomentReader = Callable[[Part, DayReading, Ctx], "Res | None"]

_UTC = ZoneInfo("UTC")


def wall(d: date, h: int, mi: int, tz: tzinfo, s: int = 0) -> datetime:
    """Wall time `d h:mi` in `tz`, normalised: a time inside a DST gap moves forward by the gap."""
    aware = datetime.combine(d, time(h, mi, s)).replace(tzinfo=tz)
    return aware.astimezone(_UTC).astimezone(tz)


def midnight(d: date, tz: tzinfo) -> datetime:
    return wall(d, 0, 0, tz)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def roll_year(m: int, d: int, today: date) -> date:
    """Month/day without a year: this year's if not yet past, else next year's."""
    for y in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            cand = date(y, m, d)
        except ValueError:
            continue
        if cand >= today:
            return cand
    return date(today.year + 4, m, min(d, 28))


_DATE_FIELDS = ("abs_date", "rel_days", "holiday", "dom", "weekday", "week", "period", "offset", "nth_weekday",
                "nth_in_month", "now")


def _set(v: object) -> bool:
    return v is not None and v is not False


def has_date(p: Part) -> bool:
    """Whether a mention names a day (a numeric with a slash counts; a dotted one may still be a time)."""
    return any(_set(getattr(p, f)) for f in _DATE_FIELDS) or (p.numeric is not None and p.numeric[3] == "/")
