"""The due moment of a promise: which time mention belongs to its clause, and how it becomes a due."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from nlp.extract.lexicon import _COND_STOP, _CONDITION, _DAY_WORDS, _EVENT_COND, _REL_DAY, _SILENCE, _WEEKDAY
from nlp.extract.model import _DATE_ONLY_HOURS, _Ctx, _Head
from nlp.when import TimeMention, find_times


class _LazyTimes:
    """Time mentions of a unit, resolved only when a sentence of it holds a promise head."""

    def __init__(self, text: str, ctx: _Ctx) -> None:
        self.text = text
        self.ctx = ctx
        self._times: list[TimeMention] | None = None

    def get(self) -> list[TimeMention]:
        if self._times is None:
            self._times = _times(self.text, self.ctx)
        return self._times


def _relative_day(s: str, head_start: int, verb: int, clause_end: int, prior: list[TimeMention]) -> TimeMention | None:
    """The day an anaphoric phrase points at, from the last future day named before the promise."""
    m = _REL_DAY.search(s, verb, clause_end)
    if m is None:
        return None
    days = [t for t in prior if t.start < head_start and not t.is_past]
    if not days:
        return None
    base = days[-1]
    shift = {"before": -1, "after": 1}.get((m.group("dir") or "").lower(), 0)
    value = base.value.replace(hour=0, minute=0) + timedelta(days=shift)
    return replace(base, value=value, grain="day", has_time=False)


def _combine_day(chosen: TimeMention, times: list[TimeMention], s_off: int) -> TimeMention:
    """'Let's talk Friday - I'll call you at 11': a bare clock time takes the day named just before it."""
    if chosen.grain not in ("minute", "hour") or _DAY_WORDS.search(chosen.text):
        return chosen
    days = [t for t in times if t.end <= chosen.start and chosen.start - t.end < 200 and t.grain == "day"
            and not t.is_past and not t.has_time]
    if not days:
        return chosen
    day = days[-1].value
    value = chosen.value.replace(year=day.year, month=day.month, day=day.day)
    return replace(chosen, value=value)


def _times(s: str, ctx: _Ctx) -> list[TimeMention]:
    try:
        return list(find_times(s, ctx.sent_at, str(ctx.zone.key)))
    except Exception:  # a resolver failure must never lose the promise itself
        return []


def _condition_spans(s: str, head: _Head, clause_end: int) -> list[tuple[int, int]]:
    """Character spans of subordinate conditions around the promise: their times are not the promise's."""
    spans: list[tuple[int, int]] = []
    for m in _CONDITION.finditer(s):
        a = m.start()
        if a < head.start:
            # A leading condition runs to the next comma or to the head.
            comma = s.find(",", m.end(), head.start)
            b = comma if comma >= 0 else head.start
        else:
            stop = _COND_STOP.search(s, m.end(), len(s))
            b = stop.start() if stop else len(s)
        spans.append((a, b))
    return spans


def _pick_time(s: str, times: list[TimeMention], head: _Head, clause_end: int, prev_end: int,
               *, first: bool, today: date | None = None) -> TimeMention | None:
    if not times:
        return None
    conds = _condition_spans(s, head, clause_end)

    def usable(t: TimeMention) -> bool:
        # Conditions are judged here, on this promise's clause (`_condition_spans`), not by the resolver's
        # sentence-level `is_conditional_ref`: "I'll check whether ... and let you know by Friday" is due Friday.
        if t.is_past and not (today is not None and not t.has_time and t.value.date() == today):
            return False  # "I will send it this afternoon" written at 17:12 still means today (due at once)
        return not any(a <= t.start < b for a, b in conds)

    after = [t for t in times if head.start <= t.start < clause_end and usable(t)]
    if len(after) > 1 and re.fullmatch(r"[QH][1-4]", after[0].text.strip(), re.I):
        after = after[1:]  # "send the order form w/ Q4 discount - Mon 11/2"
    if after:
        return after[0]
    if not first or head.kind == "arrive":
        return None  # the text before this head belongs to the previous promise (or to a past delivery)
    before = [t for t in times if prev_end <= t.start < head.start and usable(t)]
    if before:
        return before[-1]
    return None


def _due(mention: TimeMention | None, ctx: _Ctx, after_word: bool = False) -> tuple[datetime | None, bool]:
    if mention is None:
        return None, False
    value = mention.value
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.zone)
    value = value.astimezone(ctx.zone)
    if mention.has_time or mention.grain in ("hour", "minute"):  # a day-part ("tomorrow afternoon") is a time
        if value < ctx.sent_at:
            if value.date() == ctx.sent_at.date() or value > ctx.sent_at - timedelta(hours=1):
                return ctx.sent_at, True
            return None, False
        return value, True
    day = value.date()
    if mention.is_after and mention.grain == "day" and after_word:
        day += timedelta(days=1)  # "after Thanksgiving", "after the 15th": the next day
    for hour in _DATE_ONLY_HOURS:
        cand = datetime.combine(day, time(hour, 0 if hour == 17 else 59), tzinfo=ctx.zone)
        if cand >= ctx.sent_at:
            return cand, False
    return None, False


def _after_condition(s: str, times: list[TimeMention], head: _Head, clause_end: int, mention: TimeMention,
                     due: datetime, scope_start: int = 0) -> datetime:
    """A fallback falls after the silence it waits for: "If I don't hear back by next Wednesday, I'll call
    you Thursday" (said on a Wednesday) means the Thursday after next Wednesday, not tomorrow."""
    if not _WEEKDAY.search(mention.text) or re.search(r"\d", mention.text.split(" at ")[0]):
        return due  # only a bare weekday is ambiguous by a week
    bounds = [t.value for t in times if t is not mention and not t.is_past and scope_start <= t.start < clause_end
              and any(a <= t.start < b for a, b in _condition_spans(s, head, clause_end))]
    if not bounds:
        return due
    limit = max(bounds).astimezone(due.tzinfo).date()
    while due.date() <= limit:
        due += timedelta(days=7)
    return due


def _condition_time(s: str, times: list[TimeMention], head: _Head, clause_end: int,
                    prev_end: int) -> TimeMention | None:
    """A promise with no time of its own takes the time of the condition it waits for: a silence
    ("if nothing by Friday, I'll send the invite") or an event ("I'll circle back when I'm back on Monday")."""
    best: TimeMention | None = None
    if not times or not any(t.start < head.start or t.start >= head.verb for t in times):
        return None
    for a, b in _condition_spans(s, head, clause_end):
        if (a < prev_end and not head.coord) or a >= max(clause_end, head.start):
            continue
        span = s[a:b]
        if not (_EVENT_COND.match(span) or _SILENCE.search(span)):
            continue
        inside = [t for t in times if a <= t.start < b and not t.is_past]
        if inside:
            best = inside[-1]
    return best


def _conditional(s: str, head: _Head, clause_end: int, scope_start: int = 0) -> bool:
    """A silence condition in this promise's scope - its own clause, or a condition leading it - makes it a
    fallback; a condition that leads the next promise is that promise's ("I'll send it by Thursday, and if I
    haven't heard back by Friday I'll call you Monday": only the call is conditional)."""
    for m in _SILENCE.finditer(s, scope_start):
        if m.start() < clause_end:
            return True
    return False
