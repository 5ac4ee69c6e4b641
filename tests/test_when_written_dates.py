"""Dates written with a month name, composed systematically: every month (full, abbreviated, dotted) x day
numbers as digits, ordinals and words ("twenty-first") x both orders x with and without a year, plus full
timestamps ("Thu Oct 26 11:00:09 2023" keeps its year), day ranges read from their start ("10 - 22 August",
"August 10-22") and a month alone. Expected dates are computed here with `datetime`/`dateutil`; a date
without a year is the next one on or after the day of writing."""

from __future__ import annotations

import calendar
from datetime import date, datetime

import pytest
from dateutil.relativedelta import relativedelta

from nlp.when import resolve

REF = datetime(2026, 11, 18, 10, 0)
ZONE = "America/New_York"
ORD_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
             "eighteenth", "nineteenth", "twentieth"]


def ordinal_word(n: int) -> str:
    """1 -> 'first', 21 -> 'twenty-first', 30 -> 'thirtieth' (computed here)."""
    if n <= 20:
        return ORD_WORDS[n - 1]
    if n == 30:
        return "thirtieth"
    tens = "twenty" if n < 30 else "thirty"
    return f"{tens}-{ORD_WORDS[n % 10 - 1]}"


def suffix(n: int) -> str:
    return "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def next_on_or_after(m: int, d: int) -> date:
    x = date(REF.year, m, d) if not (m == 2 and d == 29) else date(2028, 2, 29)
    return x if x >= REF.date() else x + relativedelta(years=1)


MONTHS = [(m, calendar.month_name[m], calendar.month_abbr[m]) for m in range(1, 13)]
DAYS = [1, 2, 3, 9, 11, 12, 13, 21, 22, 23, 28, 30, 31]


def _cases() -> list[tuple[str, date]]:
    out = []
    for m, full, abbr in MONTHS:
        for d in DAYS:
            if d > calendar.monthrange(2027, m)[1]:
                continue
            for name in (full, abbr, abbr + "."):
                for day in (str(d), f"{d}{suffix(d)}"):
                    out.append((f"on {name} {day}", next_on_or_after(m, d)))
                    out.append((f"on {name} {day}, 2027", date(2027, m, d)))
                    out.append((f"by {day} {name} 2027", date(2027, m, d)))
                out.append((f"on the {d}{suffix(d)} of {name}", next_on_or_after(m, d)))
            out.append((f"on the {ordinal_word(d)} of {full}", next_on_or_after(m, d)))
            out.append((f"{full} {ordinal_word(d)}", next_on_or_after(m, d)))
    return out


CASES = _cases()


def test_generator_size() -> None:
    assert len(CASES) > 2000


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_day_and_form(month: int) -> None:
    names = {calendar.month_name[month], calendar.month_abbr[month]}
    misses, n = [], 0
    for text, want in CASES:
        if not any(f" {x}" in f" {text}" for x in names):
            continue
        n += 1
        m = resolve(text, REF, ZONE)
        if m is None or m.value.date() != want:
            misses.append((text, str(want), str(m.value.date() if m else None)))
    assert not misses, f"{len(misses)}/{n}: {misses[:8]}"


@pytest.mark.parametrize(("text", "want"), [
    ("Thu Oct 26 11:00:09 2023", datetime(2023, 10, 26, 11, 0, 9)),
    ("Mon Jan 4 09:30:00 2027", datetime(2027, 1, 4, 9, 30)),
    ("Sent: Friday, March 5, 2027 4:15 PM", datetime(2027, 3, 5, 16, 15)),
    ("Wed, 16 Dec 2026 08:05:00", datetime(2026, 12, 16, 8, 5)),
])
def test_timestamps_keep_their_year(text: str, want: datetime) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value.replace(tzinfo=None, microsecond=0) == want, (text, m)


@pytest.mark.parametrize(("text", "want"), [
    ("10 - 22 August", date(2027, 8, 10)), ("10-22 August", date(2027, 8, 10)),
    ("10th to 22nd August", date(2027, 8, 10)), ("from 3 to 7 March 2027", date(2027, 3, 3)),
    ("August 10-22", date(2027, 8, 10)), ("Aug 10 - 22, 2027", date(2027, 8, 10)),
    ("between 4 and 6 December", date(2026, 12, 4)), ("Dec 28 - Jan 3", date(2026, 12, 28)),
])
def test_day_ranges_read_from_their_start(text: str, want: date) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value.date() == want, (text, m)


@pytest.mark.parametrize(("text", "month"), [("May", 5), ("September", 9), ("in May", 5), ("Oct 2027", 10)])
def test_a_month_alone(text: str, month: int) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value.month == month and m.grain == "month", (text, m)


@pytest.mark.parametrize("text", ["You may call me", "we march on", "I may", "May I ask?"])
def test_homograph_months_stay_words(text: str) -> None:
    assert resolve(text, REF, ZONE) is None


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    return [{"id": f"written-{i}", "text": text, "reference": REF.isoformat(), "timezone": ZONE,
             "expected": {"grain": "day", "value": want.isoformat()}} for i, (text, want) in enumerate(CASES)]
