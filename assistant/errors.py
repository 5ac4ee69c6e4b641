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


class TransientError(AssistantError):
    """A network fault or a 5xx/429 answer: retried with backoff, nothing lost."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CalendarError(AssistantError):
    """A calendar write failed in a way a retry will not fix."""


class MailParseError(AssistantError):
    """A message could not be parsed; it is kept for a later retry."""


class StoreError(AssistantError):
    """The database is unusable (newer schema, corrupt file)."""
