"""Ranges (`nlp.when.units.ranges`), read from their start, composed systematically: clock ranges ("2-4pm",
"3pm-4pm", "between 2 and 4pm", "from 9 to 11am") for every pair of hours, day ranges ("10 - 22 August",
"August 10-22", "from 10 to 22 August") for days x months, and weekday ranges ("Tuesday through Friday") for
every pair of weekdays x every day of writing: a bare weekday that opens a range may be today, the one that
closes it comes after it. Expected values are computed here with `datetime`."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest

from nlp.when import find_times, resolve

ZONE = "America/Denver"
FULL = [calendar.day_name[i] for i in range(7)]


def test_clock_ranges_read_from_their_start() -> None:
    ref = datetime(2026, 11, 18, 6, 0)
    misses = []
    for a in range(1, 12):
        for b in range(a + 1, 13):
            if b == 12 and a < 7:
                continue  # a range that ends at noon starts in the morning: "9-12pm"
            for text, h in ((f"free {a}-{b}pm tomorrow", a + 12 if b != 12 else a),
                            (f"free {a}pm-{b}pm tomorrow", a + 12),
                            (f"free between {a} and {b}pm tomorrow", a + 12 if b != 12 else a),
                            (f"free from {a} to {b}am tomorrow", a)):
                if b == 12 and "am" in text:
                    continue
                m = resolve(text, ref, ZONE)
                if m is None or (m.value.date(), m.value.hour) != (date(2026, 11, 19), h):
                    misses.append((text, h, str(m.value if m else None)))
    assert not misses, f"{len(misses)}: {misses[:8]}"


def test_day_ranges_read_from_their_start() -> None:
    ref = datetime(2026, 11, 18, 6, 0)
    misses = []
    for a in (1, 3, 10, 14, 20):
        for b in (a + 1, a + 5, 28):
            for month in (1, 8, 12):
                name = calendar.month_name[month]
                want = date(2026 if (month, a) >= (11, 18) else 2027, month, a)
                for text in (f"out {a} - {b} {name}", f"out {a}-{b} {name}", f"out {name} {a}-{b}",
                             f"out from {a} to {b} {name}", f"out {a}th to {b}th {name}"):
                    m = resolve(text, ref, ZONE)
                    if m is None or m.value.date() != want:
                        misses.append((text, str(want), str(m.value.date() if m else None)))
    assert not misses, f"{len(misses)}: {misses[:8]}"


SEPS = (" through ", " to ", "-", " - ", " until ")


def weekday_ranges() -> list[tuple[str, str, datetime, date, date]]:
    out = []
    for i in range(7):
        ref = datetime(2026, 11, 16 + i, 10, 0)  # Monday 16 .. Sunday 22 November 2026
        for a in range(7):
            for b in range(7):
                if a == b:
                    continue
                first = ref.date() + timedelta(days=(a - ref.weekday()) % 7)  # may be today
                last = first + timedelta(days=(b - a) % 7)
                for sep in SEPS:
                    out.append((sep, f"I'm in the office {FULL[a]}{sep}{FULL[b]}", ref, first, last))
    return out


@pytest.mark.parametrize("sep", SEPS)
def test_weekday_ranges_start_on_their_first_day(sep: str) -> None:
    misses, n = [], 0
    for sep_, text, ref, first, last in weekday_ranges():
        if sep_ != sep:
            continue
        n += 1
        found = find_times(text, ref, ZONE)
        got = [m.value.date() for m in found]
        if got != [first, last]:
            misses.append((text, ref.strftime("%a"), str(first), str(last), [str(d) for d in got]))
    assert n == 7 * 42 and not misses, f"{len(misses)}/{n}: {misses[:6]}"


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver): the
    first day of every weekday range, and the first hour of every clock range."""
    out: list[dict[str, object]] = [
        {"id": f"ranges-{i}", "text": text, "reference": ref.isoformat(), "timezone": ZONE,
         "expected": {"grain": "day", "value": first.isoformat()}}
        for i, (_, text, ref, first, _) in enumerate(weekday_ranges())]
    ref = datetime(2026, 11, 18, 6, 0)
    for a in range(1, 12):
        for b in range(a + 1, 12):
            for text in (f"free {a}-{b}pm tomorrow", f"free {a}pm-{b}pm tomorrow", f"free between {a} and {b}pm tomorrow"):
                out.append({"id": f"ranges-{len(out)}", "text": text, "reference": ref.isoformat(), "timezone": ZONE,
                            "expected": {"grain": "hour", "value": datetime(2026, 11, 19, a + 12).isoformat()}})
    return out
