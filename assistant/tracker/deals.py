"""Deals: messages and steps rolled up by the other party's company, with the next step and whether
the deal is stalled (no activity in `tracker.stalled_days`, or no concrete next step with a date)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.config import Config
from assistant.models import Commitment, NextStep
from assistant.store import Store
from assistant.tracker.counterparts import (
    company_label,
    company_of,
    display_name,
    name_from_address,
    party_of_message,
)
from assistant.tracker.states import OPEN


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
        party = party_of_message(m, mine)
        if party is None:
            continue
        company = company_of(party[0])
        last[company] = max(last.get(company, m.sent_at), m.sent_at)
        people[company].setdefault(party[0], display_name(party[1]) or name_from_address(party[0]))
    open_steps: dict[str, list[tuple[NextStep, Commitment]]] = defaultdict(list)
    for step in store.steps(OPEN):
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
    orgs = store.organisations()
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
            vague_only=bool(steps) and not concrete, label=company_label(company, first_name, orgs.get(company, "")),
            open_steps=len(steps),
        ))
    return out
