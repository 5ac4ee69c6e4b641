"""`assistant watch`, `assistant init`, `assistant service install`, `assistant status`.
Parsing and printing only; the work is in assistant.watcher, assistant.config_template, assistant.service."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

import click

from assistant import config_template
from assistant.cli.common import (
    config_option,
    console,
    edge,
    err_console,
    load,
    make_clock,
    now_option,
    plain,
    rich_console,
)
from assistant.config import CALENDAR_KINDS, default_config_path
from assistant.config_template import CalendarChoice
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


def _without_traceback(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of a record without its traceback: the record is shared with every other handler, which
    may still want it."""
    record = logging.makeLogRecord(record.__dict__)
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    return record


class OneLine(logging.Formatter):
    """Plain single-line records for a log that is not a terminal (systemd's journal, launchd, a file):
    no colours or boxes, a record's line breaks folded, a traceback only with -v."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if not self.verbose:
            record = _without_traceback(record)
        text = super().format(record)
        return text if self.verbose else " | ".join(part.strip() for part in text.splitlines() if part.strip())


class MessageOnly(logging.Formatter):
    """The message alone, for rich's handler on a terminal (it shows the time and level itself): a
    library's logged traceback (procrastinate logs one for a failed job) only with -v."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(message)s")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record if self.verbose else _without_traceback(record))


def setup_logging(verbose: bool, stream: TextIO | None = None) -> None:
    """Rich output on a terminal; plain single lines anywhere else (a service's log)."""
    stream = stream or sys.stderr
    handler: logging.Handler
    if stream.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(console=rich_console(err_console), show_path=False, markup=False, rich_tracebacks=False,
                              log_time_format="[%Y-%m-%d %H:%M:%S]")
        handler.setFormatter(MessageOnly(verbose))
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(OneLine(verbose))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.DEBUG if verbose else logging.INFO)


