"""The rep's config (`config.toml` in the user's config dir, or `--config FILE`).

Loaded once into frozen dataclasses; every bad value raises ConfigError naming the key and the fix.
Adapters read their own options from `AccountConfig.options` / `CalendarConfig.options`."""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import ConfigError
from assistant.paths import APP as APP  # (their home is assistant.paths; also imported from here)
from assistant.paths import config_dir as config_dir
from assistant.paths import data_dir as data_dir

ACCOUNT_KINDS = ("local", "imap", "gmail", "outlook")
CALENDAR_KINDS = ("ics", "caldav", "google", "outlook")


def default_config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(17, 30)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0


@dataclass(frozen=True)
class RepConfig:
    name: str = "Rep"
    email: str = ""
    aliases: tuple[str, ...] = ()
    timezone: str = "UTC"
    hours: WorkingHours = field(default_factory=WorkingHours)
    country: str = ""  # ISO 3166 code: working days skip its public holidays ("" = none)
    subdivision: str = ""  # a state or province of it ("CA", "BY"), for its own holidays

    @property
    def addresses(self) -> frozenset[str]:
        return frozenset(a.lower() for a in (self.email, *self.aliases) if a)


@dataclass(frozen=True)
class AccountConfig:
    name: str
    kind: str
    mode: str = "suggest"  # "suggest" | "book"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CalendarConfig:
    kind: str = "ics"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackerConfig:
    default_business_days: int = 2
    stalled_days: int = 30
    on_reply_after_booking: str = "delete"  # "delete" | "note"
    event_minutes: int = 15
    alarm_minutes: int = 10
    history_days: int = 14  # a follow-up due longer ago than this goes to the backlog, never to the calendar
    max_bookings_per_day: int = 8  # events booked automatically per working day; the rest wait as suggestions
    hold_fallbacks: bool = True  # hold a fallback's moment on the calendar (tentative) as soon as it is sent


@dataclass(frozen=True)
class ReportConfig:
    weekly: bool = True
    weekday: int = 0  # Monday
    at: time = time(8, 0)
    out_dir: str = ""


@dataclass(frozen=True)
class Config:
    rep: RepConfig = field(default_factory=RepConfig)
    accounts: tuple[AccountConfig, ...] = ()
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    store_path: Path = field(default_factory=lambda: data_dir() / "follow-through.sqlite3")
    store_url: str = ""  # [store] url: "postgresql://..." (or "sqlite:///path"); empty: the SQLite file store_path
    store_rep: str = "default"  # [store] rep: this rep's key (their schema) in a shared PostgreSQL database
    source_path: Path | None = None  # the file it was read from; relative paths resolve against its folder

    @property
    def store_target(self) -> str | Path:
        """What `assistant.store.open_store` opens: the [store] url, else the SQLite file."""
        return self.store_url or self.store_path

    def resolve_path(self, value: str) -> Path:
        p = Path(os.path.expanduser(value))
        if not p.is_absolute() and self.source_path is not None:
            p = self.source_path.parent / p
        return p

    def account(self, name: str) -> AccountConfig:
        for a in self.accounts:
            if a.name == name:
                return a
        raise ConfigError(f"no account named {name!r} in {self.source_path}: add an [[accounts]] table with name = {name!r}")


_DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _parse_time(key: str, value: object) -> time:
    try:
        h, m = str(value).split(":")
        return time(int(h), int(m))
    except (ValueError, TypeError):
        raise ConfigError(f"{key} = {value!r}: write a 24-hour time like \"09:00\"") from None


def _parse_days(value: object, key: str = "rep.working_days") -> tuple[int, ...]:
    text = str(value).lower().replace(" ", "")
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            if a[:3] not in _DAY_NAMES or b[:3] not in _DAY_NAMES:
                raise ConfigError(f"{key} = {value!r}: write days like \"Mon-Fri\" or \"Mon,Tue,Thu\"")
            i, j = _DAY_NAMES[a[:3]], _DAY_NAMES[b[:3]]
            days.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif part[:3] in _DAY_NAMES:
            days.append(_DAY_NAMES[part[:3]])
        else:
            raise ConfigError(f"{key} = {value!r}: write days like \"Mon-Fri\" or \"Mon,Tue,Thu\"")
    return tuple(sorted(set(days)))


