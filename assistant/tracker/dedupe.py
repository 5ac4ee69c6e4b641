"""One follow-up per promise. A new step is the same promise as an earlier one when

- both come from one message, with the same owner and the same target: the extractor found fragments
  of one sentence ("We'll review it internally and get back to you by Friday");
- or the same owner promised the same counterpart the same kind of thing for the same moment (the same
  minute when timed, the same day when dated), once in a call note and once in mail, or twice on one
  thread in nearly the same words ("as I said, I'll send the deck Friday").

Two different mails to one person about the same day are two promises. A target that is only the
config default says nothing about the promise, so it is never matched across messages. Pure."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from zoneinfo import ZoneInfo

from assistant.tracker.repository import StepKey

_FAMILY = {"call": "talk", "meet": "talk", "send": "send", "email": "send", "follow_up": "any", "other": "any"}
_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset("i i'll ill we we'll will you your to the a an and of on by for it at is be me my our this that "
                  "with if in".split())
SIMILAR = 0.5  # the share of content words two wordings of one promise have in common


def similar(a: str, b: str) -> bool:
    """Nearly the same words (Jaccard over content words)."""
    wa = set(_WORD.findall(a.lower())) - _STOP
    wb = set(_WORD.findall(b.lower())) - _STOP
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= SIMILAR


def _moment(step: StepKey, zone: ZoneInfo) -> Hashable:
    return step.target.timestamp() if step.timed else step.target.astimezone(zone).date()


def _party_key(step: StepKey, family: str, zone: ZoneInfo) -> Hashable:
    return ("party", step.owner, step.email or step.company, family, _moment(step, zone))


class Promises:
    """The steps seen so far: `repeat` finds the earlier step a new one is the same promise as."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.by_message: dict[Hashable, str] = {}
        self.by_party: dict[Hashable, list[StepKey]] = {}

    def add(self, step: StepKey) -> None:
        self.by_message.setdefault(("message", step.message_id, step.owner, step.target.timestamp()),
                                   step.commitment_id)
        if not step.default_target and (step.email or step.company):
            family = _FAMILY.get(step.action, step.action)
            self.by_party.setdefault(_party_key(step, family, self.zone), []).append(step)

    def load(self, steps: Iterable[StepKey]) -> None:
        for step in steps:
            self.add(step)

    def repeat(self, step: StepKey) -> str | None:
        """The commitment id of an earlier step this one repeats, or None."""
        found = self.by_message.get(("message", step.message_id, step.owner, step.target.timestamp()))
        if found is not None and found != step.commitment_id:
            return found
        if step.default_target or not (step.email or step.company):
            return None
        family = _FAMILY.get(step.action, step.action)
        families = ("talk", "send", "any") if family == "any" else (family, "any")
        for fam in families:
            for other in self.by_party.get(_party_key(step, fam, self.zone), ()):
                if other.commitment_id == step.commitment_id or other.message_id == step.message_id:
                    continue
                if other.from_note != step.from_note:
                    return other.commitment_id
                if other.thread_id == step.thread_id and similar(other.text, step.text):
                    return other.commitment_id
        return None
