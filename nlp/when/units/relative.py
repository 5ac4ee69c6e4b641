"""Day words and composite relative expressions: "today", "tmrw", "the day after tomorrow", weekdays with
their modifiers ("next Friday", "Tuesday week", "Friday the 13th"), "next week", "the Monday after
Thanksgiving", "the week of", "later today", "end of Thursday"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from nlp.when.base import (
    _D,
    _DAYNUM,
    _HOLIDAY_WORDS,
    _MERID,
    _MERID_ATTACHED,
    _MON,
    _ORDINAL_WORDS,
    _SHIFTS,
    _TMRW,
    _WD,
    _WEEKDAY_WORDS,
    _WHICH,
    Clock,
    Ctx,
    DayReader,
    DayReading,
    MomentReader,
    Offset,
    Part,
    Period,
    Res,
    Unit,
    _clean,
    _trie,
    _weekday,
    _word_after,
    has_date,
    midnight,
)
from nlp.when.lexicon import MONTHS, RISKY_WEEKDAYS, TOMORROW_WORDS, TONIGHT_WORDS, WEEKDAYS, ordinal_value

# "tomorrow AM", "Wed PM": a day part after a day word
_AMPM = r"(?:\s+(?P<ampm>[ap]m(?![a-z])|[ap]\.m(?![a-z])\.?))?"

# a weekday that may be possessive ("before Thursday's meeting")
_WD_POSS = _WD.replace("(?![a-z'])", "(?![a-z]|'(?!s(?![a-z])))")

_TONIGHT = _trie(sorted(TONIGHT_WORDS))


def _h_endof(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    d = _clean(m.group(1))
    p = Part(s, e, clock=Clock(23, 59, special="eod"))
    if d in ("today", "tonight"):
        p.rel_days = 0
    elif d == "tomorrow":
        p.rel_days = 1
    else:
        words = d.split()
        if words[0] in ("this", "next"):
            p.weekday_mod = words[0]
        p.weekday = _weekday(words[-1])
    return p


# the words after which a bare "later" is when the writer will act ("I'll get back to you later", "call me
# later"); "see you later" is a farewell, "later than", "later in the year" are no time of their own
_LATER_AFTER = frozenset("""you it this that them him her us me back up over out talk speak chat call ring send
check email text reply respond confirm follow review look circle ping sync connect do come stop swing drop try
finish discuss revisit decide more again""".split())
_LATER_NEXT_OK = frozenset({"", "if", "when", "once", "and", "but", "then", "as", "after", "today", "tonight", "so",
                            "-", "–", "or", "because", "since", "i", "we", "thanks", "thx", "cheers"})
# farewells: "see you later", "catch you later", and a sign-off that opens its line ("Talk to you later.",
# "More later,"); "I'll talk to you later" is a plan
_FAREWELL = re.compile(r"(?:\b(?:see|catch)\s+(?:you|ya|u)|(?:^|[.!?\n]\s*)(?:talk\s+(?:to|with|at)\s+(?:you|ya|u)|more))"
                       r"\s+$", re.I)


def _h_later(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"later today", "later this afternoon"; a bare "later" (on) after the act it times ("I'll get back to
    you later", "can we talk later?") is later today: from an hour on to the end of the day."""
    if not m.group(1):
        before = _clean(text[max(0, s - 24):s]).split()
        if not before or before[-1] not in _LATER_AFTER or _FAREWELL.search(text, max(0, s - 24), s):
            return None
        if _word_after(text, e) not in _LATER_NEXT_OK:
            return None
        return Part(s, e, period=Period("day", 0, "later"))
    t = _clean(m.group(1))
    p = Part(s, e, period=Period("day", 0, "later"))
    for dp in ("morning", "afternoon", "evening"):
        if dp in t:
            p.daypart = dp
    if "tonight" in t:
        p.daypart = "night"
    return p


_AM_VERB_NEXT = frozenset("""i we going not so in at on out off free available back here there still also only just
really very the a an sure able happy glad busy around with travelling traveling flying meeting""".split())


def _ampm_daypart(text: str, m: re.Match[str]) -> str | None:
    """'tomorrow AM' / 'Wed pm' -> morning / afternoon; a lower-case 'am' that reads as the verb ("tomorrow am
    in meetings") is not a day part."""
    raw = m.group("ampm")
    if not raw:
        return None
    if raw == "am" and _word_after(text, m.end()) in _AM_VERB_NEXT:
        return None
    return "morning" if raw[0] in "aA" else "afternoon"


