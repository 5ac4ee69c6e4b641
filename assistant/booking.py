"""Booking: suggestions onto the rep's calendar, idempotently and crash-safely.

The event's uid is the suggestion id (derived from the commitment). A booking is written to the calendar
first (an upsert by uid, after looking the uid up), then recorded in the store in the SAME transaction
that moves the suggestion to booked; after a crash between the two, a rerun finds the existing event
with `writer.get(uid)` and records it instead of writing a second one.

Functions the review, the report and the watcher use:
- `book(store, writer, suggestion_id, now, config=None)`: put it on the calendar (suggested -> booked;
  an accepted one stays accepted and gets its event).
- `accept(store, writer, suggestion_id, now, config=None)`: the rep accepts: -> accepted, then booked.
- `reschedule(store, writer, suggestion_id, *, start=None, title=None, now, config=None)`: edit time/title;
  a booked event is updated in place.
- `snooze(store, writer, suggestion_id, until, now, config)`: -> snoozed; its event is removed; the
  tracker re-suggests it at the first business slot after `until`.
- `reject(...)` / `cancel(store, writer, suggestion_id, now, reason="")`: -> rejected / cancelled; the
  event is deleted.
- `mark_no_longer_needed(store, writer, suggestion_id, now, config, reason)`: a reply or delivery after
  booking: per `tracker.on_reply_after_booking`, delete the event or keep it with a note.
- `release_stale(store, writer, config, now)`: do that for every booking whose step ended.
- `book_due(store, writer, config, now) -> list[BookingOutcome]`: release stale events, then book every
  accepted suggestion and every suggestion of an account in `mode = "book"`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from assistant.calendars.base import CalendarSession, CalendarWriter, event_digest
from assistant.config import Config
from assistant.errors import AssistantError, CalendarError
from assistant.models import CalendarEvent, StepState, Suggestion
from assistant.store import Booking, Store
from assistant.tracker import states
from assistant.tracker.business import business_hours, next_business_slot
from assistant.tracker.repository import event_starts
from assistant.tracker.slots import within_daily_limit
from assistant.tracker.states import TransitionError

log = logging.getLogger("assistant.booking")
S = StepState
BOOKABLE = states.ON_CALENDAR | {S.SUGGESTED}
NO_LONGER_NEEDED = "No longer needed"


@dataclass(frozen=True)
class BookingOutcome:
    suggestion: Suggestion
    action: str  # booked | already-booked | recovered | deleted | noted | failed
    detail: str = ""


def calendar_name(writer: CalendarWriter) -> str:
    return f"{writer.kind}:{writer.target}" if not writer.target.startswith(f"{writer.kind}:") else writer.target


def event_for(suggestion: Suggestion, config: Config | None = None, note: str = "") -> CalendarEvent:
    """The calendar event of a suggestion (uid = suggestion id)."""
    description = suggestion.body if not note else f"{note}\n\n{suggestion.body}"
    return CalendarEvent(
        uid=suggestion.id,
        title=suggestion.title if not note else f"{NO_LONGER_NEEDED}: {suggestion.title}",
        description=description, start=suggestion.start, end=suggestion.end,
        alarm_minutes=config.tracker.alarm_minutes if config else 10, url=suggestion.link,
        status="TENTATIVE" if note else states.event_status(suggestion.state),
        extra={"commitment": suggestion.commitment_id},
    )


def _same(a: CalendarEvent, b: CalendarEvent) -> bool:
    return (a.uid, a.title, a.start, a.end, a.status) == (b.uid, b.title, b.start, b.end, b.status)


def _unchanged(b: Booking, s: Suggestion, config: Config | None, status: str) -> bool:
    """The calendar already shows this follow-up as it should be: by the content hash stored with the
    booking (`etag`), or by the status for a booking recorded before hashes were."""
    if b.etag:
        return b.etag == event_digest(event_for(s, config))
    return b.status == status


def _get(store: Store, suggestion_id: str) -> Suggestion:
    s = store.suggestion(suggestion_id)
    if s is None:
        raise AssistantError(f"no suggestion {suggestion_id}: list them with `assistant suggestions`")
    return s


def book(store: Store, writer: CalendarWriter, suggestion_id: str, now: datetime,
         config: Config | None = None) -> BookingOutcome:
    """Put a suggestion on the calendar once. Safe to rerun at any point, including after a crash."""
    s = _get(store, suggestion_id)
    existing_booking = store.booking(s.id)
    status = states.event_status(s.state)
    if existing_booking is not None and existing_booking.state == "booked" and _unchanged(existing_booking, s,
                                                                                           config, status):
        return BookingOutcome(s, "already-booked")  # the calendar is not touched
    if s.state not in BOOKABLE:
        raise TransitionError(f"suggestion {s.id} is {s.state}: only suggested or accepted ones can be booked")
    event = event_for(s, config)
    found = writer.get(s.id)
    if found is not None and _same(found, event):
        remote_id, action = found.extra.get("remote_id", s.id), "recovered"
    else:
        remote_id, action = writer.put(event), "booked"
    with store.transaction():
        store.record_booking(s.id, calendar_name(writer), remote_id, now, etag=event_digest(event), status=status)
        if s.state == S.SUGGESTED:
            states.change(store, s.commitment_id, S.BOOKED, now, f"booked on {calendar_name(writer)}",
                          expect=[S.SUGGESTED])
    return BookingOutcome(store.suggestion(s.id) or s, action)


def _change(store: Store, s: Suggestion, to: StepState, now: datetime, note: str) -> None:
    try:
        states.change(store, s.commitment_id, to, now, note)
    except TransitionError:
        raise TransitionError(f"suggestion {s.id} is {s.state}: it cannot become {to}") from None


def accept(store: Store, writer: CalendarWriter, suggestion_id: str, now: datetime,
           config: Config | None = None) -> BookingOutcome:
    """The rep accepts a suggestion: it becomes accepted and goes on the calendar."""
    s = _get(store, suggestion_id)
    if s.state != S.ACCEPTED:
        with store.transaction():
            _change(store, s, S.ACCEPTED, now, "accepted by the rep")
    return book(store, writer, suggestion_id, now, config)


def reschedule(store: Store, writer: CalendarWriter, suggestion_id: str, *, start: datetime | None = None,
               title: str | None = None, now: datetime, config: Config | None = None) -> Suggestion:
    """Edit a suggestion's time and/or title; a booked event is updated in place (same uid)."""
    s = _get(store, suggestion_id)
    if s.state not in (S.SUGGESTED, S.BOOKED, S.ACCEPTED, S.SNOOZED):
        raise TransitionError(f"suggestion {s.id} is {s.state}: it can no longer be edited")
    if start is not None and start.tzinfo is None:
        raise AssistantError("the new start needs a time zone (the review gives times in the rep's zone)")
    length = s.end - s.start
    new_start = start or s.start
    edited = Suggestion(id=s.id, commitment_id=s.commitment_id, title=title or s.title, body=s.body,
                        start=new_start, end=new_start + length, reason=s.reason, state=s.state, link=s.link)
    b = store.booking(s.id)
    event = event_for(edited, config)
    remote_id = None
    if b is not None and b.state == "booked" and b.etag != event_digest(event):  # an unchanged event stays
        remote_id = writer.put(event)
    with store.transaction():
        store.update_suggestion(s.id, now, start=edited.start, end=edited.end, title=title)
        if remote_id is not None and b is not None:
            store.record_booking(s.id, b.calendar, remote_id, now, etag=event_digest(event), status=b.status)
    return store.suggestion(s.id) or edited