def check_timezone(key: str, name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{key} = {name!r} is not an IANA time zone: write one like \"America/New_York\"") from None
    return name


def check_country(country: str, subdivision: str) -> tuple[str, str]:
    """An ISO 3166 country (and subdivision) the `holidays` package knows, upper-cased."""
    import holidays

    country, subdivision = country.strip().upper(), subdivision.strip().upper()
    if not country:
        if subdivision:
            raise ConfigError(f"rep.subdivision = {subdivision!r} needs rep.country: add country = \"US\"")
        return "", ""
    try:
        holidays.country_holidays(country)
    except NotImplementedError:
        raise ConfigError(f"rep.country = {country!r} is not a country the holidays package knows: write an ISO "
                          "3166 code like \"US\", \"GB\" or \"DE\"") from None
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except Exception:  # noqa: BLE001 - the package raises its own error types for an unknown subdivision
        raise ConfigError(f"rep.subdivision = {subdivision!r} is not a subdivision of {country}: write its code "
                          "(\"CA\" for California) or leave it out") from None
    return country, subdivision


# -- the schema: every key the product reads, with its type and bounds (Radicale-style) -----------------


@dataclass(frozen=True)
class Option:
    """One key of the config: its type ("str", "int", "float", "bool", "strs" = a list of strings,
    "str_or_strs"), its default, and the bounds or choices a value must meet."""

    kind: str
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    hidden: bool = False  # for tests and unusual set-ups (a fake server's address): not in the template
    example: str = ""  # a value to show in a message when there is no default


def _o(kind: str, default: Any = None, lo: float | None = None, hi: float | None = None,
       choices: tuple[str, ...] = (), hidden: bool = False, example: str = "") -> Option:
    return Option(kind, default, lo, hi, choices, hidden, example)


