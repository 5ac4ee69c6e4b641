"""A local fake of Microsoft Graph mail (v1.0) and of the Microsoft identity platform, over https with a
trustme CA, so the Outlook source runs the real msal and requests code against it.

Identity (what msal calls): `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/devicecode`
and `/{tenant}/oauth2/v2.0/token` (device-code and refresh-token grants; answers carry `id_token` and
`client_info`, which msal needs to list accounts). Graph: `/v1.0/me/mailFolders/{folder}/messages/delta`
and `/v1.0/me/messages/{id}/$value` (the MIME). Bearer tokens are checked (401 when unknown or expired).

The mail delta behaves as Graph documents it and as its users report it, each behaviour switchable per
test by an attribute (cited where it is modelled): a `$filter`ed first round returns at most `filter_cap`
(5,000) messages in no set order; every call mints a new sync-state generation and only the last
`kept_generations` of a folder answer, older tokens getting `expired_status` (410, or 400) with code
SyncStateNotFound; read-flag changes come back as updated items; ids change when a message moves unless the
request prefers `IdType="ImmutableId"`."""

from __future__ import annotations

import base64
import itertools
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote

import trustme

from tests.fakes.base import FakeService, Request, Response

TENANT = "contoso-tenant"
FOLDERS = ("sentitems", "inbox")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class FakeGraphMessage:
    id: str  # the immutable id (what a request preferring IdType="ImmutableId" sees)
    folder: str
    conversation_id: str
    received: datetime
    mime: bytes
    regular_id: str = ""  # the default id: a new one on every move between folders
    is_read: bool = False
    old_ids: list[str] = field(default_factory=list)


