"""`assistant status`: per account, one line saying what to do - "ok", "needs `assistant login gmail
--account work`", or the last error - from what the watcher recorded in the store (`account_status`) and
whether a sign-in is kept for the account (the token store; nothing goes over the network)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant import auth
from assistant.config import AccountConfig, Config
from assistant.errors import AuthError
from assistant.store import Store, store_for

LOGIN_KINDS = ("gmail", "outlook", "imap")


@dataclass(frozen=True)
class AccountReport:
    """One account's line of `assistant status`. `state`: ok | needs_login | error | not_synced."""

    account: str
    kind: str
    state: str
    message: str  # what `assistant status` prints: "ok", "needs `assistant login ...`", or the last error
    command: str  # the command that fixes it ("" when none does)
    last_sync: datetime | None
    last_error_at: datetime | None
    messages: int
    unreadable: int

    def as_json(self) -> dict[str, Any]:
        return {"account": self.account, "kind": self.kind, "status": self.state, "message": self.message,
                "command": self.command or None,
                "last_sync": self.last_sync.isoformat() if self.last_sync else None,
                "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
                "messages": self.messages, "unreadable": self.unreadable}


def login_command(account: AccountConfig, config: Config) -> str:
    flag = f" --config {config.source_path}" if config.source_path is not None and _not_default(config) else ""
    return f"assistant login {account.kind} --account {account.name}{flag}"


def _not_default(config: Config) -> bool:
    from assistant.config import default_config_path

    try:
        return config.source_path != default_config_path().resolve()
    except OSError:
        return True


def signed_in(account: AccountConfig) -> bool:
    """Whether a sign-in is kept for the account (a token, or for IMAP a password from any of its places)."""
    if account.kind not in LOGIN_KINDS:
        return True
    store = auth.token_store_for(account)
    oauth = str(account.options.get("auth", "password")).lower() == "xoauth2"
    if account.kind == "imap" and not oauth:
        try:
            auth.imap_password(account, store)
        except AuthError:
            return False
        return True
    return store.get(account.kind, account.name) is not None


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def account_reports(store: Store, config: Config) -> list[AccountReport]:
    """One report per configured account, in the config's order."""
    statuses = store.account_statuses()
    synced = dict(store.sync_states())
    reports = []
    for a in config.accounts:
        status = statuses.get(a.name)
        login = login_command(a, config) if a.kind in LOGIN_KINDS else ""
        last_sync = (status.ok_at if status and status.ok_at else None) or synced.get(a.name)
        error_at = status.updated_at if status and status.state in ("signin", "config", "error") else None
        if status is not None and status.state == "signin" or (a.kind in LOGIN_KINDS and not signed_in(a)):
            state, message, command = "needs_login", f"needs `{login}`", login
        elif status is None:
            state, message, command = "not_synced", "not synced yet: run `assistant watch`", "assistant watch"
        elif status.state in ("config", "error"):
            state, message, command = "error", _one_line(status.error), ""
        elif status.state == "signed_in" and status.ok_at is None:
            state, message, command = "not_synced", "signed in, not synced yet: run `assistant watch`", \
                "assistant watch"
        else:  # ok, or signed in again since it stopped
            state, message, command = "ok", "ok", ""
        reports.append(AccountReport(a.name, a.kind, state, message, command, last_sync, error_at,
                                     store.count_messages(a.name), len(store.failures(a.name))))
    return reports


def record_signed_in(config: Config, account: str, now: datetime) -> None:
    """`assistant login` succeeded: the status says so, and a running watcher takes the account up again."""
    with store_for(config) as store:
        store.set_account_status(account, "signed_in", "", now)