REP_SCHEMA: dict[str, Option] = {
    "name": _o("str", "Rep"), "email": _o("str", ""), "aliases": _o("strs", []),
    "timezone": _o("str", "UTC"), "working_hours": _o("str", "09:00-17:30"), "working_days": _o("str", "Mon-Fri"),
    "country": _o("str", ""), "subdivision": _o("str", ""),
}
TRACKER_SCHEMA: dict[str, Option] = {
    "default_business_days": _o("int", 2, 0, 60), "stalled_days": _o("int", 30, 1, 3650),
    "on_reply_after_booking": _o("str", "delete", choices=("delete", "note")),
    "event_minutes": _o("int", 15, 5, 480), "alarm_minutes": _o("int", 10, 0, 10080),
    "history_days": _o("int", 14, 0, 3650), "max_bookings_per_day": _o("int", 8, 0, 1000),
    "hold_fallbacks": _o("bool", True),
}
REPORT_SCHEMA: dict[str, Option] = {
    "weekly": _o("bool", True), "weekday": _o("str", "Mon"), "at": _o("str", "08:00"), "out_dir": _o("str", ""),
}
STORE_SCHEMA: dict[str, Option] = {
    "path": _o("str", ""), "url": _o("str", "", example="postgresql://followthrough@db.internal/sales"),
    "rep": _o("str", "default", example="alice"),
}
_ACCOUNT_COMMON: dict[str, Option] = {
    "name": _o("str"), "kind": _o("str", choices=ACCOUNT_KINDS), "mode": _o("str", "suggest", choices=("suggest", "book")),
    "keyring": _o("bool", False),
}
_PORT = _o("int", None, 1, 65535, example="993")
_SECONDS = _o("float", None, 1, 3600, example="60")
_DAYS = _o("int", None, 1, 36500, example="90")
_BATCH = _o("int", None, 1, 100_000, example="100")
ACCOUNT_SCHEMAS: dict[str, dict[str, Option]] = {
    "local": {"mail": _o("str_or_strs"), "notes": _o("str_or_strs"), "sent_folders": _o("strs"), "batch_size": _BATCH},
    "imap": {
        "host": _o("str"), "port": _PORT, "ssl": _o("bool"), "starttls": _o("bool"), "username": _o("str"),
        "auth": _o("str", None, choices=("password", "xoauth2")), "password_env": _o("str"), "password": _o("str"),
        "ca_file": _o("str"), "sent_folder": _o("str"), "inbox_folder": _o("str"), "since_days": _DAYS,
        "idle": _o("bool"), "poll_seconds": _SECONDS, "timeout": _SECONDS, "batch_size": _BATCH,
        "batch_bytes": _o("int", None, 1, hidden=True), "max_message_bytes": _o("int", None, 1),
        "oauth_provider": _o("str", None, choices=("google", "microsoft")), "client_secrets": _o("str"),
        "client_id": _o("str"), "tenant": _o("str"), "authority": _o("str", hidden=True),
    },
    "gmail": {
        "client_secrets": _o("str"), "newer_than_days": _DAYS, "max_messages": _o("int", None, 1),
        "batch_size": _BATCH, "retries": _o("int", None, 0, 20, hidden=True), "poll_seconds": _SECONDS, "api_endpoint": _o("str", hidden=True),
    },
    "outlook": {
        "client_id": _o("str"), "tenant": _o("str"), "authority": _o("str", hidden=True), "graph_url": _o("str", hidden=True),
        "newer_than_days": _DAYS, "page_size": _o("int", None, 1, 1000, hidden=True), "retries": _o("int", None, 0, 20, hidden=True),
        "poll_seconds": _SECONDS, "timeout": _SECONDS, "ca_file": _o("str"),
    },
}
_CALENDAR_COMMON: dict[str, Option] = {"kind": _o("str", "ics", choices=CALENDAR_KINDS)}
CALENDAR_SCHEMAS: dict[str, dict[str, Option]] = {
    "ics": {"path": _o("str"), "name": _o("str")},
    "caldav": {
        "url": _o("str"), "username": _o("str"), "password": _o("str"), "password_env": _o("str"),
        "password_command": _o("str_or_strs"), "calendar": _o("str"), "calendar_url": _o("str"),
        "account": _o("str", hidden=True),
    },
    "google": {"account": _o("str"), "calendar_id": _o("str"), "api_endpoint": _o("str", hidden=True)},
    "outlook": {"account": _o("str"), "calendar_id": _o("str"), "graph_url": _o("str", hidden=True)},
}
SECTIONS: dict[str, str] = {"rep": "table", "accounts": "array", "calendar": "table", "tracker": "table",
                            "report": "table", "store": "table"}


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"


def _unknown(where: str, table: dict[str, Any], known: Iterable[str], kind: str = "") -> None:
    known = list(known)
    for key in table:
        if key not in known:
            what = f"{key!r} is not a key of {kind}" if kind else f"unknown key {key!r}"
            raise ConfigError(f"{where}: {what}: {_did_you_mean(key, known)} (fix or remove that line)")


