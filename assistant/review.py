"""The rep's review of follow-up suggestions, shared by `assistant review` and the web page.

Actions (accept, edit time/title, snooze, reject, cancel) are plain functions over the store; every
calendar side effect goes through assistant.booking, which writes the event and records the booking in
the same transaction as the state change. This module also shapes what both front ends show: the queue,
the booked follow-ups and the deals board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant import booking, check
from assistant.calendars import open_calendar
from assistant.calendars.base import CalendarWriter
from assistant.config import Config
from assistant.errors import AssistantError
from assistant.models import StepState
from assistant.sources.links import safe_link
from assistant.store import Store
from assistant.tracker import backlog, states, wording
from assistant.tracker.backlog import BacklogGroup
from assistant.tracker.business import working_day_after
from assistant.tracker.counterparts import company_label
from assistant.tracker.deals import deals as rolled_up_deals

S = StepState


class ReviewError(AssistantError):
    """An action the suggestion's state does not allow, or an unknown suggestion."""


@dataclass(frozen=True)
class SuggestionView:
    """One suggestion as the queue shows it: the proposal, the promise behind it and who it is with."""

    id: str
    title: str
    body: str
    start: datetime
    end: datetime
    reason: str
    state: str
    link: str
    owner: str
    promise: str
    person: str
    email: str
    company: str
    subject: str
    message_at: datetime | None
    snoozed_until: datetime | None
    calendar: str
    thread_id: str = ""
    vague: bool = False  # a vague promise is never booked: `rewrite` says how to make it concrete
    rewrite: str = ""

    @property
    def calendar_label(self) -> str:
        """"ics: followups.ics", "caldav: work" - where the event is, short enough for a table cell."""
        kind, _, target = self.calendar.partition(":")
        name = target.rstrip("/").rsplit("/", 1)[-1] if target else ""
        return f"{kind}: {name}" if name else kind

    @property
    def headline(self) -> str:
        """The title without the promise it quotes ("Call Ed Park (Acme)"): the page shows the quote."""
        return self.title.partition(" \u2014 ")[0]

    def as_json(self, tz: str) -> dict[str, object]:
        zone = ZoneInfo(tz)
        return {
            "id": self.id, "title": self.title, "state": self.state, "reason": self.reason,
            "start": self.start.astimezone(zone).isoformat(), "end": self.end.astimezone(zone).isoformat(),
            "owner": self.owner, "promise": self.promise,
            "counterpart": {"name": self.person, "email": self.email, "company": self.company},
            "subject": self.subject, "message_at": self.message_at.astimezone(zone).isoformat() if self.message_at
            else None, "snoozed_until": self.snoozed_until.astimezone(zone).isoformat() if self.snoozed_until
            else None, "link": self.link, "calendar": self.calendar, "body": self.body, "thread_id": self.thread_id,
            "vague": self.vague, "rewrite": self.rewrite,
        }


@dataclass(frozen=True)
class ActionResult:
    suggestion_id: str
    state: str
    message: str


def view(store: Store, suggestion_id: str, config: Config) -> SuggestionView:
    detail = store.suggestion_detail(suggestion_id)
    if detail is None:
        raise ReviewError(f"no suggestion {suggestion_id!r}: run `assistant suggestions --json` to list them")
    s, step, c, msg = detail.suggestion, detail.step, detail.commitment, detail.message
    label = company_label(step.counterpart.company, step.counterpart.name,
                          store.organisations().get(step.counterpart.company, ""))
    rewrite = ""
    if c.vague and msg is not None:
        rewrite = check.rewrite(c.text, c.action, msg.sent_at, config, name=step.counterpart.name,
                                email=step.counterpart.email)
    return SuggestionView(
        id=s.id, title=s.title, body=s.body, start=s.start, end=s.end, reason=wording.why(s.state, s.reason),
        state=s.state.value, vague=c.vague, rewrite=rewrite,
        link=safe_link(s.link), owner=step.owner, promise=c.text, person=step.counterpart.name or step.counterpart.email,
        email=step.counterpart.email, company=label, subject=msg.subject if msg else "",
        message_at=msg.sent_at if msg else None, snoozed_until=detail.snoozed_until,
        calendar=detail.booking.calendar if detail.booking and detail.booking.state == "booked" else "",
        thread_id=step.counterpart.thread_id,
    )


