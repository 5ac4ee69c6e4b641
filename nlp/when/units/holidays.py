"""Holiday names and aliases ("Xmas", "July fourth", "Thanksgiving 2027", "last Easter", "Christmas
(observed)"); dates come from `nlp.when.holidays` (the `holidays` package, per country)."""

from __future__ import annotations

import re
from datetime import date

from nlp.when.base import (
    _HOLIDAY_WORDS,
    _WHICH,
    Ctx,
    DayReader,
    DayReading,
    Part,
    Unit,
    _clean,
)
from nlp.when.holidays import HOLIDAY_PATTERNS, holiday_date

_HOLIDAY = "|".join(f"(?:{p})" for p, _ in HOLIDAY_PATTERNS)


def _h_holiday(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    mod = _clean(m.group(1)) if m.group(1) else ""
    body = _clean(m.group("hname"))
    yr_s = m.group("hyear")
    name = None
    for pat, canonical in HOLIDAY_PATTERNS:
        if re.fullmatch(pat, body, re.I):
            name = canonical
            break
    if name is None:
        return None
    year: int | None = None
    shift = 0
    if yr_s:
        y = _clean(yr_s)
        if y.isdigit():
            year = int(y)
        else:
            shift = {"next year": 1, "this year": 0, "last year": -1}[y]
    if mod == "last":
        shift = -1 if shift == 0 else shift
    p = Part(s, e, holiday=(name, year, shift, bool(m.group("obs1") or m.group("obs2"))))
    if mod == "last":
        p.past_word = True
    return p


UNITS: tuple[Unit, ...] = (
    Unit(
        'holiday',
        rf"\b(?:(this|next|last|the\s+next|the\s+following|the\s+coming)\s+)?(?P<obs1>(?:the\s+)?observed\s+)?"
                rf"(?P<hname>{_HOLIDAY})(?![a-z])(?(obs1)(?:\s+(?:bank\s+)?holiday(?![a-z]))?)"
                rf"(?P<obs2>\s*\(observed\)|\s+observed(?![a-z]))?"
                rf"(?:\s+(?:of\s+)?(?P<hyear>(?:19|20)\d\d|next\s+year|this\s+year|last\s+year))?",
        _h_holiday,
        starts=frozenset(_HOLIDAY_WORDS | _WHICH | {"the", "after", "observed"}),
        needs=(frozenset(_HOLIDAY_WORDS), 3),
        doc="A holiday name with an optional modifier, 'observed' and year.",
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
def _holiday_day(name: str, year: int | None, shift: int, observed: bool, ctx: Ctx, past: bool) -> date:
    """The holiday in the calendar of the writer's country: of the year written, else the next one (the last
    one when the words say past; "next Christmas" a year on)."""
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


def _day_holiday(g: Part, ctx: Ctx) -> DayReading | None:
    if g.holiday is None:
        return None
    name, year, shift, observed = g.holiday
    return DayReading(_holiday_day(name, year, shift, observed, ctx, g.past_word), "day", g.past_word)


DAY_READERS: dict[str, DayReader] = {"holiday": _day_holiday}
