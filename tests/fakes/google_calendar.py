"""A local fake of the Google Calendar v3 events API, speaking its JSON (insert/get/update/patch/delete/list).

What it keeps from the real service, each behaviour from a documented page or a maintainers' thread:
- A client-chosen event id must be base32hex (a-v, 0-9) of 5 to 1024 characters, else 400 (the `id` field of
  https://developers.google.com/calendar/api/v3/reference/events/insert and .../reference/events).
- Inserting an id that exists answers 409 "duplicate" ("The requested identifier already exists"), also when
  that event was deleted: a deleted event keeps its id with status "cancelled", get still returns it and a
  second delete answers 410 "deleted" (googleapis/google-api-python-client#210 and #846).
- An update of a cancelled event answers 403 "forbidden": it is not brought back
  (googleapis/google-api-ruby-client#1811: "409 on insert ... then 403 forbidden on update_event").
  `update_cancelled = "restore"` switches to the old, forgiving picture (the update brings it back).
- `reuse_deleted_ids = True` switches the insert of a cancelled id to succeed (a service that forgot it).
- list filters by `privateExtendedProperty=key=value`, hides cancelled events unless `showDeleted=true`, and
  pages with `maxResults`/`nextPageToken` (https://developers.google.com/calendar/api/v3/reference/events/list);
  every request needs the bearer token (401 otherwise). Faults come from FakeService.fail_next."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.base import FakeService, Request, Response

_ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
_BASE = r"/calendar/v3/calendars/(?P<cal>[^/]+)/events"


def _error(status: int, reason: str, message: str) -> Response:
    return Response(status, {"error": {"code": status, "message": message,
                                       "errors": [{"domain": "global", "reason": reason, "message": message}]}})


class FakeGoogleCalendar(FakeService):
    """`api_endpoint` for the client is `fake.endpoint` (it ends in /calendar/v3/)."""

    def __init__(self, token: str = "test-token") -> None:
        super().__init__()
        self.token = token
        self.accepts: Callable[[str], bool] | None = None  # e.g. the Gmail fake's live access tokens
        self.events: dict[str, dict[str, dict[str, Any]]] = {}  # calendar id -> event id -> event
        self.page_size = 250
        self.update_cancelled = "forbidden"  # or "restore": an update brings a cancelled event back
        self.reuse_deleted_ids = False  # True: inserting a cancelled event's id makes a new event
        self._etags = itertools.count(1)
        self.route("POST", _BASE, self._insert)
        self.route("GET", _BASE, self._list)
        self.route("GET", _BASE + r"/(?P<eid>[^/]+)", self._get)
        self.route("PUT", _BASE + r"/(?P<eid>[^/]+)", self._update)
        self.route("PATCH", _BASE + r"/(?P<eid>[^/]+)", self._patch)
        self.route("DELETE", _BASE + r"/(?P<eid>[^/]+)", self._delete)

    @property
    def endpoint(self) -> str:
        return self.url + "/calendar/v3/"

    def live(self, calendar: str = "primary") -> list[dict[str, Any]]:
        """The events a user would see (not cancelled)."""
        with self.lock:
            return [copy.deepcopy(e) for e in self.events.get(calendar, {}).values() if e["status"] != "cancelled"]

    # -- helpers ---------------------------------------------------------------------------------
    def _authorized(self, req: Request) -> bool:
        given = req.headers.get("authorization", "").removeprefix("Bearer ")
        return self.accepts(given) if self.accepts is not None else given == self.token

    def _stamp(self, event: dict[str, Any], calendar: str, created: bool) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        event["kind"] = "calendar#event"
        event["etag"] = f'"{next(self._etags)}"'
        event.setdefault("status", "confirmed")
        event["htmlLink"] = f"https://www.google.com/calendar/event?eid={event['id']}"
        event["iCalUID"] = f"{event['id']}@google.com"
        if created:
            event["created"] = now
            event["sequence"] = 0
        else:
            event["sequence"] = int(event.get("sequence", 0)) + 1
        event["updated"] = now
        event.setdefault("creator", {"email": "rep@example.com", "self": True})
        event.setdefault("organizer", {"email": calendar if "@" in calendar else "rep@example.com", "self": True})
        return event

    def _checked(self, req: Request) -> Response | None:
        if not self._authorized(req):
            return _error(401, "authError", "Invalid Credentials")
        return None

    # -- routes ------------------------------------------------------------------------------------
    def _insert(self, req: Request, cal: str) -> Response:
        if (denied := self._checked(req)) is not None:
            return denied
        body = req.json() or {}
        if "start" not in body or "end" not in body:
            return _error(400, "required", "Missing time zone definition for start time.")
        eid = body.get("id") or f"{next(self._etags):08d}fakeid"
        if not _ID_RE.match(str(eid)):
            return _error(400, "invalid", "Invalid resource id value.")
        with self.lock:
            cal_events = self.events.setdefault(cal, {})
            old = cal_events.get(eid)
            if old is not None and not (self.reuse_deleted_ids and old["status"] == "cancelled"):
                return _error(409, "duplicate", "The requested identifier already exists.")
            event = self._stamp({**body, "id": eid}, cal, created=True)
            cal_events[eid] = event
            return Response(200, copy.deepcopy(event))

    def _get(self, req: Request, cal: str, eid: str) -> Response:
        if (denied := self._checked(req)) is not None:
            return denied
        with self.lock:
            event = self.events.get(cal, {}).get(eid)
            if event is None:
                return _error(404, "notFound", "Not Found")
            return Response(200, copy.deepcopy(event))

    def _update(self, req: Request, cal: str, eid: str) -> Response:
        if (denied := self._checked(req)) is not None:
            return denied
        body = req.json() or {}
        with self.lock:
            old = self.events.get(cal, {}).get(eid)
            if old is None:
                return _error(404, "notFound", "Not Found")
            if old["status"] == "cancelled" and self.update_cancelled == "forbidden":
                return _error(403, "forbidden", "Forbidden")
            event = {**body, "id": eid, "created": old["created"], "sequence": old["sequence"]}
            event.setdefault("status", "confirmed")
            self.events[cal][eid] = self._stamp(event, cal, created=False)
            return Response(200, copy.deepcopy(event))

    def _patch(self, req: Request, cal: str, eid: str) -> Response:
        if (denied := self._checked(req)) is not None:
            return denied
        body = req.json() or {}
        with self.lock:
            old = self.events.get(cal, {}).get(eid)
            if old is None:
                return _error(404, "notFound", "Not Found")
            if old["status"] == "cancelled" and self.update_cancelled == "forbidden":
                return _error(403, "forbidden", "Forbidden")
            event = {**old, **body, "id": eid}
            self.events[cal][eid] = self._stamp(event, cal, created=False)
            return Response(200, copy.deepcopy(event))

    def _delete(self, req: Request, cal: str, eid: str) -> Response:
        if (denied := self._checked(req)) is not None:
            return denied
        with self.lock:
            event = self.events.get(cal, {}).get(eid)
            if event is None:
                return _error(404, "notFound", "Not Found")
            if event["status"] == "cancelled":
                return _error(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            self._stamp(event, cal, created=False)
            return Response(204, b"")

    def _list(self, req: Request, cal: str) -> Response:
        if (denied := self._checked(req)) is not None:
            return denied
        wanted = [p.split("=", 1) for p in req.query.get("privateExtendedProperty", []) if "=" in p]
        show_deleted = req.arg("showDeleted", "false") == "true"
        size = min(int(req.arg("maxResults", str(self.page_size)) or self.page_size), self.page_size)
        start = int(req.arg("pageToken", "0") or 0)
        with self.lock:
            items = []
            for event in self.events.get(cal, {}).values():
                if event["status"] == "cancelled" and not show_deleted:
                    continue
                private = (event.get("extendedProperties") or {}).get("private") or {}
                if all(private.get(k) == v for k, v in wanted):
                    items.append(copy.deepcopy(event))
        page = items[start:start + size]
        answer: dict[str, Any] = {"kind": "calendar#events", "summary": cal, "timeZone": "UTC", "items": page}
        if start + size < len(items):
            answer["nextPageToken"] = str(start + size)
        return Response(200, answer)
