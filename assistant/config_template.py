"""The commented config.toml that `assistant init` writes: every option, with what it does."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = """\
# Follow-through config. Every option is listed; commented lines show the defaults or examples.
# Relative paths resolve against the folder of this file. Check it with `assistant watch --once`.

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
# batch_size = 200

# [[accounts]]
# name = "work"
# kind = "imap"
# host = "imap.example.com"
# port = 993
# ssl = true                          # TLS from the first byte (default); or starttls = true on port 143
# username = "me@example.com"
# auth = "password"                   # or "xoauth2" after `assistant login imap --account work`
# password_env = "FOLLOW_THROUGH_IMAP_PASSWORD"   # else the token store filled by `assistant login`
# sent_folder = ""                    # found by SPECIAL-USE \\Sent, else by its usual names
# inbox_folder = "INBOX"
# idle = true                         # IDLE for new mail; polling every poll_seconds without it
# poll_seconds = 60
# since_days = 90                     # first sync reads this far back (default: everything)

# [[accounts]]
# name = "gmail"
# kind = "gmail"                      # sign in once: `assistant login gmail --account gmail`
# client_secrets = "client_secret.json"   # the OAuth client (installed app) of your Google Cloud project

# [[accounts]]
# name = "office"
# kind = "outlook"                    # sign in once: `assistant login outlook --account office`
# client_id = "00000000-0000-0000-0000-000000000000"
# tenant = "common"

# --- Where follow-ups go. kind = ics (default) | caldav | google | outlook.
[calendar]
kind = "ics"
path = "followups.ics"                # subscribe to or import this file in your calendar app
# name = "Follow-ups"

# [calendar]
# kind = "caldav"
# url = "https://caldav.example.com/dav/"
# username = "me"
# password_env = "FOLLOW_THROUGH_CALDAV_PASSWORD"
# calendar = "Follow-ups"             # created if missing; or calendar_url = "https://.../work/"

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
event_minutes = 15                    # length of a booked follow-up
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
"""


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def render(*, name: str, email: str, timezone: str, mail: Path, notes: Path) -> str:
    return TEMPLATE.format(name=_toml_str(name), email=_toml_str(email), timezone=_toml_str(timezone),
                           mail=_toml_str(str(mail)), notes=_toml_str(str(notes)))


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
