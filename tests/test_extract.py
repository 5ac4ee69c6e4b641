"""nlp.extract: who owes what by when, on the phrasings issue 4 lists, plus property tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.extract import ExtractedCommitment, MessageInput, extract, pipe

NY = "America/New_York"
MON = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo(NY))  # a Monday


def ex(text: str, direction: str = "sent", sent_at: datetime = MON, tz: str = NY) -> list[ExtractedCommitment]:
    return extract(text, sent_at=sent_at, timezone=tz, direction=direction)


def one(text: str, direction: str = "sent", sent_at: datetime = MON) -> ExtractedCommitment:
    found = ex(text, direction, sent_at)
    assert len(found) == 1, found
    return found[0]


def test_sent_promise_with_deadline_is_date_only() -> None:
    c = one("I'll send you the ROI calculator by Thursday.")
    assert (c.who, c.action, c.due_has_time, c.conditional, c.vague) == ("me", "send", False, False, False)
    assert c.due is not None and c.due.date().isoformat() == "2026-11-05"
    assert c.text == "I'll send you the ROI calculator by Thursday."


def test_conditions_time_is_not_the_promises() -> None:
    c = one("If we don't speak before Friday, I'll give you a call Monday at 9:30.", sent_at=MON + timedelta(days=2))
    assert c.action == "call" and c.conditional
    assert c.due is not None and (c.due.date().isoformat(), c.due.strftime("%H:%M")) == ("2026-11-09", "09:30")


def test_no_time_means_no_due() -> None:
    c = one("I'll get back to you as soon as I have the estimate.")
    assert c.due is None and not c.due_has_time


@pytest.mark.parametrize("text", [
    "I tried calling you this morning.",
    "Could you send me the signed order form by Tuesday?",
    "Would you be able to send the signed order form by Tuesday?",
    "I won't be able to make the Wednesday meeting.",
    "I will not be sending the quote until procurement signs off.",
    "I'd be happy to set up a demo whenever suits.",
    "We could potentially extend the trial by two weeks.",
    "Our office is closed Monday and the new rates apply from March.",
    "I'm on leave next week.",
    "I'll be out of the office from Dec 24.",
    "Attached is the proposal I promised.",
    "Just wanted to check in and see how things are going.",
    "Let me know if you have any questions.",
    "Shall I send the contract to you or to legal?",
    "Thanks, sounds good.\n\nOn Wed, Nov 18, 2026 at 3:10 PM Kim <kim@x.example> wrote:\n> I'll send the PO on Monday.",
    "Thanks!\n\n--\nSam | Office hours Mon-Fri 9-5, I'll call back within a day",
])
def test_not_promises(text: str) -> None:
    assert ex(text) == []


@pytest.mark.parametrize("text, direction, who", [
    ("I'll send the purchase order on Monday.", "received", "them"),
    ("You'll send us the user list by Tuesday and we'll provision accounts on Wednesday.", "sent", "them"),
    ("Will send the figures Tuesday.", "sent", "me"),
    ("Left VM, said I'd try him Thursday.", "note", "me"),
    ("Call w/ Priya: she'll get legal's comments to me by the 9th.", "note", "them"),
    ("VM from Pat (Fabrikam): will send the security review Thursday.", "note", "them"),
    ("You'll have it in your inbox Monday.", "sent", "me"),
    ("Expect a call from me Thursday.", "sent", "me"),
    ("Count on a call Monday.", "sent", "me"),
    ("Hi Dana, you'll have our feedback on the spec by Friday.", "received", "them"),
])
def test_who(text: str, direction: str, who: str) -> None:
    assert ex(text, direction)[0].who == who


@pytest.mark.parametrize("text, action, vague", [
    ("I'll ring you Friday.", "call", False),
    ("I'll give you a ring tomorrow.", "call", False),
    ("I'll try you again Thursday at 4pm.", "call", False),
    ("I'll get back to you by Friday.", "email", False),
    ("I'll let you know on Monday.", "email", False),
    ("I'll shoot over the deck tomorrow.", "send", False),
    ("I'll have the draft back to you Wednesday.", "send", False),
    ("I'll set up a demo for next week.", "meet", False),
    ("I'll swing by Thursday.", "meet", False),
    ("I'll touch base with you on Monday.", "follow_up", True),
    ("I'll circle back after the quarter closes.", "follow_up", True),
    ("I'll keep you posted.", "follow_up", True),
    ("I'll follow up with the implementation timeline Tuesday.", "send", False),
])
def test_action_and_vague(text: str, action: str, vague: bool) -> None:
    c = ex(text)[0]
    assert (c.action, c.vague) == (action, vague)


def test_vague_promise_keeps_its_date() -> None:
    c = one("I'll touch base with you on Monday.")
    assert c.vague and c.due is not None and c.due.date().isoformat() == "2026-11-09"


@pytest.mark.parametrize("text", [
    "I'll call you Thursday at 8:15 if I have not heard back - does that work for you?",
    "Should I not hear from you, I'll call Thursday.",
    "Failing a reply, I'll ring you on Friday.",
    "In case we miss each other, I'll try your mobile at 5.",
    "If nothing by then, I'll call you Monday.",
])
def test_silence_fallbacks_are_conditional(text: str) -> None:
    c = one(text)
    assert c.conditional and c.action == "call"


def test_bulleted_next_steps_and_two_promises_in_a_sentence() -> None:
    text = ("Recap of next steps:\n1. I'll send the MSA today.\n2. You'll loop in procurement by Wednesday.\n"
            "3. We'll meet again on Dec 2 at 3pm.")
    found = ex(text)
    assert [(c.who, c.action) for c in found] == [("me", "send"), ("them", "other"), ("me", "meet")]
    two = ex("Jill, I'll send the NDA today and call you tomorrow to go over it.")
    assert [(c.action, c.due.date().isoformat() if c.due else None) for c in two] == [
        ("send", "2026-11-02"), ("call", "2026-11-03")]


def test_spans_point_into_the_raw_text() -> None:
    text = "Hi Jo,\n\nThanks for today. I'll call you Wednesday at 10:45.\n\nThanks,\nSam"
    c = one(text)
    assert text[c.start:c.end] == c.text


def test_pipe_keeps_order_and_count() -> None:
    msgs = [MessageInput(t, MON, NY, "sent") for t in ["I'll call you Friday.", "", "nothing here", "Will send it Tue."]]
    out = list(pipe(msgs, batch_size=2))
    assert [len(x) for x in out] == [1, 0, 0, 1]


ZONES = ["America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles", "UTC"]
PROMISES = ["I'll call you", "I'll send the quote", "Will email you", "We'll meet", "I'll touch base",
            "Expect a call from me", "told her I'd ring back", "I'll have it back to you"]
TIMES = ["", "today", "tonight", "this morning", "at 9", "at 9am", "by 5pm", "yesterday", "tomorrow at 8",
         "Monday", "this Monday", "last Friday", "on the 1st", "on 1/2", "in an hour", "by end of day", "at noon",
         "next week", "in March", "within 24 hours", "first thing", "on 31/12", "Sunday at 23:59"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    promise=st.sampled_from(PROMISES), when=st.sampled_from(TIMES), zone=st.sampled_from(ZONES),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400), direction=st.sampled_from(["sent", "received", "note"]),
)
def test_due_is_never_before_sent_at(promise: str, when: str, zone: str, minutes: int, direction: str) -> None:
    sent = datetime(2026, 1, 1, tzinfo=ZoneInfo(zone)) + timedelta(minutes=minutes)
    for c in extract(f"{promise} {when}.", sent_at=sent, timezone=zone, direction=direction):
        assert c.due is None or c.due >= sent, (promise, when, sent, c.due)
        assert c.due is None or c.due.utcoffset() == c.due.astimezone(ZoneInfo(zone)).utcoffset()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=3000), direction=st.sampled_from(["sent", "received", "note", "bogus"]),
       zone=st.sampled_from([*ZONES, "Not/AZone"]))
def test_never_raises_on_arbitrary_text(text: str, direction: str, zone: str) -> None:
    for c in extract(text, sent_at=MON, timezone=zone, direction=direction):
        assert c.who in ("me", "them")
        assert 0 <= c.start <= c.end <= len(text)


@settings(max_examples=5, deadline=None)
@given(chunk=st.text(min_size=1, max_size=200))
def test_huge_input(chunk: str) -> None:
    body = ("I'll call you Friday at 10. " + chunk + "\n> quoted I'll send it\n") * (1_000_000 // (len(chunk) + 50) + 1)
    assert len(body) >= 1_000_000
    found = ex(body)
    assert all(0 <= c.start <= c.end <= len(body) for c in found)


def test_fallback_falls_after_the_silence_it_waits_for() -> None:
    wed = datetime(2026, 11, 11, 17, 10, tzinfo=ZoneInfo(NY))
    c = one("If I don't hear back on the pilot scope by next Wednesday, I'll call you Thursday at 9:30.", sent_at=wed)
    assert c.conditional and c.due is not None
    assert (c.due.date().isoformat(), c.due.strftime("%H:%M")) == ("2026-11-19", "09:30")


def test_time_shared_by_coordinated_verbs_and_anaphoric_then() -> None:
    c = ex("Yes - I'll book a room for the workshop and send the invite for Thursday at 1pm.")
    assert {x.due.date().isoformat() for x in c if x.due} == {"2026-11-05"}
    notes = ex("Una - rescheduled to Thu 3:30pm. I'll call her then.", direction="note")
    assert notes[0].due is not None and notes[0].due.strftime("%a %H:%M") == "Thu 15:30"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.binary(min_size=1, max_size=400), seed=st.text(max_size=80))
def test_bad_input_never_raises_never_floods_never_dates_before_sending(junk: bytes, seed: str) -> None:
    from nlp.extract import MAX_COMMITMENTS

    mojibake = ("I\u00e2\u20ac\u2122ll send the deck by Friday. " + seed).encode("utf-8").decode("latin-1")
    garbage = junk.decode("latin-1")
    ten_mb_line = ("I'll call you Tuesday at 9 and send the file " + garbage.replace("\n", " ")) * (
        10_000_000 // (len(garbage) + 46) + 1)
    for body in (mojibake, garbage, ten_mb_line, mojibake + "\n" + garbage * 50):
        found = extract(body, sent_at=MON, timezone=NY, direction="sent")
        assert len(found) <= MAX_COMMITMENTS
        assert all(c.due is None or c.due >= MON for c in found)
        assert all(0.0 <= c.confidence <= 1.0 and c.rule for c in found)
