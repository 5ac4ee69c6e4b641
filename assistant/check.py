"""The next-action check: does a draft set a concrete next step (an action, an owner and a date)?

Like a linter, it answers yes or no and, when the answer is no (nothing at all, or only a vague
"just checking in"), proposes one sentence in the rep's voice that would fix it, with its dates resolved
against now in the rep's zone and the rep's working days and hours. The same rule (`sets_next_action`)
measures the share of sent mail that sets a next action in the weekly report."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from assistant.config import Config, WorkingHours
from assistant.models import Message

Verdict = Literal["concrete", "vague", "none"]
# The extractor's action names, folded into the three kinds of step the suggestion knows how to word;
# without one, the rep's own words pick the kind (a topic like "the proposal" does not: sending is a verb).
_ACTION_KIND = {"call": "call", "meet": "meet", "send": "send"}
_ACTION_WORDS = (
    ("meet", re.compile(r"\b(meet(ing)?|demo|walk ?through|get together|sit down|coffee|lunch)\b", re.I)),
    ("send", re.compile(r"\b(?:I'll|I will|I'm going to|I can|let me)\s+(?:\w+\s+)?(send|share|forward|get you)\b",
                        re.I)),
    ("call", re.compile(r"\b(call|phone|ring|talk|chat|speak)\b", re.I)),
)
_GREETING = re.compile(
    r"^\s*(?i:hi|hello|hey|dear|good (?:morning|afternoon|evening))?[ ,]*"
    r"(?P<name>[A-Z][a-z'\-]+)\s*[,!:\-\u2013\u2014]", re.M,
)
_NOT_NAMES = frozenset({"hi", "hello", "hey", "dear", "thanks", "thank", "team", "all", "everyone", "folks",
                        "good", "morning", "afternoon", "evening", "sorry", "yes", "no", "ok", "okay",
                        "great", "sure", "hope", "just", "so", "also", "sir", "madam", "there"})
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
# Phrases that look like a step and are not one: "just checking in", "touching base", "any update?".
CHECK_IN = re.compile(
    r"\b(check(?:ing)?[ -]in|touch(?:ing)?[ -]base|circl(?:e|ing) back|follow(?:ing)?[ -]up|"
    r"see (?:where|how) things (?:stand|are)|any (?:update|news)|(?:wanted|want) to (?:see|check|ask) (?:if|whether|how)|"
    r"ping(?:ing)? you|bump(?:ing)? this|(?:quick|gentle|friendly) (?:reminder|nudge)|keep(?:ing)? in touch)\b",
    re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


class Extracted(Protocol):
    """What `nlp.extract.extract` returns for each promise (only the fields the check reads)."""

    @property
    def who(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def due_has_time(self) -> bool: ...
    @property
    def conditional(self) -> bool: ...
    @property
    def vague(self) -> bool: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Finding:
    """One promise the check found in the draft."""

    who: str
    action: str
    text: str
    due: datetime | None
    due_has_time: bool
    conditional: bool
    vague: bool

    def as_json(self) -> dict[str, Any]:
        return {"who": self.who, "action": self.action, "text": self.text,
                "due": self.due.isoformat() if self.due else None, "due_has_time": self.due_has_time,
                "conditional": self.conditional, "vague": self.vague}


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one draft and, when it falls short, the sentence proposed to fix it."""

    verdict: Verdict
    reason: str
    next_actions: tuple[Finding, ...]
    vague: tuple[Finding, ...]
    suggestion: str | None
    recipient: str = ""
    now: datetime | None = None
    others: tuple[Finding, ...] = field(default=())

    @property
    def sets_next_action(self) -> bool:
        return self.verdict == "concrete"

    @property
    def exit_code(self) -> int:
        return 0 if self.sets_next_action else 3

    def as_json(self) -> dict[str, Any]:
        return {
            "sets_next_action": self.sets_next_action, "verdict": self.verdict, "reason": self.reason,
            "next_actions": [f.as_json() for f in self.next_actions],
            "vague": [f.as_json() for f in self.vague],
            "suggestion": self.suggestion, "recipient": self.recipient,
            "now": self.now.isoformat() if self.now else None,
        }


def is_concrete(who: str, vague: bool, due: datetime | None) -> bool:
    """A concrete next action: a non-vague promise with an owner and a date."""
    return who in ("me", "them") and not vague and due is not None


def sets_next_action(commitments: Iterable[Any]) -> bool:
    """True when any of these promises (extracted or stored) is a concrete next action."""
    return any(is_concrete(c.who, c.vague, c.due) for c in commitments)


