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

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.models import Commitment, Counterpart, Message, NextStep, StepState, Suggestion, content_id
from assistant.store import Store, from_iso

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
def rep_zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.rep.timezone)


def _is_working_day(day: date, config: Config) -> bool:
    return day.weekday() in config.rep.hours.days


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Wall time `clock` on `day` in `zone` (a wall time skipped by DST resolves forward via fold rules)."""
    return datetime.combine(day, clock, tzinfo=zone)


def _last_start(config: Config) -> time:
    """The latest start that still leaves room for a follow-up inside working hours."""
    end = datetime.combine(date(2000, 1, 3), config.rep.hours.end) - timedelta(minutes=config.tracker.event_minutes)
    return max(end.time(), config.rep.hours.start)


def next_business_slot(moment: datetime, config: Config) -> datetime:
    """The first quarter-hour at or after `moment` inside the rep's working hours (rep's zone)."""
    zone = rep_zone(config)
    local = moment.astimezone(zone)
    hours = config.rep.hours
    if not hours.days:
        return local
    floor = local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
    candidate = floor if floor == local else floor + timedelta(minutes=15)
    for _ in range(15):
        day = candidate.date()
        if _is_working_day(day, config):
            start = _at(day, hours.start, zone)
            if candidate < start:
                return start
            if candidate.time() <= _last_start(config):
                return candidate.astimezone(zone)
        candidate = _at(day + timedelta(days=1), time(0, 0), zone)
    raise AssistantError("rep.working_days names no day: set it like \"Mon-Fri\"")


def add_business_days(moment: datetime, days: int, config: Config) -> datetime:
    """`days` working days after `moment`, same wall time in the rep's zone."""
    zone = rep_zone(config)
    local = moment.astimezone(zone)
    day = local.date()
    added = 0
    guard = 0
    while added < days and config.rep.hours.days:
        day += timedelta(days=1)
        guard += 1
        if _is_working_day(day, config):
            added += 1
        if guard > 366:
            break
    return _at(day, local.timetz().replace(tzinfo=None), zone)


def default_target(sent_at: datetime, config: Config) -> datetime:
    """A promise with no date: `tracker.default_business_days` working days after the message, at the
    message's wall time moved inside working hours."""
    later = add_business_days(sent_at, config.tracker.default_business_days, config)
    wall = later.timetz().replace(tzinfo=None)
    zone = rep_zone(config)
    if wall < config.rep.hours.start:
        return _at(later.date(), config.rep.hours.start, zone)
    if wall > _last_start(config):
        return _at(later.date(), _last_start(config), zone)
    return later


def target_for(commitment: Commitment, sent_at: datetime, config: Config) -> tuple[datetime, bool]:
    """When a step falls due, and whether the config default was used.

    A timed promise is due at its moment. A dated one is due when that working day starts for the rep's
    own promise (do it that day) and when it ends for the buyer's (they had the whole day)."""
    if commitment.due is None:
        return default_target(sent_at, config), True
    if commitment.due_has_time:
        return commitment.due, False
    zone = rep_zone(config)
    day = commitment.due.date()
    if commitment.who == "them":
        return _at(day, config.rep.hours.end, zone), False
    while not _is_working_day(day, config) and config.rep.hours.days:
        day += timedelta(days=1)
    return _at(day, config.rep.hours.start, zone), False


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


def _party(message: Message, mine: frozenset[str]) -> tuple[str, str] | None:
    """The other party of one message: (email, name), or None when it names no one but the rep."""
    if message.direction == "received":
        if message.sender.email.lower() not in mine and message.sender.email:
            return message.sender.email.lower(), message.sender.name
        return None
    for r in message.recipients:
        if r.email and r.email.lower() not in mine:
            return r.email.lower(), r.name
    if message.direction == "note" and message.sender.email and message.sender.email.lower() not in mine:
        return message.sender.email.lower(), message.sender.name
    return None


