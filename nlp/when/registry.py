"""The one place where expression classes are registered: each module of `nlp.when.units` declares its
`UNITS` (surface pattern, handler, start words, gate, docstring) and is listed in `MODULES`; `ORDER` ranks
the atoms, because at one position of a text the longest atom wins and, at equal length, the first in
`ORDER`. A new class is one module in `nlp/when/units/` plus one test module, listed here."""

from __future__ import annotations

from nlp.when.base import Unit
from nlp.when.units import (
    clocks,
    dayparts,
    holidays,
    now_words,
    numeric_dates,
    offsets,
    periods,
    ranges,
    relative,
    written_dates,
    zones,
)

MODULES = (numeric_dates, clocks, ranges, zones, holidays, offsets, written_dates, periods, relative, dayparts, now_words,)

ORDER: tuple[str, ...] = (
    'iso',
    'timestamp',
    'dayrange',
    'compact',
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
