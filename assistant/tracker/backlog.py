"""The backlog: promises from the history (their follow-up moment was more than `tracker.history_days`
before the pass that saw them fall due). They are never booked and never suggested; the rep sees them
once, grouped by counterpart, and dismisses them (all at once, or one company at a time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assistant.models import StepState
from assistant.store import Store
from assistant.tracker import repository, states
from assistant.tracker.counterparts import company_label
from assistant.tracker.repository import BacklogItem


@dataclass(frozen=True)
class BacklogGroup:
    """The backlog of one counterpart company, oldest first."""

    company: str
    label: str
    people: tuple[str, ...]
    items: tuple[BacklogItem, ...]


def groups(store: Store) -> list[BacklogGroup]:
    """The backlog grouped by counterpart company (largest group first)."""
    by_company: dict[str, list[BacklogItem]] = {}
    orgs = store.organisations()
    for item in repository.backlog(store):
        by_company.setdefault(item.company, []).append(item)
    out = [BacklogGroup(company=company, label=company_label(company, items[0].name, orgs.get(company, "")),
                        people=tuple(sorted({i.name or i.email for i in items})),
                        items=tuple(sorted(items, key=lambda i: (i.target, i.commitment_id))))
           for company, items in by_company.items()]
    return sorted(out, key=lambda g: (-len(g.items), g.label.lower()))


def dismiss_all(store: Store, now: datetime, company: str | None = None) -> int:
    """Dismiss the whole backlog (or one company's); returns how many promises were dismissed."""
    items = [i for i in repository.backlog(store) if company is None or i.company == company]
    with store.transaction():
        return states.apply(store, [states.Change(i.commitment_id, StepState.BACKLOG, StepState.DISMISSED,
                                                  "dismissed from the backlog by the rep") for i in items], now)