def _toml(value: Any) -> str:
    """A value as it would be written in the file (for messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _value(where: str, key: str, opt: Option, value: Any) -> Any:
    """Check one value against its option; returns it converted (an int where a float is asked)."""
    name = f"{where}: {key}" if where.startswith("account") else f"{where}.{key}"
    if opt.kind == "str":
        if not isinstance(value, str):
            example = json.dumps(opt.default) if isinstance(opt.default, str) and opt.default else '"..."'
            raise ConfigError(f"{name} = {_toml(value)}: write it as text in quotes, like {key} = {example}")
        if opt.choices and value not in opt.choices:
            raise ConfigError(f"{name} = {_toml(value)}: use one of {', '.join(map(json.dumps, opt.choices))}")
        return value
    if opt.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{name} = {_toml(value)}: write true or false (no quotes)")
        return value
    if opt.kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (opt.kind == "int" and isinstance(value, float)):
            what = "a whole number" if opt.kind == "int" else "a number"
            raise ConfigError(f"{name} = {_toml(value)}: write {what} without quotes, like {key} = "
                              f"{_example(opt)}")
        if (opt.lo is not None and value < opt.lo) or (opt.hi is not None and value > opt.hi):
            raise ConfigError(f"{name} = {value}: write a number from {_num(opt.lo)} to {_num(opt.hi)}"
                              if opt.hi is not None else f"{name} = {value}: write a number of {_num(opt.lo)} or more")
        return float(value) if opt.kind == "float" else value
    if opt.kind in ("strs", "str_or_strs"):
        if opt.kind == "str_or_strs" and isinstance(value, str):
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{name} = {_toml(value)}: write a list of texts, like {key} = [\"...\"]")
        return value
    raise AssertionError(opt.kind)  # pragma: no cover - the schema's kinds are the ones above


def _num(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _example(opt: Option) -> str:
    if opt.example:
        return opt.example
    if opt.default is not None:
        return str(opt.default)
    return _num(opt.lo if opt.lo is not None else 1)


def _table(where: str, table: Any, schema: dict[str, Option], *, kind: str = "") -> dict[str, Any]:
    """The keys of one table checked against `schema`: unknown keys and wrong types are ConfigErrors.
    Keys not given take their defaults (when the schema has one)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} = {_toml(table)}: it must be a table: write [{where}] on a line of its own "
                          "with its keys under it")
    _unknown(where, table, schema, kind)
    out = {k: o.default for k, o in schema.items() if o.default is not None}
    for key, value in table.items():
        if key in schema:
            out[key] = _value(where, key, schema[key], value)
    return out


