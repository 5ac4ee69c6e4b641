"""Table-driven cases for `nlp.when`: sales-mail phrases resolved in US, European, Indian and Australian
zones, across both DST transitions. Expected values are wall times in the writer's zone: "YYYY-MM-DD" checks
the date, "YYYY-MM-DD HH:MM" the date and clock time, None says no time expression may be found."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nlp.when import find_times, resolve

# Writers and the moment they write. Calendar: 2026-11-18 is a Wednesday, 2026-06-10 a Wednesday,
# 2026-01-15 a Thursday, 2026-09-04 a Friday.
NY = ("2026-11-18T14:30", "America/New_York")
LA = ("2026-11-18T14:30", "America/Los_Angeles")
LATE = ("2026-11-18T23:30", "America/New_York")
AFTER_MIDNIGHT = ("2026-11-19T01:10", "America/New_York")
LONDON = ("2026-06-10T09:15", "Europe/London")
BERLIN = ("2026-06-10T09:15", "Europe/Berlin")
KOLKATA = ("2026-01-15T11:00", "Asia/Kolkata")
SYDNEY = ("2026-09-04T16:45", "Australia/Sydney")

US_CASES = [
    # weekdays: bare, this, next, same weekday as today, with a date
    ("I'll call you Friday.", "2026-11-20"),
    ("Let's talk Monday.", "2026-11-23"),
    ("Can we do Wednesday?", "2026-11-25"),
    ("I'll have it over to you this Friday", "2026-11-20"),
    ("Are you free this Monday?", "2026-11-23"),
    ("Let's pencil in next Friday", "2026-11-27"),
    ("next Monday works for me", "2026-11-23"),
    ("How about next Tuesday?", "2026-11-24"),
    ("Thursday next week is better", "2026-11-26"),
    ("next week Thursday could work", "2026-11-26"),
    ("Tuesday of next week", "2026-11-24"),
    ("Friday after next", "2026-11-27"),
    ("this coming Friday", "2026-11-20"),
    ("on Tuesday the 24th", "2026-11-24"),
    ("Tuesday the 1st works", "2026-12-01"),
    ("Friday, December 4th", "2026-12-04"),
    ("Fri 12/4 at 10am", "2026-12-04 10:00"),
    ("Speak Thursday", "2026-11-19"),
    ("I'll follow up on Mon.", "2026-11-23"),
    ("Let's regroup Thurs", "2026-11-19"),
    # relative days
    ("I'll send it today", "2026-11-18"),
    ("I'll get back to you tomorrow", "2026-11-19"),
    ("Chat tmrw?", "2026-11-19"),
    ("the day after tomorrow", "2026-11-20"),
    ("tomorrow at 3pm", "2026-11-19 15:00"),
    ("tomorrow afternoon", "2026-11-19 14:00"),
    ("tomorrow morning", "2026-11-19 09:00"),
    ("tonight", "2026-11-18 20:00"),
    ("this evening", "2026-11-18 18:00"),
    ("later today", "2026-11-18"),
    ("later this week", "2026-11-19"),
    ("later in the week", "2026-11-19"),
    # clock times and business words
    ("I'll call you Thursday at 8:15", "2026-11-19 08:15"),
    ("Wednesday at 10:45 works", "2026-11-25 10:45"),
    ("Tuesday at 1pm", "2026-11-24 13:00"),
    ("Let's talk at 9", "2026-11-19 09:00"),
    ("Call me at 3", "2026-11-18 15:00"),
    ("I'll ring you at 7 tonight", "2026-11-18 19:00"),
    ("around 3 works", "2026-11-18 15:00"),
    ("at half past three", "2026-11-18 15:30"),
    ("at quarter to eleven", "2026-11-19 10:45"),
    ("at twenty after 3", "2026-11-18 15:20"),
    ("ten past four", "2026-11-18 16:10"),
    ("at 4:30 p.m.", "2026-11-18 16:30"),
    ("at 16:00", "2026-11-18 16:00"),
    ("at 5pm sharp", "2026-11-18 17:00"),
    ("noon tomorrow", "2026-11-19 12:00"),
    ("midday Friday", "2026-11-20 12:00"),
    ("by EOD", "2026-11-18 23:59"),
    ("by end of day tomorrow", "2026-11-19 23:59"),
    ("by the end of the day", "2026-11-18 23:59"),
    ("by COB Friday", "2026-11-20 17:00"),
    ("close of business today", "2026-11-18 17:00"),
    ("first thing tomorrow", "2026-11-19 09:00"),
    ("first thing Monday morning", "2026-11-23 09:00"),
    ("Monday at 9am", "2026-11-23 09:00"),
    ("3pm on Friday", "2026-11-20 15:00"),
    ("Friday at noon", "2026-11-20 12:00"),
    ("Monday after lunch", "2026-11-23 12:00"),
    ("Thursday at 2:00 PM", "2026-11-19 14:00"),
    ("Tue 11/24 @ 2pm", "2026-11-24 14:00"),
    # offsets
    ("I'll ping you in 10 minutes", "2026-11-18 14:40"),
    ("in 2 hours", "2026-11-18 16:30"),
    ("in an hour", "2026-11-18 15:30"),
    ("in half an hour", "2026-11-18 15:00"),
    ("within 48 hours", "2026-11-20 14:30"),
    ("within 24 hours", "2026-11-19 14:30"),
    ("in a fortnight", "2026-12-02"),
    ("in two weeks", "2026-12-02"),
    ("in 2 weeks", "2026-12-02"),
    ("in a few days", "2026-11-21"),
    ("in a couple of days", "2026-11-20"),
    ("in a day or two", "2026-11-19"),
    ("a week from today", "2026-11-25"),
    ("a month from today", "2026-12-18"),
    ("in 3 business days", "2026-11-23"),
    ("in a couple of weeks", "2026-12-02"),
    ("3 days from now", "2026-11-21"),
    ("4 tuesdays from now", "2026-12-15"),
    ("a week from Monday", "2026-11-30"),
    ("in a month", "2026-12-18"),
    # periods
    ("early next week", "2026-11-23"),
    ("mid next week", "2026-11-25"),
    ("late next week", "2026-11-26"),
    ("by the end of the week", "2026-11-20"),
    ("end of next week", "2026-11-27"),
    ("by end of the month", "2026-11-30"),
    ("end of the quarter", "2026-12-31"),
    ("by the end of Q1", "2027-03-31"),
    ("next month", "2026-12-01"),
    ("early December", "2026-12-01"),
    ("mid-December", "2026-12-15"),
    ("end of January", "2027-01-31"),
    ("by March", "2027-03-01"),
    ("next week", "2026-11-23"),
    ("over the weekend", "2026-11-21"),
    ("by EOW", "2026-11-20"),
    # written and numeric dates, year rollover
    ("on Jan 12", "2027-01-12"),
    ("December 3rd", "2026-12-03"),
    ("by the 9th", "2026-12-09"),
    ("on the 20th", "2026-11-20"),
    ("12/11", "2026-12-11"),
    ("3/4", "2027-03-04"),
    ("11/20/2026", "2026-11-20"),
    ("2026-12-15", "2026-12-15"),
    ("December 15, 2026 at 4pm", "2026-12-15 16:00"),
    ("1/5", "2027-01-05"),
    ("the 2nd of December", "2026-12-02"),
    ("Dec. 7", "2026-12-07"),
    ("contract due 12/15", "2026-12-15"),
    ("March 5th", "2027-03-05"),
    ("Friday, March 5th", "2027-03-05"),
    ("the last day of February", "2027-02-28"),
    ("the first Monday of December", "2026-12-07"),
    # named zones, converted into New York time
    ("2pm Eastern", "2026-11-19 14:00"),
    ("4pm Eastern", "2026-11-18 16:00"),
    ("2pm Pacific", "2026-11-18 17:00"),
    ("9am PT tomorrow", "2026-11-19 12:00"),
    ("3pm CET", "2026-11-19 09:00"),
    ("10am London time", "2026-11-19 05:00"),
    ("Tuesday at 1pm Eastern", "2026-11-24 13:00"),
    ("Thursday 11am CT", "2026-11-19 12:00"),
    ("4pm GMT", "2026-11-19 11:00"),
    ("5:30pm IST", "2026-11-19 07:00"),
    # holidays
    ("after Christmas", "2026-12-25"),
    ("before Thanksgiving", "2026-11-26"),
    ("New Year's Day", "2027-01-01"),
    ("after Memorial Day", "2027-05-31"),
    ("Labor Day", "2027-09-06"),
    ("Black Friday", "2026-11-27"),
    ("Christmas Eve", "2026-12-24"),
    ("New Year's Eve", "2026-12-31"),
    ("MLK Day", "2027-01-18"),
    ("Independence Day", "2027-07-04"),
    # counted from another date
    ("the Monday after Thanksgiving", "2026-11-30"),
    ("the Friday before Christmas", "2026-12-18"),
    ("the day after Labor Day", "2027-09-07"),
    ("the week after Thanksgiving", "2026-11-30"),
    ("two days before the 15th", "2026-12-13"),
    ("the Tuesday after 12/1", "2026-12-08"),
    ("Monday after lunch", "2026-11-23 12:00"),
    ("the Tuesday following our call", "2026-11-24"),
    ("monday after 3pm PST", "2026-11-23 18:00"),
    # past references
    ("I called yesterday", "2026-11-17"),
    ("as discussed last Friday", "2026-11-13"),
    ("two days ago", "2026-11-16"),
    ("I sent it on Monday 11/16", "2026-11-16"),
    # ranges and lists: the first useful moment
    ("Monday or Tuesday", "2026-11-23"),
    ("between 2 and 4pm on Friday", "2026-11-20 14:00"),
    ("from 10-11am tomorrow", "2026-11-19 10:00"),
    ("2-3pm Thursday", "2026-11-19 14:00"),
    ("any time 9-5 Monday", "2026-11-23"),
    # not times
    ("Our price is $3,000 for 3 users.", None),
    ("Call me on 713-853-1234.", None),
    ("We shipped version 2.1 last night", "2026-11-17 20:00"),
    ("Uptime was 99.9% and growth 5%", None),
    ("We offer 24/7 support", None),
    ("It's a 50/50 split", None),
    ("We sold 3 units and 12 licenses", None),
    ("See page 12 of 40", None),
    ("The fee is $12.50 per seat, 1,200 seats", None),
    ("Ticket #4521 is closed", None),
    ("We have offices at 3 locations", None),
    ("Revenue grew 2.5 million", None),
    ("Thanks, talk soon", None),
    ("Please send it ASAP", None),
    ("Let me know if you have questions", None),
    ("I may be able to help", None),
    ("The second option is cheaper", None),
    ("Sun Microsystems and Sat-Nav vendors", None),
    ("the 3rd party vendor", None),
    ("Room 1204, 3rd floor", None),
    ("Good morning, hope you are well", None),
    ("I was her guest that evening", None),
    ("San Juan 7.38, Permian 10.74", None),
    ("Note about Diana for the 25 Yr Banquet", None),
    ("and thus we start with 1 QB", None),
    ("units 16,20a,20b are let", None),
    ("it can take four to six months", None),
    ("Final payment is due 45 days prior to travel", None),
    ("update the 1/12 rentroll", "2027-01-12"),
    ("Sat-Nav and Sun Microsystems", None),
    ("we may need more time", None),
    ("anything new on the 5 X 24?", None),
]

# A text that is only a day-part word is that day part; inside prose the same words are not times.
US_CASES += [
    ("late", "2026-11-18 19:00"),
    ("early", "2026-11-19 08:00"),
    ("I'm running late", None),
    ("early adopters get a discount", None),
]

LATE_CASES = [
    ("I'll look at it in the morning", "2026-11-19 09:00"),
    ("first thing in the morning", "2026-11-19 09:00"),
    ("tomorrow", "2026-11-19"),
    ("tonight", "2026-11-18 20:00"),
    ("at 9", "2026-11-19 09:00"),
    ("by EOD", "2026-11-18 23:59"),
]
AFTER_MIDNIGHT_CASES = [
    ("I'll send it over in the morning", "2026-11-19 09:00"),
    ("later today", "2026-11-19"),
    ("tonight", "2026-11-19 20:00"),
    ("at 10am", "2026-11-19 10:00"),
    ("this afternoon", "2026-11-19 14:00"),
]
LA_CASES = [
    ("2pm Eastern", "2026-11-19 11:00"),
    ("1pm Eastern Tuesday", "2026-11-24 10:00"),
    ("9am ET", "2026-11-19 06:00"),
    ("3pm Pacific", "2026-11-18 15:00"),
    ("10am New York time", "2026-11-19 07:00"),
    ("noon Central", "2026-11-19 10:00"),
    ("12/11", "2026-12-11"),
]
LONDON_CASES = [
    ("12/11", "2026-11-12"),
    ("3/4", "2027-04-03"),
    ("5 March", "2027-03-05"),
    ("Friday 12th June", "2026-06-12"),
    ("the 9th", "2026-07-09"),
    ("on 15/6 at 2pm", "2026-06-15 14:00"),
    ("Monday at 10", "2026-06-15 10:00"),
    ("first thing tomorrow", "2026-06-11 09:00"),
    ("by close of play Friday", "2026-06-12 17:00"),
    ("3pm Eastern", "2026-06-10 20:00"),
    ("2pm CET", "2026-06-10 13:00"),
    ("9am New York time", "2026-06-10 14:00"),
    ("half three", "2026-06-10 15:30"),
    ("end of the month", "2026-06-30"),
    ("next Friday", "2026-06-19"),
    ("tomorrow morning", "2026-06-11 09:00"),
    ("in a fortnight", "2026-06-24"),
    ("Boxing Day", "2026-12-26"),
    ("Easter Monday", "2027-03-29"),
    ("at 10.30", "2026-06-10 10:30"),
    ("26.6.", "2026-06-26"),
    ("01.07.2026", "2026-07-01"),
    ("Tuesday 16th", "2026-06-16"),
    ("w/c 15 June", "2026-06-15"),
    ("by 5pm on Thursday", "2026-06-11 17:00"),
    ("no later than 30/6", "2026-06-30"),
    ("1st July", "2026-07-01"),
    ("early July", "2026-07-01"),
    ("Wednesday", "2026-06-17"),
    ("quarter past two", "2026-06-10 14:15"),
]
BERLIN_CASES = [
    ("on 14.07", "2026-07-14"),
    ("Thursday 18.6", "2026-06-18"),
    ("3pm London time", "2026-06-10 16:00"),
    ("9am Eastern", "2026-06-10 15:00"),
    ("5/6", "2027-06-05"),
    ("12.06.", "2026-06-12"),
    ("at 14:30", "2026-06-10 14:30"),
    ("Friday at 9:00", "2026-06-12 09:00"),
    ("next week Tuesday", "2026-06-16"),
    ("end of Q3", "2026-09-30"),
]
KOLKATA_CASES = [
    ("tomorrow at 4", "2026-01-16 16:00"),
    ("Monday 10am", "2026-01-19 10:00"),
    ("5/2", "2026-02-05"),
    ("by EOD", "2026-01-15 23:59"),
    ("9am ET", "2026-01-15 19:30"),
    ("3pm IST", "2026-01-15 15:00"),
    ("end of the quarter", "2026-03-31"),
    ("next Thursday", "2026-01-22"),
    ("Thursday", "2026-01-22"),
    ("in 30 minutes", "2026-01-15 11:30"),
    ("the day after tomorrow", "2026-01-17"),
    ("2:30 PM", "2026-01-15 14:30"),
    ("20th Jan", "2026-01-20"),
    ("by Friday", "2026-01-16"),
    ("10am Singapore time", "2026-01-16 07:30"),
    ("first week of February", "2026-02-02"),
    ("after 3 days", "2026-01-18"),
    ("31/1", "2026-01-31"),
    ("4pm London time", "2026-01-15 21:30"),
    ("Saturday morning", "2026-01-17 09:00"),
]
SYDNEY_CASES = [
    ("Monday afternoon", "2026-09-07 14:00"),
    ("4/10", "2026-10-04"),
    ("next week", "2026-09-07"),
    ("Christmas", "2026-12-25"),
    ("Australia Day", "2027-01-26"),
    ("by COB", "2026-09-04 17:00"),
    ("first thing Monday", "2026-09-07 09:00"),
    ("10am AEST", "2026-09-05 10:00"),
    ("2pm Pacific", "2026-09-05 07:00"),
    ("tomorrow", "2026-09-05"),
    ("this arvo or tomorrow morning", "2026-09-04 14:00"),  # "arvo" = afternoon; 15 minutes of it are left
    ("in a few hours", "2026-09-04 19:45"),
    ("11/9 at 3pm", "2026-09-11 15:00"),
    ("next Friday", "2026-09-11"),
    ("Friday", "2026-09-11"),
    ("end of the month", "2026-09-30"),
    ("mid-October", "2026-10-15"),
    ("by the 15th", "2026-09-15"),
    ("9am Perth time", "2026-09-05 11:00"),
    ("at 8", "2026-09-05 08:00"),
]

CONTEXTS = [(NY, US_CASES), (LATE, LATE_CASES), (AFTER_MIDNIGHT, AFTER_MIDNIGHT_CASES), (LA, LA_CASES),
            (LONDON, LONDON_CASES), (BERLIN, BERLIN_CASES), (KOLKATA, KOLKATA_CASES), (SYDNEY, SYDNEY_CASES)]
ALL_CASES = [(ctx, text, expected) for ctx, cases in CONTEXTS for text, expected in cases]


def _wall(ctx: tuple[str, str], text: str) -> datetime | None:
    m = resolve(text, datetime.fromisoformat(ctx[0]), ctx[1])
    if m is None:
        return None
    assert m.value.tzinfo is not None and m.value.utcoffset() is not None
    assert str(m.value.tzinfo) == ctx[1], "values are expressed in the writer's zone"
    return m.value.replace(tzinfo=None)


@pytest.mark.parametrize(("ctx", "text", "expected"), ALL_CASES, ids=[f"{c[1]}:{t}" for c, t, _ in ALL_CASES])
def test_resolves(ctx: tuple[str, str], text: str, expected: str | None) -> None:
    got = _wall(ctx, text)
    if expected is None:
        assert got is None, f"{text!r} is not a time, got {got}"
        return
    assert got is not None, f"{text!r} found nothing"
    fmt = "%Y-%m-%d %H:%M" if " " in expected else "%Y-%m-%d"
    assert got.strftime(fmt) == expected


# DST: (reference, zone, text, expected wall time, expected UTC offset in hours)
DST_CASES = [
    ("2026-03-07T12:00", "America/New_York", "tomorrow at 2:30am", "2026-03-08 03:30", -4),
    ("2026-03-07T12:00", "America/New_York", "tomorrow at noon", "2026-03-08 12:00", -4),
    ("2026-03-07T12:00", "America/New_York", "in 24 hours", "2026-03-08 13:00", -4),
    ("2026-03-07T12:00", "America/New_York", "in 1 day", "2026-03-08 12:00", -4),
    ("2026-10-31T12:00", "America/New_York", "tomorrow at 1:30am", "2026-11-01 01:30", -4),
    ("2026-10-31T12:00", "America/New_York", "in 24 hours", "2026-11-01 11:00", -5),
    ("2026-10-31T12:00", "America/New_York", "tomorrow at 9am", "2026-11-01 09:00", -5),
    ("2026-03-28T10:00", "Europe/London", "tomorrow at 1:30am", "2026-03-29 02:30", 1),
    ("2026-03-28T10:00", "Europe/London", "in 24 hours", "2026-03-29 11:00", 1),
    ("2026-10-24T10:00", "Europe/London", "in 24 hours", "2026-10-25 09:00", 0),
    ("2026-10-24T10:00", "Europe/London", "Sunday at 10", "2026-10-25 10:00", 0),
    ("2026-10-03T10:00", "Australia/Sydney", "tomorrow at 2:30am", "2026-10-04 03:30", 11),
    ("2026-10-03T10:00", "Australia/Sydney", "in 24 hours", "2026-10-04 11:00", 11),
    ("2026-04-04T10:00", "Australia/Sydney", "in 24 hours", "2026-04-05 09:00", 10),
    ("2026-04-04T10:00", "Australia/Sydney", "tomorrow at 2:30am", "2026-04-05 02:30", 11),
    ("2026-03-10T08:00", "Europe/London", "9am ET", "2026-03-10 13:00", 0),
    ("2026-03-30T08:00", "Europe/London", "9am ET", "2026-03-30 14:00", 1),
    ("2026-03-07T12:00", "America/New_York", "Sunday at 9am London time", "2026-03-08 05:00", -4),
]


@pytest.mark.parametrize(("ref", "zone", "text", "wall", "offset"), DST_CASES)
def test_dst(ref: str, zone: str, text: str, wall: str, offset: int) -> None:
    m = resolve(text, datetime.fromisoformat(ref), zone)
    assert m is not None
    assert m.value.strftime("%Y-%m-%d %H:%M") == wall
    assert m.value.utcoffset() == timedelta(hours=offset)


GRAINS = [
    ("tomorrow at 3pm", "minute", True),
    ("tomorrow", "day", False),
    ("tomorrow afternoon", "hour", False),
    ("next week", "week", False),
    ("next month", "month", False),
    ("in 10 minutes", "minute", True),
    ("by EOD", "minute", True),
    ("Friday", "day", False),
    # a day part is a window (grain hour, has_time False); a written clock moment is a time
    ("Friday around lunchtime", "hour", False),
    ("Thu PM", "hour", False),
    ("tomorrow at 2", "minute", True),
    ("first thing Monday", "minute", True),
    ("noon on Friday", "minute", True),
    ("by end of week", "day", False),
]


@pytest.mark.parametrize(("text", "grain", "has_time"), GRAINS)
def test_grain_and_has_time(text: str, grain: str, has_time: bool) -> None:
    m = resolve(text, datetime.fromisoformat(NY[0]), NY[1])
    assert m is not None
    assert (m.grain, m.has_time) == (grain, has_time)


WINDOWS = [
    ("tomorrow afternoon", "2026-11-19 12:00", "2026-11-19 17:00"),
    ("Monday morning", "2026-11-23 08:00", "2026-11-23 12:00"),
    ("early next week", "2026-11-23 00:00", "2026-11-25 00:00"),
    ("by EOD", "2026-11-18 17:00", "2026-11-18 23:59"),
    ("in a day or two", "2026-11-19 14:30", "2026-11-20 14:30"),
]


@pytest.mark.parametrize(("text", "start", "end"), WINDOWS)
def test_windows(text: str, start: str, end: str) -> None:
    m = resolve(text, datetime.fromisoformat(NY[0]), NY[1])
    assert m is not None and m.window_start is not None and m.window_end is not None
    assert m.window_start.strftime("%Y-%m-%d %H:%M") == start
    assert m.window_end.strftime("%Y-%m-%d %H:%M") == end


FLAGS = [
    ("by Friday", {"is_deadline": True, "is_past": False}),
    ("before 5pm tomorrow", {"is_deadline": True}),
    ("no later than Tuesday", {"is_deadline": True}),
    ("within 48 hours", {"is_deadline": True}),
    ("I'll call Friday", {"is_deadline": False, "is_past": False}),
    ("yesterday", {"is_past": True}),
    ("as discussed last Friday", {"is_past": True}),
    ("two days ago", {"is_past": True}),
    ("this morning at 9", {"is_past": True}),
    ("after Thanksgiving", {"is_after": True, "is_deadline": False}),
    ("if we don't speak before Friday", {"is_conditional_ref": True}),
    ("I'll have it to you Monday at the latest", {"is_deadline": True}),
    ("Thursday latest, please", {"is_deadline": True}),
    ("Let's pencil in the holidays", {"is_deadline": False}),
]


@pytest.mark.parametrize(("text", "flags"), FLAGS)
def test_flags(text: str, flags: dict[str, bool]) -> None:
    m = find_times(text, datetime.fromisoformat(NY[0]), NY[1])[0]
    for name, value in flags.items():
        assert getattr(m, name) == value, name


SPANS = [
    ("Thanks for the call. I'll send the proposal by end of day tomorrow and call you Tuesday at 1pm Eastern.",
     ["end of day tomorrow", "Tuesday at 1pm Eastern"]),
    ("If I haven't heard back by Wednesday, I'll call Thursday at 8:15.", ["Wednesday", "Thursday at 8:15"]),
    ("Our price is $3,000 for 3 users (v2.1, 99.9% uptime). Call 713-853-1234.", []),
    ("Can we meet Monday or Tuesday at 3pm?", ["Monday", "Tuesday at 3pm"]),
    ("I'm out until Monday; let's talk Tuesday morning, say 10:30.", ["Monday", "Tuesday morning, say 10:30"]),
    ("Sent: Tuesday, November 17, 2026 9:14 AM", ["Tuesday, November 17, 2026 9:14 AM"]),
    ("We'll get the signed copy back by the 30th and kick off the week of 12/7.", ["the 30th", "the week of 12/7"]),
    ("Following up on my note from last week - could we find 30 minutes Thursday afternoon?",
     ["last week", "Thursday afternoon"]),
]


@pytest.mark.parametrize(("text", "spans"), SPANS)
def test_spans(text: str, spans: list[str]) -> None:
    found = find_times(text, datetime.fromisoformat(NY[0]), NY[1])
    assert [m.text for m in found] == spans
    for m in found:
        assert text[m.start:m.end] == m.text


def test_conditional_mention_is_marked_and_skipped_by_resolve() -> None:
    text = "If I haven't heard back by Wednesday, I'll call Thursday at 8:15."
    ref = datetime.fromisoformat(NY[0])
    first, second = find_times(text, ref, NY[1])
    assert first.is_conditional_ref and first.is_deadline
    assert not second.is_conditional_ref
    m = resolve(text, ref, NY[1])
    assert m is not None and m.value.strftime("%Y-%m-%d %H:%M") == "2026-11-19 08:15"


def test_condition_ends_where_the_promise_starts() -> None:
    text = "If I don't hear back by the 30th I'll give you a call on Tuesday Dec 1 around 10am."
    cond, promise = find_times(text, datetime.fromisoformat(NY[0]), NY[1])
    assert cond.is_conditional_ref and not promise.is_conditional_ref
    assert promise.value.strftime("%Y-%m-%d %H:%M") == "2026-12-01 10:00"


def test_named_zone_keeps_the_writers_calendar_for_the_day() -> None:
    # Wednesday 16:05 in Los Angeles is already Thursday in India: "Thursday" is still the writer's Thursday
    m = resolve("Let's regroup Thursday at 4:30pm IST.", datetime(2026, 11, 18, 16, 5), "America/Los_Angeles")
    assert m is not None and m.value.strftime("%Y-%m-%d %H:%M") == "2026-11-19 03:00"


def test_date_order_override() -> None:
    ref = datetime.fromisoformat(NY[0])
    dmy = resolve("3/4", ref, NY[1], date_order="DMY")
    mdy = resolve("3/4", ref, "Europe/London", date_order="MDY")
    assert dmy is not None and dmy.value.strftime("%m-%d") == "04-03"
    assert mdy is not None and mdy.value.strftime("%m-%d") == "03-04"


def test_aware_reference_is_converted_to_the_writers_zone() -> None:
    from zoneinfo import ZoneInfo

    ref = datetime(2026, 11, 18, 19, 30, tzinfo=ZoneInfo("UTC"))  # 14:30 in New York
    m = resolve("at 3", ref, "America/New_York")
    assert m is not None and m.value.strftime("%Y-%m-%d %H:%M") == "2026-11-18 15:00"


# Phrases of quick sales mail: a clock number after a day word, "by end of week", "tomorrow AM", "2moro",
# "3pm your time (Pacific)", day parts under way, "arvo", possessive weekdays, weekday/month typos.
# (reference, zone, text, expected wall time or None, has_time or None when not checked)
MAIL_CASES = [
    # a bare number after a day word is a clock time when a function word follows, not when a noun does
    ("2026-01-15T11:00", "Asia/Kolkata", "I'll ring you Monday at 10 as agreed.", "2026-01-19 10:00", True),
    ("2026-09-04T16:45", "Australia/Sydney", "We'll dial in tomorrow around 4 to go over the numbers.",
     "2026-09-05 16:00", True),
    ("2026-11-18T14:30", "America/Los_Angeles", "Tuesday at 9 like we said", "2026-11-24 09:00", True),
    ("2026-06-10T09:15", "Europe/London", "Thursday, around 2 so we have time", "2026-06-11 14:00", True),
    ("2026-11-18T14:30", "America/New_York", "On Monday at 3 locations we ran the pilot.", "2026-11-23", False),
    ("2026-11-18T14:30", "America/New_York", "They priced it at 11 as well.", None, None),
    # end of a period without "the"
    ("2026-06-10T09:15", "Europe/London", "I'll get you the revised quote by end of week.", "2026-06-12", False),
    ("2026-01-15T11:00", "Asia/Kolkata", "Should have the numbers by end of quarter, then we can talk",
     "2026-03-31", False),
    ("2026-09-04T16:45", "Australia/Sydney", "end of month works for us", "2026-09-30", False),
    ("2026-11-18T14:30", "America/Los_Angeles", "Legal will sign off by EOM", "2026-11-30", False),
    ("2026-11-18T14:30", "America/Los_Angeles", "Final numbers by year end.", "2026-12-31", False),
    ("2026-11-18T14:30", "America/New_York", "I'll send the end of month report Friday", "2026-11-20", False),
    # AM / PM after a day word is that day part; "am" the verb is not
    ("2026-06-10T09:15", "Europe/London", "Can do Tues PM if that suits", "2026-06-16 14:00", False),
    ("2026-01-15T11:00", "Asia/Kolkata", "I'll ping you tmrw a.m. with the PO", "2026-01-16 09:00", False),
    ("2026-09-04T16:45", "Australia/Sydney", "Monday AM I'll have the pricing", "2026-09-07 09:00", False),
    ("2026-11-18T14:30", "America/New_York", "Tomorrow am in meetings all day", "2026-11-19", False),
    # "tomorrow" as typed in a hurry
    ("2026-09-04T16:45", "Australia/Sydney", "will send the invoice 2moro", "2026-09-05", False),
    ("2026-06-10T09:15", "Europe/London", "ta, will call tomo", "2026-06-11", False),
    ("2026-06-10T09:15", "Europe/London", "sending it tmr first thing", "2026-06-11 09:00", True),
    ("2026-01-15T11:00", "Asia/Kolkata", "tommorow at 4pm IST", "2026-01-16 16:00", True),
    ("2026-06-10T09:15", "Europe/London", "Tomo Suzuki will join the call", None, None),
    # "your time": the zone named with it applies; without one the writer's wall clock stays
    ("2026-06-10T09:15", "Europe/London", "Let's speak at 10am your time (Eastern) on Friday.", "2026-06-12 15:00",
     True),
    ("2026-11-18T14:30", "America/Los_Angeles", "I'll call at 4pm your time, Central, tomorrow", "2026-11-19 14:00",
     True),
    ("2026-11-18T14:30", "America/New_York", "Call you at 5pm your time", "2026-11-18 17:00", True),
    # a day part under way: today when the text places the act inside it, else the next one
    ("2026-06-10T12:30", "Europe/London", "Can go through it over lunch", "2026-06-10 12:30", False),
    ("2026-09-04T15:10", "Australia/Sydney", "I'll call in the afternoon", "2026-09-04 15:15", False),
    ("2026-06-10T09:30", "Europe/London", "I'll call in the morning", "2026-06-11 09:00", False),
    ("2026-01-15T18:20", "Asia/Kolkata", "will ping you during the evening", "2026-01-15 18:30", False),
    # "arvo" (afternoon)
    ("2026-09-04T16:45", "Australia/Sydney", "Friday arvo suits", "2026-09-11 14:00", False),
    ("2026-06-10T09:15", "Europe/London", "I'll pop it over this arvo", "2026-06-10 14:00", False),
    # a possessive weekday after a cue names the day
    ("2026-01-15T11:00", "Asia/Kolkata", "I'll circulate the agenda ahead of Monday's kickoff.", "2026-01-19", False),
    ("2026-11-18T14:30", "America/Los_Angeles", "Will prep slides for Friday's QBR", "2026-11-20", False),
    ("2026-11-18T14:30", "America/New_York", "Monday's call went well.", None, None),
    ("2026-06-10T09:15", "Europe/London", "I'll miss this afternoon's review", "2026-06-10 14:00", False),
    ("2026-09-04T16:45", "Australia/Sydney", "we'll decide on Tuesday's call", "2026-09-08", False),
    ("2026-01-15T11:00", "Asia/Kolkata", "I'll reach out during the next few days", "2026-01-16", False),
    # typos of weekday and month names
    ("2026-06-10T09:15", "Europe/London", "Let's catch up on wedensday", "2026-06-17", False),
    ("2026-01-15T11:00", "Asia/Kolkata", "call you tusday", "2026-01-20", False),
    ("2026-09-04T16:45", "Australia/Sydney", "contract back by Firday", "2026-09-11", False),
    ("2026-11-18T14:30", "America/New_York", "kick-off on the 3rd of febuary", "2027-02-03", False),
    ("2026-11-18T14:30", "America/Los_Angeles", "Septmber 14 works", "2027-09-14", False),
    ("2026-11-18T14:30", "America/New_York", "Happy holiday, see you someday", None, None),
    ("2026-01-15T11:00", "Asia/Kolkata", "will ring you tomrrow monring", "2026-01-16 09:00", False),
    ("2026-09-04T16:45", "Australia/Sydney", "Can do Tuesday afternon", "2026-09-08 14:00", False),
    ("2026-06-10T09:15", "Europe/London", "the monring rush", None, None),
    # lower-case and clipped mail: "mon am", "morn", a bare "arvo", "1st thing", "the first of the month"
    ("2026-11-18T14:30", "America/New_York", "will try u again mon am", "2026-11-23 09:00", False),
    ("2026-11-18T14:30", "America/Los_Angeles", "catch u tomorrow morn", "2026-11-19 09:00", False),
    ("2026-09-04T10:00", "Australia/Sydney", "chase them up arvo", "2026-09-04 14:00", False),
    ("2026-01-15T11:00", "Asia/Kolkata", "i'll get the SOW over 1st thing tomorrow", "2026-01-16 09:00", True),
    ("2026-06-10T09:15", "Europe/London", "I'll settle the invoice by the first of the month", "2026-07-01", False),
    ("2026-11-18T14:30", "America/New_York", "i'll ping legal mon, then circle back", "2026-11-23", False),
    ("2026-09-04T16:45", "Australia/Sydney", "free wed afternoon?", "2026-09-09 14:00", False),
    ("2026-11-18T14:30", "America/New_York", "c'mon, let's get it done", None, None),
    ("2026-06-10T09:15", "Europe/London", "Let's meet Thursday week", "2026-06-18", False),
    ("2026-11-18T14:30", "America/New_York", "Left a voicemail (2nd try).", None, None),
    # a month alone after a cue; a short name only capitalised
    ("2026-01-15T11:00", "Asia/Kolkata", "We'll go live in May", "2026-05-01", False),
    ("2026-11-18T14:30", "America/New_York", "She's on leave until Feb", "2027-02-01", False),
    ("2026-06-10T09:15", "Europe/London", "Budget is set for September, 2026", "2026-09-01", False),
    ("2026-06-10T09:15", "Europe/London", "you may want to in may", None, None),
    ("2026-11-18T14:30", "America/New_York", "Our lawyer is out until Dec. 29.", "2026-12-29", False),
    ("2026-11-18T14:30", "America/New_York", "Taxes are owed by April 16.", "2027-04-16", False),
    # seasons follow the writer's hemisphere; a season under way starts today
    ("2026-01-15T11:00", "Asia/Kolkata", "We'll revisit pricing this summer", "2026-06-01", False),
    ("2026-09-04T16:45", "Australia/Sydney", "We'll revisit pricing this summer", "2026-12-01", False),
    ("2026-06-10T09:15", "Europe/London", "Expect the rollout in the autumn", "2026-09-01", False),
    ("2026-11-18T14:30", "America/Los_Angeles", "Budget frees up next spring", "2027-03-01", False),
    ("2026-11-18T14:30", "America/New_York", "let's regroup this fall", "2026-11-18", False),
    ("2026-06-10T09:15", "Europe/London", "prices fall as demand eases", None, None),
    # an amount given as a range counts from its near edge; "this week's" is this week
    ("2026-01-15T11:00", "Asia/Kolkata", "Legal needs 3-4 weeks; I'll chase in 2-3 days", "2026-01-17", False),
    ("2026-06-10T09:15", "Europe/London", "I'll add it to next month's invoice", "2026-07-01", False),
    # "the upcoming two days", "3 coming weeks": as far as the stretch reaches
    ("2026-09-04T16:45", "Australia/Sydney", "I'm travelling the upcoming three days", "2026-09-07", False),
    ("2026-06-10T09:15", "Europe/London", "We'll trial it over the next 2 weeks", "2026-06-24", False),
    ("2026-01-15T11:00", "Asia/Kolkata", "busy for 2 coming weeks", "2026-01-29", False),
    # a span of hours without am/pm starts at its first hour, read as business hours
    ("2026-01-15T11:00", "Asia/Kolkata", "Free between 2 and 4 tomorrow", "2026-01-16 14:00", True),
    ("2026-11-18T14:30", "America/Los_Angeles", "I'm around from 10 to 11:30 on Monday", "2026-11-23 10:00", True),
    ("2026-09-04T16:45", "Australia/Sydney", "between 9 and 11 works.", "2026-09-05 09:00", True),
    # "the holidays" start on Christmas Eve; "after the holidays" is the first working day from January 2
    ("2026-11-18T14:30", "America/New_York", "Let's reconnect after the holidays", "2027-01-04", False),
    ("2026-09-04T16:45", "Australia/Sydney", "Can we lock it in before the holidays?", "2026-12-24", False),
    ("2026-06-10T09:15", "Europe/London", "Quiet over the festive season", "2026-12-24", False),
    # both DST transitions
    ("2026-03-07T12:00", "America/New_York", "I'll send it tomorrow AM", "2026-03-08 09:00", False),
    ("2026-10-31T12:00", "America/New_York", "Sunday at 11 as planned", "2026-11-01 11:00", True),
    ("2026-10-03T10:00", "Australia/Sydney", "Sunday arvo", "2026-10-04 14:00", False),
    ("2026-10-24T10:00", "Europe/London", "tmrw pm", "2026-10-25 14:00", False),
    ("2026-03-28T10:00", "Europe/London", "by end of week", "2026-04-03", False),
]


@pytest.mark.parametrize(("ref", "zone", "text", "expected", "has_time"), MAIL_CASES,
                         ids=[f"{z}:{t}" for _, z, t, _, _ in MAIL_CASES])
def test_mail_phrases(ref: str, zone: str, text: str, expected: str | None, has_time: bool | None) -> None:
    m = resolve(text, datetime.fromisoformat(ref), zone)
    if expected is None:
        assert m is None, f"{text!r} is not a time, got {m}"
        return
    assert m is not None, f"{text!r} found nothing"
    fmt = "%Y-%m-%d %H:%M" if " " in expected else "%Y-%m-%d"
    assert m.value.strftime(fmt) == expected
    assert str(m.value.tzinfo) == zone
    if has_time is not None:
        assert m.has_time == has_time


# "the following Monday" / "the week after" count from the day named before them in the same text
# (reference, zone, text, expected of the last mention)
ANAPHOR_CASES = [
    ("2026-01-15T11:00", "Asia/Kolkata", "The steering group sits on the 27th; I'll hear back the following Friday.",
     "2026-01-30"),
    ("2026-09-04T16:45", "Australia/Sydney", "Install is on 14/9 and training the day after.", "2026-09-15"),
    ("2026-06-10T09:15", "Europe/London", "They're away until Monday 22 June, so let's book the week after.",
     "2026-06-29"),
    ("2026-11-18T14:30", "America/Los_Angeles", "Let's talk the following Tuesday.", "2026-11-24"),
    ("2026-11-18T14:30", "America/New_York", "Procurement signs on Dec 3 and we kick off the following Monday at 10.",
     "2026-12-07 10:00"),
]


@pytest.mark.parametrize(("ref", "zone", "text", "expected"), ANAPHOR_CASES)
def test_counted_from_the_day_named_before(ref: str, zone: str, text: str, expected: str) -> None:
    found = find_times(text, datetime.fromisoformat(ref), zone)
    assert found, text
    fmt = "%Y-%m-%d %H:%M" if " " in expected else "%Y-%m-%d"
    assert found[-1].value.strftime(fmt) == expected


def test_the_week_after_with_nothing_before_counts_from_today() -> None:
    found = find_times("We can do the week after.", datetime.fromisoformat(NY[0]), NY[1])
    assert [(f.value.strftime("%Y-%m-%d"), f.grain) for f in found] == [("2026-11-23", "week")]
    day_after = resolve("What about the day after?", datetime.fromisoformat(KOLKATA[0]), KOLKATA[1])
    assert day_after is not None and day_after.value.strftime("%Y-%m-%d") == "2026-01-16"
    m = resolve("I'll call Monday after lunch", datetime.fromisoformat(NY[0]), NY[1])
    assert m is not None and m.value.strftime("%Y-%m-%d") == "2026-11-23"


def test_two_days_joined_by_for_stay_two_days() -> None:
    found = find_times("I'm out Thursday and Friday for Thanksgiving.", datetime(2026, 11, 24, 17, 30),
                       "America/New_York")
    assert [(m.text, m.value.strftime("%m-%d")) for m in found] == [
        ("Thursday", "11-26"), ("Friday", "11-27"), ("Thanksgiving", "11-26")]


# Numbers in real mail that are not times (each list: the mentions that must be found, usually none)
NOT_TIMES = [
    ("Please see the comments on Section 5.6.", []),
    ("Consensus growth rate of 24.2. Strong quarter.", []),
    ("Offer beats the 6.5 cent cap", []),
    ("Perm-CA 6.11  2.15  1.68  2.78 SJ-CA 4.79", []),
    ("The bid was at 8 7/8 and closed at 11 7/8.", []),
    ("We moved 1 to 3, 2 to 3, or 3 to 3 depending on flow.", []),
    ("That is a decrease of $2 divided by 2.", []),
    ("Prices went up by 3, then fell.", []),
    ("Allow approximately 6 work days for processing.", []),
    ("Our office is at 555 17th St., Suite 1850", []),
    ("The 9th Circuit ruled on it.", []),
    ("Tweak the 3rd sentence of the memo", []),
    ("It is in the TW 4th Q plan", []),
    ("Have not been corrected for October.\n\n\t\t2.  How many charts", ["October"]),  # not October 2
    ("Open 24/7, 3/4 of the desks staffed", []),
    ("Call me at 713-853-1234 or file Form 10-K under Rule 144", []),
    ("Rate it on a scale from 1 to 10", []),
    # ... and what still is one
    ("I have a call from 2 to 3 but am free after", ["from 2 to 3"]),
    ("Sales grew from 3 to 5 million", []),
    ("Between 2 and 4 people will join", []),
    ("I'll be out from 10-2 tomorrow", ["10-2 tomorrow"]),
    ("He wrote at 430 this am, before the call", ["430 this am"]),
    ("We'll add them to tonight's list", ["tonight"]),
    ("Associates attend the year end 2000 review", ["year end 2000"]),
    ("Let's meet on 26.9. at 10.30", ["26.9. at 10.30"]),
]


@pytest.mark.parametrize(("text", "spans"), NOT_TIMES)
def test_numbers_that_are_not_times(text: str, spans: list[str]) -> None:
    assert [m.text for m in find_times(text, datetime.fromisoformat(NY[0]), NY[1])] == spans


def test_values_of_clock_ranges_and_year_ends() -> None:
    ref = datetime.fromisoformat(NY[0])
    found = {m.text: m.value.strftime("%Y-%m-%d %H:%M") for t in (
        "I'll be out from 10-2 tomorrow", "He wrote at 430 this am", "the year end 2000 review")
        for m in find_times(t, ref, NY[1])}
    assert found == {"10-2 tomorrow": "2026-11-19 10:00", "430 this am": "2026-11-18 04:30",
                     "year end 2000": "2000-12-31 00:00"}


def test_a_deadline_in_the_past_gets_no_window_that_ends_before_it_starts() -> None:
    for m in find_times("latest past Friday; last Monday at the latest", datetime.fromisoformat(NY[0]), NY[1]):
        assert m.is_past
        if m.window_start is not None and m.window_end is not None:
            assert m.window_start <= m.window_end


# a bare weekday that opens a range comes before the one that closes it
RANGE_CASES = [
    ("2026-11-17T09:00", "America/Chicago", "In the Denver office Tuesday through Friday", ["2026-11-17", "2026-11-20"]),
    ("2026-01-15T11:00", "Asia/Kolkata", "on leave Thursday - Monday", ["2026-01-15", "2026-01-19"]),
    ("2026-09-05T10:00", "Australia/Sydney", "closed Friday to Tuesday", ["2026-09-11", "2026-09-15"]),
    ("2026-06-10T09:15", "Europe/London", "Wednesday or Friday", ["2026-06-17", "2026-06-12"]),
]


@pytest.mark.parametrize(("ref", "zone", "text", "days"), RANGE_CASES)
def test_weekday_ranges(ref: str, zone: str, text: str, days: list[str]) -> None:
    found = find_times(text, datetime.fromisoformat(ref), zone)
    assert [m.value.strftime("%Y-%m-%d") for m in found] == days
