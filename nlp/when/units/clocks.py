"""Clock notations: "3pm", "3 p.m.", "15:30", "14h30", "0930h", "9.15", "1030", "at 9" (business hours),
"3 o'clock", an hour with its day part ("6 in the morning"), noon/midnight, and the business clock words EOD,
COB, "first thing" and "the same time" (clock times written out in words, "ten to four", "half past three",
are in `nlp.when.units.numbers`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from nlp.when.base import (
    _ANCHORED_OK,
    _D,
    _MERID,
    _MERID_ATTACHED,
    _MERID_WORDS,
    _MINWORD,
    _NUMBER_WORDS,
    _TMRW,
    _WD,
    Clock,
    Ctx,
    DayReading,
    MomentReader,
    NotATime,
    Part,
    Res,
    Unit,
    _clean,
    _meridiem,
    _next_is_ok,
    _weekday,
    _word_after,
    midnight,
    wall,
)
from nlp.when.lexicon import PM_DAYPARTS, TOMORROW_WORDS, number_value
from nlp.when.units.numbers import HOUR_WORDS, HOURWORD, hour_of, minute_words

_CUE_WORDS = ("at", "around", "about", "by", "before", "after", "until", "till", "til", "from", "circa", "approx",
              "approx.", "approximately", "say", "@", "latest", "earliest")

_DAY_BEFORE = re.compile(
    r"(?<![a-z])(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\.?"
    rf"|today|{_TMRW}|tonight|\d(?:st|nd|rd|th)|\d{{1,2}}/\d{{1,2}})\s*,?\s*$",
    re.I,
)


def _day_before(text: str, start: int) -> bool:
    """A day word ends right before `start` ("Friday at ...", "tomorrow, around ...")."""
    return _DAY_BEFORE.search(text, max(0, start - 16), start) is not None


def _h_eod(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    raw = _clean(m.group(0))
    head = raw.split()[0] if raw else ""
    if head in ("eod", "cob", "eob") and text[s:s + 3].islower() and len(raw) == 3:
        # lower-case three letters are still fine ("by eod"), but not inside other tokens (handled by \b)
        pass
    special = "eod"
    if any(w in raw for w in ("close of", "cob", "c.o.b", "end of business", "eob", "business day", "working day")):
        special = "cob"
    if "play" in raw:
        special = "cob"
    p = Part(s, e, clock=Clock(17, 0, special=special) if special == "cob" else Clock(23, 59, special="eod"))
    _day_of(p, m.group(1))
    return p


def _day_of(p: Part, word: str | None) -> None:
    """The day word before "end of day" / "first thing": today, tomorrow or a weekday."""
    if not word:
        return
    d = _clean(word)
    if d == "today":
        p.rel_days = 0
    elif d in TOMORROW_WORDS:
        p.rel_days = 1
    else:
        p.weekday = _weekday(d)


def _h_firstthing(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    p = Part(s, e, clock=Clock(9, 0, special="first_thing"), daypart="first thing")
    _day_of(p, m.group(1))
    return p


def _h_clockmerid(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    h = int(m.group(1))
    mi = int(m.group(3) or 0)
    sec = int(m.group(4) or 0)
    if m.group(2) == "h" and not m.group(3):
        return None
    mer_spaced, mer_att = m.group(5), m.group(6)
    if mer_att:
        # "3p" / "3:20a": only attached to the digits, never "3 a day"
        gap = m.group(0)[m.end(1) - m.start(0):m.start(6) - m.start(0)]
        if gap.strip() not in ("",) and not re.fullmatch(r"[:.h]\d\d(?:[:.]\d\d)?", gap.strip()):
            if not re.fullmatch(r"(?:[:.h]\d\d(?:[:.]\d\d)?)?\s*(?:o'?clock)?\s*(?:ish)?", gap):
                return None
        if " " in gap:
            return None
        if text[e - 1:e] != "." and re.match(r"[\w']", text[e:e + 1] or " "):
            return None
        after = text[e:e + 10].lower()
        if re.match(r"\s*(?:\d|/)", after):
            return None
    mer = _meridiem(mer_spaced or mer_att)
    if mer_att and h > 12:
        return None
    if h > 23 or mi > 59 or (mer and h > 12) or (mer and h == 0):
        if mer and h > 12 and h <= 23:
            return Part(s, e, clock=Clock(h, mi, sec, exact24=True))
        return None
    return Part(s, e, clock=Clock(h, mi, sec, meridiem=mer))


def _h_clock3merid(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    digits = m.group(1)
    h, mi = int(digits[:-2]), int(digits[-2:])
    mer = _meridiem(m.group(2))
    if mi > 59 or h > 23:
        return None
    if h > 12:
        return Part(s, e, clock=Clock(h, mi, exact24=True))
    return Part(s, e, clock=Clock(h, mi, meridiem=mer))


def _h_clock24(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 23 or mi > 59:
        return None
    before = text[max(0, s - 3):s]
    if re.search(r"\d[/.]?\s?$", before) and not before.endswith(" "):
        return None
    return Part(s, e, clock=Clock(h, mi, int(m.group(3) or 0), exact24=h >= 13 or m.group(1).startswith("0") or h == 0))


def _h_clockh(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    h = int(m.group(1))
    mi = int(m.group(2) or 0)
    if h > 23 or mi > 59:
        return None
    if not m.group(2):
        before = _clean(text[max(0, s - 10):s]).split()
        if h < 13 and not (before and before[-1] in _CUE_WORDS):
            return None
    return Part(s, e, clock=Clock(h, mi, exact24=True))


def _h_numday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    hv = hour_of(m.group(1))
    if hv is None:
        return None
    h, mi = hv, int(m.group(2) or 0)
    if not 1 <= h <= 23 or mi > 59:
        return None
    before = _clean(text[max(0, s - 12):s]).split()
    if before and before[-1] in ("the", "of", "for", "than", "to", "and", "by", "with", "x", "#"):
        return None
    return Part(s, e, clock=Clock(h, mi, exact24=h >= 13))


_DAYPART_MERIDIEM = {"morning": "am", "am": "am", "afternoon": "pm", "evening": "pm", "pm": "pm"}


def _h_hourdaypart(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """An hour with the part of the day that fixes am/pm: "6 in the morning" 06:00, "one in the afternoon"
    13:00, "8:30 in the evening" 20:30, "7 in the AM", "11 at night" 23:00, "2 at night" 02:00 (a night hour
    after midnight is the small hours), "12 at night" midnight."""
    h = hour_of(m.group(1))
    mi = int(m.group(2) or 0)
    if h is None or not 1 <= h <= 12 or mi > 59:
        return None
    part = _clean(m.group(3)).replace(".", "").replace(" ", "")
    if part.startswith("at") or part.endswith("night"):
        if h == 12:
            return Part(s, e, clock=Clock(0, mi, exact24=True))
        mer = "am" if h <= 4 else "pm"
    else:
        mer = _DAYPART_MERIDIEM[part.removeprefix("inthe")]
        if mer == "pm" and h == 12 and part.endswith("morning"):
            return None
    return Part(s, e, clock=Clock(h, mi, meridiem=mer))


def _h_noon(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    t = _clean(m.group(0))
    if "night" in t:
        return Part(s, e, clock=Clock(0, 0, exact24=True, special="midnight"))
    return Part(s, e, clock=Clock(12, 0, exact24=True, special="noon"))


_CLOCKREL_AFTER = re.compile(rf"\s+(?:past|after|to|till|til|before|of)\s+(?:\d{{1,2}}|{HOURWORD}|noon|midnight)\b",
                             re.I)
_COUNT_AFTER = re.compile(r"\s+(?:work|working|business|calendar)\s+(?:days?|hours?|weeks?)\b", re.I)
_CHANGE_BEFORE = re.compile(
    r"\b(?:divided|multiplied|increased?|decreased?|reduced?|raised?|lowered?|grew|grow|fell|fall|dropped|drop|rose"
    r"|rise|up|down|off|short|beat|lead|led|won|win|lost|lose|exceeded?|cut|adjusted|times|factor|margin|outnumbered"
    r"|overpaid|underpaid|shifted|moved|changed)\s+$", re.I)


def _h_cueclock(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    val, tail = m.group(1), m.group(2)
    cue = _clean(m.group(0)).split()[0] if not m.group(0).startswith("@") else "@"
    num_start = m.start(1)
    t = _clean(val)
    if _MERID_AFTER.match(text, e) or _CLOCKREL_AFTER.match(text, e):
        return None  # "at 3 pm", "at five past one" are read by their own units
    if _COUNT_AFTER.match(text, e) or (cue == "by" and _CHANGE_BEFORE.search(text, max(0, s - 16), s)):
        return None  # "approximately 6 work days", "divided by 2", "prices went up by 3"
    tail_c = _clean(tail) if tail else ""
    if tail_c in ("hours",) and not re.fullmatch(r"\d{4}", t):
        return None
    if re.fullmatch(r"\d{3,4}", t):
        h, mi = int(t[:-2]), int(t[-2:])
        if h > 23 or mi > 59:
            return None
        if cue in ("by", "before", "after", "from", "until", "till", "til", "latest", "earliest", "say") and len(t) == 3:
            return None
        if len(t) == 4 and 1900 <= int(t) <= 2100 and cue not in ("at", "@", "around", "circa"):
            return None
        if not tail and not _next_is_ok(text, e):
            return None
        # four digits are a 24-hour clock when they could not be 12-hour ("1530", "0600")
        return Part(num_start, e, clock=Clock(h, mi, exact24=len(t) == 4 and (h >= 13 or t[0] == "0")))
    if re.fullmatch(r"\d{1,2}[.:]\d\d", t):
        h, mi = (int(x) for x in re.split(r"[.:]", t))
        if h > 23 or mi > 59:
            return None
        if "." in t and cue not in ("at", "@", "around", "circa", "approx", "approx.", "approximately", "about",
                                    "by", "before", "after", "until", "till", "from"):
            return None
        return Part(num_start, e, clock=Clock(h, mi, exact24=h >= 13 or t.startswith("0")))
    if t.isdigit():
        h = int(t)
        if h > 23:
            return None
    else:
        words = t.replace("-", " ").split()
        hv = number_value(words[0])
        if hv is None:
            return None
        h = hv
        if len(words) > 1:
            mv = minute_words(" ".join(words[1:]))
            if mv is None or mv > 59:
                return None
            if not _next_is_ok(text, e) and not tail:
                return None
            return Part(num_start, e, clock=Clock(h, mv))
        if cue not in ("at", "@", "around", "about", "circa") and not tail:
            return None
    anchored = (not tail and cue in ("at", "@", "around", "about", "circa") and _day_before(text, s)
                and (_word_after(text, e) in _ANCHORED_OK or _next_is_ok(text, e)))
    if not tail and not anchored and not _next_is_ok(text, e):
        return None
    if cue in ("about", "around", "circa", "say") and not tail and not anchored and not re.match(r"\s*(?:[.,;!?]|$|am|pm|a\.m|p\.m|on|tomorrow|today|tonight|this|next|o'?clock|ish|in\s+the|works?\b|suits?\b|is\b|would\b|ok\b|okay\b|for\s+(?:me|you|us))", text[e:e + 12].lower()):
        return None
    if cue in ("by", "before", "after", "from", "until", "till", "til", "latest", "earliest") and not tail:
        # "by 3" is a clock time only when nothing else could be meant
        if not re.match(r"\s*(?:[.;!?]|$|,\s|on|tomorrow|today|tonight|this|next|at|pm|am|p\.m|a\.m)", text[e:e + 12].lower()):
            return None
        if h == 0 or h > 12 and h < 13:
            return None
    p = Part(num_start, e, clock=Clock(h, 0, exact24=h >= 13 or (t.startswith("0") and len(t) == 2)))
    return p


def _h_oclock(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    h = hour_of(m.group(1))
    if h is None or h > 23:
        return None
    return Part(s, e, clock=Clock(h, 0, exact24=h >= 13))


def _h_numtime(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    a, b = int(m.group(1)), int(m.group(2))
    if m.group(3):
        if a > 23 or b > 59:
            return None
        return Part(s, e, clock=Clock(a, b, exact24=True))
    if a > 23 or b > 59:
        return None
    return Part(s, e, numeric=(a, b, None, "t0" if m.group(1).startswith("0") else "t"))


def _h_num4(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    a, b = int(m.group(1)), int(m.group(2))
    if m.group(3):
        return Part(s, e, clock=Clock(a, b, exact24=True))
    return Part(s, e, numeric=(a, b, None, "4"))


def _h_sametime(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    return Part(s, e, clock=Clock(0, 0, special="same_time"))


_MERID_AFTER = re.compile(r"\s*(?:[ap]\.?\s?m(?![a-z])|[ap](?![a-z]))", re.I)


UNITS: tuple[Unit, ...] = (
    Unit(
        'hourdaypart',
        rf"(?<![\w$€£.:/,])(\d{{1,2}}|{HOURWORD})(?::(\d\d))?\s+(?:o'?clock\s+)?"
        r"(in\s+the\s+(?:morning|afternoon|evening|night|a\.?\s?m\.?|p\.?\s?m\.?)|at\s+night)(?![a-z])",
        _h_hourdaypart,
        starts=frozenset({_D} | set(HOUR_WORDS)),
        needs=(frozenset({"morning", "afternoon", "evening", "night", "am", "pm", "a", "p"}), 7),
        digit_next=" :",
        doc='An hour with the day part that fixes am/pm: 6 in the morning, one in the afternoon, 11 at night.',
    ),
    Unit(
        'eod',
        rf"\b(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?day|end\s+of\s+business|"
            rf"close\s+of\s+(?:business|play)|end\s+of\s+play|eod|cob|eob|c\.o\.b\.?)"
            rf"(?:\s+(today|{_TMRW}|{_WD}))?(?![a-z])",
        _h_eod,
        starts=frozenset({"the", "end", "close", "eod", "cob", "eob", "c"}),
        needs=(frozenset({"day", "business", "play", "eod", "cob", "eob", "c"}), 6),
        doc='EOD / end of (business) day / COB / close of play, optionally with a day.',
    ),
    Unit(
        'firstthing',
        rf"\b(?:first|1st)\s+thing(?:\s+in\s+the\s+morning)?(?:\s+(today|{_TMRW}|{_WD}))?",
        _h_firstthing,
        starts=frozenset({"first", _D}),
        needs=(frozenset({"thing"}), 2),
        digit_next="snrt",
        doc='first thing (in the morning) [day].',
    ),
    Unit(
        'clockmerid',
        rf"(?<![\w$€£.:/,])(\d{{1,2}})(?:([:.h ])(\d\d)(?:[:.](\d\d))?)?\s*(?:o'?clock\s*)?(?:ish\s*)?"
                   rf"(?:({_MERID})|({_MERID_ATTACHED}))",
        _h_clockmerid,
        starts=frozenset({_D}),
        needs=(frozenset(_MERID_WORDS), 5),
        digit_next=" :.ha",
        doc="Digits with am/pm: 3pm, 3:15 p.m., 3 15 pm, 10a, 9.30am, 4 o'clock pm.",
    ),
    Unit(
        'clock3merid',
        rf"(?<![\w$€£.:/])(\d{{3,4}})\s*({_MERID})",
        _h_clock3merid,
        starts=frozenset({_D}),
        needs="m",
        digit_next=" a",
        doc='Three or four digits with am/pm: 930am, 1130 pm.',
    ),
    Unit(
        'clock24',
        r"(?<![\w$€£.:/])(\d{1,2}):(\d\d)(?::(\d\d))?(?:\s*(?:h|hrs|uhr)(?![a-z]))?(?![\d])",
        _h_clock24,
        starts=frozenset({_D}),
        needs=":",
        digit_next=":",
        doc='hh:mm(:ss) clock: 15:30, 08:00, 9:45.',
    ),
    Unit(
        'clockh',
        r"(?<![\w$€£.:/])(\d{1,2})h(\d\d)?(?![a-z\d])",
        _h_clockh,
        starts=frozenset({_D}),
        needs="h",
        digit_next="h",
        doc="Continental 'h' clock: 14h30, 16h (after a cue).",
    ),
    Unit(
        'numday',
        rf"(?<![\w$€£.,:/])(\d{{1,2}}|{HOURWORD})(?:[:.](\d\d))?(?=\s+(?:{_TMRW}|today|tonight|this\s+(?:morning|afternoon|evening))\b)",
        _h_numday,
        starts=frozenset({_D} | (_NUMBER_WORDS & {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                        "ten", "eleven", "twelve"})),
        needs=(frozenset({"tomorrow", "today", "tonight", "this"}), 4),
        digit_next=" :.",
        doc='A bare hour before a day word: 10 tomorrow, 3 today.',
    ),
    Unit(
        'noon',
        r"\b(?:12\s+)?(?:noon(?:ish|time)?|midday|mid[\s-]day|midnight|mid\s+night)(?![a-z])",
        _h_noon,
        starts=frozenset({_D, "noon", "noonish", "noontime", "midday", "mid", "midnight"}),
        needs=(frozenset({"noon", "noonish", "noontime", "midday", "mid", "midnight", "night", "day"}), 3),
        digit_next=" ",
        doc='noon, midday, midnight.',
    ),
    Unit(
        'cueclock',
        rf"(?:\b(?:at|around|about|by|before|after|until|till|til|from|circa|approx\.?|approximately|say|"
                 rf"latest|earliest)|@)\s*(?:about\s+|around\s+)?(\d{{1,4}}(?:[.:]\d\d)?|{HOURWORD}(?:[\s-]+{_MINWORD})?)"
                 r"(?:\s*(o'?clock|ish|sharp|hrs|hours|h))?(?![\w$%'’/]|[:.]\d)",
        _h_cueclock,
        starts=frozenset({"at", "around", "about", "by", "before", "after", "until", "till", "til", "from", "circa", "approx",
                 "approximately", "say", "latest", "earliest", "@"}),
        needs=(frozenset(_NUMBER_WORDS | {_D}), 3),
        doc='A number after a time cue: at 9, around 3, by 5, @ 10:30, at 1530 (business hours decide am/pm).',
    ),
    Unit(
        'oclock',
        rf"\b(\d{{1,2}}|{HOURWORD})\s*(?:o'?clock|ish)(?![a-z])",
        _h_oclock,
        starts=frozenset(_NUMBER_WORDS | {_D}),
        needs=(frozenset({"o'clock", "oclock", "ish", "o", "clock"}), 3),
        digit_next=" a",
        doc="3 o'clock, fiveish.",
    ),
    Unit(
        'numtime',
        r"(?<![\w$€£.:/,])(\d{1,2})\.(\d\d)(?:\s*(h|hrs|uhr))?(?![\w.,/%]|\.\d)",
        _h_numtime,
        starts=frozenset({_D}),
        needs=".",
        digit_next=".",
        doc='A dotted number that may be a time or a date: 9.15 (the composer decides).',
    ),
    Unit(
        'num4',
        r"(?<![\w$€£.:/,#-])([01]\d|2[0-3])([0-5]\d)(?:\s*(h|hrs|hours))?(?![\w.,/%-]|\.\d)",
        _h_num4,
        starts=frozenset({_D}),
        needs="",
        digit_next=None,
        doc='Four digits that may be a 24-hour time: 0930, 1430 hrs.',
    ),
    Unit(
        'sametime',
        r"\b(?:at\s+)?(?:this|the\s+same|same)\s+time(?![a-z])",
        _h_sametime,
        starts=frozenset({"at", "this", "the", "same"}),
        needs=(frozenset({"time"}), 4),
        doc='(at) the same time / this time: the reference clock.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
_AM_DAYPARTS = frozenset({"morning", "early morning", "late morning", "forenoon", "first thing", "early"})


def hour24(clock: Clock, daypart: str | None) -> int:
    """The 24-hour hour of a clock time: as written when the writing fixes it, else by am/pm, else by the day
    part next to it, else by business hours ("at 9" is 9 am, "at 3" is 3 pm, "quarter to seven" is decided by
    the seven, "ten to twelve" is 11:50 am)."""
    h = clock.hour
    if clock.exact24 or clock.special:
        return h
    if clock.meridiem == "am":
        return 0 if h == 12 else h
    if clock.meridiem == "pm":
        return h if h == 12 else h + 12
    if daypart in PM_DAYPARTS:
        return h + 12 if h < 12 else h
    if daypart in _AM_DAYPARTS:
        return h
    if daypart in ("lunch", "midday"):
        return h + 12 if h < 6 else h
    rule = clock.rule_hour if clock.rule_hour is not None else h
    if 1 <= rule <= 6:
        return h + 12 if h < 12 else h
    return h


def next_clock(clock: Clock, daypart: str | None, ctx: Ctx) -> datetime:
    """A clock time without a date: its next occurrence; a bare "at 7" written at 6 pm is 7 pm tonight."""
    ref, tz = ctx.ref, ctx.tz
    today = ref.date()
    h = hour24(clock, daypart)
    if clock.special == "eod":
        return wall(today, 23, 59, tz)
    if clock.special == "midnight":
        return midnight(today + timedelta(days=1), tz)
    first = wall(today, h, clock.minute, tz, clock.second)
    if first >= ref:
        return first
    return wall(today + timedelta(days=1), h, clock.minute, tz, clock.second)


def _moment_same_time(g: Part, st: DayReading, ctx: Ctx) -> Res | None:
    """"same time tomorrow", "this time next week": the clock time of writing on the day named."""
    if g.clock is None or g.clock.special != "same_time":
        return None
    day = st.day
    if g.week is not None and g.weekday is None and day is not None:
        day = ctx.ref.date() + timedelta(days=7 * g.week)
    if day is None:
        raise NotATime("'the same time' without a day")
    return Res(wall(day, ctx.ref.hour, ctx.ref.minute, ctx.tz), "minute", True, None, None, st.past)


def _moment_clock(g: Part, st: DayReading, ctx: Ctx) -> Res | None:
    """A clock time on the day named (else its next occurrence); EOD keeps 17:00 as its window's start,
    "first thing" 08:00-10:00."""
    c = g.clock
    if c is None:
        return None
    tz, day = ctx.tz, st.day
    if day is None:
        v = next_clock(c, g.daypart, ctx)
    elif c.special == "midnight":
        v = midnight(day + timedelta(days=1), tz)
    else:
        v = wall(day, hour24(c, g.daypart), c.minute, tz, c.second)
    ws = we = None
    if c.special == "eod":
        ws, we = wall(v.date(), 17, 0, tz), v
    elif c.special == "first_thing":
        ws, we = wall(v.date(), 8, 0, tz), wall(v.date(), 10, 0, tz)
    return Res(v, "minute", True, ws, we, st.past)


MOMENT_READERS: dict[str, MomentReader] = {"same_time": _moment_same_time, "clock": _moment_clock}
