"""The rep's config (`config.toml` in the user's config dir, or `--config FILE`).

Loaded once into frozen dataclasses; every bad value raises ConfigError naming the key and the fix.
Adapters read their own options from `AccountConfig.options` / `CalendarConfig.options`."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from assistant.errors import ConfigError

APP = "follow-through"
ACCOUNT_KINDS = ("local", "imap", "gmail", "outlook")
CALENDAR_KINDS = ("ics", "caldav", "google", "outlook")


def config_dir() -> Path:
    return Path(os.environ.get("FOLLOW_THROUGH_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("FOLLOW_THROUGH_DATA_DIR") or platformdirs.user_data_dir(APP))


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
    source_path: Path | None = None  # the file it was read from; relative paths resolve against its folder

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


def _parse_days(value: object) -> tuple[int, ...]:
    text = str(value).lower().replace(" ", "")
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            if a[:3] not in _DAY_NAMES or b[:3] not in _DAY_NAMES:
                raise ConfigError(f"rep.working_days = {value!r}: write days like \"Mon-Fri\" or \"Mon,Tue,Thu\"")
            i, j = _DAY_NAMES[a[:3]], _DAY_NAMES[b[:3]]
            days.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif part[:3] in _DAY_NAMES:
            days.append(_DAY_NAMES[part[:3]])
        else:
            raise ConfigError(f"rep.working_days = {value!r}: write days like \"Mon-Fri\" or \"Mon,Tue,Thu\"")
    return tuple(sorted(set(days)))


def _parse_bool(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{key} = {value!r}: write true or false (no quotes)")


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


def parse_config(data: dict[str, Any], source_path: Path | None = None) -> Config:
    """Build a Config from parsed TOML, checking every value."""
    rep_t = data.get("rep", {})
    hours_text = str(rep_t.get("working_hours", "09:00-17:30"))
    if "-" not in hours_text:
        raise ConfigError(f"rep.working_hours = {hours_text!r}: write a range like \"09:00-17:30\"")
    h_start, h_end = hours_text.split("-", 1)
    hours = WorkingHours(
        start=_parse_time("rep.working_hours", h_start.strip()),
        end=_parse_time("rep.working_hours", h_end.strip()),
        days=_parse_days(rep_t.get("working_days", "Mon-Fri")),
    )
    rep = RepConfig(
        name=str(rep_t.get("name", "Rep")),
        email=str(rep_t.get("email", "")).lower(),
        aliases=tuple(str(a).lower() for a in rep_t.get("aliases", [])),
        timezone=check_timezone("rep.timezone", str(rep_t.get("timezone", "UTC"))),
        hours=hours,
    )
    country, subdivision = check_country(str(rep_t.get("country", "")), str(rep_t.get("subdivision", "")))
    rep = RepConfig(name=rep.name, email=rep.email, aliases=rep.aliases, timezone=rep.timezone, hours=hours,
                    country=country, subdivision=subdivision)
    accounts: list[AccountConfig] = []
    seen: set[str] = set()
    for i, a in enumerate(data.get("accounts", [])):
        name = str(a.get("name", "")).strip()
        kind = str(a.get("kind", "")).strip()
        if not name:
            raise ConfigError(f"accounts[{i}] has no name: add name = \"work\"")
        if name in seen:
            raise ConfigError(f"two accounts are named {name!r}: give each [[accounts]] a different name")
        seen.add(name)
        if kind not in ACCOUNT_KINDS:
            raise ConfigError(f"account {name!r}: kind = {kind!r}; use one of {', '.join(ACCOUNT_KINDS)}")
        mode = str(a.get("mode", "suggest"))
        if mode not in ("suggest", "book"):
            raise ConfigError(f"account {name!r}: mode = {mode!r}; use \"suggest\" or \"book\"")
        opts = {k: v for k, v in a.items() if k not in ("name", "kind", "mode")}
        accounts.append(AccountConfig(name=name, kind=kind, mode=mode, options=opts))
    cal_t = dict(data.get("calendar", {}))
    cal_kind = str(cal_t.pop("kind", "ics"))
    if cal_kind not in CALENDAR_KINDS:
        raise ConfigError(f"calendar.kind = {cal_kind!r}; use one of {', '.join(CALENDAR_KINDS)}")
    tr_t = data.get("tracker", {})
    on_reply = str(tr_t.get("on_reply_after_booking", "delete"))
    if on_reply not in ("delete", "note"):
        raise ConfigError(f"tracker.on_reply_after_booking = {on_reply!r}; use \"delete\" or \"note\"")
    try:
        tracker = TrackerConfig(
            default_business_days=int(tr_t.get("default_business_days", 2)),
            stalled_days=int(tr_t.get("stalled_days", 30)),
            on_reply_after_booking=on_reply,
            event_minutes=int(tr_t.get("event_minutes", 15)),
            alarm_minutes=int(tr_t.get("alarm_minutes", 10)),
            history_days=int(tr_t.get("history_days", 14)),
            max_bookings_per_day=int(tr_t.get("max_bookings_per_day", 8)),
            hold_fallbacks=_parse_bool("tracker.hold_fallbacks", tr_t.get("hold_fallbacks", True)),
        )
    except (TypeError, ValueError) as e:
        raise ConfigError(f"[tracker]: {e}: numbers must be whole numbers") from None
    for key in ("history_days", "max_bookings_per_day"):
        if getattr(tracker, key) < 0:
            raise ConfigError(f"tracker.{key} = {getattr(tracker, key)}: write a whole number of 0 or more")
    rp_t = data.get("report", {})
    report = ReportConfig(
        weekly=bool(rp_t.get("weekly", True)),
        weekday=_parse_days(rp_t.get("weekday", "Mon"))[0],
        at=_parse_time("report.at", rp_t.get("at", "08:00")),
        out_dir=str(rp_t.get("out_dir", "")),
    )
    cfg = Config(rep=rep, accounts=tuple(accounts), calendar=CalendarConfig(kind=cal_kind, options=cal_t),
                 tracker=tracker, report=report, source_path=source_path)
    store_t = data.get("store", {})
    if store_t.get("path"):
        cfg = Config(rep=rep, accounts=cfg.accounts, calendar=cfg.calendar, tracker=tracker, report=report,
                     store_path=cfg.resolve_path(str(store_t["path"])), source_path=source_path)
    return cfg


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing default file gives the defaults (no accounts)."""
    explicit = path is not None
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist: run `assistant init --config {path}` to write one")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}): fix the line it names") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror}): check the path and its permissions") from None
    return parse_config(data, source_path=path.resolve())
