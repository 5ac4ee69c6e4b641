"""The one place where expression classes are registered: each module of `nlp.when.units` declares its
`UNITS` (surface pattern, handler, start words, gate, docstring) and its resolution steps (`NORMALISERS`,
`DAY_READERS`, `MOMENT_READERS`, see `nlp.when.base`), and is listed in `MODULES`. `ORDER` ranks the atoms,
because at one position of a text the longest atom wins and, at equal length, the first in `ORDER`;
`NORMALISE_ORDER`, `DAY_ORDER` and `MOMENT_ORDER` rank the resolution steps, because the first day reader
that recognises a mention's fields names its day (an offset before a weekday: "in 2 weeks on Friday") and
the first moment reader that returns a result ends the reading. A new class is one module in
`nlp/when/units/` plus one test module `tests/test_when_<module>.py`, listed here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from nlp.when.base import DayReader, MomentReader, Normaliser, Unit
from nlp.when.units import (
    clocks,
    dayparts,
    holidays,
    now_words,
    numbers,
    numeric_dates,
    offsets,
    periods,
    ranges,
    relative,
    written_dates,
    zones,
)

MODULES = (numeric_dates, clocks, numbers, ranges, zones, holidays, offsets, written_dates, periods, relative, dayparts, now_words,)

ORDER: tuple[str, ...] = (
    'iso',
    'timestamp',
    'dayrange',
    'compact',
    'compactdmy',
    'yspaced',
    'dspaced',
    'monthyear',
    'spaceddate',
    'ymond',
    'clockrange',
    'clockspan',
    'numdate',
    'offset',
    'dayoffset',
    'halfhour',
    'fortnight',
    'weekfrom',
    'holiday',
    'eod',
    'endof',
    'withinperiod',
    'period',
    'season',
    'periodabbr',
    'quarter',
    'later',
    'upcoming',
    'nextdays',
    'relday',
    'firstthing',
    'hourdaypart',
    'clockrel',
    'halfhr',
    'clockmerid',
    'clock3merid',
    'wordclock',
    'hundredhrs',
    'clock24',
    'clockh',
    'numday',
    'noon',
    'cueclock',
    'oclock',
    'numtime',
    'num4',
    'monthday',
    'daymonth',
    'monthonly',
    'monthalone',
    'ordnofmonth',
    'dayofmonth',
    'dom',
    'dayword',
    'nthwd',
    'weekday',
    'monthweek',
    'wdrel',
    'weekof',
    'sametime',
    'weekref',
    'daypart',
    'bareday',
    'zone',
    'now',
    'shortly',
    'sameday',
)


def _units() -> tuple[Unit, ...]:
    by_name: dict[str, Unit] = {}
    for mod in MODULES:
        for u in mod.UNITS:
            if u.name in by_name:
                raise ValueError(f"two units named {u.name!r}")
            by_name[u.name] = u
    missing = set(ORDER) ^ set(by_name)
    if missing:
        raise ValueError(f"units not ranked in ORDER or ranked but not defined: {sorted(missing)}")
    return tuple(by_name[n] for n in ORDER)


UNITS: tuple[Unit, ...] = _units()

NORMALISE_ORDER: tuple[str, ...] = ("year_or_clock", "numeric")
DAY_ORDER: tuple[str, ...] = ("now", "period_dom", "period", "offset", "abs_date", "numeric", "holiday",
                              "nth_in_month", "nth_weekday", "dom", "rel_days", "weekday", "week")
MOMENT_ORDER: tuple[str, ...] = ("offset_from", "same_time", "week_of", "clock", "daypart")

_T = TypeVar("_T")


def _steps(attr: str, order: tuple[str, ...]) -> tuple[_T, ...]:
    by_name: dict[str, _T] = {}
    for mod in MODULES:
        steps: Mapping[str, _T] = getattr(mod, attr, {})
        for name, step in steps.items():
            if name in by_name:
                raise ValueError(f"two {attr} named {name!r}")
            by_name[name] = step
    missing = set(order) ^ set(by_name)
    if missing:
        raise ValueError(f"{attr} not ranked or ranked but not defined: {sorted(missing)}")
    return tuple(by_name[n] for n in order)


NORMALISERS: tuple[Normaliser, ...] = _steps("NORMALISERS", NORMALISE_ORDER)
DAY_READERS: tuple[DayReader, ...] = _steps("DAY_READERS", DAY_ORDER)
MOMENT_READERS: tuple[MomentReader, ...] = _steps("MOMENT_READERS", MOMENT_ORDER)