def parse_config(data: dict[str, Any], source_path: Path | None = None) -> Config:
    """Build a Config from parsed TOML, checking every key and value against the schema above."""
    _unknown("config", data, SECTIONS)
    rep_t = _table("rep", data.get("rep", {}), REP_SCHEMA)
    hours_text = rep_t["working_hours"]
    if "-" not in hours_text:
        raise ConfigError(f"rep.working_hours = {hours_text!r}: write a range like \"09:00-17:30\"")
    h_start, h_end = hours_text.split("-", 1)
    hours = WorkingHours(
        start=_parse_time("rep.working_hours", h_start.strip()),
        end=_parse_time("rep.working_hours", h_end.strip()),
        days=_parse_days(rep_t["working_days"]),
    )
    if hours.end <= hours.start:
        raise ConfigError(f"rep.working_hours = {hours_text!r}: the end must be after the start, like \"09:00-17:30\"")
    country, subdivision = check_country(rep_t["country"], rep_t["subdivision"])
    rep = RepConfig(
        name=rep_t["name"], email=rep_t["email"].strip().lower(), aliases=tuple(a.lower() for a in rep_t["aliases"]),
        timezone=check_timezone("rep.timezone", rep_t["timezone"]), hours=hours, country=country,
        subdivision=subdivision,
    )
    accounts_t = data.get("accounts", [])
    if isinstance(accounts_t, dict):
        raise ConfigError("[accounts] must be written [[accounts]] (two brackets), one such table per mailbox")
    if not isinstance(accounts_t, list) or not all(isinstance(a, dict) for a in accounts_t):
        raise ConfigError(f"accounts = {_toml(accounts_t)}: write one [[accounts]] table per mailbox instead")
    accounts: list[AccountConfig] = []
    seen: set[str] = set()
    for i, a in enumerate(accounts_t):
        name = a.get("name", "")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"accounts[{i}] has no name: add name = \"work\" to that [[accounts]] table")
        name = name.strip()
        if name in seen:
            raise ConfigError(f"two accounts are named {name!r}: give each [[accounts]] a different name")
        seen.add(name)
        kind = a.get("kind", "")
        if kind not in ACCOUNT_KINDS:
            raise ConfigError(f"account {name!r}: kind = {_toml(kind)}; use one of {', '.join(ACCOUNT_KINDS)}")
        where = f"account {name!r}"
        values = _table(where, a, {**_ACCOUNT_COMMON, **ACCOUNT_SCHEMAS[kind]}, kind=f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} account")
        opts = {k: v for k, v in values.items() if k not in ("name", "kind", "mode") and k in a}
        accounts.append(AccountConfig(name=name, kind=kind, mode=values["mode"], options=opts))
    cal_raw = data.get("calendar", {})
    cal_kind = cal_raw.get("kind", "ics") if isinstance(cal_raw, dict) else "ics"
    if cal_kind not in CALENDAR_KINDS:
        raise ConfigError(f"calendar.kind = {_toml(cal_kind)}; use one of {', '.join(CALENDAR_KINDS)}")
    cal_t = _table("calendar", cal_raw, {**_CALENDAR_COMMON, **CALENDAR_SCHEMAS[cal_kind]},
                   kind=f"a calendar of kind {cal_kind!r}")
    cal_opts = {k: v for k, v in cal_t.items() if k != "kind" and k in cal_raw}
    tr = _table("tracker", data.get("tracker", {}), TRACKER_SCHEMA)
    tracker = TrackerConfig(**tr)
    working_minutes = (hours.end.hour * 60 + hours.end.minute) - (hours.start.hour * 60 + hours.start.minute)
    if tracker.event_minutes > working_minutes:
        raise ConfigError(f"tracker.event_minutes = {tracker.event_minutes} is longer than your working day "
                          f"(rep.working_hours = {hours_text!r}): write a length of {working_minutes} or less")
    rp = _table("report", data.get("report", {}), REPORT_SCHEMA)
    report = ReportConfig(
        weekly=rp["weekly"],
        weekday=_parse_days(rp["weekday"], "report.weekday")[0],
        at=_parse_time("report.at", rp["at"]),
        out_dir=rp["out_dir"],
    )
    cfg = Config(rep=rep, accounts=tuple(accounts), calendar=CalendarConfig(kind=cal_kind, options=cal_opts),
                 tracker=tracker, report=report, source_path=source_path)
    store_t = _table("store", data.get("store", {}), STORE_SCHEMA)
    if store_t["path"]:
        cfg = replace(cfg, store_path=cfg.resolve_path(store_t["path"]))
    if store_t["url"]:
        url = str(store_t["url"])
        if url.startswith("sqlite://"):  # a relative file beside the config, like [store] path
            url = "sqlite://" + str(cfg.resolve_path(url[len("sqlite://"):]))
        elif not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(f"[store] url = {url!r}: use postgresql://user@host/database or sqlite:///path")
        cfg = replace(cfg, store_url=url, store_rep=store_t["rep"])
    return cfg


def read_toml(path: Path, name: str) -> dict[str, Any]:
    """Read a TOML file; every way it can fail is one ConfigError naming the file and the fix.

    `name` is what --config should have been given when the path is a folder ("config.toml", "team.toml")."""
    try:
        raw = path.read_bytes()
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line} is not UTF-8 text: save the file as UTF-8 in your editor") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}): fix the line it names") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder: give --config the {name} file in it") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror}): check the path and its permissions") from None


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing default file gives the defaults (no accounts)."""
    explicit = path is not None
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist: run `assistant init --config {path}` to write one")
        return Config()
    data = read_toml(path, "config.toml")
    try:
        return parse_config(data, source_path=path.resolve())
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def check_email(key: str, value: str) -> str:
    """One email address (`sam@northwind-analytics.com`), checked for form only (no DNS), lower-cased."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    if not text:
        raise ConfigError(f"{key} is empty: write your own address, like \"sam@northwind-analytics.com\"")
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise ConfigError(f"{key} = {text!r} is not an email address ({e}): write one like "
                          "\"sam@northwind-analytics.com\"") from None


def local_zone() -> str:
    """This machine's IANA time zone (tzlocal: $TZ, /etc/localtime, the Windows registry), else "UTC"."""
    import tzlocal

    try:
        name = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - tzlocal raises its own errors on a machine with no usable zone
        return "UTC"
    if not name:
        return "UTC"
    try:
        return check_timezone("time zone", name)
    except ConfigError:
        return "UTC"
