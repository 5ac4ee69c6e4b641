"""The commented config.toml that `assistant init` writes: every option, with what it does."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
mail = [{mail}]   # Maildirs, mbox files, or folders holding them
notes = {notes}   # voicemail notes: one .txt/.md per call, `date: 2026-11-12 14:05` on top
# sent_folders = ["sent"]             # folder names read as sent mail
# batch_size = 200                    # messages stored per transaction
# keyring = false                     # (any account) keep its sign-in in the system keyring, not tokens.json
{remote_account}
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
{calendar}

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
# out_dir = "~/Reports"              # reports go to <out_dir>/reports/<week>/ (default: the data dir)

# [store]
# path = "follow-through.sqlite3"     # default: follow-through.sqlite3 in the data dir
# url = "postgresql://followthrough@db.internal/sales"   # a team's PostgreSQL instead of the file
# rep = "alice"                       # with url: your key in that database (your schema, rep_alice)
"""


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


@dataclass(frozen=True)
class CalendarChoice:
    """Where `assistant init` points the follow-ups: `kind` (ics | caldav | google | outlook) and what that
    kind needs: caldav `url`, `username` and `password_command` (else the password comes from
    $FOLLOW_THROUGH_CALDAV_PASSWORD); google `client_secrets`; outlook `client_id` and `tenant`; google and
    outlook also `account`, the name of the mail account whose sign-in the calendar uses."""

    kind: str = "ics"
    url: str = ""
    username: str = ""
    password_command: str = ""
    client_secrets: str = ""
    client_id: str = ""
    tenant: str = "common"
    account: str = "work"


CALDAV_PASSWORD_ENV = "FOLLOW_THROUGH_CALDAV_PASSWORD"


def _calendar_table(choice: CalendarChoice, ics_path: Path) -> str:
    if choice.kind == "ics":
        return (f"[calendar]\nkind = \"ics\"\npath = {_toml_str(str(ics_path))}   # import it once, or subscribe "
                "(`assistant serve`)\n# name = \"Follow-ups\"")
    if choice.kind == "caldav":
        password = (f"password_command = {_toml_str(choice.password_command)}   # prints the password"
                    if choice.password_command else
                    f"password_env = {_toml_str(CALDAV_PASSWORD_ENV)}   # or password_command = \"pass show caldav\"")
        return (f"[calendar]\nkind = \"caldav\"\nurl = {_toml_str(choice.url)}\nusername = {_toml_str(choice.username)}\n"
                f"{password}\ncalendar = \"Follow-ups\"             # created if missing; or calendar_url = \"https://.../work/\"")
    if choice.kind == "google":
        return (f"[calendar]\nkind = \"google\"\naccount = {_toml_str(choice.account)}   # uses that account's sign-in\n"
                "calendar_id = \"primary\"")
    if choice.kind == "outlook":
        return (f"[calendar]\nkind = \"outlook\"\naccount = {_toml_str(choice.account)}   # uses that account's sign-in\n"
                "# calendar_id = \"\"                  # default calendar")
    raise ValueError(f"unknown calendar kind {choice.kind!r}")


def _remote_account(choice: CalendarChoice) -> str:
    """The mail account a google or outlook calendar signs in through (written active, after the local one)."""
    if choice.kind == "google":
        return (f"\n[[accounts]]\nname = {_toml_str(choice.account)}\nkind = \"gmail\"                      "
                f"# sign in once: `assistant login gmail --account {choice.account}`\nmode = \"suggest\"\n"
                f"client_secrets = {_toml_str(choice.client_secrets)}   # the OAuth client (Desktop app) of your "
                "Google Cloud project\n")
    if choice.kind == "outlook":
        return (f"\n[[accounts]]\nname = {_toml_str(choice.account)}\nkind = \"outlook\"                    "
                f"# sign in once: `assistant login outlook --account {choice.account}`\nmode = \"suggest\"\n"
                f"client_id = {_toml_str(choice.client_id)}\ntenant = {_toml_str(choice.tenant)}\n")
    return ""


def render(*, name: str, email: str, timezone: str, data: Path, calendar: CalendarChoice | None = None) -> str:
    """The config text: the rep, a local account whose Maildir and notes folder are in the data dir `data`,
    the calendar chosen (and the gmail or outlook account it signs in through), every other option commented."""
    choice = calendar or CalendarChoice()
    return TEMPLATE.format(name=_toml_str(name), email=_toml_str(email), timezone=_toml_str(timezone),
                           mail=_toml_str(str(data / "mail")), notes=_toml_str(str(data / "notes")),
                           remote_account=_remote_account(choice),
                           calendar=_calendar_table(choice, data / "followups.ics"))


EXAMPLE = {"name": "Sam Rivera", "email": "sam@northwind-analytics.com", "timezone": "America/New_York"}


def example() -> str:
    """The text of `config.example.toml` (shipped at the top of the repository; a test keeps them equal):
    its paths are relative (to the folder of the config file); `assistant init` writes the data dir's."""
    return render(name=EXAMPLE["name"], email=EXAMPLE["email"], timezone=EXAMPLE["timezone"], data=Path())


@dataclass(frozen=True)
class Written:
    """What `write` made: the config file, and in the data dir the local account's Maildir and notes folder."""

    config: Path
    data: Path
    mail: Path
    notes: Path


def write(path: Path, *, name: str, email: str, timezone: str, calendar: CalendarChoice | None = None,
          data: Path | None = None, force: bool = False) -> Written:
    """Write the config at `path` and create an empty Maildir and notes folder in the data dir (`data`,
    default the user's data dir: mail, notes, the .ics, reports and the store live there, not beside the
    config). Refuses to replace an existing config unless `force`."""
    from assistant.config import data_dir
    from assistant.errors import ConfigError

    if path.exists() and not force:
        raise ConfigError(f"{path} already exists: edit it, or run `assistant init --force` to replace it")
    data = (data or data_dir()).expanduser().resolve()
    text = render(name=name, email=email, timezone=timezone, data=data, calendar=calendar)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not data.exists():  # the rep's mail goes here: private from the start, not from the first watch
        data.mkdir(parents=True, mode=0o700)
        data.chmod(0o700)  # (mkdir's mode is masked by the umask)
    mail, notes = data / "mail", data / "notes"
    for sub in ("cur", "new", "tmp"):
        (mail / sub).mkdir(parents=True, exist_ok=True)
    notes.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return Written(config=path, data=data, mail=mail, notes=notes)
