"""Written-out numbers, one to fifty-nine, in every place a time expression takes a number: amounts of an
offset ("in forty-two minutes"), minutes of a clock ("three forty-two pm", "three oh five pm"), minutes
before and after an hour ("twenty-two past three", "seventeen minutes to five"), hours ("at seven"), day
numbers as ordinal words ("the twenty-third of May"). The words are spelled here from the number, and the
expected value computed with `datetime`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nlp.when import resolve

ZONE = "America/Chicago"
REF = datetime(2026, 11, 18, 6, 0, tzinfo=ZoneInfo(ZONE))  # early on a Wednesday: every clock today is ahead
ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}
ORD = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
       "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"]


def words(n: int, joiner: str = "-") -> str:
    if n < 20:
        return ONES[n - 1]
    t, u = divmod(n, 10)
    return TENS[t] + (joiner + ONES[u - 1] if u else "")


def ordinal(n: int) -> str:
    if n < 20:
        return ORD[n - 1]
    t, u = divmod(n, 10)
    if not u:
        return TENS[t][:-1] + "ieth"
    return f"{TENS[t]}-{ORD[u - 1]}"


@pytest.mark.parametrize("joiner", ["-", " "])
def test_offsets_one_to_fifty_nine(joiner: str) -> None:
    misses = []
    for n in range(1, 60):
        for text, want in ((f"in {words(n, joiner)} minutes", REF + timedelta(minutes=n)),
                           (f"{words(n, joiner)} days from now", REF + timedelta(days=n))):
            m = resolve(text, REF, ZONE)
            got = None if m is None else (m.value if "minutes" in text else m.value.date())
            if got != (want if "minutes" in text else want.date()):
                misses.append((text, str(got)))
    assert not misses, misses[:10]


@pytest.mark.parametrize("hour", range(1, 13))
def test_clock_minutes_one_to_fifty_nine(hour: int) -> None:
    misses = []
    for minute in range(1, 60):
        mw = f"oh {ONES[minute - 1]}" if minute < 10 else words(minute)
        text = f"call me at {ONES[hour - 1]} {mw} pm"
        h24 = 12 if hour == 12 else hour + 12
        m = resolve(text, REF, ZONE)
        if m is None or (m.value.hour, m.value.minute) != (h24, minute):
            misses.append((text, str(m.value if m else None)))
    assert not misses, misses[:10]


@pytest.mark.parametrize("hour", range(1, 13))
def test_minutes_past_and_to_an_hour(hour: int) -> None:
    h24 = hour if 7 <= hour <= 12 else hour + 12  # business hours: 7-11 am, 12 noon, 1-6 pm
    base = REF.replace(hour=h24, minute=0)
    misses = []
    for minute in range(1, 30):
        for text, want in ((f"at {words(minute)} past {ONES[hour - 1]}", base + timedelta(minutes=minute)),
                           (f"at {words(minute)} minutes to {ONES[hour - 1]}", base - timedelta(minutes=minute))):
            m = resolve(text, REF, ZONE)
            if m is None or (m.value.hour, m.value.minute) != (want.hour, want.minute):
                misses.append((text, str(want.time()), str(m.value.time() if m else None)))
    assert not misses, misses[:10]


def test_hours_in_words() -> None:
    for hour in range(1, 13):
        h24 = hour if 7 <= hour <= 12 else hour + 12
        m = resolve(f"Let's talk tomorrow at {ONES[hour - 1]}", REF, ZONE)
        assert m is not None and (m.value.date(), m.value.hour) == (date(2026, 11, 19), h24), (hour, m)


def test_day_numbers_as_ordinal_words() -> None:
    misses = []
    for d in range(1, 32):
        for month, name in ((5, "May"), (1, "January"), (12, "December")):
            want = date(2027 if (month, d) < (11, 18) else 2026, month, d)
            for text in (f"on the {ordinal(d)} of {name}", f"{name} {ordinal(d)}"):
                m = resolve(text, REF, ZONE)
                if m is None or m.value.date() != want:
                    misses.append((text, str(m.value.date() if m else None)))
    assert not misses, misses[:10]


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    out: list[dict[str, object]] = []
    ref = REF.replace(tzinfo=None).isoformat()
    for n in range(1, 60):
        out.append({"id": f"numbers-{len(out)}", "text": f"in {words(n)} minutes", "reference": ref, "timezone": ZONE,
                    "expected": {"grain": "minute", "value": (REF + timedelta(minutes=n)).replace(tzinfo=None).isoformat()}})
    for hour in range(1, 13):
        h24 = 12 if hour == 12 else hour + 12
        for minute in range(1, 60):
            mw = f"oh {ONES[minute - 1]}" if minute < 10 else words(minute)
            value = REF.replace(hour=h24, minute=minute, tzinfo=None).isoformat()
            out.append({"id": f"numbers-{len(out)}", "text": f"call me at {ONES[hour - 1]} {mw} pm", "reference": ref,
                        "timezone": ZONE, "expected": {"grain": "minute", "value": value}})
    return out
