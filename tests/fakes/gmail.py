"""A local fake of the Gmail API (v1) and Google's OAuth token endpoint, speaking their real JSON.

The Gmail source runs its real google-api-python-client code against it (`api_endpoint` pointed here)
and real google-auth refreshes against `/token`. Google's OAuth for a client of type Web application (the
team page's sign-in, https://developers.google.com/identity/protocols/oauth2/web-server) is modelled by
`/o/oauth2/auth` (the consent page: the user consents at once, `user_denies` to refuse) and the
authorization-code exchange at `/token`; see `_authorize` and `_exchange_web_code`. What it models: users.getProfile, users.messages.list
(newest first, pages, `q=newer_than:Nd larger:N`), users.messages.get (format=raw, minimal and full), users.history.list
(typed records, pages, 404 for a startHistoryId older than the oldest kept), bearer tokens
(401 for an unknown or expired one), refresh tokens (400 invalid_grant once revoked). Faults: the base
class's `fail_next` (429 with Retry-After, 500, ...) and `rate_limit` (Gmail's 403 body).

Each behaviour follows a documentation page, cited where it is modelled, and can be switched per test by an
attribute (`history_types_honoured`, `label_id_honoured`, `attachments_by_id`)."""

from __future__ import annotations

import base64
import email
import email.message
import email.policy
import hashlib
import itertools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

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


# The four kinds of history record and the `historyTypes` value that asks for each, as documented for
# users.history.list and the History resource (https://developers.google.com/gmail/api/reference/rest/v1/users.history/list,
# https://developers.google.com/gmail/api/reference/rest/v1/users.history#History): a record carries
# `messagesAdded`, `messagesDeleted`, `labelsAdded` or `labelsRemoved`, and `historyTypes` (repeated) keeps only
# the kinds asked for.
RECORD_KEYS = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted", "labelAdded": "labelsAdded",
               "labelRemoved": "labelsRemoved"}


@dataclass
class _HistoryRecord:
    id: int
    kind: str  # a key of RECORD_KEYS
    message_id: str
    labels: tuple[str, ...] = ()  # the labels added or removed (label records)
    labels_then: tuple[str, ...] = ()  # the message's labels just after this change


