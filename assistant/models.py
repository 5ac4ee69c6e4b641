"""Plain data shared by the sources, the store, the tracker, the calendars and the review.

Everything here is a frozen dataclass; ids are derived from content so that re-reading the same
message or re-extracting the same promise yields the same id (which is what makes sync and booking
idempotent)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

Direction = Literal["sent", "received", "note"]
Who = Literal["me", "them"]


def content_id(*parts: object, prefix: str = "") -> str:
    """A short stable id from content: sha256 over the parts, 20 hex chars (80 bits)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return prefix + h.hexdigest()[:20]


@dataclass(frozen=True)
class Address:
    email: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower() if "@" in self.email else ""


@dataclass(frozen=True)
class RawMessage:
    """What a source hands over before parsing: the provider's id and the RFC 822 bytes
    (or, for notes, the text), plus the provider's own thread id where it has one."""

    account: str
    source_id: str  # provider id: IMAP "folder/uidvalidity/uid", Gmail id, Graph id, file path
    raw: bytes
    folder: str = ""  # "sent" | "inbox" | "notes" | provider folder name
    provider_thread_id: str = ""  # Gmail threadId, Graph conversationId
    direction_hint: Direction | None = None  # the folder says it (Sent folder, notes dir)
    received_at: datetime | None = None  # arrival time (IMAP INTERNALDATE, file mtime): used when Date is missing
    link: str = ""  # what only the adapter knows of the link back (Graph's webLink, a note's file://): sources.links


@dataclass(frozen=True)
class Message:
    """A message as the product keeps it: the fields the rest needs, not the whole mailbox."""

    id: str  # content-derived: Message-ID header AND sender, date, subject, text (mailparse.message_identity)
    account: str
    source_id: str
    message_id: str  # RFC 822 Message-ID without <>; "" for notes
    thread_id: str  # resolved thread (see Store.thread_for)
    direction: Direction
    sender: Address
    recipients: tuple[Address, ...]
    subject: str
    sent_at: datetime  # aware
    body: str  # the author's own text, after quote and signature stripping
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    provider_thread_id: str = ""
    is_auto_reply: bool = False
    auto_reply_until: datetime | None = None  # an out-of-office that names a return date
    timezone: str = ""  # the rep's zone the message is read in
    link: str = ""  # back to the message in the client it came from (assistant.sources.links decides it)
    # (deal key, company name as written) that this message tells about its other party, read from the whole
    # text before its signature is stripped; the store keeps it in `organisations`, not with the message
    org: tuple[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Commitment:
    """One promise found in a stored message (the nlp result plus where it came from)."""

    id: str  # content_id(message id, who, action, text)
    message_id: str  # Message.id
    who: Who
    action: str  # call | email | send | meet | follow_up | other
    due: datetime | None
    due_has_time: bool
    conditional: bool
    vague: bool
    text: str


class StepState(StrEnum):
    """The names of a tracked next step's states (the store keeps them as text). Which hops are allowed,
    the named sets of states and the one function that changes a state live in assistant.tracker.states."""

    PENDING = "pending"
    HELD = "held"  # a fallback's moment is held on the calendar (tentative) until the silence passes
    KEPT = "kept"
    SETTLED = "settled"
    DUE = "due"
    SUGGESTED = "suggested"
    BOOKED = "booked"
    ACCEPTED = "accepted"
    SNOOZED = "snoozed"
    REJECTED = "rejected"
    BROKEN = "broken"
    CANCELLED = "cancelled"
    BACKLOG = "backlog"  # history: fell due too long ago to book; listed once, for the rep to dismiss
    DISMISSED = "dismissed"  # taken off the backlog by the rep
    MERGED = "merged"  # the same promise as another step (a fragment of one sentence, a note and a mail)


@dataclass(frozen=True)
class Counterpart:
    """Who the step is with: a person, their company (email domain or the person for free mail), a thread."""

    email: str
    name: str
    company: str
    thread_id: str


@dataclass(frozen=True)
class NextStep:
    """A commitment as the tracker follows it."""

    commitment_id: str
    owner: Who
    action: str
    counterpart: Counterpart
    target: datetime  # aware
    target_is_default: bool  # no time in the promise: the config default applied
    state: StepState
    updated_at: datetime


@dataclass(frozen=True)
class Suggestion:
    """A follow-up the rep is asked to accept (or that is booked automatically)."""

    id: str  # deterministic: content_id(commitment id, prefix="ft")
    commitment_id: str
    title: str
    body: str
    start: datetime  # aware
    end: datetime
    reason: str  # why it was made ("no reply to your fallback", "buyer missed their promise")
    state: StepState = StepState.SUGGESTED
    link: str = ""  # back to the message


@dataclass(frozen=True)
class CalendarEvent:
    """What a calendar writer puts on a calendar; `uid` equals the suggestion id."""

    uid: str
    title: str
    description: str
    start: datetime
    end: datetime
    alarm_minutes: int = 10
    url: str = ""
    status: Literal["CONFIRMED", "TENTATIVE", "CANCELLED"] = "CONFIRMED"
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


ACCOUNT_STATES = ("ok", "signin", "config", "error", "signed_in")


@dataclass(frozen=True)
class AccountStatus:
    """How an account's last pass went, as the watcher recorded it: `ok`; `signin` (stopped until
    `assistant login`); `config` (stopped until the config is fixed); `error` (a server or network fault,
    tried again next pass); `signed_in` (`assistant login` succeeded since: the watcher takes it up again).
    `error` is the last error in one line; `ok_at` the last pass that went through."""

    account: str
    state: str
    error: str
    updated_at: datetime
    ok_at: datetime | None
