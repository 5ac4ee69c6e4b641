"""What the three remote calendar writers (CalDAV, Google, Outlook) share: retrying transient faults
with backoff (honouring a server's Retry-After), the rep's zone, and how the event body carries the
link back to the message."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from assistant.calendars.base import WriteThrough
from assistant.config import AccountConfig, Config
from assistant.errors import ConfigError, TransientError, worth_retrying

T = TypeVar("T")

DEFAULT_ATTEMPTS = 5
MAX_WAIT_SECONDS = 60.0
_backoff = wait_exponential(multiplier=0.5, min=0.5, max=MAX_WAIT_SECONDS)


def _wait(state: RetryCallState) -> float:
    """The server's Retry-After when it gave one (capped), else exponential backoff."""
    exc = state.outcome.exception() if state.outcome is not None else None
    if isinstance(exc, TransientError) and exc.retry_after is not None:
        return max(0.0, min(float(exc.retry_after), MAX_WAIT_SECONDS))
    return float(_backoff(state))


def with_retries(call: Callable[[], T], *, attempts: int = DEFAULT_ATTEMPTS,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `call`, retrying TransientError with backoff; the last TransientError propagates.

    `sleep` is injectable so tests check the waits (e.g. that Retry-After was honoured) without waiting."""
    retrying = Retrying(retry=retry_if_exception(worth_retrying), stop=stop_after_attempt(attempts),
                        wait=_wait, sleep=sleep, reraise=True)
    return retrying(call)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare on these APIs and treated as unknown)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def rep_zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.rep.timezone)


def in_zone(value: datetime | date, zone: ZoneInfo) -> datetime:
    """An aware datetime in the rep's zone (a bare date is midnight there; a naive time is taken as UTC)."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(zone)


LINK_SEPARATOR = "\n\n"


def body_with_link(description: str, url: str) -> str:
    """The event body the rep sees: the description, then the link back to the message if not already in it."""
    if url and url not in description:
        return f"{description}{LINK_SEPARATOR}{url}" if description else url
    return description


def body_without_link(body: str, url: str) -> str:
    """Undo `body_with_link`, so that get() returns the description that was put."""
    if url:
        if body == url:
            return ""
        suffix = f"{LINK_SEPARATOR}{url}"
        if body.endswith(suffix):
            return body[: -len(suffix)]
    return body


def minutes(delta: timedelta) -> int:
    return int(abs(delta.total_seconds()) // 60)


class RetryingWriter(WriteThrough):
    """Mixin for the remote writers: run a call with retries, translating the client library's errors
    into the project's own (`_translate`) so that only TransientError is retried. Their sessions write
    through (`WriteThrough`): each call is one request."""

    _attempts: int
    _sleep: Callable[[float], None]

    def _translate(self, exc: Exception, what: str) -> Exception:
        raise NotImplementedError

    def _retry(self, what: str, call: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                return call()
            except Exception as e:
                raise self._translate(e, what) from e

        return with_retries(attempt, attempts=self._attempts, sleep=self._sleep)


def linked_account(config: Config, opts: dict[str, Any], kind: str, need: bool) -> AccountConfig:
    """The mail account whose sign-in a Google or Outlook calendar uses: `calendar.account`, or the only
    account of that kind. `need` is False when the test injects a client, so no account must exist."""
    name = str(opts.get("account", "")).strip()
    login = f"`assistant login {kind} --account NAME`"
    if name:
        for a in config.accounts:
            if a.name == name:
                return a
        if need:
            raise ConfigError(f"calendar.account = {name!r} but there is no [[accounts]] entry with that name: "
                              f"add a kind = \"{kind}\" account and run {login}")
        return AccountConfig(name=name, kind=kind)
    same_kind = [a for a in config.accounts if a.kind == kind]
    if len(same_kind) == 1:
        return same_kind[0]
    if need:
        raise ConfigError(f"calendar.kind needs calendar.account = the name of the {kind} [[accounts]] entry "
                          f"whose sign-in to use (then run {login})")
    return AccountConfig(name="calendar", kind=kind)
