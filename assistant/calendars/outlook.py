"""Outlook / Microsoft 365 calendar writer (Microsoft Graph over `requests`, token from msal).

Each follow-up is an event created with `POST /me/events` (or /me/calendars/{id}/events) carrying a
`transactionId` derived from the uid, so Graph refuses a second create of the same follow-up (409)
instead of adding a duplicate. The uid also goes into a single-value extended property, which is how a
rerun after a crash finds the event (`$filter=singleValueExtendedProperties/Any(...)`) and updates it
with PATCH rather than creating it again. Times are sent and read in the rep's zone (`Prefer:
outlook.timezone`); 429 honours Retry-After, 5xx and network faults are retried, 401 asks for a sign-in.

Config (`[calendar]` with kind = "outlook"): `account` (the [[accounts]] entry of kind "outlook" whose
sign-in is used; `assistant login outlook` asks for Calendars.ReadWrite), `calendar_id` (default: the
rep's default calendar), `graph_url` (default https://graph.microsoft.com/v1.0; tests point it at a fake)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
from assistant.errors import AuthError, CalendarError, ConfigError, TransientError
from assistant.models import CalendarEvent

T = TypeVar("T")

PROVIDER = "outlook"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
SCOPES = ("Calendars.ReadWrite",)
_GUID = "{6f2b9c1e-4a7d-4e35-9b1f-0c8d2e5a7f31}"  # this app's property set
MARKER_PROP = f"String {_GUID} Name FollowThrough"
UID_PROP = f"String {_GUID} Name FollowThroughUid"
DATA_PROP = f"String {_GUID} Name FollowThroughData"
_SHOW_AS = {"CONFIRMED": "busy", "TENTATIVE": "tentative", "CANCELLED": "free"}
_MAX_GENERATIONS = 8
REMOTE_ID = "remote_id"  # get() adds it to `extra`; put() never stores it


def transaction_id(uid: str, generation: int = 0) -> str:
    """Graph's dedupe key for creating this follow-up; a new generation only after the event was deleted."""
    return f"ft-{uid}" if generation == 0 else f"ft-{uid}-{generation}"


def _odata_quote(value: str) -> str:
    return value.replace("'", "''")


def _parse_when(value: dict[str, Any], zone: ZoneInfo) -> datetime:
    """Graph's {"dateTime": "2026-11-20T08:15:00.0000000", "timeZone": "..."} as an aware time in `zone`."""
    text = str(value["dateTime"]).rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    naive = datetime.fromisoformat(text)
    name = str(value.get("timeZone") or "UTC")
    try:
        tz = ZoneInfo("UTC" if name in ("UTC", "tzone://Microsoft/Utc", "Coordinated Universal Time") else name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"Outlook answered a time in zone {name!r}, which is not an IANA zone: check that "
                            "rep.timezone is an IANA zone name") from None
    return in_zone(naive.replace(tzinfo=tz), zone)