def _remove_event(store: Store, writer: CalendarWriter, s: Suggestion, now: datetime) -> Booking | None:
    b = store.booking(s.id)
    if b is not None and b.state in ("booked", "stale"):
        writer.delete(s.id)
    return b


def snooze(store: Store, writer: CalendarWriter, suggestion_id: str, until: datetime, now: datetime,
           config: Config) -> Suggestion:
    """Hide a suggestion until `until`; its event leaves the calendar and the tracker re-suggests it then."""
    s = _get(store, suggestion_id)
    if until.tzinfo is None:
        raise AssistantError("snooze needs an aware time")
    step = store.step(s.commitment_id)
    again = step is not None and step.state == S.SNOOZED  # back in the queue, snoozed once more: a new time
    if step is None or not (again or states.allowed(step.state, S.SNOOZED)):
        raise TransitionError(f"suggestion {s.id} is {s.state}: it cannot be snoozed")
    b = _remove_event(store, writer, s, now)
    start = next_business_slot(until, config)
    with store.transaction():
        if b is not None:
            store.set_booking_state(s.id, "cancelled", now)
        store.update_suggestion(s.id, now, start=start, end=start + (s.end - s.start), snoozed_until=until)
        if not again:
            _change(store, s, S.SNOOZED, now, f"snoozed until {until.isoformat()}")
    return store.suggestion(s.id) or s


