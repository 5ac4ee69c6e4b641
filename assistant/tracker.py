"""The tracker: pure state over the store. Every stored commitment becomes a tracked next step, and a
step whose target passes unsettled becomes a follow-up suggestion. The clock is always injected.

Functions others use:
- `track(store, config, now) -> TrackResult`: one pass (new steps, kept/settled/due/broken, suggestions,
  snoozes that ended). Idempotent: a second pass at the same `now` changes nothing.
- `transition(store, commitment_id, to_state, now, note)`: one checked state change (the review uses it
  through assistant.booking for accept/snooze/reject/cancel).
- `deals(store, config, now) -> list[Deal]`: messages and steps rolled up by counterpart company.
- Business time: `next_business_slot`, `add_business_days`, `default_target`, `rep_zone`.

States (`TRANSITIONS` lists every allowed hop, each one recorded in step_transitions):
  pending -> kept | settled | due | broken | cancelled
  due -> suggested (the rep's promise fell due: a follow-up is proposed)
  broken -> suggested (the buyer missed their promise: chasing it becomes the rep's next step)
  suggested -> booked | accepted | snoozed | rejected, and snoozed -> suggested when the snooze ends
  any open state -> kept (delivered) | settled (a real reply to a fallback) | cancelled
"""

from __future__ import annotations

import json
import re
import time as time_module
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.models import Commitment, Counterpart, Message, NextStep, StepState, Suggestion, content_id
from assistant.store import Store, utc_iso

S = StepState
OPEN_STATES: frozenset[StepState] = frozenset(
    {S.PENDING, S.DUE, S.BROKEN, S.SUGGESTED, S.BOOKED, S.ACCEPTED, S.SNOOZED})
FINAL_STATES: frozenset[StepState] = frozenset({S.KEPT, S.SETTLED, S.REJECTED, S.CANCELLED})
_ENDINGS = frozenset({S.KEPT, S.SETTLED, S.CANCELLED})
TRANSITIONS: dict[StepState, frozenset[StepState]] = {
    S.PENDING: frozenset({S.DUE, S.BROKEN}) | _ENDINGS,
    S.DUE: frozenset({S.SUGGESTED}) | _ENDINGS,
    S.BROKEN: frozenset({S.SUGGESTED}) | _ENDINGS,
    S.SUGGESTED: frozenset({S.BOOKED, S.ACCEPTED, S.SNOOZED, S.REJECTED}) | _ENDINGS,
    S.BOOKED: frozenset({S.ACCEPTED, S.SNOOZED, S.REJECTED}) | _ENDINGS,
    S.ACCEPTED: frozenset({S.SNOOZED, S.REJECTED}) | _ENDINGS,
    S.SNOOZED: frozenset({S.SUGGESTED, S.ACCEPTED, S.REJECTED}) | _ENDINGS,
    S.KEPT: frozenset(),
    S.SETTLED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com",
    "yandex.ru", "yandex.com", "fastmail.com", "hey.com", "qq.com", "163.com", "comcast.net", "verizon.net",
})

# The rep's later message delivers the promised thing ("attached is the proposal", "as promised, ...").
DELIVERY_RE = re.compile(
    r"\b(attached|attaching|enclosed|please find|here(?:'s| is| are)\s+(?:the|a|an|our|your|my)\b|as promised|"
    r"(?:i've|i have|we've|we have|just)\s+(?:just\s+)?(?:sent|shared|uploaded)|sending (?:you |over )?(?:the|a|our)"
    r"|link to the|you(?:'ll| will) find)", re.IGNORECASE)
# A call or meeting that happened ("spoke with", "left a voicemail", "as discussed on the phone").
CONTACT_RE = re.compile(
    r"\b(spoke (?:with|to)|talked (?:with|to)|called|left (?:a |you a )?(?:voicemail|vm|message)|"
    r"(?:good|great|thanks for the) (?:call|chat|meeting|talking)|as discussed|following (?:up on )?our (?:call|chat|"
    r"meeting)|met with|invite|invitation)", re.IGNORECASE)

# The reason a suggestion carries when the other side's out-of-office moved it (the report reads it).
OUT_OF_OFFICE_REASON = "out of office until"


class TransitionError(AssistantError):
    """A state change the step's state machine does not allow."""