def counterpart_for(message: Message, thread: Sequence[Message], config: Config,
                    store: Store | None = None) -> Counterpart:
    """Who a promise is with: the message's other party; for a note with no address, the thread's other
    party, else the name and company the note itself gives ("VM from Pat (Fabrikam)")."""
    mine = config.rep.addresses
    party = _party(message, mine)
    if party is None:
        for other in reversed(thread):
            if other.direction != "note" and (party := _party(other, mine)) is not None:
                break
    if party is not None:
        email, name = party
        return Counterpart(email=email, name=name or name_from_address(email), company=company_of(email),
                           thread_id=message.thread_id)
    text = f"{message.subject}\n{message.body}"
    name_m = _NOTE_NAME.search(text)
    comp_m = _NOTE_COMPANY.search(text)
    name = name_m.group(1) if name_m else ""
    company = (comp_m.group(1) or comp_m.group(2)).strip() if comp_m else ""
    email = ""
    if store is not None and (name or company):
        email, company = _known_party(store, name, company)
    return Counterpart(email=email, name=name or company or "unknown", company=company or name.lower() or "unknown",
                       thread_id=message.thread_id)


def _known_party(store: Store, name: str, company: str) -> tuple[str, str]:
    """Match a note's "Kim at Contoso" to a stored address (kim@contoso.com) when there is one."""
    first = name.split()[0].lower() if name else ""
    slug = re.sub(r"[^a-z0-9]", "", company.lower())
    best_email, best_company = "", company
    for email, sender_name in store.correspondents():
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
def _delivered(msg: Message, action: str) -> bool:
    if action == "send":
        return bool(DELIVERY_RE.search(msg.body))
    if action in ("call", "meet"):
        return msg.direction == "note" or bool(CONTACT_RE.search(msg.body))
    return True  # email / follow_up / other: writing again is the follow-up


def outcome(owner: str, action: str, conditional: bool, promise: Message, later: Iterable[Message],
            mine: frozenset[str]) -> tuple[StepState, Message] | None:
    """Kept (delivered) or settled (a real reply to a fallback) by a message after the promise, or None.
    Auto-replies and out-of-office answers never count."""
    for msg in later:
        if msg.id == promise.id or msg.sent_at < promise.sent_at or msg.is_auto_reply:
            continue
        from_rep = msg.direction == "sent" or (msg.direction == "received" and msg.sender.email.lower() in mine)
        if owner == "me":
            if (from_rep or msg.direction == "note") and _delivered(msg, action) and (
                    msg.direction != "note" or action in ("call", "meet", "follow_up", "other")):
                return S.KEPT, msg
            if conditional and not from_rep and msg.direction in ("received", "note"):
                return S.SETTLED, msg
        else:
            if msg.direction == "received" and not from_rep and _delivered(msg, action):
                return S.KEPT, msg
            if msg.direction == "note" and action in ("call", "meet") and _delivered(msg, action):
                return S.KEPT, msg
    return None


def _ooo_until(later: Iterable[Message], promise: Message) -> datetime | None:
    until = [m.auto_reply_until for m in later
             if m.is_auto_reply and m.auto_reply_until and m.sent_at >= promise.sent_at]
    return max(until) if until else None


# -- suggestions ----------------------------------------------------------------------------------
_VERBS = {"call": "Call", "email": "Email", "send": "Send to", "meet": "Meet", "follow_up": "Follow up with"}


def message_link(rfc_message_id: str, source_id: str = "") -> str:
    """A link back to the message: `message:<id>` (opens it in Apple Mail, Thunderbird with an add-on,
    Outlook on the Mac); a note links to its file."""
    if rfc_message_id:
        return "message:%3C" + quote(rfc_message_id, safe="@.-_+!$") + "%3E"
    if source_id.startswith("/"):
        return "file://" + quote(source_id)
    return ""


