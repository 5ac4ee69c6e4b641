"""Properties of `nlp.when` that must hold for any input: it never raises, spans point into the text, values
are aware, and an expression about the future never resolves before the moment of writing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.when import find_times, resolve

ZONES = ["America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London", "Europe/Berlin",
         "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland", "UTC", "America/Sao_Paulo", "Asia/Tokyo"]
VOCAB = ["tomorrow", "today", "tonight", "next", "last", "this", "week", "month", "Friday", "Monday", "at", "by",
         "3", "3pm", "9:30", "12/11", "3/4", "2026-02-29", "the", "9th", "of", "March", "in", "2", "days", "hours",
         "EOD", "COB", "end", "day", "noon", "midnight", "Eastern", "ET", "CET", "London", "time", "half", "past",
         "quarter", "to", "twenty", "after", "first", "thing", "early", "late", "mid", "Christmas", "Q3", "$3,000",
         "v2.1", "5%", "24/7", "if", "before", "within", "a", "fortnight", "or", "-", ",", ".", "31", "Feb", "30th",
         "0", "00:00", "23:59", "99:99", "13/13", "1/0", "Sat", "Sun", "am", "pm", "ago", "from", "now", "later",
         "tmrw", "2morrow", "AM", "PM", "arvo", "EOW", "EOM", "your time", "(Pacific)", "following", "week", "after",
         "Thursday's", "moday", "febuary", "summer", "fall", "3-4", "weeks", "holidays", "latest", "Tuesday week",
         "5.6.", "7/8", "for", "until", "Feb", "May", "around", "11", "as", "planned", "over", "lunch", "the"]
FUTURE = ["tomorrow", "next week", "Friday", "Monday", "Sunday", "next Friday", "this Friday", "in 3 days",
          "in 2 hours", "in 10 minutes", "Monday at 9am", "tomorrow at 8", "first thing tomorrow", "next month",
          "the day after tomorrow", "a week from today", "Tuesday at 1pm Eastern", "tomorrow afternoon",
          "early next week", "in a fortnight", "next Tuesday at 10:45", "Thursday at 8:15", "tomorrow AM", "Wed PM",
          "2morrow", "by end of week", "end of month", "Tuesday week", "after the holidays", "the following Monday",
          "Friday at 11 as planned", "in 3-4 weeks", "next summer", "Thursday arvo", "tmrw morn"]

references = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31))
zones = st.sampled_from(ZONES)


def _check(text: str, ref: datetime, zone: str) -> None:
    for m in find_times(text, ref, zone):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.value.tzinfo is not None and m.value.utcoffset() is not None
        assert m.grain in ("minute", "hour", "day", "week", "month")
        if m.window_start is not None and m.window_end is not None:
            assert m.window_start <= m.window_end


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), references, zones)
def test_never_raises_on_arbitrary_text(text: str, ref: datetime, zone: str) -> None:
    _check(text, ref, zone)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCAB), max_size=12).map(" ".join), references, zones,
       st.sampled_from([None, "MDY", "DMY"]))
def test_never_raises_on_time_like_text(text: str, ref: datetime, zone: str, order: str | None) -> None:
    for m in find_times(text, ref, zone, order):
        assert text[m.start:m.end] == m.text
    _check(text, ref, zone)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FUTURE), references, zones, st.booleans())
def test_future_expressions_never_resolve_before_reference(text: str, ref: datetime, zone: str, aware: bool) -> None:
    reference = ref.replace(tzinfo=ZoneInfo(zone)) if aware else ref
    m = resolve(text, reference, zone)
    assert m is not None, text
    written = reference if aware else ref.replace(tzinfo=ZoneInfo(zone))
    if m.grain in ("minute", "hour"):
        # a wall time inside a DST gap is normalised forward, so compare instants with a minute's slack
        assert m.value >= written - timedelta(minutes=1), (text, m.value, written)
    else:  # a date ("by end of week" said on a Friday is that Friday) is never an earlier day
        assert m.value.date() >= written.astimezone(ZoneInfo(zone)).date(), (text, m.value, written)
    assert not m.is_past


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["yesterday", "last Friday", "two days ago", "last week"]), references, zones)
def test_past_expressions_are_marked_past(text: str, ref: datetime, zone: str) -> None:
    m = resolve(text, ref, zone)
    assert m is not None and m.is_past
    assert m.value <= ref.replace(tzinfo=ZoneInfo(zone))
