"""`assistant team ...`: a sales team on one server (team.toml). Parses and prints; the work is in
assistant.team / assistant.teamconfig."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from assistant.cli.common import console, edge, err_console, plain
from assistant.teamconfig import load_team

F = TypeVar("F", bound=Callable[..., Any])


def team_config_option(func: F) -> F:
    return click.option("--config", "config_path", type=click.Path(path_type=Path), required=True,
                        help="The team file (team.toml).")(func)


@click.group("team")
def team_group() -> None:
    """A sales team on one server: check the team file, sign-in links, the manager's review."""


@team_group.command("check")
@team_config_option
@edge
def check_cmd(config_path: Path) -> None:
    """Check team.toml and every rep's config and accounts: one line per problem (exit 2 if any)."""
    from assistant.team import check_team

    team = load_team(config_path)
    problems = check_team(team)
    for line in problems:
        err_console.print(plain(line), soft_wrap=True, highlight=False)
    if problems:
        sys.exit(2)
    console.print(plain(f"{len(team.reps)} reps, {len(team.managers)} managers: all good"), highlight=False)


@team_group.command("forget")
@click.argument("rep")
@team_config_option
@click.option("--yes", is_flag=True, help="Remove without asking.")
@edge
def forget_cmd(rep: str, config_path: Path, yes: bool) -> None:
    """Remove what the team's database keeps of REP (a rep who leaves): their store and their sign-ins."""
    from assistant.team import forget_rep, stored_for

    team = load_team(config_path)
    found = stored_for(team, rep)
    if found.empty:
        console.print(plain(f"nothing stored for rep {rep!r}"), highlight=False)
        return
    for line in found.lines():
        console.print(plain(line), soft_wrap=True, highlight=False)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"this removes the above for good: add --yes to forget rep {rep!r}")
        click.confirm(f"remove all of this for rep {rep!r}, for good?", abort=True)
    for line in forget_rep(team, rep):
        console.print(plain(line), soft_wrap=True, highlight=False)
    if found.in_team_file:
        err_console.print(plain(f"rep {rep!r} is still in {config_path}: remove its [[reps]] table, or the workers "
                                "will store their mail again"), soft_wrap=True, highlight=False)


@team_group.command("new-key")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Write the key to this new 0600 file (default: print it, for an environment variable).")
@edge
def new_key_cmd(out: Path | None) -> None:
    """A new key for [secrets]: it encrypts every rep's tokens at rest. Keep it out of the repo."""
    from assistant.vault import new_key, write_key

    if out is None:
        click.echo(new_key().decode())
        return
    write_key(out)
    console.print(plain(f"wrote {out} (0600): set [secrets] key_file = \"{out}\" in team.toml"), highlight=False)


@team_group.command("login-link")
@click.argument("rep")
@team_config_option
@click.option("--account", "account_name", default=None, help="The rep's account (default: their first).")
@click.option("--base-url", default=None, metavar="URL",
              help="Where the team page is reached, behind the proxy (default: [web] base_url).")
@click.option("--hours", type=click.IntRange(1, 168), default=72, show_default=True, help="How long it works.")
@edge
def login_link_cmd(rep: str, config_path: Path, account_name: str | None, base_url: str | None, hours: int) -> None:
    """A one-time sign-in link to send to REP: they open it and sign in themselves; you never see a password."""
    from assistant.teamconfig import rep_config
    from assistant.vault import load_key, make_link

    team = load_team(config_path)
    config = rep_config(team, team.rep(rep))
    account = config.account(account_name) if account_name else (config.accounts[0] if config.accounts else None)
    if account is None:
        raise click.UsageError(f"rep {rep!r} has no [[accounts]] in {config.source_path}")
    base_url = base_url or team.base_url
    if not base_url:
        raise click.UsageError("give --base-url https://... (where reps open the team page) or set [web] base_url "
                               "in team.toml")
    if not base_url.startswith("https://") and not base_url.startswith("http://127.0.0.1"):
        raise click.BadParameter("use the https:// address of the team page", param_hint="--base-url")
    link = make_link(load_key(team.key_file, team.key_env), base_url, rep, account.name, hours)
    console.print(plain(f"Send this to {config.rep.name or rep} ({config.rep.email or 'no email'}); it works once, "
                        f"for {hours} h, for account {account.name!r}:"), highlight=False)
    click.echo(link)


