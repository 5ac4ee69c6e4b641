"""What every command shares: `--config FILE`, `--now`, error handling at the edge, the console."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from assistant.clock import Clock, fixed_clock, parse_now, system_clock
from assistant.config import Config, default_config_path, load_config
from assistant.errors import AssistantError, ConfigError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


class _LazyConsole:
    """A rich Console made on first use: importing rich costs more than the rest of `assistant --help`,
    and `--help`, `resolve` and `extract` print nothing through it."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def rich_console(c: Console) -> Console:
    """The rich Console behind `console` / `err_console` (for rich objects that keep a console: logging
    handlers, progress displays)."""
    return c.real() if isinstance(c, _LazyConsole) else c


console: Console = _LazyConsole()  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]
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


def load(config_path: Path | None, *, required: bool = True) -> Config:
    """The rep's config. Every command that reads or writes the rep's data needs one: with no --config and
    no file at the default place it stops (exit 2) naming `assistant init`, instead of running on the
    defaults over an empty store. `check` runs without one (`required=False`: the defaults)."""
    if config_path is None and required:
        path = default_config_path()
        if not path.exists():
            raise ConfigError(f"no config at {path}: run `assistant init` (or pass --config FILE)")
    return load_config(config_path)


NOW_YEARS = (1970, 2200)  # a replayed moment outside these years is a typo (and overflows the calendar maths)


def make_clock(now_text: str | None, config: Config) -> Clock:
    if not now_text:
        return system_clock
    try:
        moment = parse_now(now_text, config.rep.timezone)
    except (ValueError, OverflowError):
        raise click.BadParameter(f"{now_text!r}: write an ISO time like 2026-11-20T09:00", param_hint="--now") from None
    if not NOW_YEARS[0] <= moment.year <= NOW_YEARS[1]:
        raise click.BadParameter(f"{now_text!r}: write a moment between {NOW_YEARS[0]} and {NOW_YEARS[1]}, like "
                                 "2026-11-20T09:00", param_hint="--now")
    return fixed_clock(moment)


def now_of(clock: Clock) -> datetime:
    return clock()


def plain(text: object, limit: int = 0) -> Text:
    """Untrusted text (mail, names, error messages quoting them) for rich: control codes stripped, one
    line, never read as rich markup (a message's "[bold]" stays as written, its "[/x]" cannot crash)."""
    from rich.control import strip_control_codes
    from rich.text import Text

    value = strip_control_codes(" ".join(str(text).split()))
    if limit and len(value) > limit:
        value = value[: limit - 1] + "\u2026"
    return Text(value)


def fail(message: object, code: int = 2) -> NoReturn:
    """Print one line, `error: <message>`, on stderr (never wrapped, never markup) and exit."""
    from rich.text import Text

    err_console.print(Text("error: ", style="red").append(plain(message).plain), soft_wrap=True, highlight=False)
    sys.exit(code)


def edge(func: F) -> F:
    """Turn the project's own errors, and a file that cannot be read or written, into one clear line on
    stderr and exit code 2 (the full traceback is logged at DEBUG, shown with -v where a command has it)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as e:
            logging.getLogger("assistant").debug("command failed", exc_info=True)
            fail(e)
        except OSError as e:
            logging.getLogger("assistant").debug("command failed", exc_info=True)
            where = f"{e.filename}: " if e.filename else ""
            fail(f"{where}{e.strerror or e}: check the path, its permissions and the free space on its disk")

    return wrapper  # type: ignore[return-value]


_NO_ARGS_IS_HELP: type[click.UsageError] = getattr(click.exceptions, "NoArgsIsHelpError", type("_Never", (click.UsageError,), {}))


class Main(click.Group):
    """The `assistant` group: a usage error (a bad option value, a missing argument) is one line on stderr
    naming the option and pointing at --help, exit code 2, instead of click's usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except _NO_ARGS_IS_HELP as e:  # `assistant` alone, `assistant service`: the help, as click shows it
            e.show()
            sys.exit(e.exit_code)
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx is not None else "assistant"
            fail(f"{e.format_message()} (see `{where} --help`)")
        except click.ClickException as e:
            fail(e.format_message())
        except click.Abort:
            err_console.print("stopped", highlight=False)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)
