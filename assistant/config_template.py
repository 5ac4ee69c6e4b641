"""The commented config.toml that `assistant init` writes: every option, with what it does."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = """\
# Follow-through config. Every option is listed; commented lines show the defaults or examples.
# Relative paths resolve against the folder of this file. Check it with `assistant watch --once`.
# A key that is not listed here stops the program with the name it probably meant.

[rep]
name = {name}
email = {email}                  # your own address: mail from it is "sent"
# aliases = ["me@old-domain.com"]     # other addresses of yours
timezone = {timezone}              # IANA zone; times in your mail are read in it
working_hours = "09:00-17:30"         # follow-ups are booked inside these hours
working_days = "Mon-Fri"              # e.g. "Mon-Thu" or "Mon,Tue,Thu"
# country = "US"                     # ISO 3166 code: working days skip its public holidays
# subdivision = "CA"                  # a state or province, for its own holidays

# --- Accounts: one [[accounts]] table per mailbox. kind = local | imap | gmail | outlook.
# mode = "suggest" (default: follow-ups wait in `assistant review`) or "book" (put on the calendar directly).

[[accounts]]
name = "local"
kind = "local"
mode = "suggest"
mail = [{mail}]                 # Maildirs, mbox files, or folders holding them
notes = {notes}                   # voicemail notes: one .txt/.md per call, `date: 2026-11-12 14:05` on top
# sent_folders = ["sent"]             # folder names read as sent mail
# batch_size = 200                    # messages stored per transaction
# keyring = false                     # (any account) keep its sign-in in the system keyring, not tokens.json

# [[accounts]]
# name = "work"
# kind = "imap"
# host = "imap.example.com"
# port = 993
# ssl = true                          # TLS from the first byte (default)
# starttls = false                    # true: plain connection upgraded to TLS, on port 143
# username = "me@example.com"         # default: rep.email
# auth = "password"                   # or "xoauth2" after `assistant login imap --account work`
# password_env = "FOLLOW_THROUGH_IMAP_PASSWORD"   # else the token store filled by `assistant login`
# password = "..."                    # works, but keeps the password in this file in plain text
# oauth_provider = "google"           # with auth = "xoauth2": "google" (needs client_secrets) or "microsoft"
# client_secrets = "client_secret.json"   # (xoauth2 with google)
# client_id = "00000000-0000-0000-0000-000000000000"   # (xoauth2 with microsoft)
# tenant = "common"                   # (xoauth2 with microsoft)
# ca_file = ""                        # a CA bundle for a server with its own certificate authority
# timeout = 30                        # seconds a network call may take
# sent_folder = ""                    # found by SPECIAL-USE \\Sent, else by its usual names
# inbox_folder = "INBOX"
# idle = true                         # IDLE for new mail; polling every poll_seconds without it
# poll_seconds = 60
# since_days = 90                     # first sync reads this far back (default: everything)
# batch_size = 100                    # messages fetched per round trip
# max_message_bytes = 10000000        # larger messages are read without their attachments

# [[accounts]]
# name = "gmail"
# kind = "gmail"                      # sign in once: `assistant login gmail --account gmail`
# client_secrets = "client_secret.json"   # the OAuth client (installed app) of your Google Cloud project
# newer_than_days = 90                # first sync reads this far back
# max_messages = 2000                 # at most this many messages on the first sync
# batch_size = 50
# poll_seconds = 60

# [[accounts]]
# name = "office"
# kind = "outlook"                    # sign in once: `assistant login outlook --account office`
# client_id = "00000000-0000-0000-0000-000000000000"
# tenant = "common"
# newer_than_days = 90                # first sync reads this far back
# poll_seconds = 60
# timeout = 60                        # seconds a network call may take
# ca_file = ""

# --- Where follow-ups go. kind = ics (default) | caldav | google | outlook.
[calendar]
kind = "ics"
path = "followups.ics"                # subscribe to or import this file in your calendar app
# name = "Follow-ups"

# [calendar]
# kind = "caldav"
# url = "https://caldav.example.com/dav/"
# username = "me"
# password_env = "FOLLOW_THROUGH_CALDAV_PASSWORD"   # or password_command = "pass show caldav"
# password_command = "pass show caldav"   # a command that prints the password
# calendar = "Follow-ups"             # created if missing
# calendar_url = "https://caldav.example.com/dav/calendars/me/work/"   # or name the calendar by its address

# [calendar]
# kind = "google"
# account = "gmail"                   # uses that account's sign-in
# calendar_id = "primary"

# [calendar]
# kind = "outlook"
# account = "office"
# calendar_id = ""                    # default calendar

[tracker]
default_business_days = 2             # a promise with no time is due after this many business days
stalled_days = 30                     # a deal with no activity for this long is stalled
on_reply_after_booking = "delete"     # "delete" the booked follow-up when they reply, or "note" it
event_minutes = 15                    # length of a booked follow-up (5 to 480, within working_hours)
alarm_minutes = 10                    # reminder before it
history_days = 14                     # a follow-up due longer ago than this goes to `assistant backlog`, never on the calendar
max_bookings_per_day = 8              # events booked automatically per working day; the rest wait in `assistant review`
hold_fallbacks = true                 # "I'll call you Thu 8:15 if I haven't heard back": hold that moment (tentative) at once

[report]
weekly = true                         # `assistant watch` writes the weekly report
weekday = "Mon"
at = "08:00"
out_dir = "reports"

# [store]
# path = "follow-through.sqlite3"     # default: the user's data dir
# url = "postgresql://followthrough@db.internal/sales"   # a team's PostgreSQL instead of the file
# rep = "alice"                       # with url: your key in that database (your schema, rep_alice)
"""


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def render(*, name: str, email: str, timezone: str, mail: Path, notes: Path) -> str:
    return TEMPLATE.format(name=_toml_str(name), email=_toml_str(email), timezone=_toml_str(timezone),
                           mail=_toml_str(str(mail)), notes=_toml_str(str(notes)))


EXAMPLE = {"name": "Sam Rivera", "email": "sam@northwind-analytics.com", "timezone": "America/New_York"}


def example() -> str:
    """The text of `config.example.toml` (shipped at the top of the repository; a test keeps them equal)."""
    return render(name=EXAMPLE["name"], email=EXAMPLE["email"], timezone=EXAMPLE["timezone"], mail=Path("mail"),
                  notes=Path("notes"))


def write(path: Path, *, name: str, email: str, timezone: str, force: bool = False) -> tuple[Path, Path]:
    """Write the config and create an empty Maildir and notes folder next to it; returns (maildir, notes)."""
    from assistant.errors import ConfigError

    if path.exists() and not force:
        raise ConfigError(f"{path} already exists: edit it, or run `assistant init --force` to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    mail = path.parent / "mail"
    notes = path.parent / "notes"
    for sub in ("cur", "new", "tmp"):
        (mail / sub).mkdir(parents=True, exist_ok=True)
    notes.mkdir(parents=True, exist_ok=True)
    path.write_text(render(name=name, email=email, timezone=timezone, mail=Path("mail"), notes=Path("notes")),
                    encoding="utf-8")
    return mail, notes