def _h_relday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    ampm = _ampm_daypart(text, m)
    if m.group("ampm") and ampm is None:
        e = m.start("ampm")
        while e > s and text[e - 1].isspace():
            e -= 1
    t = _clean(text[s:m.start("ampm")] if m.group("ampm") else m.group(0))
    if t in ("tomo", "tomoz") and not text[s:s + 4].islower():
        return None
    p = Part(s, e)
    if "day after" in t:
        p.rel_days = 2
    elif "day before" in t:
        p.rel_days, p.past_word = -2, True
    elif t in ("today",):
        p.rel_days = 0
    elif t in TONIGHT_WORDS:
        p.rel_days, p.daypart = 0, "night"
    elif t in TOMORROW_WORDS or t.endswith(("next day", "following day")):
        p.rel_days = 1
    elif t == "yesterday":
        p.rel_days, p.past_word = -1, True
    elif t.startswith("this ") or t == "s'arvo":
        dp = t.split()[-1]
        p.rel_days, p.daypart = 0, {"arvo": "afternoon", "s'arvo": "afternoon", "am": "morning", "a.m.": "morning",
                                    "pm": "afternoon", "p.m.": "afternoon"}.get(dp, dp)
    elif t == "last night":
        p.rel_days, p.daypart, p.past_word = -1, "night", True
    elif t.split()[-1] in ("morning", "afternoon", "evening", "night"):
        p.rel_days, p.daypart = 1, t.split()[-1]
    else:
        return None
    if ampm is not None and p.daypart is None:
        p.daypart = ampm
    return p


# what makes a lower-case "wed"/"mon"/"sun" a weekday: a day part after it ("wed afternoon"), or for "mon"/"wed"
# a clock time or the end of a clause ("i send the msa mon, ..."); never after an apostrophe ("c'mon")
_RISKY_WD_NEXT = re.compile(r"\s+(?:morning|morn|afternoon|arvo|evening|night|eve)\b", re.I)
_RISKY_WD_AT = re.compile(r"\s+(?:at|around|@)\s*\d|\s*[,;!?]|\s*\.(?!\w)|\s*$", re.I)
_POSS_CUE = re.compile(r"\b(?:before|after|ahead\s+of|by|until|till|at|in|on|during|to|for|from|prior\s+to)\s+$", re.I)


# a capitalised "Sun"/"Sat" next to a week reference is a weekday ("Sun of next week", "next week Sun")
_RISKY_WD_WEEK = re.compile(r"\s+(?:of\s+)?(?:next|this|last|the\s+following)\s+week\b", re.I)
_WEEK_BEFORE = re.compile(r"\bweek\s+$", re.I)
_RISKY_WD_CLOCK = re.compile(r",?\s+(?:at\s+|@\s*)?\d{1,2}(?:[:.]\d\d)?\s?[ap]\.?m\b", re.I)


