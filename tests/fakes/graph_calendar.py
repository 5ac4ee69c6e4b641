"""A local fake of Microsoft Graph calendar events (/v1.0/me/events and /me/calendars/{id}/events).

What it keeps from Graph, each behaviour from a documented page or a maintainers' thread, strict by default
and switchable per test:
- Time zones (https://learn.microsoft.com/graph/api/resources/datetimetimezone): a `timeZone` in a request
  body, and the zone of `Prefer: outlook.timezone`, must be a Windows zone name or one of the documented
  "additional time zones" (`DOCUMENTED_IANA`, copied from that page); anything else, Europe/Madrid
  included, answers 400 `TimeZoneNotSupportedException` ("A valid TimeZone value must be specified. The
  following TimeZone value is not supported: '...'", microsoft-graph-docs#4758, msgraph-sample-rubyrailsapp#195).
  Responses name their zone the Windows way ("Romance Standard Time", as Outlook stores it: see
  microsoft-graph-docs#4242 for a listed IANA name refused); `zone_names = "as-asked"` echoes the asked name.
  Windows names are read through CLDR's windowsZones table (tzlocal.windows_tz), as Windows defines them.
- Soft delete (https://learn.microsoft.com/graph/api/event-delete; event-permanentdelete is the hard one):
  DELETE moves the event to Deleted Items. It leaves every listing, but GET/PATCH by its id still reach it
  and its `transactionId` stays used.
- `transactionId` (https://learn.microsoft.com/graph/api/resources/event: "to avoid redundant POST
  operations in case of client retries"; no status code, no lifetime documented). `transaction_mode`:
  "duplicate" (default: the id is not honoured, a second event is created), "existing" (the event made
  with that id is answered, unchanged, even when deleted), or "conflict" (409 ErrorDuplicateTransactionId).
- `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')` finds events by an
  extended property, returned only when `$expand=singleValueExtendedProperties($filter=id eq '...')` asks
  (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get); pages of 10 with
  `@odata.nextLink`; seven fractional digits on times like Graph; every request needs the bearer token, or
  one `accepts` takes (401 otherwise). Faults (429 with Retry-After, 500, 401, 409) come from FakeService.fail_next."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import ZoneInfo

from tzlocal.windows_tz import win_tz

from tests.fakes.base import FakeService, Request, Response

_FILTER_RE = re.compile(r"^singleValueExtendedProperties/Any\(ep:\s*ep/id eq '((?:[^']|'')*)' and "
                        r"ep/value eq '((?:[^']|'')*)'\)$")
_EXPAND_RE = re.compile(r"^singleValueExtendedProperties\(\$filter=(.*)\)$")
_EXPAND_ID_RE = re.compile(r"id eq '((?:[^']|'')*)'")
_PREFER_TZ_RE = re.compile(r'outlook\.timezone="([^"]+)"')


# The "additional time zones" of https://learn.microsoft.com/graph/api/resources/datetimetimezone, as listed
# there (its "Europe/Kyiv (Kiev)", "Asia/Toshkent (Tashkent)", "Asia/Astana (Almaty)" and "Asia/Yangon
# (Rangoon)" are taken under both names).
DOCUMENTED_IANA = frozenset("""
Etc/GMT+12 Etc/GMT+11 Pacific/Honolulu America/Anchorage America/Santa_Isabel America/Los_Angeles America/Phoenix
America/Chihuahua America/Denver America/Guatemala America/Chicago America/Mexico_City America/Regina
America/Bogota America/New_York America/Indiana/Indianapolis America/Caracas America/Asuncion America/Halifax
America/Cuiaba America/La_Paz America/Santiago America/St_Johns America/Sao_Paulo America/Argentina/Buenos_Aires
America/Cayenne America/Godthab America/Montevideo America/Bahia Etc/GMT+2 Atlantic/Azores Atlantic/Cape_Verde
Africa/Casablanca Etc/GMT Europe/London Atlantic/Reykjavik Europe/Berlin Europe/Budapest Europe/Paris
Europe/Warsaw Africa/Lagos Africa/Windhoek Europe/Bucharest Asia/Beirut Africa/Cairo Asia/Damascus
Africa/Johannesburg Europe/Kyiv Europe/Kiev Europe/Istanbul Asia/Jerusalem Asia/Amman Asia/Baghdad
Europe/Kaliningrad Asia/Riyadh Africa/Nairobi Asia/Tehran Asia/Dubai Asia/Baku Europe/Moscow Indian/Mauritius
Asia/Tbilisi Asia/Yerevan Asia/Kabul Asia/Karachi Asia/Tashkent Asia/Kolkata Asia/Colombo Asia/Kathmandu
Asia/Almaty Asia/Dhaka Asia/Yekaterinburg Asia/Yangon Asia/Rangoon Asia/Bangkok Asia/Novosibirsk Asia/Shanghai
Asia/Krasnoyarsk Asia/Singapore Australia/Perth Asia/Taipei Asia/Ulaanbaatar Asia/Irkutsk Asia/Tokyo Asia/Seoul
Australia/Adelaide Australia/Darwin Australia/Brisbane Australia/Sydney Pacific/Port_Moresby Australia/Hobart
Asia/Yakutsk Pacific/Guadalcanal Asia/Vladivostok Pacific/Auckland Etc/GMT-12 Pacific/Fiji Asia/Magadan
Pacific/Tongatapu Pacific/Apia Pacific/Kiritimati
""".split())
_WINDOWS_OF = {}  # IANA name -> the Windows name the fake answers with (the first Windows zone naming it)
for _win, _iana in win_tz.items():
    _WINDOWS_OF.setdefault(_iana, _win)


def supported_zone(name: str) -> ZoneInfo | None:
    """The zone Graph would read `name` as, or None when it answers TimeZoneNotSupportedException."""
    if name in win_tz:
        return ZoneInfo(win_tz[name])
    if name == "UTC" or name in DOCUMENTED_IANA:
        return ZoneInfo("Etc/UTC" if name == "UTC" else name)
    return None


def windows_name(zone: ZoneInfo) -> str:
    """How Outlook names a zone in its answers: the Windows name (UTC stays "UTC")."""
    from tzlocal.windows_tz import tz_win

    return tz_win.get(zone.key) or _WINDOWS_OF.get(zone.key) or zone.key


def _zone_error(name: str) -> Response:
    return _error(400, "TimeZoneNotSupportedException", "A valid TimeZone value must be specified. The following "
                                                        f"TimeZone value is not supported: '{name}'.")


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
        self.events: dict[str, dict[str, Any]] = {}  # id -> event (with "_calendar", "_props", "_deleted")
        self.by_transaction_id: dict[str, str] = {}  # transactionId -> the id of the event it created
        self.transaction_mode = "duplicate"  # or "existing" or "conflict" (see the module doc)
        self.zone_names = "windows"  # or "as-asked": the zone name the answers carry
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
        """The events the rep sees on the calendar (not the ones in Deleted Items)."""
        with self.lock:
            return [copy.deepcopy(e) for e in self.events.values() if not e["_deleted"]]

    # -- helpers ---------------------------------------------------------------------------------
    def _denied(self, req: Request) -> Response | None:
        given = req.headers.get("authorization", "").removeprefix("Bearer ")
        if not (self.accepts(given) if self.accepts is not None else given == self.token):
            return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        m = _PREFER_TZ_RE.search(req.headers.get("prefer", ""))
        if m and supported_zone(m.group(1)) is None:
            return _zone_error(m.group(1))
        return None

    @staticmethod
    def _bad_zone(body: dict[str, Any]) -> Response | None:
        for key in ("start", "end"):
            if key in body:
                name = str((body[key] or {}).get("timeZone") or "UTC")
                if supported_zone(name) is None:
                    return _zone_error(name)
        return None

    @staticmethod
    def _to_utc(value: dict[str, Any]) -> datetime:
        text = str(value["dateTime"])
        if "." in text:
            head, frac = text.split(".", 1)
            text = f"{head}.{frac[:6]}"
        zone = supported_zone(str(value.get("timeZone") or "UTC"))
        assert zone is not None  # checked by _bad_zone
        return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)

    def _render(self, event: dict[str, Any], req: Request, expand_ids: set[str] | None) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}
        m = _PREFER_TZ_RE.search(req.headers.get("prefer", ""))
        asked = m.group(1) if m else "UTC"
        zone = supported_zone(asked) or ZoneInfo("Etc/UTC")
        name = windows_name(zone) if self.zone_names == "windows" and asked != "UTC" else asked
        for key in ("start", "end"):
            local = event[f"_{key}_utc"].astimezone(zone).replace(tzinfo=None)
            out[key] = {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": name}
        out["originalStartTimeZone"] = out["originalEndTimeZone"] = event["_original_zone"]
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
                zone = supported_zone(str(value.get("timeZone") or "UTC"))
                assert zone is not None
                event["_original_zone"] = windows_name(zone)  # Outlook keeps the Windows name
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
        if (bad := self._bad_zone(body)) is not None:
            return bad
        with self.lock:
            tid = body.get("transactionId")
            earlier = self.by_transaction_id.get(tid) if tid else None
            if earlier is not None and self.transaction_mode == "conflict":
                return _error(409, "ErrorDuplicateTransactionId",
                              "An item with the same transactionId already exists.")
            if earlier is not None and self.transaction_mode == "existing":
                return Response(201, self._render(self.events[earlier], req, self._expand_ids(req)))
            eid = f"AAMkAG{next(self._ids):06d}fake="
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
            event: dict[str, Any] = {"id": eid, "createdDateTime": now, "_calendar": cal, "_props": {},
                                     "_deleted": False, "isReminderOn": True, "reminderMinutesBeforeStart": 15,
                                     "showAs": "busy", "body": {"contentType": "html", "content": ""}}
            if tid:
                event["transactionId"] = tid
                self.by_transaction_id.setdefault(tid, eid)
            self._apply(event, body)
            self.events[eid] = event
            return Response(201, self._render(event, req, self._expand_ids(req)))

    def _get(self, req: Request, eid: str) -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        eid = unquote(eid)
        with self.lock:
            event = self.events.get(eid)  # a soft-deleted event is still reached by its id
            if event is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return Response(200, self._render(event, req, self._expand_ids(req)))

    def _patch(self, req: Request, eid: str) -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        eid = unquote(eid)
        body = req.json() or {}
        if (bad := self._bad_zone(body)) is not None:
            return bad
        with self.lock:
            event = self.events.get(eid)
            if event is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            self._apply(event, body)
            return Response(200, self._render(event, req, self._expand_ids(req)))

    def _delete(self, req: Request, eid: str) -> Response:
        if (denied := self._denied(req)) is not None:
            return denied
        eid = unquote(eid)
        with self.lock:
            event = self.events.get(eid)
            if event is None or event["_deleted"]:  # (a second delete reaches nothing in the calendar)
                return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            event["_deleted"] = True  # moved to Deleted Items
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
                if event["_deleted"] or (cal != "default" and event["_calendar"] != cal):
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
