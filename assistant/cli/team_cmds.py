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
