"""Real servers the tests start themselves (Dovecot, Radicale, ...), and how a test that needs one says it is
missing: `pytest.skip(missing("dovecot"))`. The end of a pytest run lists those skips with the command that
installs each server (tests/servers/summary.py), so a machine without one does not pass silently."""

from __future__ import annotations

MISSING_SERVER = "server missing"
INSTALL = {
    "dovecot": "sudo apt-get install dovecot-imapd",  # (macOS: brew install dovecot)
    "chromium": "sudo apt-get install chromium",
    "postgresql": "sudo apt-get install postgresql",
}
WHAT = {"dovecot": "IMAP", "chromium": "browser", "postgresql": "the PostgreSQL store"}


def missing(server: str) -> str:
    """The skip reason of a test that needs `server` where it is not installed."""
    return f"{MISSING_SERVER}: {server} is not installed; install it with `{INSTALL[server]}` (.ci/run does it)"
