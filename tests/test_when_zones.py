"""Zone abbreviations and names, every entry of the table `nlp.when.units.zones.ZONES`, checked against
`zoneinfo`: the table agrees with the abbreviations tzdata prints, and "3pm <ZONE> tomorrow" written in New
York, London or Sydney, in winter and in summer, is 15:00 on that zone's clock on the writer's tomorrow,
converted with `zoneinfo` arithmetic here. Ambiguous abbreviations are decided by the writer's country."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nlp.when import resolve
from nlp.when.units.zones import AMBIGUOUS, ZONES

# abbreviations the table reads as a region's wall clock whatever tzdata prints
GENERIC = {"et", "ct", "mt", "pt", "gmt", "zulu", "nzt"}
# zones for which tzdata prints a numeric offset ("+08") or another word: the abbreviation is the usual one
NUMERIC_IN_TZDATA = {"sgt", "gst", "brt", "ict", "myt", "cot", "pet", "art", "pht"}
WRITERS = ["America/New_York", "Europe/London", "Australia/Sydney"]
REFS = [datetime(2026, 1, 14, 6, 0), datetime(2026, 7, 15, 6, 0)]


def test_the_table_agrees_with_tzdata() -> None:
    for word, name in ZONES.items():
        if " " in word or len(word) > 5 or word in GENERIC | NUMERIC_IN_TZDATA:
            continue
        z = ZoneInfo(name)
        printed = {z.tzname(datetime(2026, m, 15)) for m in range(1, 13)}
        assert word.upper() in printed, (word, name, printed)


def _abbreviations() -> list[str]:
    return sorted(w for w in ZONES if " " not in w and w not in ("zulu",))


@pytest.mark.parametrize("writer", WRITERS)
def test_every_abbreviation_at_both_seasons(writer: str) -> None:
    misses = []
    for ref in REFS:
        for word in _abbreviations():
            if word in AMBIGUOUS:
                continue  # decided by the writer's country: below
            text = f"Let's talk tomorrow at 3pm {word.upper()}"
            wtz = ZoneInfo(writer)
            day = ref.date() + timedelta(days=1)
            want = datetime.combine(day, time(15, 0), ZoneInfo(ZONES[word])).astimezone(wtz)
            m = resolve(text, ref, writer)
            if m is None or m.value != want:
                misses.append((text, ref.date().isoformat(), str(want), str(m.value if m else None)))
    assert not misses, misses[:10]


@pytest.mark.parametrize("name", sorted(w for w in ZONES if " " in w))
def test_every_zone_name(name: str) -> None:
    ref = REFS[1]
    m = resolve(f"call me Friday at 10am {name}", ref, "America/Chicago")
    friday = datetime(2026, 7, 17, 10, 0, tzinfo=ZoneInfo(ZONES[name]))
    assert m is not None and m.value == friday.astimezone(ZoneInfo("America/Chicago")), (name, m)


@pytest.mark.parametrize("hours", range(-12, 15))
def test_utc_offsets(hours: int) -> None:
    for minutes in (0, 30):
        if hours == 14 and minutes:
            continue
        sign = "+" if hours >= 0 else "-"
        text = f"tomorrow at 11:00 UTC{sign}{abs(hours)}:{minutes:02d}"
        tz = timezone((1 if hours >= 0 else -1) * timedelta(hours=abs(hours), minutes=minutes))
        want = datetime(2026, 7, 16, 11, 0, tzinfo=tz).astimezone(ZoneInfo("Europe/London"))
        m = resolve(text, REFS[1], "Europe/London")
        assert m is not None and m.value == want, (text, m)


@pytest.mark.parametrize(("word", "writer", "reading"), [
    ("IST", "Asia/Kolkata", "Asia/Kolkata"), ("IST", "Europe/Dublin", "Europe/Dublin"),
    ("IST", "Asia/Jerusalem", "Asia/Jerusalem"), ("IST", "America/New_York", "Asia/Kolkata"),
    ("CST", "America/Chicago", "America/Chicago"), ("CST", "Asia/Shanghai", "Asia/Shanghai"),
    ("CST", "Asia/Taipei", "Asia/Taipei"), ("CST", "Europe/London", "America/Chicago"),
    ("BST", "Europe/London", "Europe/London"), ("BST", "Asia/Dhaka", "Asia/Dhaka"),
    ("AST", "America/Halifax", "America/Halifax"), ("AST", "Asia/Riyadh", "Asia/Riyadh"),
])
def test_ambiguous_abbreviations_follow_the_writer(word: str, writer: str, reading: str) -> None:
    for ref in REFS:
        m = resolve(f"tomorrow at 9:30am {word}", ref, writer)
        day = ref.date() + timedelta(days=1)
        want = datetime.combine(day, time(9, 30), ZoneInfo(reading)).astimezone(ZoneInfo(writer))
        assert m is not None and m.value == want, (word, writer, m)


def test_an_explicit_country_decides_too() -> None:
    m = resolve("tomorrow at 9:30am IST", REFS[0], "UTC", country="IE")
    # a UTC writer is a writer whose zone is unknown: the named zone's wall clock is kept
    assert m is not None and (m.value.hour, m.value.minute) == (9, 30)


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    out: list[dict[str, object]] = []
    for writer in WRITERS:
        for ref in REFS:
            for word in _abbreviations():
                if word in AMBIGUOUS:
                    continue
                day = ref.date() + timedelta(days=1)
                want = datetime.combine(day, time(15, 0), ZoneInfo(ZONES[word])).astimezone(ZoneInfo(writer))
                out.append({"id": f"zones-{len(out)}", "text": f"Let's talk tomorrow at 3pm {word.upper()}",
                            "reference": ref.isoformat(), "timezone": writer,
                            "expected": {"grain": "minute", "value": want.replace(tzinfo=None).isoformat()}})
    return out