def queue(store: Store, config: Config, now: datetime) -> list[SuggestionView]:
    """Suggestions waiting for the rep: suggested ones, and snoozed ones whose snooze has ended."""
    out = []
    for s in store.suggestions(states.QUEUE):
        v = view(store, s.id, config)
        if v.state == S.SNOOZED and v.snoozed_until is not None and v.snoozed_until > now:
            continue
        out.append(v)
    return out


def booked(store: Store, config: Config, now: datetime) -> list[SuggestionView]:
    """Follow-ups on the calendar (held, booked automatically or accepted by the rep)."""
    return [view(store, s.id, config) for s in store.suggestions(states.ON_CALENDAR)]


def snoozed(store: Store, config: Config, now: datetime) -> list[SuggestionView]:
    """Suggestions snoozed by the rep and not back yet, the soonest back first (the queue has the others)."""
    out = [v for v in (view(store, s.id, config) for s in store.suggestions([S.SNOOZED]))
           if v.snoozed_until is not None and v.snoozed_until > now]
    return sorted(out, key=lambda v: (v.snoozed_until or v.start, v.id))


PAST_DAYS = 7
"""A follow-up on the calendar whose time passed more than this many days ago leaves the page (not the calendar)."""


@dataclass(frozen=True)
class CalendarGroups:
    """The follow-ups on the calendar as the page shows them, by day in the rep's zone: today's (at any hour
    of today), overdue (before today, not done, at most PAST_DAYS days ago) and upcoming (after today)."""

    today: list[SuggestionView]
    overdue: list[SuggestionView]
    upcoming: list[SuggestionView]

    def __len__(self) -> int:
        return len(self.today) + len(self.overdue) + len(self.upcoming)


def calendar_groups(store: Store, config: Config, now: datetime) -> CalendarGroups:
    zone = ZoneInfo(config.rep.timezone)
    today = now.astimezone(zone).date()
    oldest = now - timedelta(days=PAST_DAYS)
    views = sorted(booked(store, config, now), key=lambda v: (v.start, v.id))
    return CalendarGroups(
        today=[v for v in views if v.start.astimezone(zone).date() == today],
        overdue=[v for v in views if v.start.astimezone(zone).date() < today and v.start >= oldest],
        upcoming=[v for v in views if v.start.astimezone(zone).date() > today],
    )


def all_views(store: Store, config: Config, now: datetime) -> list[SuggestionView]:
    return [view(store, s.id, config) for s in store.suggestions()]


# -- actions ------------------------------------------------------------------------------------
def _require(store: Store, config: Config, suggestion_id: str, allowed: frozenset[StepState],
             verb: str) -> SuggestionView:
    v = view(store, suggestion_id, config)
    if StepState(v.state) not in allowed:
        raise ReviewError(f"cannot {verb} \"{v.title[:60]}\": it is {v.state}")
    return v


def _writer(config: Config, writer: CalendarWriter | None) -> CalendarWriter:
    return writer if writer is not None else open_calendar(config)


def accept(store: Store, config: Config, suggestion_id: str, now: datetime,
           writer: CalendarWriter | None = None) -> ActionResult:
    """Put the follow-up on the calendar (or confirm one already booked automatically)."""
    v = _require(store, config, suggestion_id, frozenset({S.SUGGESTED, S.SNOOZED, S.BOOKED}), "accept")
    if v.vague:  # only firm steps go on the calendar
        raise ReviewError(f"\"{v.promise[:60]}\" is vague, so it is not booked: make it concrete with the buyer "
                          f"(try: \"{v.rewrite}\"), or reject it")
    booking.accept(store, _writer(config, writer), suggestion_id, now, config)
    when = v.start.astimezone(ZoneInfo(config.rep.timezone))
    return ActionResult(suggestion_id, S.ACCEPTED.value, f"Accepted: {v.title[:80]} on {when:%a %d %b %H:%M}.")


