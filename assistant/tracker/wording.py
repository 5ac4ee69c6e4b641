"""How a follow-up reads: its title ("Call Ed Park (Acme) - you promised: ..."), its body, the link back
to the message, and the "why now" line, which follows the step's state (a kept promise never says it is
due). Pure functions."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.models import StepState
from assistant.sources.links import file_url, mail_url
from assistant.tracker.counterparts import company_label

# The reason a suggestion carries when the other side's out-of-office moved it (the report reads it).
OUT_OF_OFFICE_REASON = "out of office until"
HOLD_REASON = "held: your fallback time, in case they do not answer"
SILENCE_REASON = "no reply before your fallback time"
_label = company_label


def message_link(rfc_message_id: str, source_id: str = "") -> str:
    """The link of a message stored before the store kept one per message (assistant.sources.links decides
    it per source when a message is read): its `message:` URL, or a note's file when its id is a path."""
    return mail_url(rfc_message_id) or file_url(source_id)


# What a send/email promise is about: "I'll send him a short rollout plan by Monday" -> "a short rollout plan".
_WHAT = re.compile(
    r"\b(?:send|sending|email|e-mail|emailing|forward|forwarding|share|sharing)\s+"
    r"(?:(?:you|him|her|them|us|over|across|along|through|out)\s+){0,2}"
    r"(?P<what>(?:the|a|an|our|my|your|his|her|their|some|those|these)\s+[^.;:!?()\n\"\u201c\u201d]+)",
    re.IGNORECASE)
_WHAT_TAIL = re.compile(
    r"[,\s]+(?:by|before|on|at|until|till|tomorrow|today|tonight|next|this|later|early|end|once|when|if|after|"
    r"as soon|asap|so|to (?:you|him|her|them)|over the|in the next|within|first thing|right|and|but|for you to)\b.*$",
    re.IGNORECASE)
_WHAT_TIME = re.compile(r"^(?:the|this|next|a|an)\s+(?:week|weekend|morning|afternoon|evening|day|month|minute|"
                        r"moment|end|first|second|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
                        re.IGNORECASE)


def _what(text: str) -> str:
    """The thing a send/email promise names ("the rollout plan"), or "" when it names none clearly."""
    m = _WHAT.search(text)
    if m is None:
        return ""
    what = _WHAT_TAIL.sub("", m.group("what")).strip(" ,-\u2014")
    if not what or len(what) > 60 or _WHAT_TIME.match(what) or len(what.split()) < 2:
        return ""
    return what


def suggestion_texts(owner: str, action: str, text: str, who: str, email: str, company: str, subject: str,
                     sent_at: datetime | None, zone: ZoneInfo, link: str, *, conditional: bool = False,
                     reason: str = "", promised: str | None = None, org: str = "") -> tuple[str, str, str]:
    """(title, body, reason) of a follow-up. The title's headline (before " — ") says what and with whom:
    "Send Ed Park the rollout plan", "Call Priya Nair (Bluefin Health)", "Chase Kim Ortiz (contoso.com)":
    the company as its people write it (`org`), else the domain as written."""
    who = who or email or "them"
    label = _label(company, who, org)
    where = f" ({label})" if label and label != who else ""
    what = _what(text) if action in ("send", "email") else ""
    if owner == "me":
        if action == "send":
            head = f"Send {who} {what}" if what else f"Send {who}{where} what you promised"
        elif action == "email":
            head = f"Email {who} {what}" if what else f"Email {who}{where}"
        elif action == "call":
            head = f"Call {who}{where}"
        elif action == "meet":
            head = f"Meet {who}{where}"
        else:
            head = f"Follow up with {who}{where}"
        title = f"{head} \u2014 you promised: {text}"
        reason = reason or (SILENCE_REASON if conditional else "your promise is due, not yet delivered"
                            if action in ("send", "email") else "your promise is due")
    else:
        head = f"Chase {who}{where}" + (f" for {what}" if what else "")
        title = f"{head} \u2014 they promised: {text}"
        reason = reason or f"{who} did not do what they promised"
    when = promised if promised is not None else f" on {sent_at.astimezone(zone):%a %d %b %Y %H:%M}" if sent_at else ""
    lines = [f"Promise{when}: \u201c{text}\u201d", f"Why now: {reason}."]
    if subject:
        lines.append(f"Thread: {subject}")
    if email:
        lines.append(f"With: {who} <{email}>")
    if link:
        lines.append(f"Message: {link}")
    return title[:200], "\n".join(lines), reason


_ENDED_WHY = {
    StepState.KEPT: "kept: delivered",
    StepState.SETTLED: "settled: they answered",
    StepState.REJECTED: "rejected by you",
    StepState.CANCELLED: "cancelled",
    StepState.DISMISSED: "dismissed from the backlog",
    StepState.MERGED: "the same promise as another follow-up",
    StepState.BACKLOG: "history: due too long ago to book",
}


def why(state: StepState, reason: str) -> str:
    """The "why now" a follow-up shows in `state`: the reason it was made while it is live, what
    happened to it once it ended."""
    if state == StepState.HELD:
        return HOLD_REASON
    return _ENDED_WHY.get(state, reason)
