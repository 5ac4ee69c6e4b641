"""Written-out numbers (`nlp.when.units.numbers`), one to fifty-nine (and on to ninety-nine for amounts), in
every place a time expression takes a number: amounts of an offset ("in forty-two minutes", "in ninety
minutes"), fractions of every unit ("in two and a half weeks", "in a day and a half", "a quarter of an
hour"), minutes of a clock ("three forty-two pm", "three oh five pm", "three o five"), minutes before and
after an hour ("twenty-two past three", "seventeen minutes to five"), hours ("at seven", "at nineteen
hundred"), day numbers as ordinal words with a month ("the twenty-third of May") and without one ("due the
twenty-third", "on the fifth"). The words are spelled here from the number, and the expected value computed
with `datetime`/`dateutil`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from nlp.when import resolve

ZONE = "America/Chicago"
REF = datetime(2026, 11, 18, 6, 0, tzinfo=ZoneInfo(ZONE))  # early on a Wednesday: every clock today is ahead
ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}
ORD = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
       "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"]


TENS.update({6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"})


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


def next_day_numbered(today: date, d: int) -> date:
    """The next day numbered `d` from `today` on (months without that day are skipped)."""
    for k in range(3):
        first = today.replace(day=1) + relativedelta(months=k)
        try:
            cand = first.replace(day=d)
        except ValueError:
            continue
        if cand >= today:
            return cand
    raise AssertionError(d)


def test_day_numbers_as_ordinal_words_without_a_month() -> None:
    misses = []
    for ref_day in (1, 18, 30):
        ref = REF.replace(day=ref_day)
        for d in range(1, 32):
            if d == 2:
                continue  # "the second" alone is a homograph of the unit of time; read only before "at"
            want = next_day_numbered(ref.date(), d)
            texts = [f"I'll call you on the {ordinal(d)}", f"I need it by the {ordinal(d)}."]
            if d >= 20:  # a compound ordinal is a day without a cue; "the fifth" alone may be anything
                texts += [f"I'll send it the {ordinal(d)}.", f"due the {ordinal(d).replace('-', ' ')} at noon"]
            for text in texts:
                m = resolve(text, ref, ZONE)
                if m is None or m.value.date() != want:
                    misses.append((text, ref_day, str(want), str(m.value.date() if m else None)))
    assert not misses, misses[:10]


@pytest.mark.parametrize("text", ["the twenty-first century", "the twenty first time we met",
                                  "the twentieth anniversary", "two hundred people", "the fifth time"])
def test_numbers_that_are_no_time(text: str) -> None:
    assert resolve(text, REF, ZONE) is None


UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": relativedelta(days=1),
         "weeks": relativedelta(weeks=1)}


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_fractions_of_every_unit(unit: str) -> None:
    misses = []
    one = unit[:-1]
    for n in range(1, 60):
        for text, whole in ((f"in {words(n)} and a half {unit}", n), (f"in {n} and a half {unit}", n)):
            step = UNITS[unit]
            if isinstance(step, timedelta):
                want = REF + step * whole + step / 2
            else:
                half = timedelta(hours=12) if unit == "days" else timedelta(days=3.5)
                want = REF + step * whole + half
            m = resolve(text, REF, ZONE)
            got = None if m is None else m.value
            ok = got is not None and (got == want if unit in ("minutes", "hours") else abs(got - want) <= timedelta(days=0.5))
            if not ok:
                misses.append((text, str(want), str(got)))
    span = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1),
            "weeks": timedelta(days=7)}[unit]
    for text, want in ((f"in a {one} and a half", REF + span * 1.5), (f"in half a {one}", REF + span / 2)):
        m = resolve(text.replace("a hour", "an hour"), REF, ZONE)
        if m is None or abs(m.value - want) > (timedelta(0) if unit in ("minutes", "hours") else timedelta(days=0.5)):
            misses.append((text, str(want), str(m.value if m else None)))
    assert not misses, misses[:10]


@pytest.mark.parametrize("text,minutes", [("in a quarter of an hour", 15), ("in three quarters of an hour", 45),
                                          ("in half an hour", 30), ("in an hour and a half", 90),
                                          ("within the next half hour", 30), ("in a minute and a half", 1.5)])
def test_fractions_of_an_hour(text: str, minutes: float) -> None:
    m = resolve(text, REF, ZONE)
    assert m is not None and m.value == REF + timedelta(minutes=minutes), (text, m)


def test_amounts_up_to_ninety_nine() -> None:
    misses = []
    for n in range(60, 100):
        m = resolve(f"back in {words(n)} minutes", REF, ZONE)
        if m is None or m.value != REF + timedelta(minutes=n):
            misses.append((n, str(m.value if m else None)))
    assert not misses, misses[:10]


def test_hundred_hours_every_hour() -> None:
    misses = []
    for h in range(1, 24):
        word = words(h, " ")
        want = datetime.combine(REF.date() if h >= 6 else REF.date() + timedelta(days=1), datetime.min.time())
        want = want.replace(hour=h, tzinfo=REF.tzinfo)
        for text in (f"the call is at {word} hundred", f"{word} hundred hours tomorrow", f"at oh {word} hundred"):
            if text.startswith("at oh") and h >= 10:
                continue
            w = want + timedelta(days=1) if "tomorrow" in text and want.date() == REF.date() else want
            m = resolve(text, REF, ZONE)
            if m is None or m.value != w:
                misses.append((text, str(w), str(m.value if m else None)))
    assert not misses, misses[:10]


def test_o_for_oh_in_minutes() -> None:
    for minute in range(1, 10):
        m = resolve(f"call me at three o {ONES[minute - 1]}", REF, ZONE)
        assert m is not None and (m.value.hour, m.value.minute) == (15, minute), (minute, m)


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
    for ref_day in (1, 18, 30):
        ref_d = REF.replace(day=ref_day)
        for d in range(20, 32):
            out.append({"id": f"numbers-{len(out)}", "text": f"I'll send it the {ordinal(d)}.",
                        "reference": ref_d.replace(tzinfo=None).isoformat(), "timezone": ZONE,
                        "expected": {"grain": "day", "value": next_day_numbered(ref_d.date(), d).isoformat()}})
    for n in range(1, 60):
        value = (REF + timedelta(hours=n, minutes=30)).replace(tzinfo=None).isoformat()
        out.append({"id": f"numbers-{len(out)}", "text": f"in {words(n)} and a half hours", "reference": ref,
                    "timezone": ZONE, "expected": {"grain": "minute", "value": value}})
    return out
