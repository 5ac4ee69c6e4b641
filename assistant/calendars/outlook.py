"""Outlook / Microsoft 365 calendar writer (Microsoft Graph over `requests`, token from msal).

Each follow-up is an event created with `POST /me/events` (or /me/calendars/{id}/events). The uid goes
into a single-value extended property, which is how every call finds the event
(`$filter=singleValueExtendedProperties/Any(...)`). Idempotency rests on that lookup, not on Graph's
`transactionId`, whose answer to a repeated id is not documented (a 409, the earlier event, or a second
event) nor for how long it is remembered:
- before creating, the event is looked up by its uid: found, it is updated in place (PATCH, only when its
  content changed: a digest of it is kept in the event);
- the create carries a `transactionId` derived from the uid and the content, so a retry of the same create
  is deduplicated where Graph honours it; a 409 means "made before": look up again and update it, or,
  when nothing is found (the id was used by an event since deleted), take the next generation of the id;
- after a create the uid is looked up again: should Graph have made a second event (it ignored the
  transactionId, or a retry came before the search saw the first), every event of the uid but the oldest
  is deleted and the oldest updated, so exactly one remains.

Time zones: Graph takes Windows zone names and a short documented list of IANA names only (others, like
Europe/Madrid, answer 400 TimeZoneNotSupportedException), and names zones the Windows way in its answers.
The rep's IANA zone is sent as its Windows name and Windows names are read back, both through CLDR's
windowsZones table as `tzlocal.windows_tz` ships it (a zone the table lacks is sent as UTC times: the
moment is the same). 429 honours Retry-After, 5xx and network faults are retried, 401 asks for a sign-in.

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

from tzlocal.windows_tz import tz_win, win_tz

from assistant.calendars.base import event_digest
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


def transaction_id(uid: str, digest: str, generation: int = 0) -> str:
    """Graph's dedupe key for creating this follow-up with this content: a retry of the same create sends
    the same key; a new generation only when the key was used by an event since deleted."""
    key = f"ft-{uid}-{digest[-12:]}"
    return key if generation == 0 else f"{key}-{generation}"


def _odata_quote(value: str) -> str:
    return value.replace("'", "''")


_UTC_NAMES = ("UTC", "Etc/UTC", "tzone://Microsoft/Utc", "Coordinated Universal Time")


def graph_zone(zone: ZoneInfo) -> tuple[str, ZoneInfo]:
    """The zone name to send Graph for the rep's zone, and the zone the wall times are written in: the
    Windows name (CLDR windowsZones), or UTC for a zone the table lacks."""
    name = tz_win.get(zone.key)
    if name:
        return name, zone
    return "UTC", ZoneInfo("UTC")


def zone_from_graph(name: str) -> ZoneInfo:
    """A zone named in a Graph answer: a Windows name (CLDR windowsZones), UTC, or an IANA name."""
    if name in _UTC_NAMES:
        return ZoneInfo("UTC")
    iana = win_tz.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"Outlook answered a time in zone {name!r}, which is neither a Windows nor an IANA "
                            "zone name: report it with the Outlook version") from None


def _parse_when(value: dict[str, Any], zone: ZoneInfo) -> datetime:
    """Graph's {"dateTime": "2026-11-20T08:15:00.0000000", "timeZone": "..."} as an aware time in `zone`."""
    text = str(value["dateTime"]).rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    naive = datetime.fromisoformat(text)
    return in_zone(naive.replace(tzinfo=zone_from_graph(str(value.get("timeZone") or "UTC"))), zone)


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
        digest = event_digest(event)
        body = self._body(event, digest)

        def once() -> str:
            found = self._find(event.uid, reconcile=True)
            if found is not None:
                updated = self._update(found, body, digest)
                if updated is not None:
                    return updated
            for generation in range(_MAX_GENERATIONS):
                try:
                    created = self._request("POST", self._collection(), json_body={
                        **body, "transactionId": transaction_id(event.uid, digest, generation)})
                except GraphStatusError as e:
                    if e.status != 409:
                        raise
                    # 409: that transactionId was used. A crashed run created the event: update it. Otherwise
                    # it belonged to a deleted event, and the next generation makes a fresh one.
                    found = self._find(event.uid, reconcile=True)
                    if found is not None:
                        updated = self._update(found, body, digest)
                        if updated is not None:
                            return updated
                    continue
                # Graph may have answered an earlier event for this transactionId, or made a second one:
                # the uid's events are looked up again and only the oldest is kept, up to date.
                found = self._find(event.uid, reconcile=True)
                if found is None:  # the search has not caught up with the create yet
                    return str(created["id"])
                updated = self._update(found, body, digest)
                if updated is not None:
                    return updated
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
            for item in self._find_all(uid):
                self._delete_id(str(item["id"]))

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

    def _find_all(self, uid: str) -> list[dict[str, Any]]:
        """Our events with this uid (normally one), oldest first, found by the extended property."""
        params: dict[str, str] | None = {
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{UID_PROP}' "
                       f"and ep/value eq '{_odata_quote(uid)}')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{UID_PROP}' or id eq '{DATA_PROP}')",
        }
        items: list[dict[str, Any]] = []
        url: str | None = self._collection()
        while url:
            page = self._request("GET", url, params=params)
            items += [dict(i) for i in page.get("value", [])]
            url, params = page.get("@odata.nextLink"), None
        return sorted(items, key=lambda i: (str(i.get("createdDateTime", "")), str(i.get("id", ""))))

    def _find(self, uid: str, *, reconcile: bool = False) -> dict[str, Any] | None:
        """Our event with this uid (the oldest), or None. With `reconcile`, any later duplicate is deleted."""
        items = self._find_all(uid)
        if not items:
            return None
        if reconcile:
            for extra in items[1:]:
                self._delete_id(str(extra["id"]))
        return items[0]

    def _update(self, item: dict[str, Any], body: dict[str, Any], digest: str) -> str | None:
        """Bring a found event up to date (PATCH only when its content changed); None if it vanished."""
        if _data(item).get("digest") == digest:
            return str(item["id"])
        updated = self._patch(str(item["id"]), body)
        return None if updated is None else str(updated.get("id") or item["id"])

    def _patch(self, event_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """PATCH the event; None if it vanished in between (then it is created again)."""
        try:
            return self._request("PATCH", f"{self.graph_url}/me/events/{quote(event_id, safe='')}", json_body=body)
        except GraphStatusError as e:
            if e.status in (404, 410):
                return None
            raise

    def _delete_id(self, event_id: str) -> None:
        try:
            self._request("DELETE", f"{self.graph_url}/me/events/{quote(event_id, safe='')}")
        except GraphStatusError as e:
            if e.status not in (404, 410):
                raise

    def _request(self, method: str, url: str, *, params: dict[str, str] | None = None,
                 json_body: dict[str, Any] | None = None) -> dict[str, Any]:
        session = self._http()
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Prefer": f'outlook.timezone="{graph_zone(self.zone)[0]}", outlook.body-content-type="text"',
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
    def _body(self, event: CalendarEvent, digest: str) -> dict[str, Any]:
        tz, wall = graph_zone(self.zone)
        extra = {k: v for k, v in event.extra.items() if k != REMOTE_ID}
        data = json.dumps({"status": event.status, "url": event.url, "extra": extra, "digest": digest},
                          sort_keys=True)
        return {
            "subject": event.title,
            "body": {"contentType": "text", "content": body_with_link(event.description, event.url)},
            "start": {"dateTime": in_zone(event.start, wall).replace(tzinfo=None).isoformat(), "timeZone": tz},
            "end": {"dateTime": in_zone(event.end, wall).replace(tzinfo=None).isoformat(), "timeZone": tz},
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
        data = _data(item)
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
            problem, retry = network_problem(exc)
            return TransientError(f"cannot reach Microsoft Graph to {what}: {problem}", retry_now=retry)
        return exc


def _props(item: dict[str, Any]) -> dict[str, str]:
    """Extended properties by id; Graph may answer ids in another letter case, so keys are lower case."""
    return {str(p.get("id")).lower(): str(p.get("value")) for p in item.get("singleValueExtendedProperties") or []}


def _data(item: dict[str, Any]) -> dict[str, Any]:
    """The JSON this writer keeps in the event's data property ({} when missing or unreadable)."""
    try:
        data = json.loads(_props(item).get(DATA_PROP.lower()) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