class FakeGraph(FakeService):
    def __init__(self, email: str = "rep@contoso.test") -> None:
        super().__init__()
        self.email = email
        self.ca = trustme.CA()
        self.ca_path = ""
        self.messages: dict[str, FakeGraphMessage] = {}
        self.changes: list[tuple[int, str, str, str]] = []  # (seq, folder, "add"|"remove"|"update", id)
        self.seq = 0
        self.page_size = 2
        # -- switches (defaults as documented; see _delta) --
        self.filter_cap = 5000  # a $filter-ed delta returns at most this many messages
        self.unordered = True  # without $orderby the order of a round is not guaranteed
        self.kept_generations = 3  # sync-state generations a folder keeps (every call mints one)
        self.expired_status = 410  # what an expired token answers (Graph: 410, and also 400)
        self.immutable_ids_honoured = True  # Prefer: IdType="ImmutableId" keeps ids stable across moves
        self.after_delta: Callable[[str], None] | None = None  # run with the folder after a delta page (tests)
        self._minted: dict[str, list[int]] = {}  # folder -> generations minted, oldest first
        self._generations = itertools.count(1)
        self._floor = 0  # generations at or below it are gone (invalidate_delta_tokens)
        self._added: dict[tuple[str, str], int] = {}  # (id, folder) -> seq of its latest arrival there
        self._rounds: dict[tuple[str, int, str | None], list[str]] = {}  # a first round's members, by page state
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.client_id = ""
        self.device_pending = 0  # polls answered authorization_pending before the user "signs in"
        self.device_outcome = "approve"  # or "authorization_declined", "expired_token"
        self.device_interval = 1  # seconds msal waits between polls (it sleeps for real)
        self._ids = itertools.count(1)
        self.route("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", self._openid)
        self.route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/devicecode", self._devicecode)
        self.route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", self._token)
        self.route("GET", r"/v1\.0/me/mailFolders/(?P<folder>[a-z]+)/messages/delta", self._delta)
        self.route("GET", r"/v1\.0/me/messages/(?P<mid>[A-Za-z0-9_=-]+)/\$value", self._value)

    def start_tls(self, tmp_dir: str) -> str:
        """Serve https with a certificate for 127.0.0.1 signed by this fake's CA (written to tmp_dir)."""
        import os
        import ssl

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        self.ca_path = os.path.join(tmp_dir, "graph-ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)
        return self.start(ssl_context=ctx)

    @property
    def authority(self) -> str:
        return f"{self.url}/{TENANT}"

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    # -- test controls ------------------------------------------------------------------------------
    def add(self, mime: bytes, *, folder: str, received: datetime, conversation_id: str = "") -> str:
        """Deliver a message; returns its immutable id (the id the adapter should see)."""
        with self.lock:
            mid = "AAMkAG" + format(next(self._ids), "08x") + secrets.token_hex(4)
            self.messages[mid] = FakeGraphMessage(mid, folder, conversation_id or "AAQk" + mid[6:], received, mime,
                                                  regular_id=self._new_regular_id())
            self.seq += 1
            self.changes.append((self.seq, folder, "add", mid))
            self._added[(mid, folder)] = self.seq
            return mid

    def _new_regular_id(self) -> str:
        return "AAMkAD" + secrets.token_hex(10)

    def remove(self, mid: str) -> None:
        with self.lock:
            msg = self.messages.pop(mid)
            self.seq += 1
            self.changes.append((self.seq, msg.folder, "remove", mid))

    def move(self, mid: str, folder: str) -> None:
        """Move between folders: a removal from one, an addition to the other, and a new default id
        (https://learn.microsoft.com/en-us/graph/outlook-immutable-id: "By default, this value changes when
        the item is moved from one container ... to another"); the immutable id stays."""
        with self.lock:
            msg = self.messages[mid]
            self.seq += 1
            self.changes.append((self.seq, msg.folder, "remove", mid))
            msg.old_ids.append(msg.regular_id)
            msg.folder, msg.regular_id = folder, self._new_regular_id()
            self.seq += 1
            self.changes.append((self.seq, folder, "add", mid))
            self._added[(mid, folder)] = self.seq

    def mark_read(self, mid: str, read: bool = True) -> None:
        """A read-flag change: the next round returns the message again as an updated item
        (https://learn.microsoft.com/en-us/graph/delta-query-messages, example 1: "one of the messages is
        deleted, and another is marked as read")."""
        with self.lock:
            msg = self.messages[mid]
            msg.is_read = read
            self.seq += 1
            self.changes.append((self.seq, msg.folder, "update", mid))

    def invalidate_delta_tokens(self) -> None:
        """Every delta/skip token issued so far is gone (sync state lost)."""
        with self.lock:
            self._floor = max((g for gens in self._minted.values() for g in gens), default=0)

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def fail_token_endpoint(self, times: int = 1, status: int = 503, error: str = "server_error",
                            retry_after: str | None = None) -> None:
        """The token endpoint fails for now, as the identity platform documents it can: `server_error` or
        `temporarily_unavailable` ("retry the request", the error table of
        https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow), with a 5xx or a 400."""
        self.fail_next(status, times=times, method="POST", path=r"/oauth2/v2\.0/token$",
                       headers={"Retry-After": retry_after} if retry_after else None,
                       body={"error": error, "error_description": f"AADSTS90033: {error} (injected)",
                             "error_codes": [90033]})

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    # -- identity -----------------------------------------------------------------------------------
    def _openid(self, req: Request, tenant: str) -> Response:
        base = f"{self.url}/{tenant}"
        return Response(200, {
            "issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"], "tenant_region_scope": "EU"})

    def _devicecode(self, req: Request, tenant: str) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        self.client_id = form.get("client_id", "")
        return Response(200, {"user_code": "FT-CODE", "device_code": "dc-" + secrets.token_hex(8),
                              "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900,
                              "interval": self.device_interval, "message": "To sign in, open https://microsoft.com/devicelogin "
                                                        "and enter the code FT-CODE."})

    def _tokens(self, tenant: str, scope: str) -> dict[str, Any]:
        access, refresh = "eyJ0" + secrets.token_urlsafe(24), "0.AR" + secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        now = int(time.time())
        claims = {"aud": self.client_id, "iss": f"{self.url}/{tenant}/v2.0", "iat": now, "nbf": now,
                  "exp": now + 3600, "name": "Rep", "oid": "uid-1", "preferred_username": self.email,
                  "sub": "sub-1", "tid": "utid-1", "ver": "2.0"}
        id_token = ".".join([_b64(b'{"alg":"none","typ":"JWT"}'), _b64(json.dumps(claims).encode()), ""])
        return {"token_type": "Bearer", "scope": scope, "expires_in": 3600, "ext_expires_in": 3600,
                "access_token": access, "refresh_token": refresh, "id_token": id_token,
                "client_info": _b64(json.dumps({"uid": "uid-1", "utid": "utid-1"}).encode())}

    def _token(self, req: Request, tenant: str) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        self.client_id = form.get("client_id", self.client_id)
        grant = form.get("grant_type", "")
        scope = form.get("scope", "Mail.Read")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            # RFC 8628 3.5 (and the device code flow page of the identity platform): the poll answers 400
            # authorization_pending until the user has signed in; authorization_declined / expired_token end it.
            if self.device_pending > 0:
                self.device_pending -= 1
                return Response(400, {"error": "authorization_pending",
                                      "error_description": "AADSTS70016: OAuth 2.0 device flow error. "
                                                           "Authorization is pending. Continue polling."})
            if self.device_outcome != "approve":
                return Response(400, {"error": self.device_outcome,
                                      "error_description": f"AADSTS7000218: {self.device_outcome} (injected)"})
            return Response(200, self._tokens(tenant, scope))
        if grant == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            return Response(200, self._tokens(tenant, scope))
        return Response(400, {"error": "invalid_grant", "error_codes": [70008],
                              "error_description": "AADSTS70008: The provided authorization code or refresh token "
                                                   "has expired due to inactivity."})

    # -- Graph --------------------------------------------------------------------------------------
    def _auth(self, req: Request) -> Response | None:
        header = req.headers.get("authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.access_tokens:
            return Response(401, {"error": {"code": "InvalidAuthenticationToken",
                                            "message": "Access token has expired or is not yet valid."}})
        return None

    def _link(self, folder: str, kind: str, state: dict[str, Any]) -> str:
        token = _b64(json.dumps(state).encode())
        key = "$deltatoken" if kind == "delta" else "$skiptoken"
        return f"{self.graph_url}/me/mailFolders/{folder}/messages/delta?{key}={token}"  # as Graph writes it

    def _mint(self, folder: str) -> int:
        """Every delta call creates a sync-state generation; Exchange keeps the last few of a folder. Reported
        as "The sync state generation is not found; generation=518;[highest=523][523][521][522]" - three kept -
        in microsoftgraph/microsoft-graph-docs#2162 and #2877."""
        gen = next(self._generations)
        self._minted.setdefault(folder, []).append(gen)
        return gen

    def _alive(self, folder: str, gen: int) -> bool:
        return gen > self._floor and gen in self._minted.get(folder, [])[-self.kept_generations:]

    def _expired(self, folder: str, gen: int) -> Response:
        kept = self._minted.get(folder, [])[-self.kept_generations:]
        # the status is 410 Gone in most reports, and 400 in others; the code is what identifies it
        # (https://learn.microsoft.com/en-us/graph/errors lists syncStateNotFound; microsoftgraph/microsoft-graph-docs#7897)
        return Response(self.expired_status, {"error": {
            "code": "SyncStateNotFound",
            "message": f"The sync state generation is not found; generation={gen};"
                       f"[highest={kept[-1] if kept else 0}]" + "".join(f"[{g}]" for g in reversed(kept))}})

    def _delta(self, req: Request, folder: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        with self.lock:
            resp = self._delta_page(req, folder)
        if resp.status == 200 and self.after_delta is not None:
            self.after_delta(folder)
        return resp

    def _delta_page(self, req: Request, folder: str) -> Response:
        immutable = self.immutable_ids_honoured and 'idtype="immutableid"' in req.headers.get("prefer", "").lower()
        token = req.arg("$deltatoken") or req.arg("$skiptoken")
        if token:
            state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not self._alive(folder, int(state["gen"])):
                return self._expired(folder, int(state["gen"]))
            if req.arg("$deltatoken"):  # a new round: the changes since the token, up to now
                state = {"base": state["base"], "offset": 0, "upto": self.seq}
        else:
            since = None
            flt = req.arg("$filter") or ""
            if flt:
                field, op, value = flt.split(" ", 2)
                # "The only supported $filter expressions are receivedDateTime ge/gt {value}"
                # (https://learn.microsoft.com/en-us/graph/delta-query-messages)
                if field != "receivedDateTime" or op not in ("ge", "gt"):
                    return Response(400, {"error": {"code": "ErrorInvalidUrlQueryFilter",
                                                    "message": "only receivedDateTime ge is supported in delta"}})
                since = value
            state = {"base": 0, "initial": True, "since": since, "offset": 0, "upto": self.seq}
        upto = state["upto"]
        if state.get("initial"):
            key = (folder, upto, state["since"])
            if key not in self._rounds:  # the round's members, fixed when it starts (pages read the same list)
                members = [m for m in self.messages.values()
                           if m.folder == folder and self._added.get((m.id, folder), upto + 1) <= upto]
                if state["since"]:
                    since_t = datetime.fromisoformat(state["since"].replace("Z", "+00:00"))
                    members = [m for m in members if m.received >= since_t]
                members.sort(key=lambda m: m.id)
                if self.unordered:  # "If you don't include an $orderby expression, the return order isn't guaranteed."
                    random.Random(f"{folder}/{upto}").shuffle(members)
                if state["since"]:  # "Applying $filter in a delta query returns only up to 5,000 messages."
                    members = members[:self.filter_cap]  # (https://learn.microsoft.com/en-us/graph/delta-query-messages)
                self._rounds[key] = [m.id for m in members]
            members = [self.messages[i] for i in self._rounds[key] if i in self.messages]
            items = [self._item(m, immutable) for m in members]
        else:
            # each message changed in this folder since the token, once, as it is now: an item if it is still
            # here (added or updated - read flags included), else @removed
            last: dict[str, int] = {}
            for seq, f, _, mid in self.changes:
                if f == folder and state["base"] < seq <= upto:
                    last[mid] = seq
            items = []
            for mid in sorted(last, key=last.__getitem__):
                m = self.messages.get(mid)
                if m is not None and m.folder == folder:
                    items.append(self._item(m, immutable))
                else:
                    gone = mid if immutable or m is None else (m.old_ids[-1] if m.old_ids else m.regular_id)
                    items.append({"id": gone if m is not None else mid, "@removed": {"reason": "deleted"}})
        size = self.page_size
        prefer = req.headers.get("prefer", "")
        if "odata.maxpagesize=" in prefer:
            size = min(size, int(prefer.split("odata.maxpagesize=")[1].split(",")[0].strip()))
        offset = state["offset"]
        page = items[offset:offset + size]
        body: dict[str, Any] = {"@odata.context": f"{self.graph_url}/$metadata#Collection(message)", "value": page}
        gen = self._mint(folder)
        if offset + size < len(items):
            body["@odata.nextLink"] = self._link(folder, "skip", {**state, "offset": offset + size, "gen": gen})
        else:
            body["@odata.deltaLink"] = self._link(folder, "delta", {"base": upto, "gen": gen})
        return Response(200, body)

    def _item(self, m: FakeGraphMessage, immutable: bool) -> dict[str, Any]:
        mid = m.id if immutable else m.regular_id
        return {"@odata.type": "#microsoft.graph.message", "@odata.etag": 'W/"CQAAABYAAAD"',
                "id": mid, "conversationId": m.conversation_id,
                # what Graph's webLink looks like: Outlook on the web, the message by its id
                "webLink": f"https://outlook.office365.com/owa/?ItemID={quote(mid, safe='')}&exvsurl=1"
                           "&viewmodel=ReadMessageItem",
                "receivedDateTime": m.received.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "isRead": m.is_read}

    def _value(self, req: Request, mid: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        immutable = self.immutable_ids_honoured and 'idtype="immutableid"' in req.headers.get("prefer", "").lower()
        with self.lock:
            if immutable:
                msg = self.messages.get(mid)
            else:  # an id from before a move is no longer found
                msg = next((m for m in self.messages.values() if m.regular_id == mid), None)
        if msg is None:
            return Response(404, {"error": {"code": "ErrorItemNotFound",
                                            "message": "The specified object was not found in the store."}})
        return Response(200, msg.mime, {"Content-Type": "text/plain"})
