"""Google Calendar writer (google-api-python-client, the discovery document shipped in the package).

The event id is chosen by us: the uid in base32hex (the characters Google allows, a-v and 0-9), so
`events.insert` of the same follow-up twice answers 409 and we update the existing event instead of
adding one; a run that crashed after the insert finds the event with `events.get`.

A deleted Google event keeps its id with status "cancelled": inserting that id again answers 409 and
updating it answers 403, so a follow-up that left the calendar (a snooze) cannot come back under its old
id. It comes back under the next id of a chain derived from the uid alone (`rebooked_id`: the base32hex
of a SHA-256 of the previous id), so the re-booking is as idempotent as the first booking: a retry, or a
new process, walks the same chain and finds the same event instead of adding one. `get` and `delete`
walk the chain too, past cancelled ids, to the live one. Our events carry private extended properties
(the uid, status and extras) so `uids()` lists only ours, whichever id of the chain they have.

Config (`[calendar]` with kind = "google"): `account` (the [[accounts]] entry of kind "gmail" whose
sign-in is used; `assistant login gmail` asks for the calendar scope too), `calendar_id` (default
"primary"), and for tests `api_endpoint` (it replaces the whole base URL, so it ends in /calendar/v3/)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from assistant.calendars.remote import (
    DEFAULT_ATTEMPTS,
    RetryingWriter,
    body_with_link,
    body_without_link,
    in_zone,
    linked_account,
    parse_retry_after,
    rep_zone,
)
from assistant.config import CalendarConfig, Config
from assistant.errors import AuthError, CalendarError, ConfigError, TransientError, network_problem
from assistant.models import CalendarEvent

T = TypeVar("T")

PROVIDER = "gmail"  # the sign-in (`assistant login gmail`) covers the calendar.events scope
MARKER_KEY = "followThrough"
UID_KEY = "followThroughUid"
STATUS_KEY = "followThroughStatus"
EXTRA_KEY = "followThroughExtra"
REMOTE_ID = "remote_id"  # get() adds it to `extra`; put() never stores it
_GOOGLE_STATUS = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "tentative"}


def event_id_for(uid: str) -> str:
    """The Google event id of a uid: base32hex (a-v, 0-9), lower case, no padding; reversible. A uid too
    short or too long for Google's 5 to 1024 characters gets the base32hex of its SHA-256 instead (the
    uid itself is kept in the event's private properties either way)."""
    eid = base64.b32hexencode(uid.encode("utf-8")).decode("ascii").rstrip("=").lower()
    if 5 <= len(eid) <= 1024:
        return eid
    return base64.b32hexencode(hashlib.sha256(uid.encode("utf-8")).digest()).decode("ascii").rstrip("=").lower()


MAX_GENERATIONS = 100  # a follow-up snoozed this many times stops with a message instead of walking on


def rebooked_id(event_id: str) -> str:
    """The id a follow-up takes when the event under `event_id` was deleted (cancelled) and it is booked
    again: base32hex of SHA-256 of the old id, 52 characters. Derived, so the same chain every time."""
    digest = hashlib.sha256(f"rebooked:{event_id}".encode()).digest()
    return base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


