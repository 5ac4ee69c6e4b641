"""Day parts (`nlp.when.units.dayparts`), composed systematically: every day part word x every weekday (full
and short) and "tomorrow" x the forms a writer uses ("Tuesday morning", "morning Tuesday", "Tuesday in the
morning", "on the morning of Tuesday"), x every day of writing of one week. A day part is a window: the
expected representative hour and window are the conventions of the README, typed here, and the day is
computed with `dateutil` (a bare weekday is the next one, never today)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta, weekday

from nlp.when import resolve

ZONE = "America/New_York"
REFS = [datetime(2026, 11, 16 + i, 7, 30) for i in range(7)]  # Monday 16 .. Sunday 22 November 2026, 07:30
FULL = [calendar.day_name[i] for i in range(7)]
SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# the conventions (README, "nlp.when"): representative time, window start, window end
WINDOWS: dict[str, tuple[time, time, time]] = {
    "morning": (time(9), time(8), time(12)),
    "late morning": (time(10, 30), time(10), time(12)),
    "afternoon": (time(14), time(12), time(17)),
    "early afternoon": (time(13), time(12), time(15)),
    "late afternoon": (time(16), time(15), time(18)),
    "evening": (time(18), time(17), time(21)),
    "early evening": (time(17, 30), time(17), time(19)),
    "night": (time(20), time(18), time(23, 59)),
}
ALIASES = {"AM": "morning", "PM": "afternoon", "lunchtime": "lunch"}
FORMS = ("{day} {part}", "{part} {day}", "{day} in the {part}", "on the {part} of {day}", "{day}, {part}")


def coming(today: date, wd: int) -> date:
    return today + relativedelta(days=1, weekday=weekday(wd))


def cases() -> list[tuple[str, datetime, date, str]]:
    out = []
    for ref in REFS:
        for wd in range(7):
            for day in (FULL[wd], SHORT[wd]):
                if day in ("Sat", "Sun", "Wed", "Mon"):
                    continue  # homographs: read as days only with a cue, tested in test_when_relative
                for part in WINDOWS:
                    for form in FORMS:
                        if form.startswith("{part}") and part not in ("morning", "afternoon", "evening"):
                            continue  # nobody writes "night Tuesday"; "late afternoon Tuesday" is read elsewhere
                        out.append((form.format(day=day, part=part), ref, coming(ref.date(), wd), part))
        tomorrow = ref.date() + timedelta(days=1)
        for part in WINDOWS:
            out.append((f"tomorrow {part}", ref, tomorrow, part))
            out.append((f"tomorrow in the {part}", ref, tomorrow, part))
    return out


def test_generator_size() -> None:
    assert len(cases()) > 1500


@pytest.mark.parametrize("part", sorted(WINDOWS))
def test_every_day_part_with_every_day_word(part: str) -> None:
    misses, n = [], 0
    rep, start, end = WINDOWS[part]
    for text, ref, day, p in cases():
        if p != part:
            continue
        n += 1
        m = resolve(f"I'll call you {text}", ref, ZONE)
        want = (datetime.combine(day, rep), datetime.combine(day, start), datetime.combine(day, end))
        got = None if m is None or m.window_start is None or m.window_end is None else (
            m.value.replace(tzinfo=None), m.window_start.replace(tzinfo=None), m.window_end.replace(tzinfo=None))
        if m is None or m.has_time or m.grain != "hour" or got != want:
            misses.append((text, ref.strftime("%a"), str(want[0]), str(got[0] if got else None)))
    assert n and not misses, f"{len(misses)}/{n}: {misses[:8]}"


@pytest.mark.parametrize("word", sorted(ALIASES))
def test_aliases_of_day_parts(word: str) -> None:
    ref = REFS[2]  # Wednesday
    part = ALIASES[word]
    rep = WINDOWS[part][0] if part in WINDOWS else time(12)
    for wd in (0, 1, 3, 4):
        m = resolve(f"let's talk {FULL[wd]} {word}", ref, ZONE)
        want = datetime.combine(coming(ref.date(), wd), rep)
        assert m is not None and m.value.replace(tzinfo=None) == want and m.grain == "hour", (word, wd, m)


def test_a_day_part_without_a_day() -> None:
    # before the day part starts: today's; a morning under way: tomorrow's ("I'll call in the morning" at 9:30)
    early = datetime(2026, 11, 18, 7, 0)
    for part, (rep, _, _) in WINDOWS.items():
        if part.startswith(("early", "late")):
            continue
        m = resolve(f"I'll call you this {part}", early, ZONE)
        assert m is not None and m.value.replace(tzinfo=None) == datetime.combine(early.date(), rep), (part, m)
    m = resolve("I'll call in the morning", datetime(2026, 11, 18, 9, 30), ZONE)
    assert m is not None and m.value.date() == date(2026, 11, 19) and m.value.hour == 9


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    return [{"id": f"dayparts-{i}", "text": f"I'll call you {text}", "reference": ref.isoformat(),
             "timezone": ZONE, "expected": {"grain": "hour",
                                            "value": datetime.combine(day, WINDOWS[part][0]).isoformat()}}
            for i, (text, ref, day, part) in enumerate(cases())]
