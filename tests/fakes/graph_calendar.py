"""A local fake of Microsoft Graph calendar events (/v1.0/me/events and /me/calendars/{id}/events).

What it keeps from Graph: events get server ids; a create carrying a `transactionId` that was already
used (also by an event since deleted) answers 409; `$filter=singleValueExtendedProperties/Any(ep: ep/id
eq '...' and ep/value eq '...')` finds events by an extended property, which are only returned when
`$expand=singleValueExtendedProperties($filter=id eq '...')` asks for them; pages are 10 events by default
with `@odata.nextLink`; times come back in UTC unless `Prefer: outlook.timezone="Zone"` asks for another
zone, with seven fractional digits like Graph; every request needs the bearer token, or one `accepts` takes (401 otherwise).
Faults (429 with Retry-After, 500, 401, 409) come from FakeService.fail_next."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import ZoneInfo

from tests.fakes.base import FakeService, Request, Response

_FILTER_RE = re.compile(r"^singleValueExtendedProperties/Any\(ep:\s*ep/id eq '((?:[^']|'')*)' and "
                        r"ep/value eq '((?:[^']|'')*)'\)$")
_EXPAND_RE = re.compile(r"^singleValueExtendedProperties\(\$filter=(.*)\)$")
_EXPAND_ID_RE = re.compile(r"id eq '((?:[^']|'')*)'")
_PREFER_TZ_RE = re.compile(r'outlook\.timezone="([^"]+)"')


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def _unquote(value: str) -> str:
    return value.replace("''", "'")


class FakeGraphCalendar(FakeService):
    """`graph_url` for the client is `fake.graph_url`."""

    def __init__(self, token: str = "graph-token") -> None:
        super().__init__()
        self.token = token
        self.accepts: Callable[[str], bool] | None = None  # e.g. the identity fake's live access tokens
        self.events: dict[str, dict[str, Any]] = {}  # id -> event (with "_calendar" and "_props")
        self.used_transaction_ids: set[str] = set()
        self.page_size = 10
        self._ids = itertools.count(1)
        for base in (r"/v1\.0/me/events", r"/v1\.0/me/calendars/(?P<cal>[^/]+)/events"):
            self.route("POST", base, self._create)
            self.route("GET", base, self._list)
        self.route("GET", r"/v1\.0/me/events/(?P<eid>[^/]+)", self._get)
        self.route("PATCH", r"/v1\.0/me/events/(?P<eid>[^/]+)", self._patch)
        self.route("DELETE", r"/v1\.0/me/events/(?P<eid>[^/]+)", self._delete)

    @property
    def graph_url(self) -> str:
        return self.url + "/v1.0"

    def live(self) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(e) for e in self.events.values()]

    # -- helpers ---------------------------------------------------------------------------------
    def _denied(self, req: Request) -> Response | None:
        given = req.headers.get("authorization", "").removeprefix("Bearer ")
        if not (self.accepts(given) if self.accepts is not None else given == self.token):
            return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        return None

    @staticmethod
    def _to_utc(value: dict[str, Any]) -> datetime:
        text = str(value["dateTime"])
        if "." in text:
            head, frac = text.split(".", 1)
            text = f"{head}.{frac[:6]}"
        zone = ZoneInfo(str(value.get("timeZone") or "UTC"))
        return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)

    def _render(self, event: dict[str, Any], req: Request, expand_ids: set[str] | None) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}
        m = _PREFER_TZ_RE.search(req.headers.get("prefer", ""))
        zone_name = m.group(1) if m else "UTC"
        zone = ZoneInfo(zone_name)
        for key in ("start", "end"):
            local = event[f"_{key}_utc"].astimezone(zone).replace(tzinfo=None)
            out[key] = {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name}
        if expand_ids:
            out["singleValueExtendedProperties"] = [
                {"id": pid, "value": value} for pid, value in event["_props"].items() if pid.lower() in expand_ids]
        return out

    @staticmethod
    def _expand_ids(req: Request) -> set[str] | None:
        expand = req.arg("$expand")
        if not expand:
            return None
        m = _EXPAND_RE.match(expand)
        if not m:
            return None
        return {_unquote(i).lower() for i in _EXPAND_ID_RE.findall(m.group(1))}

    def _apply(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        for key, value in body.items():
            if key == "singleValueExtendedProperties":
                for prop in value or []:
                    event["_props"][str(prop["id"])] = str(prop["value"])
            elif key in ("start", "end"):
                event[f"_{key}_utc"] = self._to_utc(value)
            elif key not in ("id", "transactionId"):
                event[key] = copy.deepcopy(value)
        event["lastModifiedDateTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        event["changeKey"] = f"ck{next(self._ids)}"

    # -- routes ------------------------------------------------------------------------------------
    def _create(self, req: Request, cal: str = "default") -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        body = req.json() or {}
        if "start" not in body or "end" not in body:
            return _error(400, "ErrorInvalidRequest", "start and end are required")
        with self.lock:
            tid = body.get("transactionId")
            if tid:
                if tid in self.used_transaction_ids:
                    return _error(409, "ErrorDuplicateTransactionId",
                                  "An item with the same transactionId already exists.")
                self.used_transaction_ids.add(tid)
            eid = f"AAMkAG{next(self._ids):06d}fake="
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
            event: dict[str, Any] = {"id": eid, "createdDateTime": now, "_calendar": cal, "_props": {},
                                     "isReminderOn": True, "reminderMinutesBeforeStart": 15, "showAs": "busy",
                                     "body": {"contentType": "html", "content": ""}}
            if tid:
                event["transactionId"] = tid
            self._apply(event, body)
            self.events[eid] = event
            return Response(201, self._render(event, req, self._expand_ids(req)))

    def _get(self, req: Request, eid: str) -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        eid = unquote(eid)
        with self.lock:
            event = self.events.get(eid)
            if event is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return Response(200, self._render(event, req, self._expand_ids(req)))

    def _patch(self, req: Request, eid: str) -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        eid = unquote(eid)
        with self.lock:
            event = self.events.get(eid)
            if event is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            self._apply(event, req.json() or {})
            return Response(200, self._render(event, req, self._expand_ids(req)))

    def _delete(self, req: Request, eid: str) -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        eid = unquote(eid)
        with self.lock:
            if self.events.pop(eid, None) is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return Response(204, b"")

    def _list(self, req: Request, cal: str = "default") -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        flt = req.arg("$filter")
        wanted: tuple[str, str] | None = None
        if flt:
            m = _FILTER_RE.match(flt)
            if not m:
                return _error(400, "ErrorInvalidUrlQueryFilter", f"unsupported filter: {flt}")
            wanted = (_unquote(m.group(1)).lower(), _unquote(m.group(2)))
        top = min(int(req.arg("$top", str(self.page_size)) or self.page_size), 1000)
        skip = int(req.arg("$skip", "0") or 0)
        expand = self._expand_ids(req)
        with self.lock:
            matches = []
            for event in self.events.values():
                if cal != "default" and event["_calendar"] != cal:
                    continue
                props = {k.lower(): v for k, v in event["_props"].items()}
                if wanted is not None and props.get(wanted[0]) != wanted[1]:
                    continue
                matches.append(self._render(event, req, expand))
        page = matches[skip:skip + top]
        answer: dict[str, Any] = {"@odata.context": f"{self.graph_url}/$metadata#users('me')/events", "value": page}
        if skip + top < len(matches):
            query = {k: v[0] for k, v in req.query.items()}
            query["$skip"] = str(skip + top)
            query["$top"] = str(top)
            answer["@odata.nextLink"] = f"{self.url}{req.path}?{urlencode(query)}"
        return Response(200, answer)