def edit(store: Store, config: Config, suggestion_id: str, now: datetime, *, start: datetime | None = None,
         title: str | None = None, writer: CalendarWriter | None = None) -> ActionResult:
    """Move the follow-up or rename it; a booked event is updated on the calendar."""
    _require(store, config, suggestion_id, states.REVIEWABLE, "edit")
    if start is None and not title:
        raise ReviewError("nothing to change: give a new time or a new title")
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(config.rep.timezone))
    if title is not None:
        title = " ".join(title.split())[:300]
    booking.reschedule(store, _writer(config, writer), suggestion_id, start=start, title=title or None, now=now,
                       config=config)
    after = view(store, suggestion_id, config)
    when = after.start.astimezone(ZoneInfo(config.rep.timezone))
    return ActionResult(suggestion_id, after.state, f"Changed: {after.title[:80]} on {when:%a %d %b %H:%M}.")


def snooze(store: Store, config: Config, suggestion_id: str, now: datetime, until: datetime,
           writer: CalendarWriter | None = None) -> ActionResult:
    """Hide the suggestion until `until`; it comes back to the queue then (a booked event is removed)."""
    v = _require(store, config, suggestion_id, states.REVIEWABLE, "snooze")
    if until <= now:
        raise ReviewError("snooze until a moment in the future")
    booking.snooze(store, _writer(config, writer), suggestion_id, until, now, config)
    when = until.astimezone(ZoneInfo(config.rep.timezone))
    return ActionResult(suggestion_id, S.SNOOZED.value, f"Snoozed until {when:%a %d %b %H:%M}: {v.title[:80]}.")


def reject(store: Store, config: Config, suggestion_id: str, now: datetime,
           writer: CalendarWriter | None = None) -> ActionResult:
    """No follow-up for this promise (a booked event is removed from the calendar)."""
    v = _require(store, config, suggestion_id, states.REVIEWABLE, "reject")
    booking.reject(store, _writer(config, writer), suggestion_id, now)
    return ActionResult(suggestion_id, S.REJECTED.value, f"Rejected: {v.title[:80]}.")


def cancel(store: Store, config: Config, suggestion_id: str, now: datetime,
           writer: CalendarWriter | None = None) -> ActionResult:
    """Take a booked follow-up off the calendar and stop tracking the promise."""
    v = _require(store, config, suggestion_id, states.REVIEWABLE | {S.HELD}, "cancel")
    booking.cancel(store, _writer(config, writer), suggestion_id, now, "cancelled by the rep")
    return ActionResult(suggestion_id, S.CANCELLED.value, f"Cancelled: {v.title[:80]}.")


def mark_done(store: Store, config: Config, suggestion_id: str, now: datetime) -> ActionResult:
    """The rep did it: a promise of the rep's becomes kept, a chase of the buyer settled (through the
    tracker's state machine); an event on the calendar stays there as what happened."""
    v = _require(store, config, suggestion_id, states.REVIEWABLE | {S.HELD}, "mark done")
    after = booking.done(store, suggestion_id, now)
    return ActionResult(suggestion_id, after.state.value, f"Done: {v.title[:80]}.")


def resolve_id(store: Store, text: str) -> str:
    """The suggestion a rep or a script names: its full id or a prefix of it that only it has."""
    prefix = text.strip()
    found = store.suggestion_ids(prefix) if prefix else []
    if not found and prefix and not prefix.startswith("ft"):  # "3b122d" for "ft3b122d...": the id's own part
        found = store.suggestion_ids("ft" + prefix)
    if len(found) == 1:
        return found[0]
    shown = prefix[:24] + ("\u2026" if len(prefix) > 24 else "")
    if not found:
        raise ReviewError(f"no suggestion {shown!r}: `assistant suggestions` lists them")
    raise ReviewError(f"{shown!r} names more than one suggestion: give more of the id")


# -- times the rep types ------------------------------------------------------------------------
def _at(day: date, clock: time, tz: str) -> datetime:
    return datetime.combine(day, clock, ZoneInfo(tz))


def snooze_choices(now: datetime, config: Config) -> list[tuple[str, str]]:
    """The snooze menu: (value, label with the actual moment in the rep's zone)."""
    out = []
    for value, label in (("tomorrow", "Next working day"), ("2days", "In two working days"),
                         ("nextweek", "Next week")):
        moment = parse_snooze(value, now, config).astimezone(ZoneInfo(config.rep.timezone))
        soon = (moment.date() - now.astimezone(moment.tzinfo).date()).days < 7
        out.append((value, f"{label} ({moment:%a %H:%M})" if soon else f"{label} ({moment:%a %d %b %H:%M})"))
    return out