def _h_weekday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    mod_s, wd_s, post, dom_s = m.group(1), m.group(2), m.group(4), m.group(6)
    if s and text[s - 1] in "'’":
        return None  # "c'mon"
    if m.group("poss") and not (mod_s or _POSS_CUE.search(text, max(0, s - 12), s)):
        return None  # "Monday's call went well": only "before/after/by ... Thursday's meeting" names the day
    wd_word = _clean(wd_s).rstrip(".")
    base = wd_word[:-1] if wd_word not in WEEKDAYS and wd_word.endswith("s") else wd_word
    if base not in WEEKDAYS:
        return None
    if base in RISKY_WEEKDAYS:
        nxt = re.match(r"-([a-z]+)", text[e:e + 12], re.I)
        if (nxt and nxt.group(1).lower().rstrip(".") not in WEEKDAYS) or re.match(r"[a-z]", text[e:e + 1]):
            return None  # "Sat-Nav" (but "Mon-Fri" is fine)
        capital = wd_s[0].isupper()
        dotted = wd_s.endswith(".")
        clock_after = _RISKY_WD_CLOCK.match(text, e) is not None  # "sat 3pm", "sun at 10am"
        week_next_to = capital and (_RISKY_WD_WEEK.match(text, e) is not None
                                    or _WEEK_BEFORE.search(text, max(0, s - 8), s) is not None)
        cue = bool(mod_s) or bool(dom_s) or (bool(post) and capital) or week_next_to or clock_after or bool(m.group("ampm")) or _RISKY_WD_NEXT.match(text, e) is not None or (
            base in ("mon", "wed") and _RISKY_WD_AT.match(text, e) is not None) or re.search(r"\b(?:on|by|until|till|before|from|next|this)\s+$",
                                                      text[max(0, s - 10):s].lower()) is not None
        if base == "mon" and not (capital or dotted or cue):
            return None
        if not (cue or dotted or (capital and base != "sun")) and not (capital and re.match(r"\s*[,.]?\s*\d", text[e:e + 4])):
            if not (capital and base in ("wed", "sat") and text[s:e] == text[s:e].capitalize()):
                return None
    mod = _clean(mod_s) if mod_s else None
    if mod in ("the following", "following"):
        mod = "next"
    elif mod in ("this coming", "this upcoming", "coming", "upcoming", "the coming"):
        mod = "coming"
    elif mod in ("past", "previous", "this past"):
        mod = "last"
    if post:
        pt = _clean(post)
        if pt == "after next" or (pt == "week" and mod is None):  # "Tuesday week" (UK/AU)
            mod = "after_next"
        elif pt == "before last":
            mod = "before_last"
        elif pt == "next" and mod is None:
            mod = "next"
        elif pt == "last" and mod is None:
            mod = "last"
        else:
            e = m.start(4)
            while text[e - 1] == " ":
                e -= 1
    ampm = _ampm_daypart(text, m)
    if m.group("ampm") and ampm is None:
        e, dom_s = m.start("ampm"), None
        while e > s and text[e - 1].isspace():
            e -= 1
    p = Part(s, e, weekday=WEEKDAYS[base], weekday_mod=mod, daypart=ampm,
             anchor_back=_clean(mod_s or "") in ("the following", "following") and not post)
    if dom_s:
        p.dom = int(dom_s)
        if not 1 <= p.dom <= 31:
            return None
    if mod in ("last", "before_last"):
        p.past_word = True
    return p


_ANAPHOR_NEXT = frozenset("that and to so then or but for with".split())
_ANCHOR_WORDS = {"today", "tomorrow", "yesterday", "xmas", "christmas", "thanksgiving", "easter"}

_WDREL_DATE_NEXT = re.compile(r"\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th|\s*[/.-]\s*\d|\s+(?:of\s+)?" + _MON + ")", re.I)
_WDREL_WHICH_NEXT = re.compile(r"\s+(?:next|this)\s+(?:" + _WD + "|week|month|" + _MON + ")", re.I)


