"""A local fake of Microsoft Graph mail (v1.0) and of the Microsoft identity platform, over https with a
trustme CA, so the Outlook source runs the real msal and requests code against it.

Identity (what msal calls): `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/devicecode`
and `/{tenant}/oauth2/v2.0/token` (device-code and refresh-token grants; answers carry `id_token` and
`client_info`, which msal needs to list accounts). Graph: `/v1.0/me/mailFolders/{folder}/messages/delta`
(pages linked by `@odata.nextLink`, ending with `@odata.deltaLink`; deletions as `@removed`; 410 for a
token that was invalidated; `$filter=receivedDateTime ge ...` on the first round) and
`/v1.0/me/messages/{id}/$value` (the MIME). Bearer tokens are checked (401 when unknown or expired)."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import trustme

from tests.fakes.base import FakeService, Request, Response

TENANT = "contoso-tenant"
FOLDERS = ("sentitems", "inbox")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class FakeGraphMessage:
    id: str
    folder: str
    conversation_id: str
    received: datetime
    mime: bytes


class FakeGraph(FakeService):
    def __init__(self, email: str = "rep@contoso.test") -> None:
        super().__init__()
        self.email = email
        self.ca = trustme.CA()
        self.ca_path = ""
        self.messages: dict[str, FakeGraphMessage] = {}
        self.changes: list[tuple[int, str, str, str]] = []  # (seq, folder, "add"|"remove", id)
        self.seq = 0
        self.generation = 0  # tokens of an older generation answer 410
        self.page_size = 2
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.client_id = ""
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
        with self.lock:
            mid = "AAMkAG" + format(next(self._ids), "08x") + secrets.token_hex(4)
            self.messages[mid] = FakeGraphMessage(mid, folder, conversation_id or "AAQk" + mid[6:], received, mime)
            self.seq += 1
            self.changes.append((self.seq, folder, "add", mid))
            return mid

    def remove(self, mid: str) -> None:
        with self.lock:
            msg = self.messages.pop(mid)
            self.seq += 1
            self.changes.append((self.seq, msg.folder, "remove", mid))

    def invalidate_delta_tokens(self) -> None:
        """Every delta/skip token issued so far answers 410 Gone (sync state lost)."""
        self.generation += 1

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

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
                              "interval": 1, "message": "To sign in, open https://microsoft.com/devicelogin "
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

    def _delta(self, req: Request, folder: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        token = req.arg("$deltatoken") or req.arg("$skiptoken")
        if token:
            state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if state["gen"] != self.generation:
                return Response(410, {"error": {"code": "SyncStateNotFound",
                                                "message": "The sync state generation is not found."}})
            if req.arg("$deltatoken"):  # a new round: the changes since the token, up to now
                state = {"base": state["base"], "offset": 0, "upto": self.seq}
        else:
            since = None
            flt = req.arg("$filter") or ""
            if flt:
                field, op, value = flt.split(" ", 2)
                if field != "receivedDateTime" or op != "ge":
                    return Response(400, {"error": {"code": "ErrorInvalidUrlQueryFilter",
                                                    "message": "only receivedDateTime ge is supported in delta"}})
                since = value
            state = {"base": 0, "initial": True, "since": since, "offset": 0, "upto": self.seq}
        state["gen"] = self.generation
        upto = state["upto"]
        if state.get("initial"):
            items: list[dict[str, Any]] = []
            for m in sorted(self.messages.values(), key=lambda m: m.id):
                added = next(s for s, _, k, i in self.changes if i == m.id and k == "add")
                if m.folder != folder or added > upto:
                    continue
                if state["since"] and m.received < datetime.fromisoformat(state["since"].replace("Z", "+00:00")):
                    continue
                items.append(self._item(m))
        else:
            items = []
            for seq, f, kind, mid in self.changes:
                if f != folder or seq <= state["base"] or seq > upto:
                    continue
                if kind == "remove":
                    items.append({"id": mid, "@removed": {"reason": "deleted"}})
                elif mid in self.messages:
                    items.append(self._item(self.messages[mid]))
        size = self.page_size
        prefer = req.headers.get("prefer", "")
        if "odata.maxpagesize=" in prefer:
            size = min(size, int(prefer.split("odata.maxpagesize=")[1].split(",")[0]))
        offset = state["offset"]
        page = items[offset:offset + size]
        body: dict[str, Any] = {"@odata.context": f"{self.graph_url}/$metadata#Collection(message)", "value": page}
        if offset + size < len(items):
            body["@odata.nextLink"] = self._link(folder, "skip", {**state, "offset": offset + size})
        else:
            body["@odata.deltaLink"] = self._link(folder, "delta", {"base": upto, "gen": self.generation})
        return Response(200, body)

    def _item(self, m: FakeGraphMessage) -> dict[str, Any]:
        return {"@odata.type": "#microsoft.graph.message", "@odata.etag": 'W/"CQAAABYAAAD"', "id": m.id,
                "conversationId": m.conversation_id,
                "receivedDateTime": m.received.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    def _value(self, req: Request, mid: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        msg = self.messages.get(mid)
        if msg is None:
            return Response(404, {"error": {"code": "ErrorItemNotFound",
                                            "message": "The specified object was not found in the store."}})
        return Response(200, msg.mime, {"Content-Type": "text/plain"})
