"""`assistant demo`: the whole product on the bundled sample mailbox, with a replayed clock and no account.

It copies the sample (assistant/sample/: a Maildir, voicemail notes and config.toml) into the output
folder and replays the sample's time span as the background watcher would have lived it: the clock
starts at the first message and moves from event to event (each message's arrival, each promise's
target time, each weekly-report moment) up to 2026-11-20T09:00. At each moment it syncs only the mail
that had arrived by then (with the real watcher code), then runs `after_sync` (extract, track, book into
DIR/followups.ics, weekly report). So a fallback call is booked at the moment the rep promised when the
buyer stayed silent, a reply that came in time means no event, and an out-of-office moves the event.
Running it again over the same folder resumes from where the last run stopped and changes nothing."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.calendars import open_calendar
from assistant.calendars.ics import IcsWriter
from assistant.clock import fixed_clock, parse_now
from assistant.config import CalendarConfig, Config, ReportConfig, load_config
from assistant.models import RawMessage, StepState
from assistant.pipeline import after_sync
from assistant.sources.base import Batch, MailSource, ReadNames
from assistant.store import Store, store_for
from assistant.tracker import rep_zone
from assistant.tracker.repository import mark as tracker_mark
from assistant.tracker.wording import why

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
DEMO_NOW = "2026-11-20T09:00"
MAX_MOMENTS = 5000


@dataclass(frozen=True)
class DemoRow:
    when: datetime  # in the rep's zone
    title: str
    reason: str
    state: str
    booked: bool


@dataclass(frozen=True)
class DemoResult:
    out: Path
    now: datetime
    store_path: Path
    ics_path: Path
    report_path: Path | None
    report_note: str
    messages: int
    commitments: int
    log: tuple[str, ...]
    rows: tuple[DemoRow, ...]  # every suggestion, booked or waiting for review
    moments: int = 0  # replayed watcher passes in this run


def demo_config(out: Path) -> Config:
    """The sample's config, copied under `out/sample`, writing its store, calendar and report under `out`."""
    sample = out / "sample"
    shutil.copytree(SAMPLE_DIR, sample, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    # the copy points at this run's files, so `assistant review --config DIR/sample/config.toml` sees them
    text = (sample / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^path = "demo-out/followups.ics".*$', 'path = "../followups.ics"', text)
    text = re.sub(r'(?m)^out_dir = "demo-out".*$', 'out_dir = ".."', text)
    if "\n[store]" not in text:
        text += '\n[store]\npath = "../follow-through.sqlite3"\n'
    (sample / "config.toml").write_text(text, encoding="utf-8")
    config = load_config(sample / "config.toml")
    calendar = CalendarConfig(kind="ics", options={**config.calendar.options, "path": str(out / "followups.ics")})
    # weekly reports go to out/reports/<week>/
    report = replace(config.report, out_dir=str(out)) if isinstance(config.report, ReportConfig) else config.report
    return replace(config, calendar=calendar, report=report, store_path=out / "follow-through.sqlite3")


class ReplaySource:
    """A mail source replayed in arrival order: it offers only the mail dated at or before `until`.

    Everything the real source holds is read once and dated (the Date header, as the store keeps it);
    each fetch offers what arrived since the last one. The account's cursor stays as it was until the
    last message is offered, then becomes the real source's cursor (a later `assistant watch` on the
    same folder starts from there)."""

    def __init__(self, source: MailSource, config: Config, end: datetime) -> None:
        from assistant.mailparse import parse

        self.source = source
        self.account = source.account
        self.kind = source.kind
        self.until = end
        dated: list[tuple[datetime, RawMessage]] = []
        self.final_cursor: dict[str, Any] = {}
        self.read_names: list[tuple[str, str]] = []  # stored with the final batch, as its cursor is
        for batch in source.fetch({}):
            for raw in batch.messages:
                try:
                    when = parse(raw, config.rep, now=end).sent_at  # undated mail arrives at the end
                except Exception:  # noqa: BLE001 - unreadable mail is offered at the end; the watcher records it
                    when = end
                dated.append((when, raw))
            self.final_cursor = batch.cursor
            self.read_names.extend(batch.read_names)
        dated.sort(key=lambda item: (item[0], item[1].source_id))
        self.items = dated
        self.offered = 0

    def arrivals(self) -> list[datetime]:
        return [when for when, _ in self.items]

    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        first = last = self.offered
        while last < len(self.items) and self.items[last][0] <= self.until:
            last += 1
        self.offered = last
        if last > first or last == len(self.items):
            done = last == len(self.items)
            yield Batch(tuple(raw for _, raw in self.items[first:last]), self.final_cursor if done else cursor,
                        total=last - first, read_names=tuple(self.read_names) if done else ())

    def wait(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        self.source.close()


def _report_moments(config: Config, start: datetime, end: datetime) -> list[datetime]:
    """Each weekly-report moment (config report.weekday at report.at, rep's zone) between start and end."""
    if not config.report.weekly:
        return []
    zone = rep_zone(config)
    day = start.astimezone(zone).date()
    out = []
    while day <= end.astimezone(zone).date():
        if day.weekday() == config.report.weekday:
            moment = datetime.combine(day, config.report.at, tzinfo=zone)
            if start < moment <= end:
                out.append(moment)
        day += timedelta(days=1)
    return out


def _next_target(store: Store, after: datetime) -> datetime | None:
    """The earliest target of a pending step after `after` (the tracker must look then)."""
    targets = [s.target for s in store.steps([StepState.PENDING, StepState.HELD]) if s.target > after]
    return min(targets) if targets else None


def replay(store: Store, config: Config, end: datetime, log: list[str]) -> int:
    """Replay the watcher's life from the first stored-or-arriving message to `end` (or from where the
    last replay stopped); returns how many moments it ran."""
    from assistant.watcher import open_source, sync_account

    zone = rep_zone(config)
    sources = [ReplaySource(open_source(account, config), config, end) for account in config.accounts]
    try:
        arrivals = sorted(a for s in sources for a in s.arrivals())
        begin = min(arrivals[0], end) if arrivals else end
        mark = tracker_mark(store)
        if mark is not None and mark.now > begin:
            begin = min(mark.now, end)  # resume: what came before was replayed by an earlier run
        fixed = sorted({*(a for a in arrivals if begin < a <= end), *_report_moments(config, begin, end), end})
        totals: dict[str, list[int]] = {s.account: [0, 0, 0, 0] for s in sources}
        now, moments = begin, 0
        while moments < MAX_MOMENTS:
            moments += 1
            clock = fixed_clock(now)
            for source in sources:
                source.until = now
                result = sync_account(store, source, config, clock)
                for i, n in enumerate((result.stored, result.duplicates, result.failed, result.commitments)):
                    totals[source.account][i] += n
            lines = after_sync(store, config, now, writer=open_calendar(config, clock=clock))
            stamp = f"{now.astimezone(zone):%a %d %b %H:%M}"
            log.extend(f"{stamp}  {line}" for line in lines if line.startswith(("calendar", "weekly report")))
            if now >= end:
                break
            later = [t for t in fixed if t > now]
            target = _next_target(store, now)
            now = min([*later[:1], *([target] if target is not None and target <= end else [])])
    finally:
        for source in sources:
            source.close()
    for account, (stored, duplicates, failed, commitments) in totals.items():
        log.insert(0, f"sync {account}: {stored} new message(s), {duplicates} already stored, {failed} failed, "
                      f"{commitments} commitment(s)")
    log.insert(0, f"replayed {moments} watcher pass(es) from {begin.astimezone(zone):%a %d %b %Y %H:%M} "
                  f"to {end.astimezone(zone):%a %d %b %Y %H:%M}")
    return moments


def run_demo(out: Path, now_text: str = DEMO_NOW) -> DemoResult:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    config = demo_config(out)
    now = parse_now(now_text, config.rep.timezone)
    log: list[str] = []
    with store_for(config) as store:
        moments = replay(store, config, now, log)
        writer = open_calendar(config, clock=fixed_clock(now))
        report_path, report_note = _report(store, config, now, out)
        zone = rep_zone(config)
        rows = tuple(
            DemoRow(when=s.start.astimezone(zone), title=s.title, reason=why(s.state, s.reason), state=str(s.state),
                    booked=(b := store.booking(s.id)) is not None and b.state == "booked")
            for s in store.suggestions()
        )
        messages = store.count_messages()
        commitments = len(store.commitments())
    ics_path = writer.path if isinstance(writer, IcsWriter) else out / "followups.ics"
    return DemoResult(out=out, now=now, store_path=config.store_path, ics_path=ics_path, report_path=report_path,
                      report_note=report_note, messages=messages, commitments=commitments, log=tuple(log), rows=rows,
                      moments=moments)


def _report(store: Store, config: Config, now: datetime, out: Path) -> tuple[Path | None, str]:
    """This week's report (the weekly one is written on Mondays; the demo writes it now)."""
    try:
        from assistant.report import write_weekly
    except ImportError:
        return None, "the weekly report is not available in this build"
    return write_weekly(store, config, now, out_dir=out / "report"), ""
