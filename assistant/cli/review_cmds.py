"""`assistant review`, `suggestions`, `serve`, `report` and `check`: parse, call assistant.review /
report / check / web, print. Text from mail is printed as plain text (no markup, no control codes)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from assistant.cli.common import config_option, console, edge, load, make_clock, now_option, plain
from assistant.clock import Clock
from assistant.config import Config
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from assistant.review import SuggestionView
    from assistant.store import Store

KEYS = {"a": "accept", "e": "edit", "s": "snooze", "d": "done", "r": "reject", "c": "cancel", "k": "skip",
        "q": "quit"}


def _local(moment: datetime | None, config: Config, fmt: str = "%a %d %b %H:%M") -> str:
    return moment.astimezone(ZoneInfo(config.rep.timezone)).strftime(fmt) if moment else ""


def _action_command(group: click.Group, name: str, help_text: str) -> None:
    @group.command(name, help=help_text + " ID may be a unique prefix of the id `assistant suggestions --json` "
                   "prints.")
    @click.argument("suggestion", metavar="ID")
    @config_option
    @now_option
    @edge
    def command(suggestion: str, config_path: Path | None, now_text: str | None) -> None:
        config = load(config_path)
        clock = make_clock(now_text, config)
        with _open_store(config) as store:
            _act(store, config, clock, name, suggestion, None)


def _open_store(config: Config) -> Store:
    from assistant.store import store_for

    return store_for(config)


WIDE = 120  # from this many columns the table gives "Why now" and the state their own columns


def suggestion_table(views: list[SuggestionView], config: Config, title: str, width: int | None = None) -> Table:
    """The queue as a table that stays readable from 80 columns up: on a narrow terminal the state goes
    under the time and the "why now" under the promise, so no column is squeezed to a few letters."""
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    wide = (width if width is not None else console.width) >= WIDE
    table = Table(title=title, caption=f"Times in {config.rep.timezone}", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("When", no_wrap=True)
    table.add_column("With", max_width=22, overflow="fold")  # sized by its names, up to a long domain
    table.add_column("The promise", ratio=3, min_width=24)
    if wide:
        table.add_column("Why now", ratio=1, min_width=16)
        table.add_column("State", no_wrap=True)
    for i, v in enumerate(views, 1):
        when = Text(_local(v.start, config, "%a %d %b"))
        when.append("\n").append(_local(v.start, config, "%H:%M"), style="bold")
        if not wide:
            when.append("\n").append(v.state, style="dim")
        who = plain(v.person)
        if v.company and v.company != v.person:
            who.append("\n").append(plain(v.company).plain, style="dim")
        promise = Text("\u201c").append(plain(v.promise, 300).plain).append("\u201d")
        if v.subject:
            promise.append("\n").append(plain(v.subject, 120).plain, style="dim")
        if not wide:
            promise.append("\nWhy now: ", style="bold").append(plain(v.reason, 120).plain)
        if v.vague:
            promise.append("\nvague: never booked. Make it concrete: ", style="yellow").append(
                plain(v.rewrite, 300).plain)
        if v.link:  # a terminal link where the terminal supports it (the URL itself is printed per item)
            promise.append("\n").append("open the mail", style=Style(link=v.link, underline=True))
        cells: list[Text | str] = [str(i), when, who, promise]
        if wide:
            cells += [plain(v.reason, 120), v.state]
        table.add_row(*cells)
    return table


def _ask_snooze(review: Any, v: SuggestionView, config: Config, now: datetime) -> datetime:
    """Ask until the answer is a moment ahead: "tomorrow", "next thursday", "tomorrow 9", "3h"."""
    from rich.text import Text

    while True:
        text = click.prompt("Snooze until (tomorrow, next thursday, tomorrow 9, 3h, 2026-11-24 09:15)",
                            default="tomorrow")
        try:
            until: datetime = review.parse_snooze(text, now, config)
        except ValueError as e:
            console.print(Text("not understood: ", style="red").append(plain(e).plain))
            continue
        if until <= now:
            console.print(Text("that moment has passed: ", style="red").append(
                f"it is {_local(now, config)} now; give a later one"))
            continue
        return until


def _ask_edit(review: Any, config: Config, now: datetime) -> tuple[datetime | None, str]:
    """Ask for a new time (blank keeps it) until it reads, then a new title (blank keeps it)."""
    from rich.text import Text

    while True:
        when = click.prompt("New time (Tuesday 9:15, 2026-11-24 09:15; blank keeps it)", default="",
                            show_default=False)
        try:
            start: datetime | None = review.parse_local(when, config, now) if when.strip() else None
            break
        except ValueError as e:
            console.print(Text("not understood: ", style="red").append(plain(e).plain))
    title = click.prompt("New title (blank keeps it)", default="", show_default=False)
    return start, title


def _act(store: Store, config: Config, clock: Clock, action: str, suggestion: str, until: str | None) -> None:
    """One action on one suggestion named by its id or a unique prefix (for scripts)."""
    from assistant import review
    from assistant.calendars import open_calendar

    now = clock()
    sid = review.resolve_id(store, suggestion)
    if action == "done":
        result = review.mark_done(store, config, sid, now)
    elif action == "snooze":
        try:
            moment = review.parse_snooze(until or "tomorrow", now, config)
        except ValueError as e:
            raise review.ReviewError(str(e)) from None
        result = review.snooze(store, config, sid, now, moment, open_calendar(config, clock))
    elif action == "accept":
        result = review.accept(store, config, sid, now, open_calendar(config, clock))
    else:
        result = review.reject(store, config, sid, now, open_calendar(config, clock))
    console.print(plain(result.message), soft_wrap=True)


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""

    @group.command("review")
    @config_option
    @now_option
    @edge
    def review_cmd(config_path: Path | None, now_text: str | None) -> None:
        """Go through pending follow-up suggestions: accept, edit, snooze or reject each by key."""
        from rich.text import Text

        from assistant import review
        from assistant.calendars import open_calendar

        config = load(config_path)
        clock = make_clock(now_text, config)
        now = clock()
        with _open_store(config) as store:
            views = review.queue(store, config, now)
            if not views:
                console.print("Nothing to review: every promise is kept, settled or on your calendar.")
                return
            console.print(suggestion_table(views, config, f"{len(views)} follow-up(s) to review"))
            writer = None
            for i, v in enumerate(views, 1):
                console.print(Text(f"\n#{i} ").append(plain(v.title, 160).plain, style="bold")
                              .append(f"  {_local(v.start, config)}"))
                if v.link:
                    console.print(Text("Mail: ", style="dim").append(plain(v.link).plain), soft_wrap=True)
                while True:  # until this item is done, skipped or the review is quit: an error asks again
                    key = click.prompt("[a]ccept [e]dit [s]nooze [d]one [r]eject [c]ancel s[k]ip [q]uit",
                                       type=click.Choice(list(KEYS)), default="k", show_choices=False)
                    action = KEYS[key]
                    if action in ("quit", "skip"):
                        break
                    writer = writer or open_calendar(config, clock)
                    try:
                        if action == "accept":
                            result = review.accept(store, config, v.id, now, writer)
                        elif action == "reject":
                            result = review.reject(store, config, v.id, now, writer)
                        elif action == "cancel":
                            result = review.cancel(store, config, v.id, now, writer)
                        elif action == "done":
                            result = review.mark_done(store, config, v.id, now)
                        elif action == "snooze":
                            result = review.snooze(store, config, v.id, now, _ask_snooze(review, v, config, now),
                                                   writer)
                        else:
                            start, title = _ask_edit(review, config, now)
                            result = review.edit(store, config, v.id, now, start=start, title=title or None,
                                                 writer=writer)
                    except (ValueError, AssistantError) as e:  # not done: say why and ask again for this one
                        console.print(Text("not done: ", style="red").append(plain(e).plain))
                        continue
                    console.print(plain(result.message), soft_wrap=True)
                    if action != "edit":  # an edit decides nothing: accept, snooze... the edited item next
                        break
                if action == "quit":
                    break

    for name, help_text in (("accept", "Accept a suggestion: it goes on your calendar."),
                            ("reject", "Reject a suggestion: no follow-up for this promise."),
                            ("done", "Mark a follow-up done: your promise kept, or the buyer reached.")):
        _action_command(group, name, help_text)

    @group.command("snooze")
    @click.argument("suggestion", metavar="ID")
    @click.argument("until", nargs=-1, metavar="[WHEN]")
    @config_option
    @now_option
    @edge
    def snooze_cmd(suggestion: str, until: tuple[str, ...], config_path: Path | None, now_text: str | None) -> None:
        """Snooze a suggestion until WHEN ("next thursday", "tomorrow 9", 3h; default: tomorrow). ID may be a
        unique prefix of the id `assistant suggestions --json` prints."""
        config = load(config_path)
        clock = make_clock(now_text, config)
        with _open_store(config) as store:
            _act(store, config, clock, "snooze", suggestion, " ".join(until) or None)

    @group.command("suggestions")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.option("--all", "show_all", is_flag=True, help="Every suggestion, not only the pending ones.")
    @config_option
    @now_option
    @edge
    def suggestions_cmd(as_json: bool, show_all: bool, config_path: Path | None, now_text: str | None) -> None:
        """List follow-up suggestions (pending by default)."""
        from assistant import review

        config = load(config_path)
        now = make_clock(now_text, config)()
        with _open_store(config) as store:
            views = review.all_views(store, config, now) if show_all else review.queue(store, config, now)
        if as_json:
            click.echo(json.dumps([v.as_json(config.rep.timezone) for v in views], indent=2, ensure_ascii=False))
            return
        if not views:
            console.print("No pending suggestions.")
            return
        console.print(suggestion_table(views, config, "Suggestions" if show_all else "Pending suggestions"))

    @group.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on. 127.0.0.1: this computer only; 0.0.0.0 (or this computer's LAN "
                       "address): your phone on the same network too, for the calendar subscription.")
    @click.option("--port", default=None, type=click.IntRange(0, 65535),
                  help="Port (0 picks a free one)  [default: 8765; 8788 for a team file]")
    @click.option("--new-tokens", is_flag=True,
                  help="Replace the page's and the calendar's tokens: links and subscriptions made before stop working.")
    @config_option
    @now_option
    @edge
    def serve_cmd(host: str, port: int | None, new_tokens: bool, config_path: Path | None,
                  now_text: str | None) -> None:
        """Serve the review page and the calendar feed; open the printed link (it carries the page's token,
        kept across restarts, so a bookmark keeps working). Given a team file (team.toml), serve the team
        page instead: the manager's pipeline review behind the company's sign-in proxy."""
        import socket

        import uvicorn

        from assistant.teamconfig import is_team_file

        if config_path is not None and is_team_file(config_path):
            from assistant.cli.team_cmds import TEAM_PORT, serve_team

            if new_tokens:
                raise click.UsageError("--new-tokens is for one rep's page; the team page has no tokens of its own "
                                       "(it trusts the sign-in proxy)")
            serve_team(config_path, host, TEAM_PORT if port is None else port, now_text)
            return
        port = 8765 if port is None else port

        from assistant.web.app import create_app, feed_url, reachable_as, shown_host, start_url
        from assistant.web.tokens import serve_tokens

        config = load(config_path)
        with _open_store(config):  # a damaged or unwritable store is one line now, not an error page later
            pass
        clock = make_clock(now_text, config)
        tokens = serve_tokens(renew=new_tokens)
        app = create_app(config, token=tokens.page, calendar_token=tokens.calendar, clock=clock,
                         allowed_hosts=reachable_as(host))
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(128)  # connections wait in the backlog from now on: the links printed below work at once
        except OSError as e:
            raise click.ClickException(f"cannot listen on {host}:{port} ({e.strerror}): pick another --port") from None
        bound_port = sock.getsockname()[1]
        local = host in ("127.0.0.1", "localhost", "::1")
        shown = shown_host(host)
        click.echo(f"Follow-through review page: {start_url(shown, bound_port, tokens.page)}")
        if config.calendar.kind == "ics":
            feed = feed_url(shown, bound_port, tokens.calendar)
            click.echo(f"Calendar to subscribe to: {feed}")
            click.echo(f"  (Apple: {feed.replace('http://', 'webcal://', 1)})")
            if local:
                click.echo("  only this computer reaches it: for your phone, run with --host 0.0.0.0 "
                           "(same network; see the README)")
        if not local:
            click.echo(f"warning: listening on {host}, reachable from other machines on this network", err=True)
        click.echo("Keep both links private. Press Ctrl+C to stop.")
        sys.stdout.flush()
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[sock])

    @group.command("report")
    @click.option("--week", default=None, metavar="YYYY-Www", help="ISO week, e.g. 2026-W47 (default: this week).")
    @click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
                  help="Folder for report.html, report.md and the charts.")
    @config_option
    @now_option
    @edge
    def report_cmd(week: str | None, out_dir: Path | None, config_path: Path | None, now_text: str | None) -> None:
        """Write the weekly commitment report and print where report.html is."""
        from assistant import report

        if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
            raise click.BadParameter(f"{out_dir} is a file: name a folder (it is created if missing)",
                                     param_hint="--out")
        config = load(config_path)
        now = make_clock(now_text, config)()
        if week is not None:
            try:
                week = report.normalise_week(week)
            except ValueError as e:
                raise click.BadParameter(str(e), param_hint="--week") from None
        with _open_store(config) as store:
            path = report.write_weekly(store, config, now, week, out_dir)
        click.echo(str(path))

    @group.command("check")
    @click.argument("draft", required=False, default="-", metavar="[FILE|-]")
    @click.option("--json", "as_json", is_flag=True, help="Print the verdict and the suggestion as JSON.")
    @click.option("--thread", "thread_id", default=None, help="A stored thread id: names and context from it.")
    @config_option
    @now_option
    @edge
    def check_cmd(draft: str, as_json: bool, thread_id: str | None, config_path: Path | None,
                  now_text: str | None) -> None:
        """Does the draft set a concrete next action? Exit 0 if it does, 3 if not (for send hooks)."""
        from rich.text import Text

        from assistant.check import check_draft

        config = load(config_path, required=False)  # a send hook works before `assistant init`
        now = make_clock(now_text, config)()
        if draft == "-":
            text = sys.stdin.read()
        else:
            try:
                text = Path(draft).read_text(encoding="utf-8", errors="replace")
            except OSError as e:
                raise click.BadParameter(f"cannot read {draft} ({e.strerror})", param_hint="FILE") from None
        thread = []
        if thread_id:
            with _open_store(config) as store:
                thread = store.messages(thread_id=thread_id)
            if not thread:
                raise click.BadParameter(f"no stored thread {thread_id!r}", param_hint="--thread")
        result = check_draft(text, now=now, config=config, thread=thread)
        if as_json:
            click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        else:
            mark = Text("\u2713 ", style="green") if result.sets_next_action else Text("\u2717 ", style="red")
            console.print(mark.append(plain(result.reason).plain), soft_wrap=True)
            if result.suggestion:
                console.print(Text("Suggested: ", style="bold").append(plain(result.suggestion).plain), soft_wrap=True)
        sys.exit(result.exit_code)