def make_suggestion(commitment_id: str, owner: str, action: str, text: str, counterpart: Counterpart,
                    start: datetime, config: Config, *, link: str, subject: str = "",
                    sent_at: datetime | None = None, reason: str = "", conditional: bool = False) -> Suggestion:
    zone = rep_zone(config)
    who = counterpart.name or counterpart.email or "them"
    label = company_label(counterpart.company, counterpart.name)
    where = f" ({label})" if label and label != who else ""
    if owner == "me":
        title = f"{_VERBS.get(action, 'Follow up with')} {who}{where} — you promised: {text}"
        reason = reason or ("no reply before your fallback time" if conditional else "your promise is due, not yet delivered"
                            if action in ("send", "email") else "your promise is due")
    else:
        title = f"Chase {who}{where} — they promised: {text}"
        reason = reason or f"{who} did not do what they promised"
    when = f" on {sent_at.astimezone(zone):%a %d %b %Y %H:%M}" if sent_at else ""
    lines = [f"Promise{when}: \u201c{text}\u201d", f"Why now: {reason}."]
    if subject:
        lines.append(f"Thread: {subject}")
    if counterpart.email:
        lines.append(f"With: {who} <{counterpart.email}>")
    if link:
        lines.append(f"Message: {link}")
    start = start.astimezone(zone)
    return Suggestion(
        id=content_id(commitment_id, prefix="ft"), commitment_id=commitment_id, title=title[:200],
        body="\n".join(lines), start=start, end=start + timedelta(minutes=config.tracker.event_minutes),
        reason=reason, state=S.SUGGESTED, link=link,
    )


class _Slots:
    """Hands out non-overlapping business slots for untimed follow-ups made in one pass.

    `parent` maps a taken slot to the next candidate (union-find with path compression), so handing out
    n slots costs about n steps even when many follow-ups want the same or nearby moments."""

    def __init__(self, taken: Callable[[], Iterable[datetime]], config: Config) -> None:
        self.config = config
        self.step = timedelta(minutes=max(15, config.tracker.event_minutes))
        self.at: dict[float, datetime] = {}  # every slot seen, by timestamp
        self.taken: set[float] = set()
        self.parent: dict[float, float] = {}  # taken slot -> a later candidate (path-compressed)
        self.load_taken: Callable[[], Iterable[datetime]] | None = taken  # loaded on the first claim

    def _slot(self, moment: datetime) -> float:
        ts = moment.timestamp()
        self.at.setdefault(ts, moment)
        return ts

    def _find(self, ts: float) -> float:
        path = []
        while ts in self.taken:
            path.append(ts)
            nxt = self.parent.get(ts)
            if nxt is None:
                nxt = self._slot(next_business_slot(self.at[ts] + self.step, self.config))
            ts = nxt
        for p in path:
            self.parent[p] = ts
        return ts

    def claim(self, wanted: datetime) -> datetime:
        if self.load_taken is not None:
            self.taken.update(self._slot(t) for t in self.load_taken())
            self.load_taken = None
        ts = self._find(self._slot(next_business_slot(wanted, self.config)))
        self.taken.add(ts)
        return self.at[ts]


