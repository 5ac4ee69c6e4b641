"""A local fake of the Gmail API (v1) and Google's OAuth token endpoint, speaking their real JSON.

The Gmail source runs its real google-api-python-client code against it (`api_endpoint` pointed here)
and real google-auth refreshes against `/token`. What it models: users.getProfile, users.messages.list
(newest first, pages, `q=newer_than:Nd`), users.messages.get (format=raw, base64url), users.history.list
(messagesAdded records, pages, 404 for a startHistoryId older than the oldest kept), bearer tokens
(401 for an unknown or expired one), refresh tokens (400 invalid_grant once revoked). Faults: the base
class's `fail_next` (429 with Retry-After, 500, ...)."""

from __future__ import annotations

import base64
import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.base import FakeService, Request, Response

API = "/gmail/v1/users/me"


@dataclass
class FakeGmailMessage:
    id: str
    thread_id: str
    labels: list[str]
    internal_date: datetime
    raw: bytes
    history_id: int


@dataclass
class _HistoryRecord:
    id: int
    message_id: str


@dataclass
class FakeGmail(FakeService):
    email: str = "rep@example.com"
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 12, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        super().__init__()
        self.messages: dict[str, FakeGmailMessage] = {}
        self.history: list[_HistoryRecord] = []
        self.history_id = 1000
        self.oldest_history_id = 0  # startHistoryId below this answers 404
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.page_size = 3  # small pages so paging is always exercised
        self.auth_code = "4/0Afake-consent-code"  # what the consent page hands to the local redirect
        self._ids = itertools.count(0x18c0000000000)
        self.route("GET", API + "/profile", self._profile)
        self.route("GET", API + "/messages", self._list)
        self.route("GET", API + r"/messages/(?P<mid>[0-9a-f]+)", self._get)
        self.route("GET", API + "/history", self._history)
        self.route("POST", "/token", self._token)

    # -- test controls ------------------------------------------------------------------------------
    def issue_token(self) -> tuple[str, str]:
        """A valid (access token, refresh token) pair."""
        access, refresh = "ya29." + secrets.token_urlsafe(16), "1//" + secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def add(self, raw: bytes, *, labels: list[str], when: datetime | None = None, thread_id: str = "") -> str:
        """Deliver a message (history grows by one messageAdded record); returns its id."""
        with self.lock:
            mid = format(next(self._ids), "x")
            self.history_id += 7  # real ids are sparse
            msg = FakeGmailMessage(mid, thread_id or mid, list(labels), when or self.now, raw, self.history_id)
            self.messages[mid] = msg
            self.history.append(_HistoryRecord(self.history_id, mid))
            return mid

    def forget_history_before(self, history_id: int) -> None:
        """Gmail keeps history for about a week: older startHistoryIds answer 404."""
        self.oldest_history_id = history_id

    # -- handlers -------------------------------------------------------------------------------------
    def _auth(self, req: Request) -> Response | None:
        header = req.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        if token not in self.access_tokens:
            return Response(401, {"error": {"code": 401, "message": "Request had invalid authentication credentials. "
                                            "Expected OAuth 2 access token.", "status": "UNAUTHENTICATED",
                                            "errors": [{"reason": "authError", "domain": "global",
                                                        "message": "Invalid Credentials"}]}},
                            {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
        return None

    def _profile(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        return Response(200, {"emailAddress": self.email, "messagesTotal": len(self.messages),
                              "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                              "historyId": str(self.history_id)})

    def _list(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        found = sorted(self.messages.values(), key=lambda m: (m.internal_date, m.id), reverse=True)
        for term in (req.arg("q") or "").split():
            m = re.fullmatch(r"newer_than:(\d+)d", term)
            if not m:
                return Response(400, {"error": {"code": 400, "message": f"fake does not know q term {term!r}"}})
            since = self.now - timedelta(days=int(m.group(1)))
            found = [x for x in found if x.internal_date >= since]
        labels = req.query.get("labelIds", [])
        found = [x for x in found if all(label in x.labels for label in labels)]
        found = [x for x in found if "SPAM" not in x.labels and "TRASH" not in x.labels]
        size = min(int(req.arg("maxResults") or 100), self.page_size)
        start = int(req.arg("pageToken") or 0)
        page = found[start:start + size]
        body: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            body["messages"] = [{"id": x.id, "threadId": x.thread_id} for x in page]
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        return Response(200, body)

    def _get(self, req: Request, mid: str) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        msg = self.messages.get(mid)
        if msg is None:
            return Response(404, {"error": {"code": 404, "message": "Requested entity was not found.",
                                            "status": "NOT_FOUND"}})
        if req.arg("format") != "raw":
            return Response(400, {"error": {"code": 400, "message": "this fake serves format=raw only"}})
        return Response(200, {
            "id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels, "snippet": "",
            "historyId": str(msg.history_id), "internalDate": str(int(msg.internal_date.timestamp() * 1000)),
            "sizeEstimate": len(msg.raw), "raw": base64.urlsafe_b64encode(msg.raw).decode()})

    def _history(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        start = int(req.arg("startHistoryId") or 0)
        if start < self.oldest_history_id:
            return Response(404, {"error": {"code": 404, "message": "Requested entity was not found.",
                                            "errors": [{"message": "Requested entity was not found.",
                                                        "domain": "global", "reason": "notFound"}],
                                            "status": "NOT_FOUND"}})
        records = [r for r in self.history if r.id > start]
        size = min(int(req.arg("maxResults") or 100), self.page_size)
        offset = int(req.arg("pageToken") or 0)
        page = records[offset:offset + size]
        body: dict[str, Any] = {"historyId": str(self.history_id)}
        if page:
            body["history"] = []
            for r in page:
                m = self.messages.get(r.message_id)
                ref = {"id": r.message_id, "threadId": m.thread_id if m else r.message_id}
                body["history"].append({"id": str(r.id), "messages": [ref], "messagesAdded": [
                    {"message": {**ref, "labelIds": m.labels if m else []}}]})
        if offset + size < len(records):
            body["nextPageToken"] = str(offset + size)
        return Response(200, body)

    def _token(self, req: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") == "authorization_code":  # the installed-app flow's exchange
            if form.get("code") != self.auth_code or not form.get("redirect_uri", "").startswith("http://127.0.0.1:"):
                return Response(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            access, refresh = self.issue_token()
            return Response(200, {"access_token": access, "refresh_token": refresh, "expires_in": 3599,
                                  "token_type": "Bearer"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens:
            return Response(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        access = "ya29." + secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        return Response(200, {"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                              "scope": "https://www.googleapis.com/auth/gmail.readonly"})
