"""Named periods and ranges, generated: for every day of writing across a year (the 1st and the 15th of each
month, and the last day), "next week/month/quarter/year", "end of the month", "Q1..Q4 <year>", "<month>
<year>" and a month alone give the window computed here with `dateutil` (ranges are in test_when_ranges.py)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import MO, relativedelta

from nlp.when import resolve

ZONE = "America/Denver"
REFS = [datetime(2026, m, d, 10, 0) for m in range(1, 13) for d in (1, 15)] + [datetime(2026, 12, 31, 10, 0)]


def _window(text: str, ref: datetime) -> tuple[date | None, date | None]:
    m = resolve(text, ref, ZONE)
    if m is None or m.window_start is None or m.window_end is None:
        return None, None
    return m.window_start.date(), m.window_end.date()


def test_next_week_month_quarter_year() -> None:
    misses = []
    for ref in REFS:
        today = ref.date()
        first = today.replace(day=1)
        q_first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        monday = today + relativedelta(weekday=MO(-1))
        expect = {
            "next week": (monday + timedelta(days=7), monday + timedelta(days=14)),
            "next month": (first + relativedelta(months=1), first + relativedelta(months=2)),
            "next quarter": (q_first + relativedelta(months=3), q_first + relativedelta(months=6)),
            "next year": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        }
        for text, want in expect.items():
            got = _window(f"Let's revisit {text}.", ref)
            if got != want:
                misses.append((text, str(today), want, got))
    assert not misses, misses[:8]


def test_end_of_the_month() -> None:
    for ref in REFS:
        today = ref.date()
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        m = resolve("I'll have it done by the end of the month", ref, ZONE)
        assert m is not None and m.value.date() == last and m.is_deadline, (today, m)


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_quarters_with_a_year(quarter: int) -> None:
    for year in range(2027, 2031):
        m = resolve(f"the rollout is planned for Q{quarter} {year}", REFS[0], ZONE)
        start = date(year, 3 * quarter - 2, 1)
        assert m is not None and m.window_start is not None and m.window_start.date() == start, (quarter, year, m)
        assert m.window_end is not None and m.window_end.date() == start + relativedelta(months=3)


def test_a_month_with_a_year() -> None:
    for year in (2027, 2028):
        for month in range(1, 13):
            for name in (calendar.month_name[month], calendar.month_abbr[month]):
                m = resolve(f"the pilot starts {name} {year}", REFS[0], ZONE)
                assert m is not None and m.value.date() == date(year, month, 1) and m.grain == "month", (name, m)


@pytest.mark.parametrize("unit", ["week", "month", "quarter", "year"])
def test_within_the_stretch_under_way(unit: str) -> None:
    misses = []
    for ref in REFS + [datetime(2026, 11, 16 + i, 10, 0) for i in range(7)]:
        today = ref.date()
        if unit == "week":
            friday = today + relativedelta(weekday=4)  # this week's Friday, or the next one after it
            want = friday if today.weekday() <= 4 else today + relativedelta(days=1, weekday=4)
        elif unit == "month":
            want = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        elif unit == "quarter":
            last_month = 3 * ((today.month - 1) // 3) + 3
            want = date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
        else:
            want = date(today.year, 12, 31)
        for text in (f"I'll have it done within the {unit}", f"within this {unit}, please"):
            m = resolve(text, ref, ZONE)
            if m is None or m.value.date() != want or not m.is_deadline:
                misses.append((text, str(today), str(want), str(m.value.date() if m else None)))
    assert not misses, f"{len(misses)}: {misses[:8]}"
