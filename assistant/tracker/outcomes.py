"""What happened since a promise: kept (delivered), settled (real contact made the fallback or the
call unnecessary), or nothing yet; and an out-of-office's return date. Pure functions over the mail of
the promise's thread and the contact with its counterpart on other threads.

Real contact is a reply from the other side, an accepted meeting, or a call note that records talking
to them (an inbound call, a call that happened); a note that only records a voicemail left or no answer
is not contact. Auto-replies and out-of-office answers never count."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from assistant.models import StepState
from assistant.tracker.repository import Mail

# The rep's later message delivers the promised thing ("attached is the proposal", "I've sent ...").
DELIVERY_RE = re.compile(
    r"\b(attached|attaching|enclosed|please find|here(?:'s| is| are)\s+(?:the|a|an|our|your|my)\b|as promised|"
    r"(?:i've|i have|we've|we have|just)\s+(?:just\s+)?(?:sent|shared|uploaded)|sending (?:you |over )?(?:the|a|our)"
    r"|link to the|you(?:'ll| will) find)", re.IGNORECASE)
# A call or meeting that happened ("spoke with", "as discussed on the phone", "thanks for the call").
CONTACT_RE = re.compile(
    r"\b(spoke (?:with|to)|talked (?:with|to)|called|rang|phoned|(?:good|great|thanks for the) (?:call|chat|meeting|"
    r"talking)|as discussed|following (?:up on )?our (?:call|chat|meeting)|met with|invite|invitation|"
    r"call (?:with|from)|voicemail from|vm from|returned my call)", re.IGNORECASE)
# A call note that records only an attempt: the rep did not reach them.
NO_CONTACT_RE = re.compile(
    r"\b(left (?:a |him a |her a |them a |you a )?(?:voicemail|vm|message)|no answer|(?:didn't|did not|couldn't|"
    r"could not) (?:pick up|reach|get through|answer)|went (?:straight )?to (?:voicemail|vm)|not reachable|"
    r"no reply)\b", re.IGNORECASE)
INBOUND_RE = re.compile(
    r"\b((?:called|rang|phoned) (?:me )?back|returned my call|(?:call|voicemail|vm) from|(?:he|she|they|\w+) "
    r"(?:called|rang|phoned)(?! (?:him|her|them))\b)", re.IGNORECASE)
ACCEPTED_RE = re.compile(r"^\s*(?:accepted|tentatively accepted|angenommen|accepté)\s*:", re.IGNORECASE)
CONTACT_ACTIONS = frozenset({"call", "meet", "follow_up", "other"})


def delivers(body: str, action: str) -> bool:
    """A later message of the promiser's that does what was promised."""
    if action == "send":
        return bool(DELIVERY_RE.search(body))
    if action in ("call", "meet"):
        return bool(CONTACT_RE.search(body))
    return True  # email / follow_up / other: writing again is the follow-up


def note_is_contact(text: str) -> bool:
    """A call note records real contact, unless all it records is an attempt that did not reach them."""
    return not NO_CONTACT_RE.search(text) or bool(INBOUND_RE.search(text))


def accepted_meeting(mail: Mail) -> bool:
    """A calendar answer "Accepted: ..." from the other side."""
    return mail.direction == "received" and bool(ACCEPTED_RE.match(mail.subject))


def outcome(owner: str, action: str, conditional: bool, promise: Mail, mail: Iterable[Mail], mine: frozenset[str],
            about: Callable[[Mail], bool]) -> tuple[StepState, Mail] | None:
    """Kept or settled by a message after the promise, or None. `mail` is the promise's thread and the
    counterpart's contact elsewhere (by time); `about` says whether a call note from another thread is
    with this counterpart."""
    for msg in mail:
        if msg.id == promise.id or msg.sent_at < promise.sent_at or msg.is_auto_reply:
            continue
        direction = msg.direction
        from_rep = direction == "sent" or (direction == "received" and msg.sender_email in mine)
        if direction == "note":
            if msg.thread_id != promise.thread_id and not about(msg):
                continue
            if not note_is_contact(f"{msg.subject}\n{msg.body}"):
                continue
            if action in CONTACT_ACTIONS:
                inbound = bool(INBOUND_RE.search(f"{msg.subject}\n{msg.body}"))
                return (StepState.SETTLED if owner == "me" and inbound else StepState.KEPT), msg
            if owner == "me" and conditional:
                return StepState.SETTLED, msg
            continue
        if owner == "me":
            if from_rep:
                if msg.thread_id == promise.thread_id and direction == "sent" and delivers(msg.body, action):
                    return StepState.KEPT, msg
                continue
            if accepted_meeting(msg) and action == "meet":
                return StepState.KEPT, msg
            if conditional:  # a real reply makes the fallback unnecessary; it does not do a promised call
                return StepState.SETTLED, msg
        elif not from_rep and direction == "received":
            if (msg.thread_id == promise.thread_id or action in CONTACT_ACTIONS) and delivers(msg.body, action):
                return StepState.KEPT, msg
            if accepted_meeting(msg) and action in ("meet", "call"):
                return StepState.KEPT, msg
    return None


def ooo_until(mail: Iterable[Mail], promise: Mail) -> datetime | None:
    """The latest return date an out-of-office answer after the promise names, if any."""
    until = [m.auto_reply_until for m in mail
             if m.is_auto_reply and m.auto_reply_until is not None and m.sent_at >= promise.sent_at]
    return max(until) if until else None
