"""The follow-up lifecycle: the states of a tracked next step, every allowed hop, the named sets of
states the rest of the product asks about, and `apply`, the one function that changes a state.

The tracker's pass, booking, the CLI review and the web page all change a state through `apply` (or
`change`, its one-step form); `apply` checks each hop against `TRANSITIONS`, writes the new state and
records the hop in `step_transitions`, in the caller's transaction. A suggestion has no state of its
own: it is read with its step's state (the store joins them), so the two can never disagree.

    pending   -> held (a fallback's moment is held, tentative) | due (the rep's promise) | broken (the
                 buyer's) | backlog (it fell due more than `tracker.history_days` ago) | merged (the
                 same promise as another step) | kept | settled | cancelled
    held      -> booked (the silence passed: the hold is confirmed) | kept | settled | cancelled
    due       -> suggested | backlog | kept | settled | cancelled
    broken    -> suggested (chase them) | backlog | kept | settled | cancelled
    suggested -> booked | accepted | snoozed | rejected | kept | settled | cancelled
    booked    -> accepted | snoozed | rejected | kept | settled | cancelled
    accepted  -> snoozed | rejected | kept | settled | cancelled
    snoozed   -> suggested (the snooze ended) | accepted | rejected | kept | settled | cancelled
    backlog   -> dismissed | kept | settled | cancelled
    kept, settled, rejected, cancelled, dismissed, merged: final
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from assistant.errors import AssistantError
from assistant.models import StepState
from assistant.store import Store

if TYPE_CHECKING:
    from assistant.tracker.repository import NewStep

S = StepState
_ENDINGS = frozenset({S.KEPT, S.SETTLED, S.CANCELLED})

TRANSITIONS: Mapping[StepState, frozenset[StepState]] = {
    S.PENDING: frozenset({S.HELD, S.DUE, S.BROKEN, S.BACKLOG, S.MERGED}) | _ENDINGS,
    S.HELD: frozenset({S.BOOKED}) | _ENDINGS,
    S.DUE: frozenset({S.SUGGESTED, S.BACKLOG}) | _ENDINGS,
    S.BROKEN: frozenset({S.SUGGESTED, S.BACKLOG}) | _ENDINGS,
    S.SUGGESTED: frozenset({S.BOOKED, S.ACCEPTED, S.SNOOZED, S.REJECTED}) | _ENDINGS,
    S.BOOKED: frozenset({S.ACCEPTED, S.SNOOZED, S.REJECTED}) | _ENDINGS,
    S.ACCEPTED: frozenset({S.SNOOZED, S.REJECTED}) | _ENDINGS,
    S.SNOOZED: frozenset({S.SUGGESTED, S.ACCEPTED, S.REJECTED}) | _ENDINGS,
    S.BACKLOG: frozenset({S.DISMISSED}) | _ENDINGS,
    S.KEPT: frozenset(),
    S.SETTLED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.DISMISSED: frozenset(),
    S.MERGED: frozenset(),
}

# -- named sets of states -------------------------------------------------------------------------
FINAL: frozenset[StepState] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
OPEN: frozenset[StepState] = frozenset(TRANSITIONS) - FINAL - {S.BACKLOG}
"""Steps the tracker's pass still moves (the backlog waits for the rep, not for time)."""
QUEUE: frozenset[StepState] = frozenset({S.SUGGESTED, S.SNOOZED})
"""What the review shows the rep to decide on."""
ON_CALENDAR: frozenset[StepState] = frozenset({S.HELD, S.BOOKED, S.ACCEPTED})
"""States whose follow-up has an event on the calendar (a hold is tentative, the others confirmed)."""
REVIEWABLE: frozenset[StepState] = frozenset({S.SUGGESTED, S.SNOOZED, S.BOOKED, S.ACCEPTED})
"""States a rep's review action (edit, snooze, reject, cancel) applies to."""
TAKES_SLOT: frozenset[StepState] = frozenset({S.HELD, S.SUGGESTED, S.BOOKED, S.ACCEPTED, S.SNOOZED})
"""Follow-ups whose start a new untimed follow-up keeps off."""
OWED_BY_REP: frozenset[StepState] = frozenset({S.DUE, S.SUGGESTED, S.BOOKED, S.ACCEPTED, S.SNOOZED})
"""The rep's own promise is past its target and not delivered (a chase of that buyer waits)."""
NO_EVENT: frozenset[StepState] = frozenset(TRANSITIONS) - ON_CALENDAR - {S.SUGGESTED}
"""A live booking of a step in one of these states leaves the calendar (or gets a note)."""


def event_status(state: StepState) -> Literal["TENTATIVE", "CONFIRMED"]:
    """How a follow-up in `state` shows on the calendar: a hold is tentative, anything else confirmed."""
    return "TENTATIVE" if state == S.HELD else "CONFIRMED"


class TransitionError(AssistantError):
    """A state change the step's state machine does not allow."""


def allowed(from_state: StepState | None, to_state: StepState) -> bool:
    """Whether the hop is allowed; `None` is a step not tracked yet, which starts pending."""
    if from_state is None:
        return to_state == S.PENDING
    return to_state in TRANSITIONS[from_state]


@dataclass(frozen=True)
class Change:
    """One state change to make: `from_state` is what the caller saw (None: a new step)."""

    commitment_id: str
    from_state: StepState | None
    to_state: StepState
    note: str = ""


def check(change: Change) -> None:
    if not allowed(change.from_state, change.to_state):
        raise TransitionError(f"step {change.commitment_id}: {change.from_state or 'new'} -> {change.to_state} "
                              "is not allowed")


def apply(store: Store, changes: Iterable[Change], at: datetime, new: Sequence[NewStep] = ()) -> int:
    """Make the changes (each one checked, then written with its record in step_transitions). A change
    whose step is no longer in `from_state` is skipped: another writer got there first. `new` are the
    steps the tracker's pass starts tracking: their rows are written here, in the state their changes
    (None -> pending -> ...) end in. Returns how many changes were made. Call inside the caller's
    transaction to keep it atomic."""
    from assistant.tracker import repository

    todo = list(changes)
    for c in todo:
        check(c)
    fresh = {n.commitment_id for n in new}
    started = {c.commitment_id for c in todo if c.from_state is None}
    if fresh != started:
        raise TransitionError("a new step needs its first change (None -> pending), and only a new step has one")
    return repository.write_state_changes(store, todo, at, new)


def change(store: Store, commitment_id: str, to_state: StepState, at: datetime, note: str = "", *,
           expect: Iterable[StepState] | None = None) -> StepState:
    """One checked change of one step, from whatever state it is in now (restricted to `expect` when
    given); returns the state it left. Raises TransitionError when not allowed or when the step moved
    meanwhile."""
    step = store.step(commitment_id)
    if step is None:
        raise TransitionError(f"no tracked step {commitment_id}: run `assistant track` first")
    wanted = frozenset(expect) if expect is not None else None
    if (wanted is not None and step.state not in wanted) or not allowed(step.state, to_state):
        raise TransitionError(f"step {commitment_id} is {step.state}: it cannot become {to_state}")
    if apply(store, [Change(commitment_id, step.state, to_state, note)], at) != 1:
        raise TransitionError(f"step {commitment_id} changed meanwhile: try again")
    return step.state
