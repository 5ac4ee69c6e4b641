"""Relative offsets and durations composed systematically: amounts one to fifty-nine (digits and written out)
x every spelling of every unit x every frame ("in", "+", "from now", "later", "give it", "in about ~",
"within", "ago"), with the expected value computed here with `datetime`/`dateutil`: minutes and hours are
elapsed time, days and longer are calendar steps. Also compound durations ("in 1d 2hr 5min") and
"next hour"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from nlp.when import resolve

ZONE = "America/New_York"
REF = datetime(2026, 11, 18, 14, 30, tzinfo=ZoneInfo(ZONE))
ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}


def written(n: int) -> str:
    """One to fifty-nine in words, computed here ("forty-two")."""
    if n < 20:
        return ONES[n - 1]
    t, u = divmod(n, 10)
    return TENS[t * 10] + (f"-{ONES[u - 1]}" if u else "")


UNITS = {  # spelling -> (kind, elapsed or calendar step of one)
    "minutes": "minutes", "mins": "minutes", "min": "minutes",
    "hours": "hours", "hrs": "hours", "hr": "hours", "h": "hours",
    "days": "days", "d": "days",
    "weeks": "weeks", "wks": "weeks", "w": "weeks",
    "months": "months",
    "years": "years", "yrs": "years",
}
FRAMES = {"in {}": 1, "+{}": 1, "{} from now": 1, "{} later": 1, "give it {}": 1, "in about ~{}": 1,
          "within {}": 1, "{} ago": -1}


def expected(n: int, unit: str, sign: int) -> tuple[datetime, str]:
    kind = UNITS[unit]
    if kind in ("minutes", "hours"):
        return REF + sign * timedelta(**{kind: n}), "minute"  # elapsed
    return REF + relativedelta(**{kind: sign * n}), "day"  # calendar


AMOUNTS = [1, 2, 5, 9, 12, 15, 21, 30, 45, 59]


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_every_amount_unit_and_frame(unit: str) -> None:
    misses, n_cases = [], 0
    for n in AMOUNTS:
        for amount in (str(n), written(n)) if len(unit) > 2 else (str(n),):
            for frame, sign in FRAMES.items():
                glue = "" if len(unit) <= 2 and amount.isdigit() else " "
                if unit in ("h", "d", "w") and glue:
                    continue
                text = f"I'll follow up {frame.format(amount + glue + unit)}."
                if unit in ("min", "hr", "h", "d", "w") and n == 1:
                    pass
                want, grain = expected(n, unit, sign)
                n_cases += 1
                m = resolve(text, REF, ZONE)
                got = None if m is None else (m.value if grain == "minute" else m.value.date())
                if got != (want if grain == "minute" else want.date()):
                    misses.append((text, str(want), str(got)))
    assert not misses, f"{len(misses)}/{n_cases}: {misses[:8]}"


@pytest.mark.parametrize(("text", "delta"), [
    ("in 1d 2hr 5min", timedelta(days=1, hours=2, minutes=5)),
    ("in 2 hours 30 minutes", timedelta(hours=2, minutes=30)),
    ("in 1h 30m", timedelta(hours=1, minutes=30)),
    ("in 3 days and 4 hours", timedelta(days=3, hours=4)),
    ("next hour", timedelta(hours=1)),
    ("within the next hour", timedelta(hours=1)),
    ("+15 minutes", timedelta(minutes=15)),
    ("in about ~5 hours", timedelta(hours=5)),
])
def test_compound_and_special(text: str, delta: timedelta) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value == REF + delta, (text, m)


def test_calendar_steps() -> None:
    assert resolve("3w later", REF, ZONE).value.date() == (REF + timedelta(weeks=3)).date()  # type: ignore[union-attr]
    assert resolve("give it 2 months", REF, ZONE).value.date() == (REF + relativedelta(months=2)).date()  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["3d printing", "the 2w bike", "a 5h battery", "1d array", "+15 points", "w/ 2 days notice"])
def test_not_offsets(text: str) -> None:
    m = resolve(text, REF, ZONE)
    assert m is None, (text, m)


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    out: list[dict[str, object]] = []
    for unit in UNITS:
        for n in AMOUNTS:
            for amount in (str(n), written(n)) if len(unit) > 2 else (str(n),):
                for frame, sign in FRAMES.items():
                    glue = "" if len(unit) <= 2 and amount.isdigit() else " "
                    if unit in ("h", "d", "w") and glue:
                        continue
                    want, grain = expected(n, unit, sign)
                    out.append({"id": f"offsets-{len(out)}", "text": f"I'll follow up {frame.format(amount + glue + unit)}.",
                                "reference": REF.isoformat(), "timezone": ZONE,
                                "expected": {"grain": grain, "value": want.replace(tzinfo=None).isoformat()}})
    return out


@pytest.mark.parametrize(("text", "delta"), [
    ("in a quarter of an hour", timedelta(minutes=15)), ("in three quarters of an hour", timedelta(minutes=45)),
    ("in half an hour", timedelta(minutes=30)), ("in 1.5 hours", timedelta(minutes=90)),
    ("in 2 1/2 hours", timedelta(minutes=150)), ("in an hour and a half", timedelta(minutes=90)),
])
def test_fractions_of_an_amount(text: str, delta: timedelta) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value == REF + delta, (text, m)