def parse_snooze(text: str, now: datetime, config: Config) -> datetime:
    """"tomorrow" / "2days" / "nextweek" (start of the rep's working day), "3h", a time like
    "2026-11-24 09:15", or words nlp.when reads in the rep's zone ("next thursday", "tomorrow 9", "Monday
    2pm"); a day without a clock is the start of the working day. ValueError says what to type instead."""
    tz = config.rep.timezone
    hours = config.rep.hours
    local = now.astimezone(ZoneInfo(tz))
    value = " ".join(text.strip().lower().split())
    if value in ("next week", "2 days"):
        value = value.replace(" ", "")
    if value in ("", "tomorrow", "1d", "day"):
        return _at(working_day_after(local.date(), 1, config), hours.start, tz)
    if value in ("2days", "2d"):
        return _at(working_day_after(local.date(), 2, config), hours.start, tz)
    if value in ("nextweek", "week", "1w"):
        monday = local.date() + timedelta(days=7 - local.weekday())
        return _at(working_day_after(monday - timedelta(days=1), 1, config), hours.start, tz)
    if value.endswith("h") and value[:-1].isdigit():
        return now + timedelta(hours=int(value[:-1]))
    return parse_local(text, config, now, day_start=hours.start)


def parse_local(text: str, config: Config, now: datetime | None = None, day_start: time | None = None) -> datetime:
    """A time the rep typed, in their zone: "2026-11-24T09:15", "2026-11-24 09:15", or, with `now`,
    words nlp.when understands ("Tuesday 9:15", "tomorrow 9"); with `day_start`, a day without a clock
    ("next thursday") at that time. ValueError names the accepted forms."""
    text = text.strip()
    tz = config.rep.timezone
    try:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))
    except ValueError:
        pass
    if now is not None and text:
        try:
            from nlp.when import find_times

            for mention in find_times(text, now.astimezone(ZoneInfo(tz)), tz, country=config.rep.country or None):
                value = getattr(mention, "value", None)
                if not isinstance(value, datetime):
                    continue
                value = value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
                if getattr(mention, "has_time", False):
                    return value
                if day_start is not None and getattr(mention, "grain", "") == "day":
                    return _at(value.astimezone(ZoneInfo(tz)).date(), day_start, tz)
        except ImportError:
            pass
    raise ValueError(f"{text!r}: write a time like 2026-11-24 09:15 (your zone, {tz})")


# -- the deals board ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DealRow:
    company: str
    contact: str
    next_text: str
    next_action: str
    owner: str
    target: datetime | None
    target_is_default: bool
    last_activity: datetime | None
    stalled: bool
    reason: str
    vague: bool
    overdue: bool = False


def deal_rows(store: Store, config: Config, now: datetime) -> list[DealRow]:
    """The deals board: stalled first, then by the next step's target."""
    rows = []
    for d in rolled_up_deals(store, config, now):
        step = d.next_step
        text = ""
        if step is not None:
            c = store.commitment(step.commitment_id)
            text = c.text if c is not None else ""
        rows.append(DealRow(
            company=d.label or d.company, contact=", ".join(d.people[:3]), next_text=text,
            next_action=step.action.replace("_", " ") if step else "",
            owner=("you" if step.owner == "me" else (step.counterpart.name or "them")) if step else "",
            target=step.target if step else None, target_is_default=step.target_is_default if step else False,
            last_activity=d.last_activity, stalled=d.stalled, reason=d.stalled_reason, vague=d.vague_only,
            overdue=step is not None and step.target < now,
        ))
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(rows, key=lambda r: (not r.stalled, r.target or far, r.company))


# -- the backlog ----------------------------------------------------------------------------------
def backlog_groups(store: Store) -> list[BacklogGroup]:
    """Promises from the history, by counterpart: never booked, shown once for the rep to dismiss."""
    return backlog.groups(store)


def dismiss_backlog(store: Store, now: datetime, company: str | None = None) -> ActionResult:
    """Dismiss the whole backlog, or one company's part of it."""
    n = backlog.dismiss_all(store, now, company)
    where = f" for {company_label(company, '', store.organisations().get(company, ''))}" if company else ""
    return ActionResult("", S.DISMISSED.value, f"Dismissed {n} promise(s) from the backlog{where}.")
