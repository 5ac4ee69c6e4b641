"""CalDAV calendar writer (the `caldav` library): one VEVENT per follow-up at a deterministic href.

Each event lives at `<calendar>/<uid>.ics` with UID = the suggestion id, so a repeated put is a PUT to
the same href that replaces the event instead of adding one, and a run that crashed after the server's
write finds the event again with a GET of that href. Times carry a TZID in the rep's zone (with the
VTIMEZONE), the body links back to the message and a VALARM reminds the rep.

Config (`[calendar]` with kind = "caldav"): url, username, and the password from `password_command`
(a command that prints it, e.g. `pass show caldav`), `password_env` (an environment variable) or
`password` (plain text in the config file: discouraged); `calendar` (display name, default
"Follow-ups", created if missing) or `calendar_url`; `account` (the name used in messages, default
"calendar")."""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import icalendar

from assistant.calendars.remote import (
    DEFAULT_ATTEMPTS,
    RetryingWriter,
    body_with_link,
    body_without_link,
    in_zone,
    minutes,
    parse_retry_after,
    rep_zone,
)
from assistant.config import CalendarConfig, Config
from assistant.errors import AuthError, CalendarError, ConfigError, TransientError, network_problem
from assistant.models import CalendarEvent

T = TypeVar("T")

PRODID = "-//Follow-through//Follow-up calendar//EN"
MARKER = "X-FOLLOW-THROUGH"  # marks the events this writer owns, so uids() ignores the rep's own
EXTRA = "X-FOLLOW-THROUGH-EXTRA"
DEFAULT_CALENDAR = "Follow-ups"
REMOTE_ID = "remote_id"  # get() adds it to `extra`; put() never stores it


def event_to_ical(event: CalendarEvent, zone: ZoneInfo) -> str:
    """A VCALENDAR holding the event: TZID in the rep's zone with its VTIMEZONE, link, alarm."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    vevent.add("dtstart", in_zone(event.start, zone).replace(microsecond=0))
    vevent.add("dtend", in_zone(event.end, zone).replace(microsecond=0))
    vevent.add("summary", event.title)
    body = body_with_link(event.description, event.url)
    if body:
        vevent.add("description", body)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", event.status)
    vevent.add(MARKER, "1")
    extra = {k: v for k, v in event.extra.items() if k != REMOTE_ID}
    if extra:
        vevent.add(EXTRA, json.dumps(extra, sort_keys=True))
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title or "Follow-up")
    alarm.add("trigger", timedelta(minutes=-max(0, event.alarm_minutes)))
    vevent.add_component(alarm)
    cal.add_component(_vtimezone(zone.key))
    cal.add_component(vevent)
    return str(cal.to_ical().decode("utf-8"))


@functools.lru_cache(maxsize=8)
def _vtimezone(tzid: str) -> Any:
    """The VTIMEZONE of the rep's zone (building one takes tens of milliseconds: done once per zone)."""
    return icalendar.Timezone.from_tzid(tzid)


def vevent_to_event(vevent: Any, zone: ZoneInfo) -> CalendarEvent:
    """Read back what `event_to_ical` wrote (or a rep-edited copy of it), times in the rep's zone."""
    start = in_zone(vevent["dtstart"].dt, zone)
    if "dtend" in vevent:
        end = in_zone(vevent["dtend"].dt, zone)
    elif "duration" in vevent:
        end = start + vevent["duration"].dt
    else:
        end = start
    url = str(vevent.get("url", ""))
    alarm_minutes = 0
    for sub in vevent.subcomponents:
        if sub.name == "VALARM" and "trigger" in sub and isinstance(sub["trigger"].dt, timedelta):
            alarm_minutes = minutes(sub["trigger"].dt)
            break
    extra: dict[str, str] = {}
    if EXTRA in vevent:
        try:
            extra = {str(k): str(v) for k, v in json.loads(str(vevent[EXTRA])).items()}
        except (ValueError, AttributeError):
            extra = {}
    status = str(vevent.get("status", "CONFIRMED")).upper()
    return CalendarEvent(
        uid=str(vevent["uid"]),
        title=str(vevent.get("summary", "")),
        description=body_without_link(str(vevent.get("description", "")), url),
        start=start,
        end=end,
        alarm_minutes=alarm_minutes,
        url=url,
        status=status if status in ("CONFIRMED", "TENTATIVE", "CANCELLED") else "CONFIRMED",  # type: ignore[arg-type]
        extra=extra,
    )


