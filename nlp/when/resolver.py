"""Composition (adjacent atoms joined by glue words become one mention), resolution (a mention plus the
moment of writing becomes an aware datetime, a grain and a window) and the flags every mention carries
(deadline, after, past, inside a condition, its clause). The reading of each expression class lives in its
unit (`nlp.when.units`); this module applies the classes' steps in the order `nlp.when.registry` gives them:
normalisers, then the day readers (the first that recognises the mention names its day), then the moment
readers (clock time, day part...), all inside the zone the text names (`nlp.when.units.zones.in_zone`).
Wall times are built in the zone that the text names (else the writer's) and normalised through UTC so DST
gaps move forward, never raise."""

from __future__ import annotations

import bisect
import copy
import re
from dataclasses import fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from nlp.when.base import (
    Clock,
    Ctx,
    DayReading,
    Part,
    Res,
    TimeMention,
    _set,
    has_date,
    midnight,
)
from nlp.when.clauses import clause_starts
from nlp.when.grammar import scan
from nlp.when.holidays import country_of_zone
from nlp.when.lexicon import default_date_order
from nlp.when.registry import DAY_READERS, MOMENT_READERS, NORMALISERS
from nlp.when.units.ranges import start_ranges_today
from nlp.when.units.relative import from_named_day
from nlp.when.units.zones import in_zone

__all__ = ["TimeMention", "find_times", "resolve"]

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

_MERGE_FIELDS = tuple(f.name for f in fields(Part) if f.name not in ("start", "end", "atoms", "kinds"))


def _merge(a: Part, b: Part) -> Part | None:
    """`a` and `b` as one mention, or None when they say conflicting things (two clock times, two dates)."""
    out = copy.copy(a)
    out.kinds, out.end, out.atoms = a.kinds + b.kinds, b.end, a.atoms + b.atoms
    b = copy.copy(b)
    # a dotted or four-digit number after a date is a clock time ("Mon Dec 4 08.40", "12 Nov 1115"), except
    # after a bare weekday, where a date that falls on that weekday wins ("Monday 19.06")
    if b.numeric is not None and b.numeric[3] in (".", ".0", "t", "t0", "4") and has_date(a) and a.clock is None:
        x, y = b.numeric[0], b.numeric[1]
        weekday_only = a.weekday is not None and not (a.abs_date or a.rel_days is not None or a.dom or a.numeric)
        if x <= 23 and y <= 59 and not (weekday_only and b.numeric[3] in (".", ".0")):
            b.clock, b.numeric = Clock(x, y, exact24=b.numeric[3] not in (".", "t") or x >= 13 or x == 0), None
    if a.numeric is not None and a.numeric[3] in ("t", "t0", "4") and has_date(b) and a.clock is None and b.clock is None:
        x, y = a.numeric[0], a.numeric[1]  # "10.30 tomorrow", "0900 Monday"
        if x <= 23 and y <= 59:
            out.clock, out.numeric = Clock(x, y, exact24=a.numeric[3] != "t" or x >= 13 or x == 0), None
    if b.numeric is not None and b.numeric[3] == "4" and not has_date(a):
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
            if len(gap) <= 32 and _GLUE.fullmatch(gap) and not (_FOR_GLUE.search(gap) and has_date(cur)
                                                                and has_date(p)):
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


# ---------------------------------------------------------------------------------------------- resolution
def _resolve_in(g: Part, ctx: Ctx) -> Res | None:
    """One mention in the zone of `ctx`: each class's normaliser, then the day its fields name (the first day
    reader that recognises them), then the first moment reader's result; else that day's midnight."""
    for normalise in NORMALISERS:
        g = normalise(g, ctx)
    st: DayReading | None = None
    for read_day in DAY_READERS:
        st = read_day(g, ctx)
        if st is not None:
            break
    if st is None:
        st = DayReading(None)
    for read_moment in MOMENT_READERS:
        r = read_moment(g, st, ctx)
        if r is not None:
            return r
    if st.res is not None:
        st.res.past = st.res.past or st.past
        return st.res
    if st.day is None:
        return None
    return Res(midnight(st.day, ctx.tz), st.grain, False, None, None, st.past)


_GRAIN_STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
               "week": timedelta(days=7), "month": timedelta(days=28)}


def _end_of(r: Res) -> datetime:
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
    ctx = Ctx(ref, tz, order, timezone not in _UNKNOWN_ZONES, country or country_of_zone(timezone))
    out: list[TimeMention] = []
    bare_weekday: list[bool] = []
    named: date | None = None  # the day of the last mention, for "the following Monday", "the week after"
    found: list[tuple[Part, Res, datetime | None, datetime | None, bool, bool, bool]] = []
    for g in _compose(text, scan(text)):
        if g.anchor_back and (named is not None or g.weekday is None):
            # counted from the day named before; "the day after" alone counts from today, "the following
            # Friday" alone is next week's
            g = from_named_day(g, named if named is not None else ref.date())
        try:
            r = in_zone(g, ctx, _resolve_in)
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
    start_ranges_today(text, out, bare_weekday, ref)
    return out


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
