"""Numeric dates composed systematically: every format (slashes, hyphens, dots, spaced separators, two- and
four-digit years, no year, ISO, year first with dots or spaces, the day in the middle ("2027 15 03"),
compact digits year first and last, a time glued on) x both orders (a US writer reads month
first, a UK writer day first) x days that are and are not ambiguous, in a sentence and alone. The expected
date is computed here with `datetime`/`dateutil`, never by the grammar; a date without a year is the next one
on or after the day of writing. Also a month and year alone ("9/2012")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from dateutil.relativedelta import relativedelta

from nlp.when import find_times, resolve

REF = datetime(2026, 11, 18, 10, 0)  # Wednesday
US, UK = "America/New_York", "Europe/London"
DAYS = [date(2027, m, d) for m in (1, 3, 9, 10, 12) for d in (1, 4, 12, 13, 28, 31) if not (m == 9 and d == 31)]


def _first(a: int, b: int, zone: str) -> tuple[int, int]:
    """(month, day) written in the writer's order."""
    return (a, b) if zone == US else (b, a)


# format name -> (text for a date in a zone, the value expected: date or (date, hour, minute))
Fmt = Callable[[date, str], str]
FORMATS: dict[str, Fmt] = {
    "m/d/yyyy": lambda d, z: "{}/{}/{}".format(*_first(d.month, d.day, z), d.year),
    "mm/dd/yyyy": lambda d, z: "{:02d}/{:02d}/{}".format(*_first(d.month, d.day, z), d.year),
    "m/d/yy": lambda d, z: "{}/{}/{}".format(*_first(d.month, d.day, z), d.year % 100),
    "m-d-yyyy": lambda d, z: "{}-{}-{}".format(*_first(d.month, d.day, z), d.year),
    "m.d.yyyy": lambda d, z: "{}.{}.{}".format(*_first(d.month, d.day, z), d.year),
    "m / d / yyyy": lambda d, z: "{} / {} / {}".format(*_first(d.month, d.day, z), d.year),
    "m/d": lambda d, z: "{}/{}".format(*_first(d.month, d.day, z)),
    "yyyy-mm-dd": lambda d, z: d.isoformat(),
    "yyyy/m/d": lambda d, z: f"{d.year}/{d.month}/{d.day}",
    "yyyymmdd": lambda d, z: d.strftime("%Y%m%d"),
    "m/d/yyyy-14:15": lambda d, z: "{}/{}/{}-14:15".format(*_first(d.month, d.day, z), d.year),
    "yyyy-mm-ddT14:15": lambda d, z: d.isoformat() + "T14:15",
    "m/d/yyyy 14:15": lambda d, z: "{}/{}/{} 14:15".format(*_first(d.month, d.day, z), d.year),
    "yyyy.mm.dd": lambda d, z: f"{d.year}.{d.month:02d}.{d.day:02d}",
    "yyyy mm dd": lambda d, z: f"{d.year} {d.month:02d} {d.day:02d}",
    "yyyy-dd-mm": lambda d, z: f"{d.year}-{d.day:02d}-{d.month:02d}",  # only days over 12 (see ONLY)
    "yyyy dd mm": lambda d, z: f"{d.year} {d.day} {d.month}",
    "mm dd yyyy": lambda d, z: "{:02d} {:02d} {}".format(*_first(d.month, d.day, z), d.year),
    "mmddyyyy": lambda d, z: "{:02d}{:02d}{}".format(*_first(d.month, d.day, z), d.year),
}
# year first with the day in the middle is readable only when the day cannot be a month
ONLY: dict[str, Callable[[date], bool]] = {"yyyy-dd-mm": lambda d: d.day > 12, "yyyy dd mm": lambda d: d.day > 12}
WITH_TIME = {"m/d/yyyy-14:15", "yyyy-mm-ddT14:15", "m/d/yyyy 14:15"}
SENTENCES = ["The contract is due {}.", "Can we meet on {}?", "{}", "Deadline: {}"]


def _want(fmt: str, d: date) -> date:
    if fmt == "m/d":  # no year: the next one on or after the day of writing
        d = d.replace(year=REF.year)
        return d if d >= REF.date() else d + relativedelta(years=1)
    return d


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_in_both_orders(fmt: str) -> None:
    misses, n = [], 0
    for zone in (US, UK):
        for d in DAYS:
            if fmt in ONLY and not ONLY[fmt](d):
                continue
            for sentence in SENTENCES:
                n += 1
                text = sentence.format(FORMATS[fmt](d, zone))
                m = resolve(text, REF, zone)
                want = _want(fmt, d)
                ok = m is not None and m.value.date() == want
                if ok and fmt in WITH_TIME:
                    ok = m is not None and (m.value.hour, m.value.minute) == (14, 15)
                if not ok:
                    misses.append((text, zone, str(want), str(m.value if m else None)))
    assert not misses, f"{len(misses)}/{n}: {misses[:8]}"


@pytest.mark.parametrize("text", ["version 2027.1.2", "2027 3 people", "in 2026 12 stores opened", "v2027.03.15"])
def test_numbers_that_are_no_date(text: str) -> None:
    assert resolve(text, REF, US) is None


@pytest.mark.parametrize(("text", "zone", "want"), [
    ("9/2012", US, date(2012, 9, 1)), ("9/2012", UK, date(2012, 9, 1)), ("the 12/2027 invoices", US, date(2027, 12, 1)),
    ("from 03/2027", UK, date(2027, 3, 1)), ("in 10/2026", US, date(2026, 10, 1)),
])
def test_month_and_year_alone(text: str, zone: str, want: date) -> None:
    m = resolve(text, REF, zone)
    assert m is not None and m.value.date() == want and m.grain == "month", (text, m)


@pytest.mark.parametrize("text", ["3-4 people", "pages 12-15", "a 50/50 split", "24/7 support", "version 2.1",
                                  "call 555-1234", "$3.15", "score 3-15", "1/2 of the budget"])
def test_numbers_that_are_not_dates(text: str) -> None:
    assert not find_times(text, REF, US), text


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    out: list[dict[str, object]] = []
    for fmt, render in FORMATS.items():
        for zone in (US, UK):
            for d in DAYS:
                if fmt in ONLY and not ONLY[fmt](d):
                    continue
                want = _want(fmt, d)
                value = (datetime.combine(want, datetime.min.time()).replace(hour=14, minute=15).isoformat()
                         if fmt in WITH_TIME else want.isoformat())
                out.append({"id": f"numeric-{len(out)}", "text": f"The contract is due {render(d, zone)}.",
                            "reference": REF.isoformat(), "timezone": zone,
                            "date_order": "MDY" if zone == US else "DMY",
                            "expected": {"grain": "minute" if fmt in WITH_TIME else "day", "value": value}})
    return out


@pytest.mark.parametrize(("text", "zone", "want"), [
    ("3-15", US, date(2027, 3, 15)), ("due 3-15", US, date(2027, 3, 15)), ("deadline: 15-3", UK, date(2027, 3, 15)),
    ("3-15 at 2pm", US, date(2027, 3, 15)), ("before 12-1", US, date(2026, 12, 1)), ("starting 1-12", UK, date(2026, 12, 1)),
])
def test_hyphenated_month_and_day(text: str, zone: str, want: date) -> None:
    m = resolve(text, REF, zone)
    assert m is not None and m.value.date() == want, (text, m)