@team_group.command("report")
@team_config_option
@click.option("--week", default=None, metavar="YYYY-Www", help="The ISO week (default: this week).")
@click.option("--rep", "reps", multiple=True, help="Only these reps (repeatable; default: every rep).")
@click.option("--now", "now_text", default=None, metavar="ISO", help="Replay time (tests and demos).")
@edge
def report_cmd(config_path: Path, week: str | None, reps: tuple[str, ...], now_text: str | None) -> None:
    """The manager's pipeline review: per rep, promises made and kept, broken, pending; deals without a
    dated next step; stalled deals; vague steps written that week."""
    from rich.table import Table

    from assistant.cli.common import make_clock
    from assistant.config import Config
    from assistant.report import iso_week, normalise_week
    from assistant.team_review import team_review

    team = load_team(config_path)
    now = make_clock(now_text, Config())()
    try:
        week = normalise_week(week) if week else iso_week(now, "UTC")
    except ValueError:
        raise click.BadParameter(f"{week!r}: write an ISO week like 2026-W47", param_hint="--week") from None
    names = list(reps) or [r.name for r in team.reps]
    for name in names:
        team.rep(name)  # an unknown rep is one line, before any work
    review = team_review(team, names, now, week)
    table = Table(title=f"Pipeline review {week}", show_lines=False)
    for col in ("rep", "made", "kept", "settled", "broken", "pending", "undated deals", "stalled", "vague"):
        table.add_column(col, justify="left" if col == "rep" else "right")
    for r in review.reps:
        table.add_row(plain(f"{r.name} ({r.rep})"), *(str(x) for x in (
            r.made, r.kept, r.settled, r.broken, r.pending, len(r.undated), len(r.stalled), len(r.vague))))
    console.print(table)
    for r in review.reps:
        if r.error:
            console.print(plain(f"{r.rep}: {r.error}"), style="red", highlight=False)
            continue
        for d in r.undated:
            console.print(plain(f"{r.rep}: no dated next step: {d.company}: {d.why}"
                                + (f": \"{d.step}\"" if d.step else "")), highlight=False)
        for d in r.stalled:
            console.print(plain(f"{r.rep}: stalled: {d.company}: {d.why}" + (f"; next: {d.step}" if d.step else "")),
                          highlight=False)
        for v in r.vague:
            console.print(plain(f"{r.rep}: vague: \"{v}\""), highlight=False)


TEAM_PORT = 8788


@team_group.command("serve")
@team_config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Listen here; the proxy in front of it is the only client ([web] proxies).")
@click.option("--port", type=click.IntRange(0, 65535), default=TEAM_PORT, show_default=True)
@click.option("--now", "now_text", default=None, metavar="ISO", help="Replay time (tests and demos).")
@edge
def serve_cmd(config_path: Path, host: str, port: int, now_text: str | None) -> None:
    """The team page behind the company's sign-in proxy: the manager's review, each rep's own queue and
    the reps' sign-in links (the same as `assistant serve --config team.toml`)."""
    serve_team(config_path, host, port, now_text)


def serve_team(config_path: Path, host: str, port: int, now_text: str | None) -> None:
    """Run the team page until stopped: the one code path of `assistant team serve` and of `assistant serve`
    given a team file. Its connection pool is closed when the server shuts down (the app's lifespan)."""
    import uvicorn

    from assistant.cli.common import make_clock
    from assistant.config import Config
    from assistant.web.team import create_team_app

    team = load_team(config_path)
    if not team.proxies:
        raise click.UsageError("team.toml has no [web] proxies: name the address of the sign-in proxy that "
                               "sets X-Forwarded-Email (like proxies = [\"127.0.0.1\"])")
    app = create_team_app(team, clock=make_clock(now_text, Config()))
    console.print(plain(f"team page on http://{host}:{port}/ (behind the proxy at {', '.join(team.proxies)})"),
                  highlight=False)
    sys.stdout.flush()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")


@click.command("worker")
@team_config_option
@click.option("--burst", is_flag=True, help="Process until nothing is due, then exit.")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Replay time: act as if it were this moment (tests and demos).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@edge
def worker_cmd(config_path: Path, burst: bool, now_text: str | None, verbose: bool) -> None:
    """A worker for the team in team.toml: syncs mailboxes and runs reps' passes from the job queue in the
    team's PostgreSQL. Start as many as needed, on any machines."""
    from assistant.cli.common import make_clock
    from assistant.cli.watch_cmds import setup_logging
    from assistant.config import Config
    from assistant.worker import run_worker

    setup_logging(verbose)
    team = load_team(config_path)
    clock = make_clock(now_text, Config())
    done = run_worker(team, clock, burst=burst)
    if burst:
        console.print(plain(f"worker: {done} job(s) done; nothing is due"), highlight=False)


def register(group: click.Group) -> None:
    group.add_command(team_group)
    group.add_command(worker_cmd)