@dataclass(frozen=True)
class TrackResult:
    new_steps: int = 0
    transitions: dict[str, int] = field(default_factory=dict)  # "pending->due" -> count
    suggestions: tuple[str, ...] = ()  # ids of suggestions made in this pass
    moved: tuple[str, ...] = ()  # suggestions moved after an out-of-office return date

    def lines(self) -> list[str]:
        out = [f"tracker: {self.new_steps} new step(s), {len(self.suggestions)} new suggestion(s)"]
        out += [f"  {hop}: {n}" for hop, n in sorted(self.transitions.items())]
        if self.moved:
            out.append(f"  {len(self.moved)} suggestion(s) moved after an out-of-office return date")
        return out


@dataclass(frozen=True)
class Deal:
    """A counterpart company with its activity and its next step."""

    company: str
    people: tuple[str, ...]
    last_activity: datetime
    next_step: NextStep | None
    stalled: bool
    stalled_reason: str
    vague_only: bool
    label: str = ""
    open_steps: int = 0


# -- business time ------------------------------------------------------------------------------
class BusinessHours:
    """The rep's working time, with what a pass asks many times precomputed: each working day's slots
    (start, then every quarter hour up to the last start that leaves room for a follow-up) and the
    date `n` working days after a date. One instance per distinct config (see `business_hours`)."""

    def __init__(self, timezone: str, start: time, end: time, days: tuple[int, ...], event_minutes: int,
                 default_days: int) -> None:
        self.zone = ZoneInfo(timezone)
        self.start, self.end, self.days = start, end, frozenset(days)
        self.event = timedelta(minutes=event_minutes)
        latest = datetime.combine(date(2000, 1, 3), end) - self.event
        self.last = max(latest.time(), start)  # the latest start that still fits in working hours
        self.default_days = default_days
        self._slots: dict[date, tuple[list[float], list[datetime]]] = {}
        self._later: dict[tuple[date, int], date] = {}

    def working(self, day: date) -> bool:
        return day.weekday() in self.days

    def at(self, day: date, clock: time) -> datetime:
        """Wall time `clock` on `day` in the rep's zone (a wall time skipped by DST resolves forward)."""
        return datetime.combine(day, clock, tzinfo=self.zone)

    def day_slots(self, day: date) -> tuple[list[float], list[datetime]]:
        found = self._slots.get(day)
        if found is None:
            if len(self._slots) > 20_000:
                self._slots.clear()
            moments = [self.at(day, self.start)]
            minute = (self.start.hour * 60 + self.start.minute) // 15 * 15 + 15
            last = self.last.hour * 60 + self.last.minute
            while minute <= last and minute < 24 * 60:
                moments.append(self.at(day, time(minute // 60, minute % 60)))
                minute += 15
            found = self._slots[day] = ([m.timestamp() for m in moments], moments)
        return found

    def next_slot(self, moment: datetime) -> datetime:
        """The first slot at or after `moment` (rep's zone)."""
        local = moment.astimezone(self.zone)
        if not self.days:
            return local
        stamp = moment.timestamp()
        day = local.date()
        for _ in range(15):
            if day.weekday() in self.days:
                stamps, moments = self.day_slots(day)
                i = bisect_left(stamps, stamp)
                if i < len(stamps):
                    return moments[i]
            day += timedelta(days=1)
        raise AssistantError("rep.working_days names no day: set it like \"Mon-Fri\"")

    def later_day(self, day: date, days: int) -> date:
        """The date `days` working days after `day`."""
        key = (day, days)
        found = self._later.get(key)
        if found is None:
            found, added, guard = day, 0, 0
            while added < days and self.days and guard <= 366:
                found += timedelta(days=1)
                guard += 1
                if found.weekday() in self.days:
                    added += 1
            if len(self._later) > 20_000:
                self._later.clear()
            self._later[key] = found
        return found

    def default_target(self, sent_at: datetime) -> datetime:
        local = sent_at.astimezone(self.zone)
        day = self.later_day(local.date(), self.default_days)
        wall = local.time()
        if wall < self.start:
            return self.at(day, self.start)
        if wall > self.last:
            return self.at(day, self.last)
        return self.at(day, wall)

    def target(self, who: str, due: datetime | None, has_time: bool, sent_at: datetime) -> tuple[datetime, bool]:
        """See `target_for`."""
        if due is None:
            return self.default_target(sent_at), True
        if has_time:
            return due, False
        day = due.date()
        if who == "them":
            return self.at(day, self.end), False
        guard = 0
        while day.weekday() not in self.days and self.days and guard < 7:
            day += timedelta(days=1)
            guard += 1
        return self.at(day, self.start), False


@lru_cache(maxsize=32)
def _business_hours(timezone: str, start: time, end: time, days: tuple[int, ...], event_minutes: int,
                    default_days: int) -> BusinessHours:
    return BusinessHours(timezone, start, end, days, event_minutes, default_days)


def business_hours(config: Config) -> BusinessHours:
    h = config.rep.hours
    return _business_hours(config.rep.timezone, h.start, h.end, tuple(h.days), config.tracker.event_minutes,
                           config.tracker.default_business_days)


def rep_zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.rep.timezone)


def next_business_slot(moment: datetime, config: Config) -> datetime:
    """The first quarter-hour at or after `moment` inside the rep's working hours (rep's zone)."""
    return business_hours(config).next_slot(moment)


def add_business_days(moment: datetime, days: int, config: Config) -> datetime:
    """`days` working days after `moment`, same wall time in the rep's zone."""
    hours = business_hours(config)
    local = moment.astimezone(hours.zone)
    return hours.at(hours.later_day(local.date(), days), local.time())


def default_target(sent_at: datetime, config: Config) -> datetime:
    """A promise with no date: `tracker.default_business_days` working days after the message, at the
    message's wall time moved inside working hours."""
    return business_hours(config).default_target(sent_at)


def target_for(commitment: Commitment, sent_at: datetime, config: Config) -> tuple[datetime, bool]:
    """When a step falls due, and whether the config default was used.

    A timed promise is due at its moment. A dated one is due when that working day starts for the rep's
    own promise (do it that day) and when it ends for the buyer's (they had the whole day)."""
    return business_hours(config).target(commitment.who, commitment.due, commitment.due_has_time, sent_at)


# -- counterparts -------------------------------------------------------------------------------
_NOTE_NAME = re.compile(r"\b(?:for|from|with|to|called|call(?:ed)? with)\s+([A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?)")
_NOTE_COMPANY = re.compile(r"\(([A-Z][\w&.\- ]{1,40})\)|\bat\s+([A-Z][\w&\-]+(?:\s+[A-Z][\w&\-]+){0,2})")


def name_from_address(email: str) -> str:
    """"ed.park@acme.com" -> "Ed Park" (for people who sent no display name)."""
    local = email.split("@")[0]
    return " ".join(p.capitalize() for p in re.split(r"[._\-+]+", local) if p) or email


def company_of(email: str) -> str:
    """The grouping key of a deal: the email domain, or the address itself for free mail."""
    email = email.lower()
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    if not domain:
        return email
    return email if domain in FREE_MAIL_DOMAINS else domain


def company_label(company: str, name: str = "") -> str:
    """How a company reads in a title: "acme.com" -> "Acme"; a free-mail person reads as their name."""
    if "@" in company:
        return name or company
    if "." in company:
        parts = company.split(".")
        core = parts[-3] if len(parts) >= 3 and len(parts[-2]) <= 3 and len(parts[-1]) == 2 else parts[-2]
        return core.replace("-", " ").title()
    return company.title() if company.islower() else company


_label = lru_cache(maxsize=4096)(company_label)


def _other_party(direction: str, sender_email: str, sender_name: str, recipients: Iterable[Sequence[str]],
                 mine: frozenset[str]) -> tuple[str, str] | None:
    """The other party of one message: (email, name), or None when it names no one but the rep."""
    if direction == "received":
        if sender_email and sender_email.lower() not in mine:
            return sender_email.lower(), sender_name
        return None
    for email, name in recipients:
        if email and email.lower() not in mine:
            return email.lower(), name
    if direction == "note" and sender_email and sender_email.lower() not in mine:
        return sender_email.lower(), sender_name
    return None


def _party(message: Message, mine: frozenset[str]) -> tuple[str, str] | None:
    return _other_party(message.direction, message.sender.email, message.sender.name,
                        ((a.email, a.name) for a in message.recipients), mine)


class _Mail(NamedTuple):
    """A stored message as the pass reads it: times are UTC ISO text, recipients stay JSON until needed."""

    thread_id: str
    id: str
    direction: str
    sender_email: str
    sender_name: str
    recipients: str
    sent_at: str
    body: str
    is_auto_reply: int
    auto_reply_until: str | None
    subject: str

    def party(self, mine: frozenset[str]) -> tuple[str, str] | None:
        return _other_party(self.direction, self.sender_email, self.sender_name,
                            json.loads(self.recipients) if self.direction != "received" else (), mine)


def _counterpart(promise: _Mail, thread: Sequence[_Mail], mine: frozenset[str],
                 known: Callable[[], list[tuple[str, str]]]) -> tuple[str, str, str]:
    """(email, name, company) a promise is with: the message's other party; for a note with no address,
    the thread's other party, else the name and company the note itself gives ("VM from Pat (Fabrikam)")."""
    party = promise.party(mine)
    if party is None:
        for other in reversed(thread):
            if other.direction != "note" and (party := other.party(mine)) is not None:
                break
    if party is not None:
        email, name = party
        return email, name or name_from_address(email), company_of(email)
    text = f"{promise.subject}\n{promise.body}"
    name_m = _NOTE_NAME.search(text)
    comp_m = _NOTE_COMPANY.search(text)
    name = name_m.group(1) if name_m else ""
    company = (comp_m.group(1) or comp_m.group(2)).strip() if comp_m else ""
    email = ""
    if name or company:
        email, company = _known_party(known(), name, company)
    return email, name or company or "unknown", company or name.lower() or "unknown"


def _known_party(correspondents: Iterable[tuple[str, str]], name: str, company: str) -> tuple[str, str]:
    """Match a note's "Kim at Contoso" to a stored address (kim@contoso.com) when there is one."""
    first = name.split()[0].lower() if name else ""
    slug = re.sub(r"[^a-z0-9]", "", company.lower())
    best_email, best_company = "", company
    for email, sender_name in correspondents:
        email = email.lower()
        m_name = sender_name.lower()
        domain = email.rsplit("@", 1)[-1]
        label = re.sub(r"[^a-z0-9]", "", company_label(company_of(email)).lower())
        domain_fits = bool(slug) and (label == slug or domain.split(".")[0] == slug)
        name_fits = bool(first) and (m_name.split()[:1] == [first] or re.split(r"[._\-+]", email)[0] == first)
        if domain_fits and name_fits:
            return email, company_of(email)
        if domain_fits and not best_email:
            best_company = company_of(email)
        if name_fits and not slug and not best_email:
            best_email, best_company = email, company_of(email)
    return best_email, best_company


# -- what happened on the thread since the promise ------------------------------------------------
def _delivered(body: str, direction: str, action: str) -> bool:
    if action == "send":
        return bool(DELIVERY_RE.search(body))
    if action in ("call", "meet"):
        return direction == "note" or bool(CONTACT_RE.search(body))
    return True  # email / follow_up / other: writing again is the follow-up


def _outcome(owner: str, action: str, conditional: bool, promise: _Mail, thread: Iterable[_Mail],
             mine: frozenset[str]) -> tuple[str, _Mail] | None:
    """Kept (delivered) or settled (a real reply to a fallback) by a message after the promise, or None.
    Auto-replies and out-of-office answers never count."""
    for msg in thread:
        if msg.id == promise.id or msg.sent_at < promise.sent_at or msg.is_auto_reply:
            continue
        direction = msg.direction
        from_rep = direction == "sent" or (direction == "received" and msg.sender_email.lower() in mine)
        if owner == "me":
            if (from_rep or direction == "note") and (
                    direction != "note" or action in ("call", "meet", "follow_up", "other")) \
                    and _delivered(msg.body, direction, action):
                return S.KEPT, msg
            if conditional and not from_rep and direction in ("received", "note"):
                return S.SETTLED, msg
        else:
            if direction == "received" and not from_rep and _delivered(msg.body, direction, action):
                return S.KEPT, msg
            if direction == "note" and action in ("call", "meet") and _delivered(msg.body, direction, action):
                return S.KEPT, msg
    return None


def _ooo_until(thread: Iterable[_Mail], promise: _Mail) -> str | None:
    """The latest return date (UTC ISO) an out-of-office answer after the promise names, if any."""
    until = [m.auto_reply_until for m in thread
             if m.is_auto_reply and m.auto_reply_until and m.sent_at >= promise.sent_at]
    return max(until) if until else None


# -- suggestions ----------------------------------------------------------------------------------
def message_link(rfc_message_id: str, source_id: str = "") -> str:
    """A link back to the message: `message:<id>` (opens it in Apple Mail, Thunderbird with an add-on,
    Outlook on the Mac); a note links to its file."""
    if rfc_message_id:
        return "message:%3C" + quote(rfc_message_id, safe="@.-_+!$") + "%3E"
    if source_id.startswith("/"):
        return "file://" + quote(source_id)
    return ""


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
                     reason: str = "", promised: str | None = None) -> tuple[str, str, str]:
    """(title, body, reason) of a follow-up. The title's headline (before " — ") says what and with whom:
    "Send Ed Park the rollout plan", "Call Priya Nair (Bluefinhealth)", "Chase Kim Ortiz (Contoso)"."""
    who = who or email or "them"
    label = _label(company, who)
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
        reason = reason or ("no reply before your fallback time" if conditional else "your promise is due, not yet delivered"
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


def make_suggestion(commitment_id: str, owner: str, action: str, text: str, counterpart: Counterpart,
                    start: datetime, config: Config, *, link: str, subject: str = "",
                    sent_at: datetime | None = None, reason: str = "", conditional: bool = False) -> Suggestion:
    """A follow-up suggestion for one step (the pass builds the same texts in bulk)."""
    zone = rep_zone(config)
    title, body, reason = suggestion_texts(owner, action, text, counterpart.name, counterpart.email,
                                           counterpart.company, subject, sent_at, zone, link,
                                           conditional=conditional, reason=reason)
    start = start.astimezone(zone)
    return Suggestion(
        id=content_id(commitment_id, prefix="ft"), commitment_id=commitment_id, title=title, body=body,
        start=start, end=start + timedelta(minutes=config.tracker.event_minutes), reason=reason,
        state=S.SUGGESTED, link=link,
    )


class _Slots:
    """Hands out non-overlapping business slots for untimed follow-ups made in one pass.

    `parent` maps a taken slot to the next candidate (union-find with path compression), so handing out
    n slots costs about n steps even when many follow-ups want the same or nearby moments; each slot knows
    its place in its day's list, so the next one is a bisect away. The starts already on the calendar are
    loaded on the first claim. Slots are keyed by POSIX timestamp."""

    def __init__(self, taken: Callable[[], Iterable[str]], hours: BusinessHours) -> None:
        self.hours = hours
        self.step = max(timedelta(minutes=15), hours.event)
        self.step_s = self.step.total_seconds()
        self.at: dict[float, datetime] = {}  # every slot seen, by timestamp
        self.pos: dict[float, tuple[list[float], list[datetime], int]] = {}  # slot -> its day's list, index
        self.taken: set[float] = set()
        self.parent: dict[float, float] = {}  # taken slot -> a later candidate (path-compressed)
        self.load_taken: Callable[[], Iterable[str]] | None = taken
        self._wanted: tuple[datetime, float] | None = None  # the last wanted moment and its first slot

    def _place(self, moment: datetime) -> float:
        """Key a moment `BusinessHours.next_slot` returned."""
        stamps, moments = self.hours.day_slots(moment.date())
        ts = moment.timestamp()
        i = bisect_left(stamps, ts)
        if i < len(stamps) and stamps[i] == ts:
            self.pos.setdefault(ts, (stamps, moments, i))
        self.at.setdefault(ts, moment)
        return ts

    def _after(self, ts: float) -> float:
        """The first slot at least one follow-up's length after slot `ts`."""
        place = self.pos.get(ts)
        if place is not None:
            stamps, moments, i = place
            j = bisect_left(stamps, ts + self.step_s, i + 1)
            if j < len(stamps):
                nxt = stamps[j]
                if nxt not in self.at:
                    self.at[nxt] = moments[j]
                    self.pos[nxt] = (stamps, moments, j)
                return nxt
        return self._place(self.hours.next_slot(self.at[ts] + self.step))

    def _find(self, ts: float) -> float:
        path = []
        while ts in self.taken:
            path.append(ts)
            nxt = self.parent.get(ts)
            if nxt is None:
                nxt = self._after(ts)
            ts = nxt
        for p in path:
            self.parent[p] = ts
        return ts

    def _load(self) -> None:
        if self.load_taken is not None:
            self.taken.update(datetime.fromisoformat(t).timestamp() for t in self.load_taken())
            self.load_taken = None

    def reserve(self, moment: datetime) -> None:
        """Mark a fixed start (a timed promise's moment) as taken."""
        self._load()
        self.taken.add(moment.timestamp())

    def claim(self, wanted: datetime) -> float:
        """Take the first free slot at or after `wanted`; returns its timestamp (the moment is `at[ts]`)."""
        self._load()
        if self._wanted is not None and self._wanted[0] == wanted:
            first = self._wanted[1]
        else:
            first = self._place(self.hours.next_slot(wanted))
            self._wanted = (wanted, first)
        ts = self._find(first)
        self.taken.add(ts)
        return ts


# -- the pass -------------------------------------------------------------------------------------
CHUNK = 4000  # staged steps read per round (bounds memory: the rows and the mail of their threads)
BULK = 20_000  # new steps from which a pass rebuilds the tracker tables' indexes instead of updating them
_ALLOWED = frozenset((a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets)
_PENDING, _DUE, _BROKEN, _SUGGESTED, _SNOOZED, _KEPT = (
    S.PENDING.value, S.DUE.value, S.BROKEN.value, S.SUGGESTED.value, S.SNOOZED.value, S.KEPT.value)


class _Pass:
    """One tracker pass's running state: its clock, slots and the writes of the current chunk."""

    def __init__(self, store: Store, config: Config, now: datetime) -> None:
        self.store, self.config, self.now = store, config, now
        self.hours = business_hours(config)
        self.zone = self.hours.zone
        self.now_s = utc_iso(now)
        self.grace = timedelta(minutes=config.tracker.event_minutes)
        self.event = timedelta(minutes=config.tracker.event_minutes)
        self.event_s = self.event.total_seconds()
        self.mine = config.rep.addresses
        self.book_accounts = {a.name for a in config.accounts if a.mode == "book"}
        self.slots = _Slots(lambda: store.taken_starts(now - self.grace), self.hours)
        self.hops: dict[tuple[str | None, str], int] = defaultdict(int)
        self._promised: dict[str, str] = {}  # sent_at text -> " on Mon 16 Nov 2026 10:00" (rep's zone)
        self._utc: dict[float, str] = {}  # slot timestamp -> UTC ISO text
        self._links: dict[tuple[str, str], str] = {}  # (Message-ID, source id) -> link back to the message
        self.made: list[str] = []
        self.moved: list[str] = []
        self.new_steps = 0
        self._correspondents: list[tuple[str, str]] | None = None

    def correspondents(self) -> list[tuple[str, str]]:
        if self._correspondents is None:
            self._correspondents = self.store.correspondents()
        return self._correspondents

    def run(self) -> None:
        store = self.store
        mark = store.tracker_mark()
        if mark is not None and mark[2] > self.now:
            mark = None  # the clock was replayed backwards: look at everything
        total = store.stage_tracker_candidates(OPEN_STATES, self.now, mark)
        bulk = store.bulk_tracker_load() if store.staged_new_steps() >= BULK else nullcontext()
        with bulk:
            for first in range(1, total + 1, CHUNK):
                last = min(total, first + CHUNK - 1)
                threads: dict[str, list[_Mail]] = defaultdict(list)
                by_id: dict[str, _Mail] = {}
                for row in store.tracker_thread_mail(first, last, self.now):
                    mail = by_id[row[1]] = _Mail._make(row)
                    threads[row[0]].append(mail)
                self.chunk(store.tracker_candidates(first, last), threads, by_id)
        store.drop_tracker_candidates()
        store.set_tracker_mark(self.now)

    def chunk(self, rows: list[tuple[Any, ...]], threads: dict[str, list[_Mail]], by_id: dict[str, _Mail]) -> None:
        new_steps: list[tuple[Any, ...]] = []
        changes: list[tuple[str, str]] = []
        transitions: list[tuple[str, str | None, str, str]] = []
        suggestions: list[tuple[Any, ...]] = []
        moves: list[tuple[str, str, str]] = []
        hops = self.hops
        now_s, mine = self.now_s, self.mine
        parties: dict[str, tuple[str, str, str]] = {}  # promise message id -> counterpart (several promises a mail)
        for (cid, who, action, due, due_has_time, conditional, text, message_id, rfc_id, account, source_id,
             thread_id, sent_at, subject, state, target, target_is_default, cp_email, cp_name, company,
             sugg_id, sugg_start, snoozed_until) in rows:
            promise = by_id.get(message_id)
            if promise is None:
                continue
            thread = threads[thread_id]
            here: list[tuple[str | None, str, str]] = []
            fresh = state is None
            if fresh:
                target_dt, is_default = self.hours.target(
                    who, datetime.fromisoformat(due) if due else None, bool(due_has_time),
                    datetime.fromisoformat(sent_at))
                target, target_is_default = self.utc_text(target_dt), int(is_default)
                party = parties.get(message_id)
                if party is None:
                    party = parties[message_id] = _counterpart(promise, thread, mine, self.correspondents)
                cp_email, cp_name, company = party
                state = _PENDING
                here.append((None, state, "tracked"))
            done = _outcome(who, action, bool(conditional), promise, thread, mine)
            if done is not None:
                to, msg = done
                why = "delivered" if to == _KEPT else "a real reply"
                when = "before" if msg.sent_at < target else "after"
                here.append((state, to, f"{why} {when} the target ({msg.direction} {msg.id})"))
            else:
                if state == _PENDING and now_s >= target:
                    first = _DUE if who == "me" else _BROKEN
                    here.append((state, first, "target passed unsettled" if first == _DUE
                                 else "target passed with no delivery"))
                    state = first
                if (state == _DUE or state == _BROKEN) and sugg_id is None:
                    timed = bool(due_has_time) and not target_is_default and who == "me"
                    suggestion, note = self.suggest(
                        cid, who, action, text, cp_email, cp_name, company, subject, sent_at, rfc_id, source_id,
                        datetime.fromisoformat(target), timed, bool(conditional), _ooo_until(thread, promise),
                        account)
                    suggestions.append(suggestion)
                    here.append((state, _SUGGESTED, note))
                elif state == _SNOOZED:
                    if snoozed_until is None or snoozed_until <= now_s:
                        here.append((state, _SUGGESTED, "snooze ended"))
                elif state == _SUGGESTED and sugg_start:
                    until = _ooo_until(thread, promise)
                    if until is not None and sugg_start < until:
                        ts = self.slots.claim(datetime.fromisoformat(until))
                        moves.append((sugg_id, self.utc(ts), self.utc(ts + self.event_s)))
                        self.moved.append(sugg_id)
            for a, b, note in here:
                if a is not None and (a, b) not in _ALLOWED:
                    raise TransitionError(f"step {cid}: {a} -> {b} is not allowed")
                hops[a, b] += 1
                transitions.append((cid, a, b, note))
            if fresh:
                self.new_steps += 1
                new_steps.append((cid, who, action, cp_email, cp_name, company, thread_id, target,
                                  target_is_default, here[-1][1]))
            elif here:
                changes.append((cid, here[-1][1]))
        self.store.write_tracker_pass(new_steps=new_steps, state_changes=changes, transitions=transitions,
                                      suggestions=suggestions, moves=moves, at=self.now)

    def suggest(self, cid: str, owner: str, action: str, text: str, email: str, name: str, company: str,
                subject: str, sent_at: str, rfc_id: str, source_id: str, target: datetime, timed: bool,
                conditional: bool, ooo: str | None, account: str) -> tuple[tuple[Any, ...], str]:
        """The suggestion row of a step that fell due, and the note of its transition. A timed promise of
        the rep's that is still current keeps its moment; anything else takes the next free business
        slot; an out-of-office return date pushes it after the return."""
        until = datetime.fromisoformat(ooo) if ooo else None
        reason = ""
        current = timed and target >= self.now - self.grace  # the promised moment is still ahead, or just passed
        if current and (until is None or until <= target):
            start = target.astimezone(self.zone)
            ts = start.timestamp()
            self.slots.reserve(start)  # untimed follow-ups made later in this pass keep off it
        else:
            wanted = max(target, self.now)
            if until is not None and until > (target if current else wanted):
                wanted = max(until, wanted)
                reason = f"{OUT_OF_OFFICE_REASON} {until.astimezone(self.zone):%a %d %b}"
            ts = self.slots.claim(wanted)
            start = self.slots.at[ts]
        link = self._links.get((rfc_id, source_id))
        if link is None:  # one link per message (several promises a mail)
            link = self._links[rfc_id, source_id] = message_link(rfc_id, source_id)
        promised = self._promised.get(sent_at)
        if promised is None:
            promised = self._promised[sent_at] = f" on {datetime.fromisoformat(sent_at).astimezone(self.zone):%a %d %b %Y %H:%M}"
        title, body, reason = suggestion_texts(owner, action, text, name, email, company, subject, None, self.zone,
                                               link, conditional=conditional, reason=reason, promised=promised)
        sid = content_id(cid, prefix="ft")
        self.made.append(sid)
        note = f"follow-up suggested for {start.isoformat()}"
        if account in self.book_accounts:
            note += f" (account {account} books automatically)"
        return (sid, cid, title, body, self.utc(ts), self.utc(ts + self.event_s), reason, link), note

    def utc(self, ts: float) -> str:
        """UTC ISO text of a POSIX time (cached: one follow-up's end is often the next one's start)."""
        text = self._utc.get(ts)
        if text is None:
            text = self._utc[ts] = time_module.strftime("%Y-%m-%dT%H:%M:%S+00:00", time_module.gmtime(ts))
        return text

    def utc_text(self, moment: datetime) -> str:
        """`utc_iso(moment)` through the cache of `utc` (targets repeat: a day's start, a default target)."""
        if moment.tzinfo is None or moment.microsecond:
            return utc_iso(moment)
        return self.utc(moment.timestamp())


def track(store: Store, config: Config, now: datetime) -> TrackResult:
    """One tracker pass in one write transaction: the steps that may move are staged by one query and
    read back in chunks with their threads' mail; the changes are written in bulk."""
    run = _Pass(store, config, now)
    with store.transaction():
        run.run()
    hops = {("new" if a is None else a) + "->" + b: n for (a, b), n in run.hops.items()}
    return TrackResult(new_steps=run.new_steps, transitions=hops, suggestions=tuple(run.made),
                       moved=tuple(run.moved))


def transition(store: Store, commitment_id: str, to_state: StepState, now: datetime, note: str = "") -> StepState:
    """One checked state change; returns the state it left. Raises TransitionError when not allowed."""
    step = store.step(commitment_id)
    if step is None:
        raise TransitionError(f"no tracked step {commitment_id}: run `assistant track` first")
    if to_state not in TRANSITIONS[step.state]:
        raise TransitionError(f"step {commitment_id} is {step.state}: it cannot become {to_state}")
    if not store.set_step_state(commitment_id, step.state, to_state, now, note):
        raise TransitionError(f"step {commitment_id} changed meanwhile: try again")
    return step.state


# -- deals --------------------------------------------------------------------------------------
def deals(store: Store, config: Config, now: datetime) -> list[Deal]:
    """Messages and steps rolled up by counterpart company. Stalled: no activity in
    `tracker.stalled_days`, or no concrete (non-vague) open next step with a date."""
    mine = config.rep.addresses
    last: dict[str, datetime] = {}
    people: dict[str, dict[str, str]] = defaultdict(dict)
    for m in store.messages(until=now + timedelta(seconds=1)):
        if m.is_auto_reply:
            continue
        party = _party(m, mine)
        if party is None:
            continue
        company = company_of(party[0])
        last[company] = max(last.get(company, m.sent_at), m.sent_at)
        people[company].setdefault(party[0], party[1] or name_from_address(party[0]))
    open_steps: dict[str, list[tuple[NextStep, Commitment]]] = defaultdict(list)
    for step in store.steps(OPEN_STATES):
        c = store.commitment(step.commitment_id)
        if c is None:
            continue
        open_steps[step.counterpart.company].append((step, c))
        if step.counterpart.email:
            people[step.counterpart.company].setdefault(step.counterpart.email, step.counterpart.name)
        msg = store.message(c.message_id)
        if msg is not None and msg.sent_at <= now:
            last[step.counterpart.company] = max(last.get(step.counterpart.company, msg.sent_at), msg.sent_at)
    out: list[Deal] = []
    for company in sorted(set(last) | set(open_steps)):
        steps = sorted(open_steps.get(company, []), key=lambda sc: sc[0].target)
        concrete = [s for s, c in steps if not c.vague and c.due is not None]
        next_step = concrete[0] if concrete else (steps[0][0] if steps else None)
        activity = last.get(company, now)
        reasons = []
        if now - activity > timedelta(days=config.tracker.stalled_days):
            reasons.append(f"no activity in {(now - activity).days} days")
        if not concrete:
            reasons.append("only vague next steps" if steps else "no next step")
        names = people.get(company, {})
        first_name = next(iter(names.values()), "")
        out.append(Deal(
            company=company, people=tuple(sorted(set(names.values()))), last_activity=activity,
            next_step=next_step, stalled=bool(reasons), stalled_reason="; ".join(reasons),
            vague_only=bool(steps) and not concrete, label=company_label(company, first_name),
            open_steps=len(steps),
        ))
    return out