# -- the pass -------------------------------------------------------------------------------------
def track(store: Store, config: Config, now: datetime) -> TrackResult:
    """One tracker pass over every open step, in one write transaction (set-based reads, bulk writes)."""
    mine = config.rep.addresses
    grace = timedelta(minutes=config.tracker.event_minutes)
    hops: dict[str, int] = defaultdict(int)
    made: list[str] = []
    moved: list[str] = []
    with store.transaction():
        # 1. every commitment gets a step
        mark = store.tracker_mark()
        fresh = store.untracked_commitments(now)
        fresh_threads = {t for _, _, t in fresh}
        threads = store.thread_messages(fresh_threads, now) if fresh else {}
        by_id = {m.id: m for thread in threads.values() for m in thread}
        new_steps = []
        for c, message_id, thread_id in fresh:
            m = by_id[message_id]
            target, is_default = target_for(c, m.sent_at, config)
            cp = counterpart_for(m, threads.get(thread_id, ()), config, store)
            new_steps.append(NextStep(commitment_id=c.id, owner=c.who, action=c.action, counterpart=cp,
                                      target=target, target_is_default=is_default, state=S.PENDING, updated_at=now))
        store.add_steps(new_steps)
        if new_steps:
            hops["new->pending"] += len(new_steps)

        # 2. every open step that may move moves on: after the first pass (and unless the clock was
        # replayed backwards) only steps on threads with new mail, targets that passed and snoozes that ended
        if mark is None or mark[1] > now:
            rows = store.tracker_rows(OPEN_STATES, now)
        else:
            changed = store.changed_threads(mark[0], mark[1], now) | fresh_threads
            rows = store.tracker_rows(OPEN_STATES, now, threads=changed)
        missing = {r["thread_id"] for r in rows} - set(threads)
        if missing:
            more = store.thread_messages(missing, now)
            threads.update(more)
            by_id.update((m.id, m) for thread in more.values() for m in thread)
        modes = {a.name: a.mode for a in config.accounts}
        slots = _Slots(lambda: store.taken_starts(now - grace), config)
        finals: list[tuple[str, StepState]] = []
        path: list[tuple[str, StepState | None, StepState, str]] = []
        new_suggestions: list[Suggestion] = []
        for r in rows:
            thread = threads.get(r["thread_id"], [])
            promise = by_id.get(r["message_id"])
            if promise is None:
                continue
            state = StepState(r["state"])
            cid = r["commitment_id"]
            done = outcome(r["owner"], r["action"], bool(r["conditional"]), promise, thread, mine)
            hops_here: list[tuple[StepState, StepState, str]] = []
            if done is not None:
                to, msg = done
                why = "delivered" if to == S.KEPT else "a real reply"
                when = "before" if msg.sent_at < datetime.fromisoformat(r["target"]) else "after"
                hops_here.append((state, to, f"{why} {when} the target ({msg.direction} {msg.id})"))
            else:
                target = datetime.fromisoformat(r["target"])
                if state == S.PENDING and now >= target:
                    first = S.DUE if r["owner"] == "me" else S.BROKEN
                    hops_here.append((state, first, "target passed unsettled" if first == S.DUE
                                      else "target passed with no delivery"))
                    state = first
                if state in (S.DUE, S.BROKEN) and r["suggestion_id"] is None:
                    start = _start_for(r, target, now, grace, slots, config)
                    until = _ooo_until(thread, promise)
                    if until is not None and start < until:
                        start = slots.claim(until)
                    cp = Counterpart(r["counterpart_email"], r["counterpart_name"], r["company"], r["thread_id"])
                    sugg = make_suggestion(
                        cid, r["owner"], r["action"], r["text"], cp, start, config,
                        link=message_link(r["rfc_message_id"], r["source_id"]), subject=promise.subject,
                        sent_at=promise.sent_at, conditional=bool(r["conditional"]),
                        reason="" if until is None else f"out of office until {until.astimezone(rep_zone(config)):%a %d %b}")
                    new_suggestions.append(sugg)
                    made.append(sugg.id)
                    hops_here.append((state, S.SUGGESTED, f"follow-up suggested for {sugg.start.isoformat()}"
                                      + (f" (account {r['account']} books automatically)"
                                         if modes.get(r["account"]) == "book" else "")))
                elif state == S.SNOOZED:
                    until_s = from_iso(r["snoozed_until"])
                    if until_s is None or until_s <= now:
                        hops_here.append((state, S.SUGGESTED, "snooze ended"))
                elif state == S.SUGGESTED and r["suggestion_start"]:
                    until = _ooo_until(thread, promise)
                    start = datetime.fromisoformat(r["suggestion_start"])
                    if until is not None and start < until:
                        new_start = slots.claim(until)
                        store.update_suggestion(r["suggestion_id"], now, start=new_start,
                                                end=new_start + timedelta(minutes=config.tracker.event_minutes))
                        moved.append(r["suggestion_id"])
            if hops_here:
                for a, b, note in hops_here:
                    if b not in TRANSITIONS[a]:
                        raise TransitionError(f"step {cid}: {a} -> {b} is not allowed")
                    path.append((cid, a, b, note))
                    hops[f"{a}->{b}"] += 1
                finals.append((cid, hops_here[-1][1]))
        store.add_suggestions(new_suggestions, now)
        store.apply_step_changes(finals, path, now)
        store.set_tracker_mark(now)
    return TrackResult(new_steps=len(new_steps), transitions=dict(hops), suggestions=tuple(made), moved=tuple(moved))


def _start_for(row: object, target: datetime, now: datetime, grace: timedelta, slots: _Slots,
               config: Config) -> datetime:
    """The promised moment when the promise had a time and it is still current; else the next free
    business slot."""
    r = row  # sqlite3.Row
    timed = bool(r["due_has_time"]) and not bool(r["target_is_default"]) and r["owner"] == "me"  # type: ignore[index]
    if timed and target >= now - grace:
        return target.astimezone(rep_zone(config))
    return slots.claim(max(target, now))


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
