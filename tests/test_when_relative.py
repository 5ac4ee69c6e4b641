"""Day words and composite relative expressions composed systematically: every weekday (full and short) x
every modifier ("this", "coming", "next", "last", "<day> next week", "<day> of next week", "next week <day>")
x every day of writing, day parts before and after a day word ("morning Tuesday", "Tuesday morning"), and
one-keystroke typos of the day words. Expected dates are computed here with `dateutil` from the conventions
of `nlp.when` (a bare or "this" weekday is the next one, never today; "next <day>" is that day of next week;
"last <day>" the latest one before today)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta, weekday

from nlp.when import find_times, resolve

ZONE = "Europe/London"
REFS = [datetime(2026, 11, 16 + i, 10, 0) for i in range(7)]  # Monday 16 .. Sunday 22 November 2026
FULL = [calendar.day_name[i] for i in range(7)]
SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def coming(today: date, wd: int) -> date:
    return today + relativedelta(days=1, weekday=weekday(wd))


def of_next_week(today: date, wd: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(days=7 + wd)


def last(today: date, wd: int) -> date:
    return today + relativedelta(days=-1, weekday=weekday(wd)(-1))


FORMS: dict[str, tuple[str, Callable[[date, int], date]]] = {
    "bare": ("I'll call you {}", coming),
    "on": ("Let's meet on {}", coming),
    "this": ("this {}", coming),
    "coming": ("this coming {}", coming),
    "next": ("next {}", of_next_week),
    "day next week": ("{} next week", of_next_week),
    "day of next week": ("{} of next week", of_next_week),
    "next week day": ("next week {}", of_next_week),
    "last": ("I saw it last {}", last),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_weekday_modifier_and_day_of_writing(form: str) -> None:
    frame, rule = FORMS[form]
    misses, n = [], 0
    for ref in REFS:
        for wd in range(7):
            for name in (FULL[wd], SHORT[wd]):
                if form == "bare" and name in ("Sat", "Sun", "Wed", "Mon"):
                    continue  # short homographs need a cue ("on Sat"): covered by "on"
                text = frame.format(name)
                want = rule(ref.date(), wd)
                m = resolve(text, ref, ZONE)
                n += 1
                if m is None or m.value.date() != want:
                    misses.append((text, ref.strftime("%a %d"), str(want), str(m.value.date() if m else None)))
    assert not misses, f"{len(misses)}/{n}: {misses[:8]}"


@pytest.mark.parametrize("part", ["morning", "afternoon", "evening"])
def test_day_parts_before_and_after_a_day_word(part: str) -> None:
    hour = {"morning": 9, "afternoon": 14, "evening": 18}[part]
    ref = REFS[2]  # Wednesday
    for wd in range(7):
        want = coming(ref.date(), wd)
        for text in (f"{FULL[wd]} {part}", f"{part} {FULL[wd]}", f"on {FULL[wd]} {part}", f"{FULL[wd]} in the {part}"):
            m = resolve(text, ref, ZONE)
            assert m is not None and m.value.date() == want and m.value.hour == hour, (text, m)
    tomorrow = ref.date() + timedelta(days=1)
    for text in (f"tomorrow {part}", f"{part} tomorrow", f"tomorrow in the {part}"):
        m = resolve(text, ref, ZONE)
        assert m is not None and m.value.date() == tomorrow and m.value.hour == hour, (text, m)


def slips(word: str) -> set[str]:
    """One keystroke away: a letter dropped, two neighbours swapped, a letter doubled (computed here)."""
    out = {word[:i] + word[i + 1:] for i in range(1, len(word) - 1)}
    out |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    out |= {word[:i] + word[i] + word[i:] for i in range(1, len(word))}
    out.discard(word)
    return out


@pytest.mark.parametrize("word", ["tomorrow", "tonight", "afternoon", "morning", "evening"] + FULL)
def test_typos_of_day_words(word: str) -> None:
    ref = REFS[2]
    misses = []
    for typo in sorted(slips(word.lower())):
        if word in ("morning", "afternoon", "evening"):
            text, want = f"I'll call you tomorrow {typo}", ref.date() + timedelta(days=1)
        elif word == "tomorrow":
            text, want = f"I'll call you {typo}", ref.date() + timedelta(days=1)
        elif word == "tonight":
            text, want = f"I'll call you {typo}", ref.date()
        else:
            text, want = f"I'll call you on {typo}", coming(ref.date(), FULL.index(word))
        m = resolve(text, ref, ZONE)
        if m is None or m.value.date() != want:
            misses.append((text, str(m.value.date() if m else None)))
    assert not misses, misses[:10]


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    out: list[dict[str, object]] = []
    for form, (frame, rule) in FORMS.items():
        for ref in REFS:
            for wd in range(7):
                for name in (FULL[wd], SHORT[wd]):
                    if form == "bare" and name in ("Sat", "Sun", "Wed", "Mon"):
                        continue
                    out.append({"id": f"relative-{len(out)}", "text": frame.format(name),
                                "reference": ref.isoformat(), "timezone": ZONE,
                                "expected": {"grain": "day", "value": rule(ref.date(), wd).isoformat()}})
    return out


@pytest.mark.parametrize("aside", ["if that works", "if it works for you", "if possible", "say", "ideally", "maybe"])
def test_a_day_and_a_clock_split_by_an_aside(aside: str) -> None:
    ref = REFS[2]
    m = resolve(f"Monday, {aside}, at 3pm", ref, ZONE)
    assert m is not None and m.value.replace(tzinfo=None) == datetime(2026, 11, 23, 15, 0), (aside, m)


LATER_FRAMES = ["I'll get back to you later", "Can we talk later?", "I'll send it over later.", "call me later on",
                "Let me check later, if that's ok", "I'll review it later and confirm"]


@pytest.mark.parametrize("frame", LATER_FRAMES)
def test_a_bare_later_is_later_today(frame: str) -> None:
    # from an hour after writing to the end of the day; the value two hours on (the convention of "later today")
    for ref in REFS:
        for hour in (8, 13, 17):
            r = ref.replace(hour=hour)
            m = resolve(frame, r, ZONE)
            assert m is not None and m.grain == "hour" and not m.has_time, (frame, r, m)
            assert m.value.replace(tzinfo=None) == r + timedelta(hours=2), (frame, r, m.value)
            assert m.window_start is not None and m.window_start.replace(tzinfo=None) == r + timedelta(hours=1)


@pytest.mark.parametrize("text", ["later today", "I'll call you later", "later this afternoon", "later this evening"])
def test_later_today_keeps_its_window_late_in_the_day(text: str) -> None:
    for hour, minute in ((16, 30), (17, 30), (22, 0), (23, 0), (23, 45)):
        ref = REFS[0].replace(hour=hour, minute=minute)
        for m in find_times(text, ref, ZONE):
            assert m.window_start is not None and m.window_end is not None, (text, ref, m)
            assert m.window_start <= m.value <= m.window_end, (text, ref, m)


@pytest.mark.parametrize("text", ["see you later", "Catch you later!", "Thanks.\nTalk to you later.", "More later,",
                                  "no later than that", "later in the year",
                                  "it was discussed later", "the later option"])
def test_a_later_that_is_no_act(text: str) -> None:
    m = resolve(text, REFS[0], ZONE)
    assert m is None or m.text.lower() != "later", (text, m)


def test_week_after_next_and_shorthand() -> None:
    for ref in REFS:
        monday = ref.date() - timedelta(days=ref.weekday())
        for text, weeks in (("the week after next", 2), ("I'm out the week after next.", 2), ("nxt week", 1),
                            ("next wk", 1), ("see you nxt wk", 1)):
            m = resolve(text, ref, ZONE)
            assert m is not None and m.grain == "week", (text, m)
            assert m.window_start is not None and m.window_start.date() == monday + timedelta(days=7 * weeks), (text, m)
