"""What every command shares: `--config FILE`, `--now`, error handling at the edge, the console."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from assistant.clock import Clock, fixed_clock, parse_now, system_clock
from assistant.config import Config, load_config
from assistant.errors import AssistantError

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    return click.option(
        "--config", "config_path", type=click.Path(path_type=Path), default=None,
        help="Config file (default: config.toml in the user's config dir).",
    )(func)


def now_option(func: F) -> F:
    return click.option(
        "--now", "now_text", default=None, metavar="ISO",
        help="Replay time: act as if it were this moment (naive = the rep's zone).",
    )(func)


def load(config_path: Path | None) -> Config:
    return load_config(config_path)


def make_clock(now_text: str | None, config: Config) -> Clock:
    if not now_text:
        return system_clock
    try:
        return fixed_clock(parse_now(now_text, config.rep.timezone))
    except ValueError:
        raise click.BadParameter(f"{now_text!r}: write an ISO time like 2026-11-20T09:00", param_hint="--now") from None


def now_of(clock: Clock) -> datetime:
    return clock()


def edge(func: F) -> F:
    """Turn the project's own errors into one clear line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as e:
            logging.getLogger("assistant").debug("command failed", exc_info=True)
            err_console.print(f"[red]error:[/red] {e}", highlight=False, markup=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