class GraphStatusError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: float | None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class OutlookCalendarWriter(RetryingWriter):
    """Writes follow-ups to an Outlook calendar through Microsoft Graph."""

    kind = "outlook"

    def __init__(self, calendar_config: CalendarConfig, config: Config, *,
                 token_provider: Callable[[], str] | None = None, session: Any = None,
                 sleep: Callable[[float], None] = time.sleep, attempts: int = DEFAULT_ATTEMPTS,
                 timeout: float = 30.0) -> None:
        opts = calendar_config.options
        self.graph_url = str(opts.get("graph_url", GRAPH_URL)).rstrip("/")
        self.calendar_id = str(opts.get("calendar_id", "")).strip()
        self.zone = rep_zone(config)
        self.account = linked_account(config, opts, "outlook", need=token_provider is None)
        self._token_provider = token_provider
        self._refresh: Callable[[], str] | None = None  # set with the msal token provider
        self._session = session
        self._sleep = sleep
        self._attempts = attempts
        self._timeout = timeout

    # -- the port ------------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return f"outlook:{self.calendar_id or 'default'}"

    def put(self, event: CalendarEvent) -> str:
        body = self._body(event)

        def once() -> str:
            found = self._find(event.uid)
            if found is not None:
                updated = self._patch(str(found["id"]), body)
                if updated is not None:
                    return str(updated["id"])
            for generation in range(_MAX_GENERATIONS):
                try:
                    created = self._request("POST", self._collection(),
                                            json_body={**body, "transactionId": transaction_id(event.uid, generation)})
                    return str(created["id"])
                except GraphStatusError as e:
                    if e.status != 409:
                        raise
                # 409: that transactionId was used. A crashed run created the event: update it. Otherwise
                # it belonged to a deleted event, and the next generation makes a fresh one.
                found = self._find(event.uid)
                if found is not None:
                    updated = self._patch(str(found["id"]), body)
                    if updated is not None:
                        return str(updated["id"])
            raise CalendarError(f"Outlook refused to create the event {event.uid} ({_MAX_GENERATIONS} times 409): "
                                "delete it in Outlook and run again")

        return self._retry("save the event", once)

    def get(self, uid: str) -> CalendarEvent | None:
        item = self._retry("read the event", lambda: self._find(uid))
        if item is None:
            return None
        event = self._event(item, uid)
        event.extra[REMOTE_ID] = str(item.get("id", ""))  # for the booking record of a recovered event
        return event

    def delete(self, uid: str) -> None:
        def once() -> None:
            found = self._find(uid)
            if found is None:
                return
            try:
                self._request("DELETE", f"{self.graph_url}/me/events/{quote(str(found['id']), safe='')}")
            except GraphStatusError as e:
                if e.status not in (404, 410):
                    raise

        self._retry("delete the event", once)

    def uids(self) -> set[str]:
        def once() -> set[str]:
            found: set[str] = set()
            url: str | None = self._collection()
            params: dict[str, str] | None = {
                "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{MARKER_PROP}' and ep/value eq '1')",
                "$expand": f"singleValueExtendedProperties($filter=id eq '{UID_PROP}')",
                "$select": "id", "$top": "100",
            }
            while url:
                page = self._request("GET", url, params=params)
                for item in page.get("value", []):
                    uid = _props(item).get(UID_PROP.lower())
                    if uid:
                        found.add(uid)
                url, params = page.get("@odata.nextLink"), None  # the next link carries the query
            return found

        return self._retry("list the events", once)

    # -- Graph calls ---------------------------------------------------------------------------
    def _collection(self) -> str:
        if self.calendar_id:
            return f"{self.graph_url}/me/calendars/{quote(self.calendar_id, safe='')}/events"
        return f"{self.graph_url}/me/events"

    def _find(self, uid: str) -> dict[str, Any] | None:
        """Our event with this uid, found by its extended property (None if there is none)."""
        params = {
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{UID_PROP}' "
                       f"and ep/value eq '{_odata_quote(uid)}')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{UID_PROP}' or id eq '{DATA_PROP}')",
        }
        page = self._request("GET", self._collection(), params=params)
        items = page.get("value", [])
        return dict(items[0]) if items else None

    def _patch(self, event_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """PATCH the event; None if it vanished in between (then it is created again)."""
        try:
            return self._request("PATCH", f"{self.graph_url}/me/events/{quote(event_id, safe='')}", json_body=body)
        except GraphStatusError as e:
            if e.status in (404, 410):
                return None
            raise

    def _request(self, method: str, url: str, *, params: dict[str, str] | None = None,
                 json_body: dict[str, Any] | None = None) -> dict[str, Any]:
        session = self._http()
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Prefer": f'outlook.timezone="{self.zone.key}", outlook.body-content-type="text"',
            "Accept": "application/json",
        }
        response = session.request(method, url, params=params, json=json_body, headers=headers,
                                   timeout=self._timeout)
        if response.status_code == 401 and self._refresh is not None:
            # A cached token the server no longer takes: get a fresh one once before asking for a sign-in.
            headers["Authorization"] = f"Bearer {self._refresh()}"
            response = session.request(method, url, params=params, json=json_body, headers=headers,
                                       timeout=self._timeout)
        if response.status_code >= 400:
            code, message = "", ""
            try:
                err = response.json().get("error", {})
                code, message = str(err.get("code", "")), str(err.get("message", ""))[:300]
            except ValueError:
                message = response.text[:300]
            raise GraphStatusError(response.status_code, code, message,
                                   parse_retry_after(response.headers.get("Retry-After")))
        if response.status_code == 204 or not response.content:
            return {}
        data: dict[str, Any] = response.json()
        return data

    def _http(self) -> Any:
        if self._session is None:
            from assistant.auth import http_session

            self._session = http_session(self.account)  # honours the account's ca_file, like the mail source
        return self._session

    def _token(self) -> str:
        if self._token_provider is None:
            from assistant.auth import microsoft_app, microsoft_token, token_store_for

            account = self.account
            store = token_store_for(account)
            app, cache = microsoft_app(account, store, PROVIDER, http_client=self._http())  # once per writer
            self._token_provider = lambda: microsoft_token(account, store, SCOPES, app=app, cache=cache)
            self._refresh = lambda: microsoft_token(account, store, SCOPES, app=app, cache=cache,
                                                    force_refresh=True)
        return self._token_provider()

    # -- JSON ----------------------------------------------------------------------------------
    def _body(self, event: CalendarEvent) -> dict[str, Any]:
        tz = self.zone.key
        extra = {k: v for k, v in event.extra.items() if k != REMOTE_ID}
        data = json.dumps({"status": event.status, "url": event.url, "extra": extra}, sort_keys=True)
        return {
            "subject": event.title,
            "body": {"contentType": "text", "content": body_with_link(event.description, event.url)},
            "start": {"dateTime": in_zone(event.start, self.zone).replace(tzinfo=None).isoformat(), "timeZone": tz},
            "end": {"dateTime": in_zone(event.end, self.zone).replace(tzinfo=None).isoformat(), "timeZone": tz},
            "isReminderOn": True,
            "reminderMinutesBeforeStart": max(0, event.alarm_minutes),
            "showAs": _SHOW_AS.get(event.status, "busy"),
            "singleValueExtendedProperties": [
                {"id": MARKER_PROP, "value": "1"},
                {"id": UID_PROP, "value": event.uid},
                {"id": DATA_PROP, "value": data},
            ],
        }

    def _event(self, item: dict[str, Any], uid: str) -> CalendarEvent:
        props = _props(item)
        try:
            data = json.loads(props.get(DATA_PROP.lower()) or "{}")
        except ValueError:
            data = {}
        url = str(data.get("url", ""))
        status = str(data.get("status", "CONFIRMED"))
        extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
        content = str((item.get("body") or {}).get("content", ""))
        return CalendarEvent(
            uid=props.get(UID_PROP.lower()) or uid,
            title=str(item.get("subject", "")),
            description=body_without_link(content, url),
            start=_parse_when(item["start"], self.zone),
            end=_parse_when(item["end"], self.zone),
            alarm_minutes=int(item.get("reminderMinutesBeforeStart", 0)) if item.get("isReminderOn", True) else 0,
            url=url,
            status=status if status in ("CONFIRMED", "TENTATIVE", "CANCELLED") else "CONFIRMED",  # type: ignore[arg-type]
            extra={str(k): str(v) for k, v in (extra or {}).items()},
        )

    # -- errors --------------------------------------------------------------------------------

    def _translate(self, exc: Exception, what: str) -> Exception:
        if isinstance(exc, (TransientError, AuthError, CalendarError, ConfigError)):
            return exc
        if isinstance(exc, GraphStatusError):
            if exc.status == 401:
                return AuthError(self.account.name, PROVIDER, f"Graph answered 401 {exc.code}".strip())
            if exc.status in (408, 429) or exc.status >= 500:
                return TransientError(f"Outlook answered {exc.status} {exc.code} to {what}: will retry",
                                      retry_after=exc.retry_after)
            if exc.status == 403:
                return CalendarError(f"Outlook refused to {what} (403 {exc.code}): the sign-in needs the "
                                     f"Calendars.ReadWrite permission: run `assistant login outlook --account "
                                     f"{self.account.name}` and accept it")
            return CalendarError(f"Outlook answered {exc.status} {exc.code} to {what} ({exc.message}): "
                                 "check calendar.calendar_id in config.toml")
        if isinstance(exc, OSError):  # requests' ConnectionError and Timeout are OSErrors
            return TransientError(f"cannot reach Microsoft Graph to {what} ({type(exc).__name__}): will retry")
        return exc


def _props(item: dict[str, Any]) -> dict[str, str]:
    """Extended properties by id; Graph may answer ids in another letter case, so keys are lower case."""
    return {str(p.get("id")).lower(): str(p.get("value")) for p in item.get("singleValueExtendedProperties") or []}