def _first_vevent(data: str | bytes) -> Any | None:
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError:
        return None
    for comp in cal.walk("VEVENT"):
        return comp
    return None


class CalDavAuthError(AuthError):
    """The server refused the credentials. CalDAV has no sign-in flow: the fix is in the config file."""

    def __init__(self, account: str, message: str) -> None:
        Exception.__init__(self, message)
        self.account = account
        self.provider = "caldav"


class CalDavWriter(RetryingWriter):
    """Writes follow-ups to one calendar of a CalDAV server (Radicale, Nextcloud, Fastmail, iCloud...)."""

    kind = "caldav"

    def __init__(self, calendar_config: CalendarConfig, config: Config, *, client: Any = None,
                 password: str | None = None, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = DEFAULT_ATTEMPTS, timeout: int = 30) -> None:
        opts = calendar_config.options
        self.url = str(opts.get("url", "")).strip()
        if not self.url and client is None:
            raise ConfigError('calendar.kind = "caldav" needs calendar.url: add url = "https://dav.example.com/" '
                              "to the [calendar] table")
        self.username = str(opts.get("username", ""))
        self.account = str(opts.get("account", "calendar"))
        self.calendar_name = str(opts.get("calendar", DEFAULT_CALENDAR))
        self.calendar_url = str(opts.get("calendar_url", "")).strip()
        self.zone = rep_zone(config)
        self._options = opts
        self._password = password
        self._client = client
        self._calendar: Any = None
        self._sleep = sleep
        self._attempts = attempts
        self._timeout = timeout

    # -- the port ------------------------------------------------------------------------------
    @property
    def target(self) -> str:
        where = self.calendar_url or f"{self.url.rstrip('/')}/ ({self.calendar_name})"
        return f"caldav:{where}"

    def put(self, event: CalendarEvent) -> str:
        ical = event_to_ical(event, self.zone)
        return self._retry("save the event", lambda: self._put_once(event.uid, ical))

    def get(self, uid: str) -> CalendarEvent | None:
        found = self._retry("read the event", lambda: self._find(uid))
        if found is None:
            return None
        event = vevent_to_event(found[1], self.zone)
        event.extra[REMOTE_ID] = found[0]  # the href, for the booking record of a recovered event
        return event

    def delete(self, uid: str) -> None:
        self._retry("delete the event", lambda: self._delete_once(uid))

    def uids(self) -> set[str]:
        return self._retry("list the events", self._uids_once)

    # -- one attempt each ----------------------------------------------------------------------
    def _put_once(self, uid: str, ical: str) -> str:
        """PUT the bytes as they are to `<calendar>/<uid>.ics` (no library-side rewriting or retry):
        a repeat replaces the same resource."""
        from caldav.lib import error

        data = ical.encode("utf-8")
        obj = self._object(self._href(uid))
        try:
            obj.save(raw_data=data, increase_seqno=False)
        except error.UidConflictError:
            # The server holds this UID at another href (copied there by another client): update that one.
            found = self._find(uid)
            if found is None:
                raise
            obj = self._object(found[0])
            obj.save(raw_data=data, increase_seqno=False)
        return str(obj.url)

    def _find(self, uid: str) -> tuple[str, Any] | None:
        """(href, VEVENT) of the event with this UID: the deterministic href first, then a search."""
        from caldav.lib import error

        cal = self._cal()
        href = self._href(uid)
        response = self._client_request(href, "GET")
        if 200 <= response.status < 300:
            vevent = _first_vevent(response.raw)
            if vevent is not None and str(vevent.get("uid", "")) == uid:
                return href, vevent
        elif response.status not in (404, 410):
            raise self._status_error(response.status, "read the event", response)
        try:
            obj = cal.get_event_by_uid(uid)
        except error.NotFoundError:
            return None
        return str(obj.url), obj.icalendar_component

    def _delete_once(self, uid: str) -> None:
        found = self._find(uid)
        if found is None:
            return
        response = self._client_request(found[0], "DELETE")
        if not (200 <= response.status < 300 or response.status in (404, 410)):
            raise self._status_error(response.status, "delete the event", response)

    def _uids_once(self) -> set[str]:
        uids: set[str] = set()
        for obj in self._cal().get_events():
            for vevent in obj.icalendar_instance.walk("VEVENT"):
                if MARKER in vevent:
                    uids.add(str(vevent["uid"]))
        return uids

    # -- connection ----------------------------------------------------------------------------
    def _href(self, uid: str) -> str:
        return str(self._cal().url.join(quote(uid, safe="") + ".ics"))

    def _object(self, href: str) -> Any:
        from caldav.calendarobjectresource import Event

        return Event(client=self._cal().client, url=href, parent=self._cal())

    def _client_request(self, url: str, method: str) -> Any:
        return self._cal().client.request(url, method, "")

    def _cal(self) -> Any:
        """The configured calendar, found by name (or URL) and created when missing."""
        if self._calendar is not None:
            return self._calendar
        from caldav.davclient import DAVClient

        if self._client is None:
            self._client = DAVClient(self.url, username=self.username or None, password=self._secret(),
                                     timeout=self._timeout)
        principal = self._client.principal()
        if self.calendar_url:
            self._calendar = principal.calendar(cal_url=self.calendar_url)
            return self._calendar
        for cal in principal.get_calendars():
            if (cal.get_display_name() or "") == self.calendar_name:
                self._calendar = cal
                return cal
        slug = "".join(c if c.isalnum() else "-" for c in self.calendar_name.lower()).strip("-") or "follow-ups"
        self._calendar = principal.make_calendar(name=self.calendar_name, cal_id=slug)
        return self._calendar

    def _secret(self) -> str | None:
        """The password, never logged: injected, from a command, an environment variable or the config."""
        if self._password is not None:
            return self._password
        opts = self._options
        if opts.get("password_command"):
            cmd = opts["password_command"]
            argv = shlex.split(cmd) if isinstance(cmd, str) else [str(a) for a in cmd]
            try:
                out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout
            except (OSError, subprocess.SubprocessError) as e:
                raise ConfigError(f"calendar.password_command {argv[0]!r} failed ({type(e).__name__}): "
                                  "run it by hand to check it prints the CalDAV password") from None
            self._password = out.splitlines()[0] if out else ""
            return self._password
        if opts.get("password_env"):
            name = str(opts["password_env"])
            if name not in os.environ:
                raise ConfigError(f"calendar.password_env = {name!r} but that variable is not set: "
                                  f"export {name} before starting the assistant")
            return os.environ[name]
        if opts.get("password") is not None:
            return str(opts["password"])
        return None

    # -- errors --------------------------------------------------------------------------------

    def _auth_error(self, detail: str) -> AuthError:
        return CalDavAuthError(
            self.account,
            f"CalDAV server {self.url} refused user {self.username!r} ({detail}): fix calendar.username and the "
            "password in config.toml: calendar.password_command = \"pass show caldav\" (a command printing it) "
            "or calendar.password_env = \"CALDAV_PASSWORD\"; then run the assistant again")

    def _status_error(self, status: int, what: str, response: Any = None) -> Exception:
        if status == 401:
            return self._auth_error("the server answered 401")
        if status in (408, 429) or status >= 500:
            retry_after = None
            headers = getattr(response, "headers", None) or {}
            if hasattr(headers, "get"):
                retry_after = parse_retry_after(headers.get("Retry-After"))
            return TransientError(f"CalDAV server {self.url} answered {status} to {what}: will retry",
                                  retry_after=retry_after)
        if status == 403:
            return CalendarError(f"CalDAV server {self.url} refused to {what} (403): check that user "
                                 f"{self.username!r} may write to calendar {self.calendar_name!r}")
        return CalendarError(f"CalDAV server {self.url} answered {status} to {what}: check calendar.url "
                             "and calendar.calendar in config.toml")

    def _translate(self, exc: Exception, what: str) -> Exception:
        from caldav.lib import error

        if isinstance(exc, (TransientError, AuthError, CalendarError, ConfigError)):
            return exc
        if isinstance(exc, error.RateLimitError):
            seconds = exc.retry_after_seconds
            if seconds is None:
                seconds = parse_retry_after(exc.retry_after)
            return TransientError(f"CalDAV server {self.url} is rate limiting ({what}): will retry",
                                  retry_after=seconds)
        if isinstance(exc, error.DAVError):
            status = exc.status
            if status is None and isinstance(exc, error.AuthorizationError):
                status = 401
            if status is None:
                return CalendarError(f"CalDAV server {self.url}: could not {what} ({exc.reason}): "
                                     "check calendar.url in config.toml")
            return self._status_error(status, what)
        if isinstance(exc, OSError):  # connection refused, reset, timeout (requests/niquests errors)
            problem, retry = network_problem(exc)
            return TransientError(f"cannot reach CalDAV server {self.url} to {what}: {problem}", retry_now=retry)
        return exc
