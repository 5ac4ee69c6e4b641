"""Gmail mail source (google-api-python-client, offline discovery document).

- First sync: users.messages.list bounded by `newer_than_days` (default 90) and `max_messages` (default
  2000), then users.messages.get(format=raw) oldest first. The profile's historyId is read *before* the
  listing, so mail that arrives meanwhile shows up again in the next history pass (and the store keeps
  one copy).
- Later: users.history.list from the stored historyId, asking for `messageAdded` and `labelAdded` records: a
  message counts when it is added without DRAFT/SPAM/TRASH/CHAT, or when it gains SENT or INBOX (a draft
  sent as it was, a reply rescued from Spam: Gmail reports those only as label changes). A message the
  watcher has read before (`ReadNames`, folder "messages", filled by every batch's `read_names`) or that
  came up earlier in the same round is not read again. Each candidate's labels and size are asked first
  (format=minimal), so a draft or spam is never downloaded. All pages are read before any message is handed
  out, and the new historyId goes only into the cursor of the last batch: a crash repeats, never skips.
- Size cap (`max_message_bytes`, 10 MB as for IMAP): a larger message is read as format=full - its header
  and text parts, attachments left on the server - and rebuilt as a text message; the first sync finds the
  large ones with one search (`larger:N`). A raw download that still turns out larger is cut as IMAP cuts it.
- An expired historyId (404) falls back to the bounded full sync; message ids are stable, so nothing is
  stored twice.
- label SENT -> direction "sent"; threadId -> provider_thread_id.
- 401 / a refused refresh -> AuthError; 429, 403 rate limits, 5xx and network faults are retried here a
  few times (Retry-After honoured) and then raised as TransientError(retry_after). A 403's reason is read
  from the error body (`errors[].reason`, or a google.rpc.ErrorInfo in `details`), not from the client's
  `error_details`, which holds `details` whenever the body has one."""

from __future__ import annotations

import base64
import email.message
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from assistant import auth
from assistant.config import AccountConfig, Config
from assistant.errors import AuthError, SourceError, TransientError, network_problem
from assistant.models import RawMessage
from assistant.sources.base import (
    MAX_MESSAGE_BYTES,
    Batch,
    NothingRead,
    PollingWait,
    ReadNames,
    truncate_mime,
)

log = logging.getLogger(__name__)

SKIP_LABELS = frozenset({"DRAFT", "SPAM", "TRASH", "CHAT"})
WANTED_LABELS = frozenset({"SENT", "INBOX"})  # gaining one of these makes a message worth reading
HISTORY_TYPES = ["messageAdded", "labelAdded"]
READ_FOLDER = "messages"  # the `ReadNames` folder of the message ids handed out
# 403 reasons that mean "slow down": the legacy `errors[].reason` values
# (https://developers.google.com/gmail/api/guides/handle-errors) and google.rpc.ErrorInfo reasons
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "backendError", "RATE_LIMIT_EXCEEDED",
                          "USER_RATE_LIMIT_EXCEEDED"})


class _HistoryExpired(Exception):
    pass


def _error_reasons(content: Any) -> set[str]:
    """Every reason a Google error body names: `error.errors[].reason` and the `reason` of any
    google.rpc.ErrorInfo in `error.details`."""
    try:
        err = json.loads(bytes(content).decode("utf-8", "replace")).get("error", {})
    except (ValueError, TypeError, AttributeError):
        return set()
    if not isinstance(err, dict):
        return set()
    entries = [e for e in (err.get("errors") or []) if isinstance(e, dict)]
    entries += [d for d in (err.get("details") or [])
                if isinstance(d, dict) and str(d.get("@type", "")).endswith("google.rpc.ErrorInfo")]
    return {str(e["reason"]) for e in entries if e.get("reason")}


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