# -- reading a draft ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    body: str
    to_name: str = ""
    to_email: str = ""


def read_draft(text: str) -> Draft:
    """A draft is plain text, or an RFC 822 message (headers, blank line, body) as a mail client's
    send hook hands it over; then the body and the first To: name are used."""
    lines = text.lstrip("\ufeff").splitlines()
    if lines and _HEADER_LINE.match(lines[0]) and "" in lines and any(
        line.lower().startswith(("to:", "subject:", "from:")) for line in lines[: lines.index("")]
    ):
        msg = email.message_from_string(text.lstrip("\ufeff"), policy=email.policy.default)
        body = ""
        if isinstance(msg, EmailMessage):
            part = msg.get_body(preferencelist=("plain", "html"))
            if part is not None and isinstance(part, EmailMessage):
                content = part.get_content()
                body = content if isinstance(content, str) else ""
                if part.get_content_type() == "text/html":
                    from inscriptis import get_text

                    body = get_text(body)
        name = mail = ""
        to = msg.get("To")
        addresses: Sequence[HeaderAddress] = getattr(to, "addresses", ()) if to is not None else ()
        if addresses:
            name, mail = addresses[0].display_name, addresses[0].addr_spec
        return Draft(body=_own_text(body), to_name=name, to_email=mail)
    return Draft(body=_own_text(text))


def _own_text(body: str) -> str:
    """The author's own words: the quoted thread below a reply is not the draft's promise."""
    from nlp.quotes import strip_quotes

    return strip_quotes(body).strip()


def first_name(display_name: str, address: str = "") -> str:
    """"Ed Harris" -> "Ed", "Harris, Ed" -> "Ed", "ed.harris@acme.com" -> "Ed"."""
    name = display_name.strip().strip('"')
    if "," in name:
        name = name.split(",", 1)[1].strip()
    if name:
        word = name.split()[0]
        return word if word.lower() not in _NOT_NAMES else ""
    local = address.split("@", 1)[0]
    word = re.split(r"[._\-+]", local)[0] if local else ""
    return word.capitalize() if word.isalpha() and len(word) > 1 and word.lower() not in _NOT_NAMES else ""


def greeted_name(body: str) -> str:
    """The name the draft greets ("Hi Ed," -> "Ed"), from its first lines."""
    for line in body.strip().splitlines()[:3]:
        m = _GREETING.match(line)
        if m and m.group("name").lower() not in _NOT_NAMES:
            return m.group("name")
    return ""


def check_in_sentences(text: str) -> list[str]:
    """The sentences of `text` that only check in ("Just checking in on the legal review.")."""
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if CHECK_IN.search(m.group(0))]


# -- dates in the rep's working time ----------------------------------------------------------
def business_day(start: date, n: int, hours: WorkingHours) -> date:
    """The n-th working day after `start` (n >= 1), skipping the days the rep does not work."""
    days = hours.days or (0, 1, 2, 3, 4)
    d, left = start, max(1, n)
    while left:
        d += timedelta(days=1)
        if d.weekday() in days:
            left -= 1
    return d


def call_time(hours: WorkingHours) -> time:
    """A quarter past the start of the working day: first thing, once the morning mail is read."""
    start = datetime.combine(date(2000, 1, 3), hours.start) + timedelta(minutes=15)
    end = datetime.combine(date(2000, 1, 3), hours.end)
    return (start if start < end else datetime.combine(date(2000, 1, 3), hours.start)).time()


def say_day(day: date, today: date) -> str:
    """"Wednesday" within the coming week, "Wednesday 9 December" further out."""
    if 0 < (day - today).days < 7:
        return day.strftime("%A")
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B')}"


def say_time(moment: time) -> str:
    """"8:15", "9:00", "2:30 pm": mornings as people write them in mail, afternoons with pm."""
    if moment.hour < 12:
        return f"{moment.hour}:{moment.minute:02d}"
    hour = moment.hour - 12 if moment.hour > 12 else 12
    return f"{hour}:{moment.minute:02d} pm"


def propose(now: datetime, config: Config, *, name: str = "", kind: str = "call") -> str:
    """One sentence in the rep's voice that sets a concrete next action: check back in a couple of
    working days, and a call (or meeting, or delivery) at a set time the working day after."""
    local = now.astimezone(ZoneInfo(config.rep.timezone))
    today = local.date()
    hours = config.rep.hours
    wait_days = max(1, config.tracker.default_business_days)
    by = business_day(today, wait_days, hours)
    then = business_day(by, 1, hours)
    at = say_time(call_time(hours))
    by_s, then_s = say_day(by, today), say_day(then, today)
    if kind == "meet":
        text = f"could we meet {then_s} at {at}? I'll send you an invite today - does that work for you?"
    elif kind == "send":
        text = (f"I'll send it over by {by_s}, and I'll call you {then_s} at {at} to go through it"
                " - does that work for you?")
    else:
        text = f"if I haven't heard back by {by_s}, I'll call you {then_s} at {at} - does that work for you?"
    return f"{name}, {text}" if name else text[0].upper() + text[1:]


