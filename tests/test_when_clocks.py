"""Clock notations composed systematically: every notation of an hour and minute x every day word x both
positions (day first, clock first) x both numeric date orders. The expected value is computed here with
`dateutil` from the reference, never by the grammar: the day word gives the date, the notation the wall time.
Also: written-out hours and minutes ("ten to four"), day-part hours ("6 in the morning", "11 at night") and
ranges read from their start ("3pm-4pm", "2-4pm")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import FR, TU, relativedelta

from nlp.when import resolve

REF = datetime(2026, 11, 18, 7, 5)  # Wednesday, early: every time today is still ahead... but day words give the date
HOURS_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
MINUTE_WORDS = {5: "five", 10: "ten", 15: "quarter", 20: "twenty", 25: "twenty-five", 30: "half"}


def _h12(h24: int) -> tuple[int, str]:
    return (h24 - 1) % 12 + 1, "am" if h24 < 12 else "pm"


# notation(h24, minute) -> the text, for every way of writing an exact clock time
NOTATIONS: dict[str, Callable[[int, int], str]] = {
    "3pm": lambda h, m: f"{_h12(h)[0]}{_h12(h)[1]}" if m == 0 else f"{_h12(h)[0]}:{m:02d}{_h12(h)[1]}",
    "3 PM": lambda h, m: f"{_h12(h)[0]} {_h12(h)[1].upper()}" if m == 0 else f"{_h12(h)[0]}:{m:02d} {_h12(h)[1].upper()}",
    "3 p.m.": lambda h, m: f"{_h12(h)[0]}:{m:02d} {_h12(h)[1][0]}.m.",
    "3 p . m .": lambda h, m: f"{_h12(h)[0]}:{m:02d} {_h12(h)[1][0]} . m .",
    "3.15pm": lambda h, m: f"{_h12(h)[0]}.{m:02d}{_h12(h)[1]}",
    "15:30": lambda h, m: f"{h:02d}:{m:02d}",
    "15h30": lambda h, m: f"{h}h{m:02d}",
    "at 1530": lambda h, m: f"at {h:02d}{m:02d}",
    "at 15.30": lambda h, m: f"at {h:02d}.{m:02d}",
    "3 in the afternoon": lambda h, m: (f"{_h12(h)[0]}" if m == 0 else f"{_h12(h)[0]}:{m:02d}") + (
        " in the morning" if h < 12 else " in the afternoon" if h < 17 else " in the evening"),
    "three pm": lambda h, m: f"{HOURS_WORDS[_h12(h)[0] - 1]} {_h12(h)[1]}" if m == 0 else
    f"{_h12(h)[0]}:{m:02d}{_h12(h)[1]}",
}
CLOCKS = [(h, m) for h in (0, 6, 9, 11, 12, 13, 15, 17, 20, 23) for m in (0, 5, 30, 45)]


def _next_weekday(today: date, wd: object) -> date:
    return today + relativedelta(days=1, weekday=wd)  # type: ignore[arg-type]


# day word -> (text in a US zone, text in a UK zone, the date)
def _day_words(today: date) -> list[tuple[str, str, date]]:
    fri = _next_weekday(today, FR)
    next_tue = today + relativedelta(weeks=1, weekday=TU(-1)) + relativedelta(weekday=TU)
    next_tue = (today - timedelta(days=today.weekday()) + timedelta(days=7 + 1))
    d = date(2026, 12, 4)
    return [
        ("tomorrow", "tomorrow", today + timedelta(days=1)),
        ("on Friday", "on Friday", fri),
        ("next Tuesday", "next Tuesday", next_tue),
        (f"on {d.month}/{d.day}", f"on {d.day}/{d.month}", d),
        ("December 4th", "4th December", d),
        (f"{d.month}/{d.day}/{d.year}", f"{d.day}/{d.month}/{d.year}", d),
    ]


def _cases() -> list[tuple[str, str, str, datetime]]:
    out = []
    for zone_i, zone in enumerate(("America/New_York", "Europe/London")):
        for notation, fmt in NOTATIONS.items():
            for h, m in CLOCKS:
                if notation in ("15h30", "at 1530", "at 15.30") and h < 13 and h != 0:
                    pass
                clock = fmt(h, m)
                if notation == "3 in the afternoon" and (h in (0, 23) or (h == 12)):
                    continue  # "12 in the afternoon" is noon by another name; covered by "noon"
                for us, uk, day in _day_words(REF.date()):
                    word = (us, uk)[zone_i]
                    want = datetime.combine(day, datetime.min.time()).replace(hour=h, minute=m)
                    out.append((notation, f"I'll call {word} at {clock}".replace("at at ", "at "), zone, want))
                    out.append((notation, f"{clock} {word}", zone, want))
    return out


CASES = _cases()


def test_generator_size() -> None:
    assert len(CASES) > 5000


@pytest.mark.parametrize("notation", sorted(NOTATIONS))
def test_every_notation_with_every_day_word(notation: str) -> None:
    misses = []
    n = 0
    for nt, text, zone, want in CASES:
        if nt != notation:
            continue
        n += 1
        m = resolve(text, REF, zone)
        got = m.value.replace(tzinfo=None) if m is not None else None
        if got != want:
            misses.append((text, zone, str(want), str(got)))
    assert not misses, f"{len(misses)}/{n}: {misses[:8]}"


@pytest.mark.parametrize(("text", "hm"), [
    ("6 in the morning", (6, 0)), ("6 in the afternoon", (18, 0)), ("one in the afternoon", (13, 0)),
    ("11 at night", (23, 0)), ("7 in the AM", (7, 0)), ("8 in the evening", (20, 0)), ("2 at night", (2, 0)),
    ("ten to four", (15, 50)), ("14h30", (14, 30)), ("3pm-4pm", (15, 0)), ("2-4pm", (14, 0)),
    ("11-1pm", (11, 0)), ("10am.", (10, 0)), ("3 p . m .", (15, 0)), ("at half past nine", (9, 30)),
    ("3 15 pm", (15, 15)), ("at 9 45 am", (9, 45)), ("9-12pm", (9, 0)),
])
def test_single_phrases(text: str, hm: tuple[int, int]) -> None:
    m = resolve(text, datetime(2026, 11, 18, 0, 30), "America/New_York")
    assert m is not None and (m.value.hour, m.value.minute) == hm, (text, m)


@pytest.mark.parametrize("hour", range(1, 13))
def test_written_out_hours_and_minutes(hour: int) -> None:
    """Numbers written out: every hour word with every minute word, before and after the hour."""
    ref = datetime(2026, 11, 18, 0, 30)
    hw = HOURS_WORDS[hour - 1]
    for mins, mw in MINUTE_WORDS.items():
        past = resolve(f"tomorrow at {mw} past {hw}", ref, "America/New_York")
        assert past is not None and past.value.date() == date(2026, 11, 19)
        # business hours decide am/pm: 7-11 am, 12 noon, 1-6 pm
        h24 = hour if 7 <= hour <= 12 else hour + 12
        assert (past.value.hour, past.value.minute) == (h24, mins), (mw, hw, past)
        if mins != 30:
            to = resolve(f"tomorrow at {mw} to {hw}", ref, "America/New_York")
            target = datetime(2026, 11, 19, h24, 0) - timedelta(minutes=mins)
            assert to is not None and to.value.replace(tzinfo=None) == target, (mw, hw, to)


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    return [{"id": f"clocks-{i}", "text": text, "reference": REF.isoformat(), "timezone": zone,
             "expected": {"grain": "minute", "value": want.isoformat()}}
            for i, (_, text, zone, want) in enumerate(CASES)]
