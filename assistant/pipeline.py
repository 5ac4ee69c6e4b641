"""The main job after each sync pass: track every commitment, book or suggest follow-ups, and write
the weekly report when it is due. The watcher and `assistant demo` both call `after_sync`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from assistant.calendars.base import CalendarWriter
from assistant.config import Config
from assistant.errors import AssistantError
from assistant.store import Store

if TYPE_CHECKING:
    from assistant.booking import Progress, StopRequest

log = logging.getLogger("assistant.pipeline")


def after_sync(store: Store, config: Config, now: datetime, writer: CalendarWriter | None = None, *,
               stop: StopRequest | None = None, progress: Progress | None = None) -> list[str]:
    """Everything that follows a sync, in order; returns human-readable log lines.

    1. the tracker pass (new steps, kept/settled/due/broken, suggestions); 2. booking (events for accepted
    suggestions and book-mode accounts; events no longer needed removed or noted; it stops between two
    events on `stop` and reports to `progress`); 3. the weekly report."""
    from assistant import booking, tracker
    from assistant.calendars import open_calendar

    lines: list[str] = []
    # -- 1. tracker (its state hops go to the debug log; an idle pass says nothing) ----------------
    tracked = tracker.track(store, config, now)
    lines += tracked.summary()
    for hop in tracked.hops():
        log.debug("tracker: %s", hop)
    # -- 2. booking: a calendar that cannot be opened stops booking only; suggestions stay queued --
    try:
        cal = writer if writer is not None else open_calendar(config)
        outcomes = booking.book_due(store, cal, config, now, stop=stop, progress=progress)
    except AssistantError as e:
        lines.append(f"calendar: {e}")
    else:
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.action] = counts.get(o.action, 0) + 1
        if counts:
            lines.append("calendar " + cal.target + ": " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items())))
        lines += [f"  failed {o.suggestion.id}: {o.detail}" for o in outcomes if o.action == "failed"]
    # -- 3. weekly report (owner: assistant/report.py) --------------------------------------------
    lines += _weekly_report(store, config, now)
    return lines


def _weekly_report(store: Store, config: Config, now: datetime) -> list[str]:
    """Write last week's report when it is due (config report.weekday/at, rep's zone), once per week.
    A folder that cannot be written is reported and retried next pass; it never stops the watcher."""
    from assistant.report import maybe_write_weekly

    try:
        path = maybe_write_weekly(store, config, now)
    except OSError as e:
        return [f"weekly report: cannot write it ({e.strerror}: {e.filename}): check report.out_dir"]
    return [f"weekly report: {path}"] if path else []