def _end(store: Store, writer: CalendarWriter, suggestion_id: str, to: StepState, now: datetime,
         reason: str) -> Suggestion:
    s = _get(store, suggestion_id)
    step = store.step(s.commitment_id)
    if step is not None and step.state == to:
        b = store.booking(s.id)
        if b is not None and b.state == "booked":  # a crash after the state change, before the delete
            writer.delete(s.id)
            store.set_booking_state(s.id, "cancelled", now)
        return s
    if step is None or not states.allowed(step.state, to):
        raise TransitionError(f"suggestion {s.id} is {s.state}: it cannot become {to}")
    b = _remove_event(store, writer, s, now)
    with store.transaction():
        if b is not None:
            store.set_booking_state(s.id, "cancelled", now)
        _change(store, s, to, now, reason or str(to))
    return store.suggestion(s.id) or s


def reject(store: Store, writer: CalendarWriter, suggestion_id: str, now: datetime, reason: str = "") -> Suggestion:
    """The rep does not want this follow-up; any event is deleted."""
    return _end(store, writer, suggestion_id, S.REJECTED, now, reason or "rejected by the rep")


def cancel(store: Store, writer: CalendarWriter, suggestion_id: str, now: datetime, reason: str = "") -> Suggestion:
    """Cancel a follow-up (it is not needed any more); any event is deleted."""
    return _end(store, writer, suggestion_id, S.CANCELLED, now, reason or "cancelled")


def done(store: Store, suggestion_id: str, now: datetime) -> Suggestion:
    """The rep did the follow-up: the rep's own promise is kept (delivered), a chase of the buyer is settled
    (the rep reached them). Its event stays on the calendar as what happened (the booking is marked "done",
    so it is never released as no longer needed); the step's hop goes through the state machine."""
    s = _get(store, suggestion_id)
    step = store.step(s.commitment_id)
    to = S.KEPT if step is not None and step.owner == "me" else S.SETTLED
    if step is not None and step.state == to:
        return s
    with store.transaction():
        b = store.booking(s.id)
        if b is not None and b.state == "booked":
            store.set_booking_state(s.id, "done", now)
        _change(store, s, to, now, "done: marked by the rep")
    return store.suggestion(s.id) or s


def mark_no_longer_needed(store: Store, writer: CalendarWriter, suggestion_id: str, now: datetime,
                          config: Config, reason: str = "") -> BookingOutcome:
    """A reply or the delivery arrived after the follow-up was booked: delete the event, or (config
    `tracker.on_reply_after_booking = "note"`) keep it with a note saying why it is no longer needed."""
    s = _get(store, suggestion_id)
    b = store.booking(s.id)
    if b is None or b.state != "booked":
        return BookingOutcome(s, "unchanged")
    why = reason or f"{NO_LONGER_NEEDED}: the step is {s.state}"
    if config.tracker.on_reply_after_booking == "note" and b.status != "TENTATIVE":  # a hold just goes
        noted = event_for(s, config, note=why)
        remote_id = writer.put(noted)
        with store.transaction():
            store.record_booking(s.id, b.calendar, remote_id, now, etag=event_digest(noted), state="stale",
                                 status=noted.status)
        return BookingOutcome(s, "noted", why)
    writer.delete(s.id)
    store.set_booking_state(s.id, "cancelled", now)
    return BookingOutcome(s, "deleted", why)


def _why_ended(store: Store, commitment_id: str) -> str:
    history = store.transitions(commitment_id)
    return history[-1].note if history else ""


def release_stale(store: Store, writer: CalendarWriter, config: Config, now: datetime) -> list[BookingOutcome]:
    """Events whose step ended (kept, settled: per config; rejected, cancelled, snoozed: deleted)."""
    out = []
    for b in store.bookings_to_release(states.NO_EVENT):
        s = store.suggestion(b.suggestion_id)
        if s is None:
            continue
        if s.state in (S.KEPT, S.SETTLED):
            note = _why_ended(store, s.commitment_id)
            reason = f"{NO_LONGER_NEEDED}: {'delivered' if s.state == S.KEPT else 'they replied'}"
            out.append(mark_no_longer_needed(store, writer, s.id, now, config,
                                             f"{reason} ({note})" if note else reason))
        else:
            writer.delete(s.id)
            store.set_booking_state(s.id, "cancelled", now)
            out.append(BookingOutcome(s, "deleted", f"the follow-up was {s.state}"))
    return out


class StopRequest(Protocol):
    """A stop request (the watcher's StopFlag): true once Ctrl-C or SIGTERM arrived."""

    def __bool__(self) -> bool: ...


Progress = Callable[[int, int], None]  # (events handled so far, events in this pass)


@contextmanager
def booking_pass(store: Store, writer: CalendarWriter) -> Iterator[CalendarSession]:
    """One calendar session for a whole pass (the .ics file: one read, one atomic write).

    A calendar that does not write through holds the pass's changes in memory; so the store's records
    of them are held too, in one transaction that commits only after the calendar's commit: a crash
    before the write records nothing, a crash after it leaves events that the rerun finds by uid and
    records ("recovered"), as for a single booking. Each booking inside stays whole (a savepoint)."""
    with writer.session() as cal:
        if cal.write_through:
            yield cal
            return
        with store.transaction():
            yield cal
            cal.commit()


def _paced(items: Sequence[Suggestion], stop: StopRequest | None, progress: Progress | None) -> Iterator[Suggestion]:
    """The items one by one until a stop request (checked between two), reporting progress after each."""
    for done, item in enumerate(items):
        if stop:
            log.info("stop requested: %d of %d follow-ups left for the next pass", len(items) - done, len(items))
            return
        yield item
        if progress is not None:
            progress(done + 1, len(items))


def book_due(store: Store, writer: CalendarWriter, config: Config, now: datetime, *,
             stop: StopRequest | None = None, progress: Progress | None = None) -> list[BookingOutcome]:
    """Everything that should be on the calendar, on it; everything that should not, off it; in one
    calendar session (`booking_pass`). A calendar failure on one suggestion is logged and retried next
    pass; the others go on. A stop request ends the pass between two events: what was booked is
    recorded, the rest waits for the next pass."""
    with booking_pass(store, writer) as cal:
        out = release_stale(store, cal, config, now)
        auto = [a.name for a in config.accounts if a.mode == "book"]
        for s in _paced(_to_book(store, config, auto, now), stop, progress):
            try:
                out.append(book(store, cal, s.id, now, config))
            except (CalendarError, AssistantError, OSError) as e:
                log.warning("booking %s failed, retried next pass: %s", s.id, e)
                out.append(BookingOutcome(s, "failed", str(e)))
    return out


def _to_book(store: Store, config: Config, auto: list[str], now: datetime) -> list[Suggestion]:
    """What should be on the calendar and is not (or not as it should be): holds, accepted and booked
    follow-ups always; suggestions of book-mode accounts while their working day has fewer than
    `tracker.max_bookings_per_day` events (the rest wait as suggestions)."""
    wanted = store.suggestions_to_book(auto, states.ON_CALENDAR, [S.SUGGESTED],
                                       {state: states.event_status(state) for state in StepState})
    fixed = [s for s in wanted if s.state != S.SUGGESTED]
    new = [(s, s.start) for s in wanted if s.state == S.SUGGESTED]
    if not new:
        return fixed
    hours = business_hours(config)
    day_start = hours.at(now.astimezone(hours.zone).date(), hours.start.replace(hour=0, minute=0))
    booked = [start for _, start in event_starts(store, states.ON_CALENDAR, day_start)]
    return fixed + within_daily_limit(new, booked, config.tracker.max_bookings_per_day, hours)
