"""An injected clock, so the watcher, the tracker and the tests can replay time (`--now`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers `moment` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    return lambda: moment


def parse_now(text: str, tz: str) -> datetime:
    """Parse `--now 2026-11-20T09:00`: a naive value is wall time in the rep's zone."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment
