"""The project's own exceptions. Every message says what to do next; they are caught at the edges
(the CLI and the watcher loop) and never swallowed silently."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: `str(err)` is a message a rep can act on."""


class ConfigError(AssistantError):
    """The config file is missing, unreadable or has a bad value."""


class AuthError(AssistantError):
    """A token expired or was revoked: the account stops until the rep signs in again."""

    def __init__(self, account: str, provider: str, detail: str = "") -> None:
        self.account = account
        self.provider = provider
        hint = f"run `assistant login {provider} --account {account}`"
        super().__init__(f"{provider} account {account!r}: sign-in expired or revoked ({detail or 'no detail'}): {hint}")


class SourceError(AssistantError):
    """A mail source failed in a way a retry will not fix (bad folder, server refused)."""


class SignInLinkError(AssistantError):
    """A team sign-in link that is forged, expired or used already (assistant.vault)."""


class TransientError(AssistantError):
    """A network fault or a 5xx/429 answer: retried with backoff, nothing lost. `retry_now` False: waiting
    seconds will not help (a host name that does not resolve): the next pass tries again, no backoff loop."""

    def __init__(self, message: str, retry_after: float | None = None, *, retry_now: bool = True) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.retry_now = retry_now


def worth_retrying(exc: BaseException) -> bool:
    """The retry predicate of every backoff loop (tenacity's `retry_if_exception`)."""
    return isinstance(exc, TransientError) and exc.retry_now


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps: causes, contexts, and exceptions kept as arguments or as `.reason`
    (requests -> urllib3 MaxRetryError -> NameResolutionError -> socket.gaierror)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        e = todo.pop(0)
        if any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [x for x in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args)
                 if isinstance(x, BaseException)]
    return seen


def network_problem(exc: BaseException) -> tuple[str, bool]:
    """A network fault in a few words (never a urllib3 repr), and whether retrying soon can help."""
    import socket
    import ssl

    chain = _chain(exc)
    for e in chain:
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return "the server's name does not resolve (offline, or a typo in the host name?)", False
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"its certificate is not trusted ({e.verify_message})", False
        if isinstance(e, ssl.SSLError):
            return f"TLS failed ({e.reason or type(e).__name__})", True
        if isinstance(e, ConnectionRefusedError):
            return "the connection was refused (is the server up, the port right?)", True
        if isinstance(e, ConnectionResetError):
            return "the connection was reset", True
        if isinstance(e, TimeoutError) or "timeout" in type(e).__name__.lower() or "timed out" in str(e):
            return "it did not answer in time", True
    for e in chain:
        if isinstance(e, OSError) and e.strerror:
            return e.strerror, True
    return type(exc).__name__, True


class CalendarError(AssistantError):
    """A calendar write failed in a way a retry will not fix."""


class MailParseError(AssistantError):
    """A message could not be parsed; it is kept for a later retry."""


class StoreError(AssistantError):
    """The database is unusable (newer schema, corrupt file)."""
