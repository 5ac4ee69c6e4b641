"""`assistant demo` and `assistant track`: the main job end to end, and one tracker pass."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.common import config_option, console, edge, load, make_clock, now_option, plain


@click.command("demo")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("demo-out"), show_default=True,
              help="Folder for the store, followups.ics and the report.")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Replay time (default 2026-11-20T09:00 in the sample rep's zone).")
@edge
def demo(out: Path, now_text: str | None) -> None:
    """Run the whole product on the bundled sample mailbox (no account, replayed clock)."""
    from rich.table import Table

    from assistant.demo import DEMO_NOW, run_demo

    if out.exists() and not out.is_dir():
        raise click.BadParameter(f"{out} is a file: name a folder (it is created if missing)", param_hint="--out")

    r = run_demo(out, now_text or DEMO_NOW)
    console.print(f"[bold]Follow-through demo[/bold] — replayed clock {r.now:%a %d %b %Y %H:%M %Z}")
    for line in r.log:
        console.print(f"  {line}", highlight=False, markup=False)
    table = Table(title="Follow-ups", show_lines=False, expand=True)
    table.add_column("When (rep's zone)", no_wrap=True)
    table.add_column("Follow-up", ratio=2)
    table.add_column("The promise", ratio=3)
    table.add_column("Why", ratio=2)
    table.add_column("State", no_wrap=True)
    for row in r.rows:
        what, _, promise = row.title.partition(" — ")
        promise = promise if len(promise) <= 90 else promise[:89] + "…"
        table.add_row(f"{row.when:%a %d %b %H:%M}", plain(what), plain(promise), plain(row.reason),
                      "booked" if row.booked else row.state)
    console.print(table)
    booked = sum(1 for row in r.rows if row.booked)
    waiting = sum(1 for row in r.rows if row.state in ("suggested", "snoozed"))
    console.print(f"{r.messages} messages, {r.commitments} promises, {len(r.rows)} follow-ups ({booked} booked, "
                  f"{waiting} waiting for your review)")
    if waiting:
        console.print(f"review them (accounts in suggest mode ask first): assistant review --config "
                      f"{r.out / 'sample' / 'config.toml'} --now {r.now:%Y-%m-%dT%H:%M}", highlight=False, markup=False,
                      soft_wrap=True)  # one line, to copy
    console.print(f"store (suggestions):  {r.store_path}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"calendar (.ics):      {r.ics_path}", highlight=False, markup=False)
    if r.report_path is not None:
        console.print(f"weekly report:        {r.report_path}", highlight=False, markup=False)
    else:
        console.print(f"weekly report:        not written ({r.report_note})", highlight=False, markup=False)


@click.command("track")
@config_option
@now_option
@click.option("--book/--no-book", default=False, help="Also book what is due on the configured calendar.")
@edge
def track(config_path: Path | None, now_text: str | None, book: bool) -> None:
    """Run one tracker pass over the stored commitments and print a summary."""
    from assistant import booking, tracker
    from assistant.calendars import open_calendar
    from assistant.store import store_for

    config = load(config_path)
    now = make_clock(now_text, config)()
    with store_for(config) as store:
        result = tracker.track(store, config, now)
        for line in result.lines():
            console.print(line, highlight=False, markup=False)
        if book:
            for o in booking.book_due(store, open_calendar(config), config, now):
                console.print(f"  {o.action}: {o.suggestion.title} {o.detail}", highlight=False, markup=False)
        counts = store.count_steps()
    console.print("steps: " + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none"))


@click.command("backlog")
@click.option("--dismiss-all", "dismiss_all", is_flag=True, help="Dismiss every promise on the backlog.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@config_option
@now_option
@edge
def backlog_cmd(dismiss_all: bool, as_json: bool, config_path: Path | None, now_text: str | None) -> None:
    """Promises from the history (due more than tracker.history_days ago): never booked. List them by
    counterpart, or dismiss them all."""
    import json
    from zoneinfo import ZoneInfo

    from rich.text import Text

    from assistant import review
    from assistant.store import store_for

    config = load(config_path)
    now = make_clock(now_text, config)()
    zone = ZoneInfo(config.rep.timezone)
    with store_for(config) as store:
        if dismiss_all:
            console.print(review.dismiss_backlog(store, now).message, highlight=False, markup=False)
            return
        groups = review.backlog_groups(store)
    if as_json:
        click.echo(json.dumps([{"company": g.company, "label": g.label, "people": list(g.people), "promises": [
            {"commitment_id": i.commitment_id, "owner": i.owner, "action": i.action, "text": i.text,
             "name": i.name, "email": i.email, "due": i.target.astimezone(zone).isoformat(),
             "subject": i.subject} for i in g.items]} for g in groups], indent=2, ensure_ascii=False))
        return
    if not groups:
        console.print("The backlog is empty.")
        return
    total = sum(len(g.items) for g in groups)
    console.print(f"{total} promise(s) from the history, due more than {config.tracker.history_days} days before "
                  "they were seen: never booked. `assistant backlog --dismiss-all` clears them.",
                  highlight=False, markup=False)
    for g in groups:
        console.print(Text(f"\n{g.label}", style="bold").append(f"  {', '.join(g.people)} ({len(g.items)})",
                                                                 style="dim"))
        for i in g.items:
            who = "you" if i.owner == "me" else (i.name or "they")
            line = " ".join(f"  {i.target.astimezone(zone):%d %b %Y}  {who}: \u201c{i.text}\u201d".split())
            console.print(Text("  " + line[:300]), soft_wrap=True)


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""
    group.add_command(demo)
    group.add_command(track)
    group.add_command(backlog_cmd)