def uid_for(event_id: str) -> str | None:
    """The uid an event id was made from, or None for an id we did not make."""
    text = event_id.upper()
    try:
        return base64.b32hexdecode(text + "=" * (-len(text) % 8)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _when(value: dict[str, Any], zone: Any) -> datetime:
    if "dateTime" in value:
        return in_zone(datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00")), zone)
    return in_zone(date.fromisoformat(str(value["date"])), zone)


class GoogleCalendarWriter(RetryingWriter):
    """Writes follow-ups to a Google calendar (the rep's primary one unless `calendar_id` says otherwise)."""

    kind = "google"

    def __init__(self, calendar_config: CalendarConfig, config: Config, *, credentials: Any = None,
                 service: Any = None, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = DEFAULT_ATTEMPTS) -> None:
        opts = calendar_config.options
        self.calendar_id = str(opts.get("calendar_id", "primary"))
        self.api_endpoint = str(opts.get("api_endpoint", "")).strip()
        self.zone = rep_zone(config)
        self.account = linked_account(config, opts, "gmail", need=credentials is None and service is None)
        self._credentials = credentials
        self._service = service
        self._sleep = sleep
        self._attempts = attempts

    # -- the port ------------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return f"google:{self.calendar_id}"

    def put(self, event: CalendarEvent) -> str:
        body = self._body(event)

        def once() -> str:
            events = self._events()
            event_id = event_id_for(event.uid)
            for _ in range(MAX_GENERATIONS):
                try:
                    events.insert(calendarId=self.calendar_id, body={**body, "id": event_id}).execute(num_retries=0)
                    return event_id
                except Exception as e:
                    if _status(e) != 409:
                        raise
                # That id exists: a rerun (update it in place), or a deleted event keeping its id, which
                # Google will not let us update (403): then the next id of the chain.
                item = self._item(event_id)
                if item is not None and item.get("status") != "cancelled":
                    events.update(calendarId=self.calendar_id, eventId=event_id,
                                  body={**body, "id": event_id}).execute(num_retries=0)
                    return event_id
                event_id = rebooked_id(event_id)
            raise CalendarError(f"Google Calendar: the follow-up {event.uid} was deleted and booked again "
                                f"{MAX_GENERATIONS} times; reject it in `assistant review` and book it by hand")

        return self._retry("save the event", once)

    def get(self, uid: str) -> CalendarEvent | None:
        item = self._retry("read the event", lambda: self._live(uid))
        if item is None:
            return None
        event = self._event(item, uid)
        event.extra[REMOTE_ID] = str(item.get("id", ""))  # for the booking record of a recovered event
        return event

    def delete(self, uid: str) -> None:
        def once() -> None:
            item = self._live(uid)
            if item is None:
                return
            try:
                self._events().delete(calendarId=self.calendar_id, eventId=str(item["id"])).execute(num_retries=0)
            except Exception as e:
                if _status(e) not in (404, 410):  # 410: already deleted
                    raise

        self._retry("delete the event", once)

    def _item(self, event_id: str) -> dict[str, Any] | None:
        """The event with this id as Google keeps it (also when cancelled), or None."""
        try:
            item: dict[str, Any] = self._events().get(
                calendarId=self.calendar_id, eventId=event_id).execute(num_retries=0)
        except Exception as e:
            if _status(e) in (404, 410):
                return None
            raise
        return item

    def _live(self, uid: str) -> dict[str, Any] | None:
        """The live event of this uid: its first id, or the first id of its chain not cancelled."""
        event_id = event_id_for(uid)
        for _ in range(MAX_GENERATIONS):
            item = self._item(event_id)
            if item is None:
                return None
            if item.get("status") != "cancelled":
                return item
            event_id = rebooked_id(event_id)
        return None

    def uids(self) -> set[str]:
        def once() -> set[str]:
            found: set[str] = set()
            page: str | None = None
            while True:
                answer = self._events().list(calendarId=self.calendar_id, showDeleted=False, pageToken=page,
                                             privateExtendedProperty=f"{MARKER_KEY}=1",
                                             maxResults=250).execute(num_retries=0)
                for item in answer.get("items", []):
                    if item.get("status") == "cancelled":
                        continue
                    private = (item.get("extendedProperties") or {}).get("private") or {}
                    uid = private.get(UID_KEY) or uid_for(str(item.get("id", "")))
                    if uid:
                        found.add(uid)
                page = answer.get("nextPageToken")
                if not page:
                    return found

        return self._retry("list the events", once)

    # -- JSON ----------------------------------------------------------------------------------
    def _body(self, event: CalendarEvent) -> dict[str, Any]:
        tz = self.zone.key
        private = {MARKER_KEY: "1", UID_KEY: event.uid, STATUS_KEY: event.status}
        extra = {k: v for k, v in event.extra.items() if k != REMOTE_ID}
        if extra:
            private[EXTRA_KEY] = json.dumps(extra, sort_keys=True)
        body: dict[str, Any] = {
            "summary": event.title,
            "description": body_with_link(event.description, event.url),
            "start": {"dateTime": in_zone(event.start, self.zone).isoformat(), "timeZone": tz},
            "end": {"dateTime": in_zone(event.end, self.zone).isoformat(), "timeZone": tz},
            "status": _GOOGLE_STATUS.get(event.status, "confirmed"),
            "reminders": {"useDefault": False,
                          "overrides": [{"method": "popup", "minutes": max(0, event.alarm_minutes)}]},
            "extendedProperties": {"private": private},
        }
        if event.url.startswith(("http://", "https://")):
            body["source"] = {"title": "Follow-through", "url": event.url}
        return body

    def _event(self, item: dict[str, Any], uid: str) -> CalendarEvent:
        private = (item.get("extendedProperties") or {}).get("private") or {}
        url = str((item.get("source") or {}).get("url", ""))
        overrides = (item.get("reminders") or {}).get("overrides") or []
        alarm = int(overrides[0].get("minutes", 0)) if overrides else 0
        status = str(private.get(STATUS_KEY) or str(item.get("status", "confirmed")).upper())
        extra: dict[str, str] = {}
        if private.get(EXTRA_KEY):
            try:
                extra = {str(k): str(v) for k, v in json.loads(private[EXTRA_KEY]).items()}
            except (ValueError, AttributeError):
                extra = {}
        return CalendarEvent(
            uid=str(private.get(UID_KEY) or uid),
            title=str(item.get("summary", "")),
            description=body_without_link(str(item.get("description", "")), url),
            start=_when(item["start"], self.zone),
            end=_when(item["end"], self.zone),
            alarm_minutes=alarm,
            url=url,
            status=status if status in ("CONFIRMED", "TENTATIVE", "CANCELLED") else "CONFIRMED",  # type: ignore[arg-type]
            extra=extra,
        )

    # -- the client ----------------------------------------------------------------------------
    def _events(self) -> Any:
        if self._service is None:
            from googleapiclient.discovery import build

            if self._credentials is None:
                from assistant.auth import google_credentials, token_store_for

                self._credentials = google_credentials(self.account.name, token_store_for(self.account), PROVIDER)
            client_options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
            self._service = build("calendar", "v3", credentials=self._credentials, static_discovery=True,
                                  cache_discovery=False, client_options=client_options)
        return self._service.events()


    def _translate(self, exc: Exception, what: str) -> Exception:
        if isinstance(exc, (TransientError, AuthError, CalendarError, ConfigError)):
            return exc
        status = _status(exc)
        if status is not None:
            reason = _reason(exc)
            if status == 401:
                return AuthError(self.account.name, PROVIDER, f"Google Calendar answered 401 ({reason})")
            if status == 429 or status >= 500 or (status == 403 and reason in _RATE_REASONS):
                retry_after = parse_retry_after(exc.resp.get("retry-after"))  # type: ignore[attr-defined]
                return TransientError(f"Google Calendar answered {status} ({reason}) to {what}: will retry",
                                      retry_after=retry_after)
            if status == 403:
                return CalendarError(f"Google Calendar refused to {what} in calendar {self.calendar_id!r} (403 "
                                     f"{reason}): check calendar.calendar_id and that the account may write to it")
            return CalendarError(f"Google Calendar answered {status} ({reason}) to {what}: "
                                 "check calendar.calendar_id in config.toml")
        try:
            from google.auth.exceptions import RefreshError, TransportError
        except ImportError:  # pragma: no cover - google-auth is a dependency
            RefreshError = TransportError = ()  # type: ignore[misc,assignment]
        if isinstance(exc, RefreshError):  # retryable (a 5xx, server_error...): TransientError, else AuthError
            from assistant.auth import google_refresh_failure

            return google_refresh_failure(self.account.name, PROVIDER, exc)
        if isinstance(exc, TransportError):
            return TransientError(f"cannot reach Google to {what}: will retry")
        import httplib2

        if isinstance(exc, (OSError, httplib2.HttpLib2Error)):
            problem, retry = network_problem(exc)
            return TransientError(f"cannot reach Google Calendar to {what}: {problem}", retry_now=retry)
        return exc


_RATE_REASONS = ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded")


def _status(exc: BaseException) -> int | None:
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return int(exc.resp.status)
    return None


def _reason(exc: Any) -> str:
    """The `reason` of the first error in Google's JSON (rateLimitExceeded, duplicate...), else the message."""
    try:
        data = json.loads(exc.content.decode("utf-8"))
        err = data.get("error", {})
        errors = err.get("errors") or []
        if errors and errors[0].get("reason"):
            return str(errors[0]["reason"])
        return str(err.get("message", ""))[:200]
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ""