def _h_wdrel(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"the Monday after Thanksgiving", "third Tuesday after Christmas", "the day before Labor Day": counted
    from a date that must follow (else the atom is dropped)."""
    n = ordinal_value(m.group(1)) if m.group(1) else 1
    what = _clean(m.group(2)).rstrip(".")
    sign = -1 if _clean(m.group(3)) in ("before", "prior to") else 1
    tail = text[e:e + 40]
    nxt = re.match(r"\s+(?:the\s+)?([a-z]+|\d)", tail, re.I)
    word = nxt.group(1).lower() if nxt else ""
    ok: object
    if word[:1].isdigit():
        ok = _WDREL_DATE_NEXT.match(tail)
    elif word in ("next", "this"):
        ok = _WDREL_WHICH_NEXT.match(tail)
    else:
        ok = (word in _ANCHOR_WORDS or word in _HOLIDAY_WORDS or word in MONTHS or word in WEEKDAYS
              or word.rstrip("s") in WEEKDAYS or word in _ORDINAL_WORDS)
    back = False
    if not ok:
        # "the week after." / "the day after that": counted from the date named before (the resolver drops it
        # when there is none); "Monday after lunch", "monday after 3pm", "the Friday after next" count nothing
        if not (m.group(0)[:4].lower() == "the " and (re.match(r"\s*(?:[.,;:!?)]|$)", tail)
                                                      or word in _ANAPHOR_NEXT)):
            return None
        back = True
    if what == "day":
        return Part(s, e, offset_from=Offset(sign * (n or 1), "days"), anchor_back=back)
    if what == "week":
        return Part(s, e, offset_from=Offset(sign * (n or 1), "weeks"), week_of=True, anchor_back=back)
    try:
        wd = _weekday(what)
    except KeyError:
        return None
    return Part(s, e, offset_from=Offset(sign * (n or 1), f"wd{wd}"), anchor_back=back)


def _h_weekof(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    return Part(s, e, week_of=True)


def _h_weekref(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"this/next/last week", "nxt wk", "the week after next" (two weeks on)."""
    if m.group(1) is None:
        return Part(s, e, week=2)
    which = _clean(m.group(1)).replace("nxt", "next")
    p = Part(s, e, week=_SHIFTS.get(which, 0) if which != "previous" else -1)
    if p.week is not None and p.week < 0:
        p.past_word = True
    return p


UNITS: tuple[Unit, ...] = (
    Unit(
        'endof',
        rf"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(today|tomorrow|tonight|(?:this\s+|next\s+)?{_WD})",
        _h_endof,
        starts=frozenset({"the", "end"}),
        needs=(frozenset({"today", "tomorrow", "tonight"} | _WEEKDAY_WORDS), 6),
        doc='the end of today / Thursday.',
    ),
    Unit(
        'later',
        r"\blater(?:\s+(today|tonight|this\s+morning|this\s+afternoon|this\s+evening|on\s+today|in\s+the\s+day)\b"
        r"|(?:\s+on)?(?![a-z]|\s+(?:this|next|in|than|that|on|at|by)\b))",
        _h_later,
        starts=frozenset({"later"}),
        needs=(frozenset({"later"}), 1),
        doc='later today / later this afternoon / a bare "later" after the act it times (later today).',
    ),
    Unit(
        'relday',
        rf"\b(?:(?:the\s+)?day\s+after\s+{_TMRW}|(?:the\s+)?day\s+before\s+yesterday"
               rf"|today|{_TONIGHT}|{_TMRW}|yesterday|(?:the\s+)?(?:next|following)\s+day"
               r"|this\s+(?:morning|afternoon|evening|night|arvo|[ap]m(?![a-z])|[ap]\.m\.)|s'arvo|last\s+night"
               r"|(?:the\s+)?(?:next|following)\s+(?:morning|afternoon|evening|night))(?![a-z])" + _AMPM,
        _h_relday,
        starts=frozenset({"the", "day", "today", "yesterday", "next", "following", "this", "last",
               "s'arvo", "today's", "tonight's", "tomorrow's", "yesterday's", _D} | TOMORROW_WORDS | TONIGHT_WORDS),
        needs=(frozenset({"today", "yesterday", "2nite", "2night", "day", "morning", "afternoon", "evening",
                          "night", "arvo", "s'arvo", "morrow", "morow", "moro", "mrw", "mrow", "today's", "tonight's",
                          "morning's", "afternoon's", "evening's",
                          "tomorrow's", "yesterday's", "am", "pm"} | TOMORROW_WORDS | TONIGHT_WORDS), 5),
        digit_next="a",
        doc='today, tonight, tomorrow (and its spellings), yesterday, this morning, the next day, tomorrow AM.',
    ),
    Unit(
        'weekday',
        rf"(?:\b(this\s+coming|this\s+upcoming|this|next|last|past|previous|coming|upcoming|following|"
                rf"the\s+following|the\s+coming|this\s+past)\s+)?\b({_WD_POSS})(?P<poss>'s)?"
                rf"(?:\s+(after\s+next|before\s+last|next|last|week(?![a-z'’-])))?{_AMPM}"
                rf"(?:,?\s+(?:the\s+)?({_DAYNUM})(?![\d:./\-]|\s*(?:{_MERID}|{_MERID_ATTACHED}|o'?clock|h\b|hrs)"
                rf"|\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|business|working|more)\b"
                rf"|(?:st|nd|rd|th)?\.?\s*(?:of\s+)?(?:the\s+)?{_MON})(?:st|nd|rd|th)?)?",
        _h_weekday,
        starts=frozenset(_WEEKDAY_WORDS | _WHICH | {"the", "this"}),
        needs=(frozenset(_WEEKDAY_WORDS), 4),
        doc='A weekday with modifiers: next Friday, this coming Tue, Monday week, Fri the 13th, Wed PM.',
    ),
    Unit(
        'wdrel',
        rf"\b(?:the\s+)?(?:(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\s+)?({_WD}|day|week)\s+"
              r"(after|before|following|prior\s+to)(?=\s|[.,;:!?)]|$)",
        _h_wdrel,
        starts=frozenset(_WEEKDAY_WORDS | {"the", "day", "week", "first", "second", "third", "fourth", "fifth", _D}),
        needs=(frozenset({"after", "before", "following", "prior"}), 5),
        digit_next="snrt",
        doc='the Monday after <date>, the day before <date>, the week after.',
    ),
    Unit(
        'weekof',
        r"\b(?:the\s+)?(?:week\s+of|week\s+commencing|w/c)(?=\s)",
        _h_weekof,
        starts=frozenset({"the", "week", "w"}),
        needs=(frozenset({"of", "commencing", "c"}), 3),
        doc='the week of / w/c <date>.',
    ),
    Unit(
        'weekref',
        r"\b(?:of\s+)?(?:the\s+)?(?:(this|next|nxt|last|following|coming|current|previous)\s+w(?:ee)?k(?![a-z])"
        r"|week\s+after\s+next(?![a-z]))",
        _h_weekref,
        starts=frozenset(_WHICH | {"of", "the", "nxt", "week"}),
        needs=(frozenset({"week", "week's", "wk"}), 4),
        doc='this/next/last week, nxt wk, the week after next.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
def weekday_date(wd: int, mod: str | None, week: int | None, today: date) -> date:
    """A weekday with its modifier: bare, "this" and "coming" are the next one (never today); "next" is the one
    of next week; "after next" a week after the next one; "last" the one before today; with a week shift
    ("Tuesday week", "Sun of next week") the weekday of that week."""
    monday = today - timedelta(days=today.weekday())
    if week is not None:
        return monday + timedelta(days=7 * week + wd)
    delta = (wd - today.weekday()) % 7
    if mod == "next":
        return monday + timedelta(days=7 + wd)
    if mod == "after_next":
        return today + timedelta(days=(delta or 7) + 7)
    if mod == "last":
        return today - timedelta(days=(today.weekday() - wd) % 7 or 7)
    if mod == "before_last":
        return today - timedelta(days=((today.weekday() - wd) % 7 or 7) + 7)
    return today + timedelta(days=delta or 7)


def from_named_day(g: Part, named: date) -> Part:
    """"The board meets on the 18th ... the following Monday": the Monday after the 18th; "the week after":
    the week after that day."""
    if g.offset_from is None and g.weekday is not None:
        g = replace(g, offset_from=Offset(1, f"wd{g.weekday}"), weekday=None, weekday_mod=None)
    if g.offset_from is None or has_date(g):
        return g
    return replace(g, abs_date=(named.year, named.month, named.day), anchor_back=False)


def _day_rel_days(g: Part, ctx: Ctx) -> DayReading | None:
    """"today", "tomorrow", "yesterday", "the day after tomorrow"."""
    if g.rel_days is None:
        return None
    return DayReading(ctx.ref.date() + timedelta(days=g.rel_days), "day", g.rel_days < 0)


def _day_weekday(g: Part, ctx: Ctx) -> DayReading | None:
    if g.weekday is None:
        return None
    d = weekday_date(g.weekday, g.weekday_mod, g.week, ctx.ref.date())
    return DayReading(d, "day", g.weekday_mod in ("last", "before_last") or (g.week is not None and g.week < 0))


def _day_week(g: Part, ctx: Ctx) -> DayReading | None:
    """"next week", "this week" (from today), "last week": a week from Monday."""
    if g.week is None:
        return None
    today, tz = ctx.ref.date(), ctx.tz
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * g.week)
    vday = today if g.week == 0 else monday
    r = Res(midnight(vday, tz), "week", False, midnight(monday, tz), midnight(monday + timedelta(days=7), tz))
    return DayReading(vday, "week", g.week < 0, r)


def _moment_week_of(g: Part, st: DayReading, ctx: Ctx) -> Res | None:
    """"the week of Dec 7th": the week (from Monday) that holds the day."""
    if not g.week_of or st.day is None or g.clock is not None:
        return None
    tz = ctx.tz
    monday = st.day - timedelta(days=st.day.weekday())
    return Res(midnight(monday, tz), "week", False, midnight(monday, tz), midnight(monday + timedelta(days=7), tz),
               st.past)


DAY_READERS: dict[str, DayReader] = {"rel_days": _day_rel_days, "weekday": _day_weekday, "week": _day_week}
MOMENT_READERS: dict[str, MomentReader] = {"week_of": _moment_week_of}