@dataclass
class _WebCode:
    """An authorization code the consent page handed out, and what the exchange must match."""
    client_id: str
    redirect_uri: str
    scope: str
    offline: bool  # access_type=offline: the exchange also returns a refresh token
    consent: bool  # prompt=consent: a refresh token even when this user had consented before
    challenge: str = ""  # PKCE code_challenge (S256 or plain)
    method: str = "plain"


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
        # switches (True: as the service documents it; a test may turn one off to see what the adapter relied on)
        self.history_types_honoured = True  # `historyTypes` filters the records
        self.label_id_honoured = True  # `labelId` keeps only records about messages with that label
        self.attachments_by_id = True  # format=full: attachment bodies come as an attachmentId, not data
        # the labelIds of the message in a record: the documentation does not say whether they are the labels
        # the message had at that change or has now; "then" is the stricter reading (a draft's messageAdded
        # says DRAFT even once it was sent), "now" the forgiving one the old fake used
        self.record_labels = "then"
        # search is an index: a message just delivered may not be found by `larger:` yet (False: never found)
        self.search_sees_size = True
        self.auth_code = "4/0Afake-consent-code"  # what the consent page hands to the local redirect
        self._ids = itertools.count(0x18c0000000000)
        self.route("GET", API + "/profile", self._profile)
        self.route("GET", API + "/messages", self._list)
        self.route("GET", API + r"/messages/(?P<mid>[0-9a-f]+)", self._get)
        self.route("GET", API + "/history", self._history)
        self.route("POST", "/token", self._token)
        # Google's OAuth for web clients: client id -> (secret, registered redirect URIs)
        self.web_clients: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.web_codes: dict[str, _WebCode] = {}  # issued and not yet exchanged (each works once)
        self.offline_granted: set[str] = set()  # clients this user already gave a refresh token to
        self.user_denies = False  # the user clicks "Cancel" on the consent page
        self.route("GET", "/o/oauth2/auth", self._authorize)
        self.route("GET", "/o/oauth2/v2/auth", self._authorize)

    # -- test controls ------------------------------------------------------------------------------
    def issue_token(self) -> tuple[str, str]:
        """A valid (access token, refresh token) pair."""
        access, refresh = "ya29." + secrets.token_urlsafe(16), "1//" + secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def register_web_client(self, client_id: str, secret: str, redirect_uris: Sequence[str]) -> None:
        """An OAuth client of type Web application, as created in the Google Cloud console."""
        self.web_clients[client_id] = (secret, tuple(redirect_uris))

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def fail_token_endpoint(self, times: int = 1, status: int = 503, error: str = "server_error") -> None:
        """Google's token endpoint fails for now: a 5xx (or 408/429), or an OAuth `server_error` /
        `temporarily_unavailable` (RFC 6749 4.1.2.1), which google-auth marks `RefreshError.retryable`
        (google/oauth2/_client.py `_can_retry`, introduced by googleapis/google-auth-library-python#1113)."""
        self.fail_next(status, times=times, method="POST", path=r"^/token$",
                       body={"error": error, "error_description": "Backend Error (injected)"})

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
            self.history.append(_HistoryRecord(self.history_id, "messageAdded", mid, (), tuple(labels)))
            return mid

    def change_labels(self, mid: str, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        """users.messages.modify: one labelAdded and/or one labelRemoved record, as Gmail writes them."""
        with self.lock:
            msg = self.messages[mid]
            added = [lb for lb in add if lb not in msg.labels]
            removed = [lb for lb in remove if lb in msg.labels]
            after_removal = [lb for lb in msg.labels if lb not in removed]
            msg.labels = after_removal + added
            for kind, labels, then in (("labelRemoved", removed, after_removal), ("labelAdded", added, msg.labels)):
                if labels:
                    self.history_id += 3
                    msg.history_id = self.history_id
                    self.history.append(_HistoryRecord(self.history_id, kind, mid, tuple(labels), tuple(then)))

    def send_draft(self, mid: str) -> None:
        """A draft sent as it is: its message loses DRAFT and gains SENT (the same id) - in the history only
        label changes, no messageAdded (issue 14: a rep's promise sent from a draft)."""
        self.change_labels(mid, add=["SENT"], remove=["DRAFT"])

    def not_spam(self, mid: str) -> None:
        """"Not spam": the message leaves SPAM for INBOX - in the history only label changes."""
        self.change_labels(mid, add=["INBOX"], remove=["SPAM"])

    def delete(self, mid: str) -> None:
        with self.lock:
            self.messages.pop(mid)
            self.history_id += 5
            self.history.append(_HistoryRecord(self.history_id, "messageDeleted", mid))

    def rate_limit(self, times: int = 1, *, with_details: bool = True, path: str | None = None) -> None:
        """The next `times` requests answer Gmail's 403 "rate limit exceeded". Gmail's error body names the
        reason in `errors[].reason` (https://developers.google.com/gmail/api/guides/handle-errors#resolve_a_403_error_user_rate_limit_exceeded);
        newer Google front ends add a `details` list (google.rpc.ErrorInfo) beside it, and
        google-api-python-client then puts `details`, not `errors`, into HttpError.error_details
        (googleapis/google-api-python-client#1243)."""
        error: dict[str, Any] = {
            "code": 403, "message": "User-rate limit exceeded.", "status": "PERMISSION_DENIED",
            "errors": [{"message": "User-rate limit exceeded.", "domain": "usageLimits",
                        "reason": "userRateLimitExceeded"}]}
        if with_details:
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                                 "domain": "googleapis.com",
                                 "metadata": {"service": "gmail.googleapis.com", "quota_limit": "UserRateLimit"}}]
        self.fail_next(403, times=times, body={"error": error}, path=path)

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
            # Gmail search operators (https://support.google.com/mail/answer/7190): newer_than:Nd, and
            # larger:N (bytes; K and M suffixes), which compares the message's size estimate
            if m := re.fullmatch(r"newer_than:(\d+)d", term):
                since = self.now - timedelta(days=int(m.group(1)))
                found = [x for x in found if x.internal_date >= since]
            elif m := re.fullmatch(r"larger:(\d+)([KkMm]?)", term):
                limit = int(m.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[m.group(2).lower()]
                found = [x for x in found if len(x.raw) > limit and self.search_sees_size]
            else:
                return Response(400, {"error": {"code": 400, "message": f"fake does not know q term {term!r}"}})
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
        # users.messages.get formats (https://developers.google.com/gmail/api/reference/rest/v1/Format):
        # minimal - id and labels (and the message's size estimate, history id, date); raw - the RFC 2822 bytes,
        # base64url; full - the parsed payload, the bodies of attachments left out behind an attachmentId
        # (https://developers.google.com/gmail/api/reference/rest/v1/users.messages.attachments#MessagePartBody)
        body: dict[str, Any] = {
            "id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels, "snippet": "",
            "historyId": str(msg.history_id), "internalDate": str(int(msg.internal_date.timestamp() * 1000)),
            "sizeEstimate": len(msg.raw)}
        fmt = req.arg("format") or "full"
        if fmt == "raw":
            body["raw"] = base64.urlsafe_b64encode(msg.raw).decode()
        elif fmt == "full":
            body["payload"] = self._payload(email.message_from_bytes(msg.raw, policy=email.policy.compat32), "")
        elif fmt != "minimal":
            return Response(400, {"error": {"code": 400, "message": f"this fake does not serve format={fmt}"}})
        return Response(200, body)

    def _payload(self, part: email.message.Message, part_id: str) -> dict[str, Any]:
        headers = [{"name": k, "value": str(v)} for k, v in part.items()]
        out: dict[str, Any] = {"partId": part_id, "mimeType": part.get_content_type(),
                               "filename": part.get_filename() or "", "headers": headers}
        if part.is_multipart():
            out["body"] = {"size": 0}
            out["parts"] = [self._payload(p, f"{part_id}.{i}" if part_id else str(i))
                            for i, p in enumerate(part.get_payload())]
            return out
        data = part.get_payload(decode=True) or b""
        attachment = bool(part.get_filename()) or part.get_content_maintype() not in ("text", "message")
        if attachment and self.attachments_by_id:
            out["body"] = {"size": len(data), "attachmentId": "ANGjdJ" + secrets.token_urlsafe(12)}
        else:
            out["body"] = {"size": len(data), "data": base64.urlsafe_b64encode(data).decode()}
        return out

    def _history(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        start = int(req.arg("startHistoryId") or 0)
        # "Supplying an invalid or out of date startHistoryId typically returns an HTTP 404 error code. A historyId
        # is typically valid for at least a week" (https://developers.google.com/gmail/api/reference/rest/v1/users.history/list)
        if start < self.oldest_history_id:
            return Response(404, {"error": {"code": 404, "message": "Requested entity was not found.",
                                            "errors": [{"message": "Requested entity was not found.",
                                                        "domain": "global", "reason": "notFound"}],
                                            "status": "NOT_FOUND"}})
        records = [r for r in self.history if r.id > start]
        types = req.query.get("historyTypes", [])
        unknown = [t for t in types if t not in RECORD_KEYS]
        if unknown:
            return Response(400, {"error": {"code": 400, "message": f"Invalid value for historyTypes: {unknown[0]}",
                                            "status": "INVALID_ARGUMENT"}})
        if types and self.history_types_honoured:
            records = [r for r in records if r.kind in types]
        label = req.arg("labelId")
        if label and self.label_id_honoured:  # "Only return messages with a label matching the ID."
            records = [r for r in records if r.message_id in self.messages
                       and label in self.messages[r.message_id].labels]
        size = min(int(req.arg("maxResults") or 100), self.page_size)
        offset = int(req.arg("pageToken") or 0)
        page = records[offset:offset + size]
        body: dict[str, Any] = {"historyId": str(self.history_id)}
        if page:
            body["history"] = []
            for r in page:
                m = self.messages.get(r.message_id)
                ref = {"id": r.message_id, "threadId": m.thread_id if m else r.message_id}
                labels = list(m.labels) if m and self.record_labels == "now" else list(r.labels_then)
                change: dict[str, Any] = {"message": {**ref, "labelIds": labels}}
                if r.kind in ("labelAdded", "labelRemoved"):
                    change["labelIds"] = list(r.labels)
                if r.kind == "messageDeleted":
                    change = {"message": ref}
                body["history"].append({"id": str(r.id), "messages": [ref], RECORD_KEYS[r.kind]: [change]})
        if offset + size < len(records):
            body["nextPageToken"] = str(offset + size)
        return Response(200, body)

    def _authorize(self, req: Request) -> Response:
        """Google's authorization endpoint for a web client (web-server guide, "Step 2: Redirect to Google's
        OAuth 2.0 server" and "Step 4: Handle the OAuth 2.0 server response"). An unknown client or a
        redirect_uri that is not exactly one of the client's Authorized redirect URIs is an error page shown
        to the user (Error 400: redirect_uri_mismatch): Google does not redirect anywhere then. Otherwise the
        user consents (this fake: at once) and the browser is redirected to redirect_uri with `code` and the
        `state` given, unchanged; a refusal redirects with `error=access_denied` and the state."""
        q = {k: v[0] for k, v in req.query.items()}
        client = self.web_clients.get(q.get("client_id", ""))
        if client is None:
            return Response(401, "Error 401: invalid_client\nThe OAuth client was not found.")
        redirect = q.get("redirect_uri", "")
        if redirect not in client[1]:
            return Response(400, "Error 400: redirect_uri_mismatch\nYou can't sign in to this app because it doesn't "
                                 "comply with Google's OAuth 2.0 policy.")
        back = {"state": q["state"]} if "state" in q else {}
        if q.get("response_type") != "code":
            return Response(302, b"", {"Location": redirect + "?" + urlencode({"error": "unsupported_response_type",
                                                                               **back})})
        if self.user_denies:
            return Response(302, b"", {"Location": redirect + "?" + urlencode({"error": "access_denied", **back})})
        code = "4/0A" + secrets.token_urlsafe(24)
        self.web_codes[code] = _WebCode(
            client_id=q["client_id"], redirect_uri=redirect, scope=q.get("scope", ""),
            offline=q.get("access_type") == "offline", consent="consent" in q.get("prompt", "").split(),
            challenge=q.get("code_challenge", ""), method=q.get("code_challenge_method", "plain"))
        return Response(302, b"", {"Location": redirect + "?" + urlencode({"code": code, "scope": q.get("scope", ""),
                                                                           **back})})

    def _exchange_web_code(self, req: Request, form: dict[str, str]) -> Response:
        """The token endpoint's authorization-code exchange for a web client (web-server guide, "Step 5:
        Exchange authorization code for refresh and access tokens"): the client authenticates with its secret
        (in the body or HTTP Basic), the code works once, `redirect_uri` must equal the one the code was
        issued for, a PKCE verifier must match its challenge. A refresh token comes only with
        access_type=offline, and again for a user who consented before only with prompt=consent."""
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = req.headers.get("authorization", "")
        if basic.startswith("Basic "):
            from urllib.parse import unquote

            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        client = self.web_clients.get(client_id)
        if client is None or client[0] != secret:
            return Response(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        grant = self.web_codes.pop(form.get("code", ""), None)
        if grant is None or grant.client_id != client_id:
            return Response(400, {"error": "invalid_grant", "error_description": "Malformed auth code."})
        if form.get("redirect_uri") != grant.redirect_uri:
            return Response(400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"})
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            if not verifier:
                return Response(400, {"error": "invalid_grant", "error_description": "Missing code verifier."})
            made = verifier if grant.method == "plain" else base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if made != grant.challenge:
                return Response(400, {"error": "invalid_grant", "error_description": "Invalid code verifier."})
        access, refresh = self.issue_token()
        body: dict[str, Any] = {"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                                "scope": grant.scope}
        if grant.offline and (grant.consent or client_id not in self.offline_granted):
            body["refresh_token"] = refresh
            self.offline_granted.add(client_id)
        else:
            self.refresh_tokens.discard(refresh)
        return Response(200, body)

    def _token(self, req: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") == "authorization_code" and form.get("code") != self.auth_code:
            return self._exchange_web_code(req, form)
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