class GmailSource(PollingWait):
    """One Gmail account. Tests inject `credentials` (google-auth) or an `http` (HttpMockSequence)."""

    kind = "gmail"

    def __init__(self, account_config: AccountConfig, config: Config, *, credentials: Any = None,
                 token_store: auth.TokenStore | None = None, http: Any = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        opts = account_config.options
        self.account = account_config.name
        self.api_endpoint = opts.get("api_endpoint")
        self.newer_than_days = int(opts.get("newer_than_days", 90))
        self.max_messages = int(opts.get("max_messages", 2000))
        self.batch_size = max(1, int(opts.get("batch_size", 50)))
        self.max_message_bytes = int(opts.get("max_message_bytes", MAX_MESSAGE_BYTES))
        self.retries = int(opts.get("retries", 3))
        self.poll_seconds = float(opts.get("poll_seconds", 60))
        self.tokens = token_store or auth.token_store_for(account_config)
        self._credentials = credentials
        self._http = http
        self._sleep = sleep
        self._service: Any = None
        self._saved_token: str | None = None
        self._last_history_id: str | None = None
        self._monotonic: Callable[[], float] = time.monotonic
        self._last_check = float("-inf")

    # -- the client ---------------------------------------------------------------------------------
    def _build(self) -> Any:
        if self._service is None:
            from googleapiclient.discovery import build

            kwargs: dict[str, Any] = {"static_discovery": True, "cache_discovery": False}
            if self.api_endpoint:
                kwargs["client_options"] = {"api_endpoint": str(self.api_endpoint)}
            if self._http is not None:
                kwargs["http"] = self._http
            else:
                if self._credentials is None:
                    self._credentials = auth.google_credentials(self.account, self.tokens)
                    self._saved_token = self._credentials.token
                kwargs["credentials"] = self._credentials
            self._service = build("gmail", "v1", **kwargs)
        return self._service

    def _persist_refreshed_token(self) -> None:
        """google-auth refreshes an expired token on its own; keep the new one for the next start."""
        creds = self._credentials
        if creds is None or self._saved_token is None or creds.token == self._saved_token:
            return
        if getattr(creds, "refresh_token", None):
            auth.save_google_credentials(self.account, self.tokens, creds)
            self._saved_token = creds.token

    def _execute(self, make_request: Callable[[Any], Any], what: str, *, allow_404: bool = False) -> Any:
        """Run one API call with bounded retries for throttling, 5xx and network faults."""
        import httplib2
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        service = self._build()
        delay = 1.0
        for attempt in range(self.retries + 1):
            retry_after: float | None = None
            try:
                result = make_request(service).execute(num_retries=0)
                self._persist_refreshed_token()
                return result
            except HttpError as e:
                status = int(e.resp.status)
                if status == 404 and allow_404:
                    return None
                if status == 401:
                    raise AuthError(self.account, "gmail", "Google answered 401 (token expired or revoked)") from None
                if not (status == 429 or status >= 500 or (status == 403 and _error_reasons(e.content) & RATE_REASONS)):
                    raise SourceError(f"gmail account {self.account!r}: {what} failed: HTTP {status} "
                                      f"{auth.redact(str(getattr(e, 'reason', '')))}") from None
                retry_after = _retry_after(e.resp)
                problem = f"HTTP {status}"
            except RefreshError as e:
                failure = auth.google_refresh_failure(self.account, "gmail", e)
                if isinstance(failure, AuthError):
                    raise failure from None
                problem = str(failure)  # the token endpoint failed for now: retried like a 5xx
            except (OSError, httplib2.HttpLib2Error, TransportError, TimeoutError) as e:
                problem, retry = network_problem(e)
                if not retry:
                    raise TransientError(f"gmail account {self.account!r}: {what} failed: {problem}",
                                         retry_now=False) from None
            if attempt == self.retries:
                raise TransientError(f"gmail account {self.account!r}: {what} failed ({problem}); will retry",
                                     retry_after=retry_after)
            wait = retry_after if retry_after is not None else delay
            log.info("gmail account %s: %s: %s; retrying in %.1f s", self.account, what, problem, wait)
            self._sleep(wait)
            delay = min(delay * 2, 60.0)
        raise AssertionError("unreachable")

    # -- fetching -----------------------------------------------------------------------------------
    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        """New mail since `cursor` ({"history_id": "..."}); a first or expired cursor -> bounded full sync."""
        read = read or NothingRead()
        history_id = cursor.get("history_id")
        if history_id:
            try:
                ids, new_history_id = self._history(str(history_id))
            except _HistoryExpired:
                log.warning("gmail account %s: history %s expired; reading the last %d days again",
                            self.account, history_id, self.newer_than_days)
            else:
                ids = read.unread(READ_FOLDER, ids) if ids else ids
                yield from self._batches(ids, dict(cursor), {"history_id": new_history_id}, big=None)
                return
        start = self._execute(lambda s: s.users().getProfile(userId="me"), "reading the profile")
        window = f"newer_than:{self.newer_than_days}d"
        ids = list(reversed(self._list(window, self.max_messages)))  # oldest first
        big = set(self._list(f"{window} larger:{self.max_message_bytes}", self.max_messages)) if ids else set()
        ids = read.unread(READ_FOLDER, ids) if ids else ids
        yield from self._batches(ids, dict(cursor), {"history_id": str(start["historyId"])}, big=big)

    def _list(self, query: str, limit: int) -> list[str]:
        """Ids of the messages `query` finds, newest first, at most `limit`."""
        ids: list[str] = []
        token: str | None = None
        while len(ids) < limit:
            page_size = min(500, limit - len(ids))
            page = self._execute(lambda s, t=token, n=page_size: s.users().messages().list(  # type: ignore[misc]
                userId="me", q=query, maxResults=n, pageToken=t), "listing messages")
            ids.extend(m["id"] for m in page.get("messages", []))
            token = page.get("nextPageToken")
            if not token:
                break
        return ids[:limit]

    def _history(self, start: str) -> tuple[list[str], str]:
        """The messages worth reading since `start` (all pages), in history order, each once, and the history
        id they lead to: added ones (unless the record labels them DRAFT/SPAM/TRASH/CHAT) and those that gained
        SENT or INBOX."""
        ids: list[str] = []
        seen: set[str] = set()
        token: str | None = None
        latest = start
        while True:
            page = self._execute(lambda s, t=token: s.users().history().list(  # type: ignore[misc]
                userId="me", startHistoryId=start, historyTypes=HISTORY_TYPES, maxResults=500, pageToken=t),
                "reading the history", allow_404=True)
            if page is None:
                raise _HistoryExpired(start)
            for record in page.get("history", []):
                found = [a.get("message", {}) for a in record.get("messagesAdded", [])
                         if not SKIP_LABELS & set(a.get("message", {}).get("labelIds", []))]
                found += [c.get("message", {}) for c in record.get("labelsAdded", [])
                          if WANTED_LABELS & set(c.get("labelIds", []))]
                for msg in found:
                    if msg.get("id") and msg["id"] not in seen:
                        seen.add(msg["id"])
                        ids.append(str(msg["id"]))
            latest = str(page.get("historyId") or latest)
            token = page.get("nextPageToken")
            if not token:
                return ids, latest

    def _batches(self, ids: list[str], old: dict[str, Any], final: dict[str, Any],
                 big: set[str] | None) -> Iterator[Batch]:
        """Read `ids` in batches; every batch but the last keeps the old cursor. `big`: the ids known to be
        over the size cap (None: ask each message's size and labels first)."""
        self._last_history_id = final["history_id"]
        self._last_check = self._monotonic()  # a fetch is a check
        if not ids:
            if final != old:
                yield Batch((), final, total=0)
            return
        for start in range(0, len(ids), self.batch_size):
            chunk = ids[start:start + self.batch_size]
            messages = []
            for mid in chunk:
                raw = self._read(mid, big)
                if raw is not None:
                    messages.append(raw)
            last = start + self.batch_size >= len(ids)
            yield Batch(tuple(messages), final if last else old, total=len(ids),
                        read_names=tuple((READ_FOLDER, m.source_id) for m in messages))

    def _read(self, mid: str, big: set[str] | None) -> RawMessage | None:
        """One message, or None when it is gone or not one to hand out (draft, spam, trash, chat)."""
        if big is None:
            meta = self._execute(lambda s: s.users().messages().get(userId="me", id=mid, format="minimal"),
                                 f"reading message {mid}", allow_404=True)
            if meta is None or SKIP_LABELS & set(meta.get("labelIds", [])):
                return None
            large = int(meta.get("sizeEstimate") or 0) > self.max_message_bytes
        else:
            large = mid in big
        data = self._execute(lambda s: s.users().messages().get(userId="me", id=mid,
                                                                 format="full" if large else "raw"),
                             f"reading message {mid}", allow_404=True)
        if data is None:
            return None  # deleted since it was listed
        labels = set(data.get("labelIds", []))
        if labels & SKIP_LABELS:
            return None
        if large:
            raw = _text_only(data.get("payload") or {}, self.max_message_bytes)
            log.info("gmail account %s: message %s is over %d bytes; read without its attachments",
                     self.account, mid, self.max_message_bytes)
        else:
            raw = base64.urlsafe_b64decode(data["raw"] + "=" * (-len(data["raw"]) % 4))
            if len(raw) > self.max_message_bytes:  # the search had not seen its size yet
                raw = truncate_mime(raw, self.max_message_bytes)
        sent = "SENT" in labels
        received_at = None
        if str(data.get("internalDate", "")).isdigit():
            received_at = datetime.fromtimestamp(int(data["internalDate"]) / 1000, UTC)
        return RawMessage(account=self.account, source_id=str(data["id"]), raw=raw,
                          folder="sent" if sent else "inbox", provider_thread_id=str(data.get("threadId", "")),
                          direction_hint="sent" if sent else "received", received_at=received_at)

    # -- waiting ------------------------------------------------------------------------------------
    def _has_new(self) -> bool:
        """No push without Pub/Sub: the profile's historyId moved (PollingWait asks every `poll_seconds`)."""
        profile = self._execute(lambda s: s.users().getProfile(userId="me"), "reading the profile")
        return self._last_history_id is None or str(profile["historyId"]) != self._last_history_id

    def close(self) -> None:
        """Drop the client (its HTTP connections); safe to call twice."""
        service, self._service = self._service, None
        if service is not None:
            try:
                service.close()
            except Exception:
                pass


def _text_only(payload: dict[str, Any], limit: int) -> bytes:
    """A message rebuilt from a format=full payload: its own header lines (not its MIME structure) and its
    first text part - plain text before HTML - cut to `limit` bytes; attachments are left out."""
    skip = {"content-type", "content-transfer-encoding", "mime-version", "content-length"}
    lines = [f"{h.get('name', '')}: {' '.join(str(h.get('value', '')).split())}"
             for h in payload.get("headers", []) if str(h.get("name", "")).lower() not in skip and h.get("name")]
    part = _first_text(payload, "text/plain") or _first_text(payload, "text/html")
    body, ctype = b"", 'text/plain; charset="utf-8"'
    if part is not None:
        data = str(part.get("body", {}).get("data", ""))
        body = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))[:limit]
        probe = email.message.Message()
        probe["Content-Type"] = next((str(h.get("value", "")) for h in part.get("headers", [])
                                      if str(h.get("name", "")).lower() == "content-type"), "text/plain")
        ctype = f'{part.get("mimeType", "text/plain")}; charset="{probe.get_content_charset() or "utf-8"}"'
    encoded = base64.encodebytes(body).decode("ascii")
    lines += ["MIME-Version: 1.0", f"Content-Type: {ctype}", "Content-Transfer-Encoding: base64", "", encoded]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


def _first_text(part: dict[str, Any], mime_type: str) -> dict[str, Any] | None:
    """The first part of `mime_type` with its data inline (depth first), not an attachment."""
    if part.get("mimeType") == mime_type and part.get("body", {}).get("data") and not part.get("filename"):
        return part
    for child in part.get("parts") or []:
        found = _first_text(child, mime_type)
        if found is not None:
            return found
    return None
