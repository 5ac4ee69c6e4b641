"""`assistant demo`: the whole product on the bundled sample mailbox, with a replayed clock and no account.

It copies the sample (assistant/sample/: a Maildir, voicemail notes and config.toml) into the output
folder, syncs it with the real watcher code, extracts, tracks, books into DIR/followups.ics and writes
the weekly report. Running it again over the same folder changes nothing (sync and booking are
idempotent)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from assistant.calendars import open_calendar
from assistant.calendars.ics import IcsWriter
from assistant.clock import fixed_clock, parse_now
from assistant.config import CalendarConfig, Config, ReportConfig, load_config
from assistant.pipeline import after_sync
from assistant.store import Store
from assistant.tracker import rep_zone

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
DEMO_NOW = "2026-11-20T09:00"


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


def demo_config(out: Path) -> Config:
    """The sample's config, copied under `out/sample`, writing its store, calendar and report under `out`."""
    sample = out / "sample"
    shutil.copytree(SAMPLE_DIR, sample, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    config = load_config(sample / "config.toml")
    calendar = CalendarConfig(kind="ics", options={**config.calendar.options, "path": str(out / "followups.ics")})
    report = replace(config.report, out_dir=str(out / "reports")) if isinstance(config.report, ReportConfig) \
        else config.report
    return replace(config, calendar=calendar, report=report, store_path=out / "follow-through.sqlite3")


def run_demo(out: Path, now_text: str = DEMO_NOW) -> DemoResult:
    from assistant.watcher import open_source, sync_account

    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    config = demo_config(out)
    now = parse_now(now_text, config.rep.timezone)
    clock = fixed_clock(now)
    log: list[str] = []
    with Store(config.store_path) as store:
        for account in config.accounts:
            source = open_source(account, config)
            try:
                result = sync_account(store, source, config, clock)
            finally:
                source.close()
            log.append(f"sync {account.name}: {result.stored} new message(s), {result.duplicates} already stored, "
                       f"{result.failed} failed, {result.commitments} commitment(s)")
        writer = open_calendar(config, clock=clock)
        log += after_sync(store, config, now, writer=writer)
        report_path, report_note = _report(store, config, now, out)
        zone = rep_zone(config)
        rows = tuple(
            DemoRow(when=s.start.astimezone(zone), title=s.title, reason=s.reason, state=str(s.state),
                    booked=(b := store.booking(s.id)) is not None and b.state == "booked")
            for s in store.suggestions()
        )
        messages = store.count_messages()
        commitments = len(store.commitments())
    ics_path = writer.path if isinstance(writer, IcsWriter) else out / "followups.ics"
    return DemoResult(out=out, now=now, store_path=config.store_path, ics_path=ics_path, report_path=report_path,
                      report_note=report_note, messages=messages, commitments=commitments, log=tuple(log), rows=rows)


def _report(store: Store, config: Config, now: datetime, out: Path) -> tuple[Path | None, str]:
    """This week's report (the weekly one is written on Mondays; the demo writes it now)."""
    try:
        from assistant.report import write_weekly
    except ImportError:
        return None, "the weekly report is not available in this build"
    return write_weekly(store, config, now, out_dir=out / "report"), ""