def rewrite(promise: str, action: str, said_at: datetime, config: Config, *, name: str = "",
            email: str = "") -> str:
    """The concrete rewrite of a vague promise: what `assistant check` proposes, as of when it was said
    (the review shows it beside a vague follow-up, which is never booked)."""
    return propose(said_at, config, name=first_name(name, email), kind=kind_of([action], [promise]))


def kind_of(actions: Iterable[str], texts: Iterable[str]) -> str:
    """call, meet or send: from the promises' actions first, else from the rep's own verbs."""
    for action in actions:
        if action in _ACTION_KIND:
            return _ACTION_KIND[action]
    for text in texts:
        for kind, pattern in _ACTION_WORDS:
            if pattern.search(text):
                return kind
    return "call"


# -- the check --------------------------------------------------------------------------------
def _extract(text: str, now: datetime, tz: str) -> list[Extracted]:
    from nlp.extract import extract

    # the verdict needs what, who and when, not the calibrated confidence: unscored, a draft the rules
    # settle never loads spaCy (a send hook waits for this)
    return list(extract(text, sent_at=now, timezone=tz, direction="sent", scored=False))


def check_draft(text: str, *, now: datetime, config: Config, thread: Sequence[Message] = (),
                extractor: Any = None) -> CheckResult:
    """Check one draft. `thread` (oldest first) lends the recipient's name and the kind of step when
    the draft itself does not say; `extractor` replaces nlp.extract (same signature) in tests."""
    tz = config.rep.timezone
    local_now = now.astimezone(ZoneInfo(tz))
    draft = read_draft(text)
    found: list[Extracted] = (
        list(extractor(draft.body, sent_at=local_now, timezone=tz, direction="sent")) if extractor
        else _extract(draft.body, local_now, tz)
    )
    findings = [Finding(str(c.who), str(c.action), str(c.text), c.due, bool(c.due_has_time),
                        bool(c.conditional), bool(c.vague)) for c in found]
    concrete = tuple(f for f in findings if is_concrete(f.who, f.vague, f.due))
    vague = tuple(f for f in findings if f.vague)
    others = tuple(f for f in findings if f not in concrete and f not in vague)

    name = first_name(draft.to_name, draft.to_email) or greeted_name(draft.body)
    theirs = [m for m in thread if m.direction == "received"]
    if not name and theirs:
        name = first_name(theirs[-1].sender.name, theirs[-1].sender.email)
    if not name:
        mine = [m for m in thread if m.direction == "sent" and m.recipients]
        if mine:
            name = first_name(mine[-1].recipients[0].name, mine[-1].recipients[0].email)

    if concrete:
        best = concrete[0]
        when = best.due.astimezone(ZoneInfo(tz)) if best.due else None
        stamp = when.strftime("%a %d %b %H:%M" if best.due_has_time else "%a %d %b") if when else ""
        owner = "you" if best.who == "me" else "they"
        return CheckResult("concrete", f"sets a next action: {owner} will {best.action.replace('_', ' ')} "
                           f"by {stamp}", concrete, vague, None, name, local_now, others)
    kind = kind_of([f.action for f in (*vague, *others)],
                      [draft.body, *(m.body for m in reversed(thread) if m.direction == "sent")])
    suggestion = propose(local_now, config, name=name, kind=kind)
    if vague:
        reason = f"only a vague step ({vague[0].text.strip()!r}): no date, or nothing concrete to do"
        return CheckResult("vague", reason, (), vague, suggestion, name, local_now, others)
    if others:
        reason = f"a promise with no date ({others[0].text.strip()!r}): say when"
        return CheckResult("vague", reason, (), (), suggestion, name, local_now, others)
    checking_in = check_in_sentences(draft.body)
    if checking_in:
        reason = f"only checks in ({checking_in[0]!r}): no step, no owner, no date"
        return CheckResult("vague", reason, (), (), suggestion, name, local_now, others)
    return CheckResult("none", "no next action: nobody promises to do anything by a date", (), (),
                       suggestion, name, local_now, others)