def first_sync_progress(console: Console) -> tuple[Progress, Callable[[str], Callable[[int, int | None], None]]]:
    """A rich progress display and the per-account callback the watcher calls after each stored batch
    of a first sync (the watcher asks for one only on an account's first sync)."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=rich_console(console), transient=True, disable=not console.is_terminal)
    tasks: dict[str, TaskID] = {}

    def progress_for(account: str) -> Callable[[int, int | None], None]:
        def advance(done: int, total: int | None) -> None:
            if account not in tasks:
                tasks[account] = progress.add_task(f"first sync of {escape(account)}", total=total)
            progress.update(tasks[account], advance=done, total=total, refresh=True)

        return advance

    return progress, progress_for


BOOKING_BAR_MIN = 5  # a booking pass shows a bar only when it books more than a few events


def booking_progress(progress: Progress) -> Callable[[int, int], None]:
    """The callback a booking pass reports to after each event: a bar on `progress` while a pass books
    more than `BOOKING_BAR_MIN` events, removed when the pass ends."""
    task: list[TaskID] = []

    def advance(done: int, total: int) -> None:
        if total <= BOOKING_BAR_MIN:
            return
        if not task:
            task.append(progress.add_task("booking follow-ups", total=total))
        progress.update(task[0], completed=done, total=total, refresh=True)
        if done >= total:
            progress.remove_task(task.pop())

    return advance


@click.command("watch")
@click.option("--once", is_flag=True, help="One pass over every account, then exit.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(min=1.0), default=60.0, show_default=True,
              help="Seconds between passes when no account pushes new mail.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@config_option
@now_option
@edge
def watch_cmd(once: bool, poll_seconds: float, verbose: bool, config_path: Path | None, now_text: str | None) -> None:
    """Read every configured account, store new messages and their promises, then track them.

    Runs in the foreground until Ctrl-C or SIGTERM (stopping cleanly between messages), or once
    with --once. Progress bars show a first sync."""
    from assistant.watcher import StopFlag, watch

    setup_logging(verbose)
    config = load(config_path)
    clock = make_clock(now_text, config)
    stop = StopFlag()
    log = logging.getLogger("assistant.watch")

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        log.info("%s: stopping after the current message or calendar event (again to stop now)",
                 signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    progress, progress_for = first_sync_progress(err_console)
    try:
        with progress:
            results = watch(config, clock, once=once, stop=stop, poll_seconds=poll_seconds,
                            progress_for=progress_for, booking_progress=booking_progress(progress))
    except KeyboardInterrupt:
        err_console.print("stopped")
        sys.exit(130)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if once:
        from rich.table import Table

        table = Table("account", "new messages", "commitments", "already stored", "unreadable", "status")
        for r in results:
            table.add_row(plain(r.account), str(r.stored), str(r.commitments), str(r.duplicates), str(r.failed),
                          plain(r.error or ("stopped" if r.stopped else "ok")))
        console.print(table)
        if any(r.error for r in results):
            sys.exit(1)  # (a script or a service check sees that an account failed)


def _ask(text: str, check: Callable[[str], str], default: str | None = None) -> str:
    """Prompt until `check` accepts the answer (it returns the value to keep, or raises ConfigError
    saying what is wrong: that line is shown and the question asked again)."""
    def value_proc(answer: str) -> str:
        try:
            return check(answer)
        except ConfigError as e:
            raise click.UsageError(str(e)) from None

    return str(click.prompt(text, default=default, value_proc=value_proc, err=True))


def _nonempty(key: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.strip():
            raise ConfigError(f"{key} is empty: write something")
        return value.strip()

    return check


def _check_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"calendar.url = {value.strip()!r}: write the server's address, like "
                          "\"https://dav.example.com/\"")
    return value.strip()


def _check_client_secrets(value: str) -> str:
    import json

    path = Path(value.strip()).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"client_secrets = {str(path)!r}: cannot read it ({e.strerror}): give the path of the "
                          "JSON file downloaded for your OAuth client") from None
    except ValueError:
        raise ConfigError(f"client_secrets = {str(path)!r} is not JSON: download the OAuth client's JSON from "
                          "Google Cloud (APIs & Services > Credentials)") from None
    if not isinstance(data, dict) or "installed" not in data:
        raise ConfigError(f"client_secrets = {str(path)!r} is not a Desktop app client: create an OAuth client "
                          "of type \"Desktop app\" and download its JSON") from None
    return str(path.resolve())


def _check_client_id(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ConfigError(f"client_id = {value.strip()!r}: write the Application (client) ID of your Entra app "
                          "registration, like 00000000-0000-0000-0000-000000000000") from None


def _calendar_choice(kind: str, interactive: bool, *, url: str, username: str, client_secrets: str,
                     client_id: str) -> CalendarChoice:
    """Ask what the chosen calendar needs (or check what the options gave, when not in a terminal)."""
    def need(option: str, value: str, text: str, check: Callable[[str], str], default: str | None = None) -> str:
        if value:
            return check(value)
        if not interactive:
            raise ConfigError(f"--calendar {kind} needs {option} when not run in a terminal")
        return _ask(text, check, default)

    if kind == "caldav":
        password_command = ""
        url = need("--caldav-url", url, "CalDAV server address (https://...)", _check_url)
        username = need("--caldav-user", username, "CalDAV user name", _nonempty("calendar.username"))
        if interactive:
            password_command = str(click.prompt(
                "A command that prints the CalDAV password (e.g. `pass show caldav`); empty: read it from "
                f"${config_template.CALDAV_PASSWORD_ENV}", default="", show_default=False, err=True)).strip()
        return CalendarChoice("caldav", url=url, username=username, password_command=password_command)
    if kind == "google":
        secrets = need("--client-secrets", client_secrets,
                       "Path of the OAuth client JSON (Desktop app) from your Google Cloud project",
                       _check_client_secrets)
        return CalendarChoice("google", client_secrets=secrets)
    if kind == "outlook":
        cid = need("--client-id", client_id, "Application (client) ID of your Entra app registration",
                   _check_client_id)
        return CalendarChoice("outlook", client_id=cid)
    return CalendarChoice("ics")


def _interactive() -> bool:
    """Whether init may ask questions (stdin is a terminal)."""
    return sys.stdin.isatty()


@click.command("init")
@click.option("--force", is_flag=True, help="Replace an existing config file.")
@click.option("--name", default="", help="Your name (default: asked).")
@click.option("--email", default="", help="Your email address (default: asked).")
@click.option("--timezone", "tz", default="", help="Your IANA time zone (default: this machine's, shown).")
@click.option("--calendar", "calendar_kind", type=click.Choice(CALENDAR_KINDS), default=None,
              help="Where follow-ups go (default: asked; ics when not in a terminal).")
@click.option("--caldav-url", default="", help="CalDAV: the server's address.")
@click.option("--caldav-user", default="", help="CalDAV: the user name.")
@click.option("--client-secrets", default="", help="Google: the OAuth client JSON (Desktop app).")
@click.option("--client-id", default="", help="Microsoft 365: the Entra app's Application (client) ID.")
@config_option
@edge
def init_cmd(force: bool, name: str, email: str, tz: str, calendar_kind: str | None, caldav_url: str,
             caldav_user: str, client_secrets: str, client_id: str, config_path: Path | None) -> None:
    """Write a commented config.toml: you, your time zone, the calendar follow-ups go to, and a local
    account (an empty Maildir and notes folder in the data dir). Asks for what is not given, again until
    the answer is usable."""
    from assistant.config import check_email, check_timezone, data_dir, local_zone

    path = config_path or default_config_path()
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists: edit it, or run `assistant init --force` to replace it")
    interactive = _interactive()
    if not interactive and not (name and email):
        raise ConfigError("not run in a terminal: give --name and --email (and --timezone, --calendar if the "
                          "defaults do not fit)")
    name = _nonempty("--name")(name) if name else _ask("Your name", _nonempty("rep.name"))
    email = check_email("--email", email) if email else _ask("Your email address", lambda v: check_email(
        "rep.email", v))
    zone_detected = not tz and not interactive
    if tz:
        tz = check_timezone("--timezone", tz)
    else:
        detected = local_zone()
        if interactive:
            click.echo(f"This machine's time zone is {detected}.", err=True)
            tz = _ask("Your time zone (IANA name)", lambda v: check_timezone("rep.timezone", v.strip()), detected)
        else:
            tz = detected
    if calendar_kind is None:
        calendar_kind = "ics"
        if interactive:
            click.echo("Follow-ups go on one calendar: ics (a file your calendar app imports or subscribes to), "
                       "caldav (Nextcloud, Fastmail, iCloud...), google, outlook (Microsoft 365).", err=True)
            calendar_kind = str(click.prompt("Calendar", type=click.Choice(CALENDAR_KINDS), default="ics", err=True))
    choice = _calendar_choice(calendar_kind, interactive, url=caldav_url, username=caldav_user,
                              client_secrets=client_secrets, client_id=client_id)
    written = config_template.write(path, name=name, email=email, timezone=tz, calendar=choice, data=data_dir(),
                                    force=force)
    click.echo(f"wrote {path}")
    click.echo(f"  you: {name} <{email}>, time zone {tz}" + (
        " (this machine's; change it with --timezone or rep.timezone)" if zone_detected else ""))
    click.echo(f"  data dir: {written.data} (the store, mail, notes, reports)")
    click.echo(f"  local account reads {written.mail} (Maildir) and {written.notes} (voicemail notes)")
    where = {"ics": f"the file {written.data / 'followups.ics'}", "caldav": f"CalDAV at {choice.url}",
             "google": "Google Calendar (primary)", "outlook": "your Outlook calendar"}[choice.kind]
    click.echo(f"  follow-ups go to {where}")
    flag = f" --config {path}" if config_path else ""
    steps = []
    if choice.kind in ("google", "outlook"):
        provider = "gmail" if choice.kind == "google" else "outlook"
        steps.append(f"assistant login {provider} --account {choice.account}{flag}")
    if choice.kind == "caldav" and not choice.password_command:
        steps.append(f"export {config_template.CALDAV_PASSWORD_ENV}=...   (the CalDAV password)")
    steps.append(f"assistant watch --once{flag}")
    click.echo("next: " + "\n      ".join(steps))


@click.group("service")
def service_group() -> None:
    """Run the watcher in the background (systemd user unit, launchd agent)."""


@service_group.command("install")
@click.option("--print", "print_only", is_flag=True, help="Print the systemd unit and the launchd plist; write nothing.")
@click.option("--with-web", is_flag=True, help="Also run the review page and the calendar feed (`assistant serve`).")
@click.option("--web-host", default="127.0.0.1", show_default=True,
              help="With --with-web: the address `serve` listens on (0.0.0.0 for a phone on your network).")
@click.option("--web-port", default=8765, show_default=True, type=click.IntRange(1, 65535),
              help="With --with-web: the page's port.")
@config_option
@edge
def service_install(print_only: bool, with_web: bool, web_host: str, web_port: int, config_path: Path | None) -> None:
    """Write a systemd user unit (Linux) or a launchd agent (macOS) that runs `assistant watch`, and with
    --with-web one that runs `assistant serve` beside it."""
    from assistant import service

    load(config_path)  # a missing or bad config is reported now, not by a service failing in the background
    if print_only:
        click.echo(f"# systemd user unit: {service.systemd_user_dir() / service.UNIT_NAME}")
        click.echo(service.systemd_unit(config_path))
        if with_web:
            click.echo(f"# systemd user unit: {service.systemd_user_dir() / service.WEB_UNIT_NAME}")
            click.echo(service.web_systemd_unit(config_path, web_host, web_port))
        click.echo(f"# launchd agent: {service.launchd_dir() / (service.AGENT_LABEL + '.plist')}")
        click.echo(service.launchd_plist(config_path))
        if with_web:
            click.echo(f"# launchd agent: {service.launchd_dir() / (service.WEB_AGENT_LABEL + '.plist')}")
            click.echo(service.web_launchd_plist(config_path, web_host, web_port))
        return
    path, start = service.install(config_path)
    click.echo(f"wrote {path}")
    click.echo(f"start it with: {start}")
    if with_web:
        from assistant.web.app import feed_url, shown_host, start_url
        from assistant.web.tokens import serve_tokens

        web_path, web_start = service.install_web(config_path, host=web_host, port=web_port)
        tokens = serve_tokens()  # made now and kept, so the links below are the ones the service serves
        shown = shown_host(web_host)
        click.echo(f"wrote {web_path}")
        click.echo(f"start it with: {web_start}")
        click.echo(f"then bookmark the review page: {start_url(shown, web_port, tokens.page)}")
        click.echo(f"and subscribe your calendar to: {feed_url(shown, web_port, tokens.calendar)}")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@config_option
@edge
def status_cmd(as_json: bool, config_path: Path | None) -> None:
    """Per account: ok, the `assistant login ...` it needs, or its last error; last sync, messages stored,
    messages waiting for a retry. Exit 1 when an account needs attention."""
    import json

    from rich.text import Text

    from assistant.status import account_reports
    from assistant.store import store_for

    config = load(config_path)
    with store_for(config) as store:
        reports = account_reports(store, config)
        totals = (store.count_messages(), store.count_commitments())
        where = store.location
    if as_json:
        click.echo(json.dumps({"accounts": [r.as_json() for r in reports], "messages": totals[0],
                               "commitments": totals[1], "store": where}, indent=2))
    else:
        for r in reports:  # one line per account, whatever the width: the message is what the rep acts on
            style = {"ok": "green", "needs_login": "yellow", "error": "red"}.get(r.state, "")
            line = Text(f"{r.account} ({r.kind}): ", style="bold").append(r.message, style=style)
            synced = f"last sync {r.last_sync:%Y-%m-%d %H:%M} UTC" if r.last_sync else "never synced"
            line.append(f" \u2014 {synced}, {r.messages} messages"
                        + (f", {r.unreadable} waiting for a retry" if r.unreadable else ""), style="dim")
            console.print(line, soft_wrap=True)
        console.print(f"{totals[0]} messages, {totals[1]} commitments in {where}", highlight=False,
                      markup=False)
    if any(r.state in ("needs_login", "error") for r in reports):
        sys.exit(1)


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""
    group.add_command(watch_cmd)
    group.add_command(init_cmd)
    group.add_command(service_group)
    group.add_command(status_cmd)
