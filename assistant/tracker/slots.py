"""Slots for follow-ups (no two untimed follow-ups at one moment) and the daily cap on what is booked
automatically. Pure: the starts already taken come in through a callable."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar

from assistant.tracker.business import BusinessHours

T = TypeVar("T")


class Slots:
    """Hands out non-overlapping business slots for untimed follow-ups made in one pass.

    `parent` maps a taken slot to the next candidate (union-find with path compression), so handing out
    n slots costs about n steps even when many follow-ups want the same or nearby moments; each slot knows
    its place in its day's list, so the next one is a bisect away. The starts already on the calendar are
    loaded on the first claim. Slots are keyed by POSIX timestamp."""

    def __init__(self, taken: Callable[[], Iterable[datetime]], hours: BusinessHours) -> None:
        self.hours = hours
        self.step = max(timedelta(minutes=15), hours.event)
        self.step_s = self.step.total_seconds()
        self.at: dict[float, datetime] = {}  # every slot seen, by timestamp
        self.pos: dict[float, tuple[list[float], list[datetime], int]] = {}  # slot -> its day's list, index
        self.taken: set[float] = set()
        self.parent: dict[float, float] = {}  # taken slot -> a later candidate (path-compressed)
        self.load_taken: Callable[[], Iterable[datetime]] | None = taken
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
            self.taken.update(t.timestamp() for t in self.load_taken())
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


def within_daily_limit(wanted: Sequence[tuple[T, datetime]], booked: Iterable[datetime], limit: int,
                       hours: BusinessHours) -> list[T]:
    """The items of `wanted` ((item, start), earliest first) that fit under `limit` events a working day,
    counting the events already `booked`; the rest wait. Days are the rep's (their zone)."""
    per_day: Counter[date] = Counter(b.astimezone(hours.zone).date() for b in booked)
    out: list[T] = []
    for item, start in sorted(wanted, key=lambda pair: pair[1]):
        day = start.astimezone(hours.zone).date()
        if per_day[day] < limit:
            per_day[day] += 1
            out.append(item)
    return out
