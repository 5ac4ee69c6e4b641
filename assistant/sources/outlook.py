"""Microsoft 365 mail source (msal + Microsoft Graph delta queries).

- Sent Items and Inbox by delta query: `/me/mailFolders/{sentitems,inbox}/messages/delta`, following
  `@odata.nextLink` page by page until `@odata.deltaLink`. Each page is one batch whose cursor holds the
  link to continue from (the nextLink while a round is under way, the deltaLink once it ends), so a
  crash resumes where it stopped; every round's newest deltaLink is stored, even when nothing changed.
- The first round has no `$filter`: a filtered delta returns at most 5,000 messages in no set order, so a
  busy folder would lose the rest for good. It lists the folder's ids and dates (`$select`) and reads only
  the messages received in the last `newer_than_days` (default 90). A cursor written before this (without
  `"v": 2`) starts one such round again, so mail an old capped round missed is read now.
- Ids are immutable (`Prefer: IdType="ImmutableId"` on every request): a message moved between the delta
  page and its download is still found, and a message keeps its id across folders.
- Each message's MIME comes from `/me/messages/{id}/$value`, streamed: past `max_message_bytes` (10 MB,
  as for IMAP) the rest is not downloaded, and the header and the start of the body are kept.
- A message the watcher has read (`ReadNames`, folder "messages", filled by every batch's `read_names`) is
  not downloaded again: delta returns a message whose read flag changed as an updated item.
- `@removed` entries are skipped: the product keeps what it already read.
- An expired sync state - 410, or any 4xx whose error code is syncStateNotFound - starts a new round for
  that folder (at most once per fetch); thanks to ReadNames it downloads only what was not read.
- While waiting, each folder's newest deltaLink is polled and, when it brought nothing new, replaced by the
  one the poll returned, which the next fetch starts from and stores.
- 429 / 503 / 5xx and network faults: retried here a few times honouring Retry-After, then
  TransientError(retry_after). 401: one forced token refresh, then AuthError naming `assistant login`.
- Options: client_id, tenant (default "common"), authority and graph_url (tests, sovereign clouds),
  ca_file (a TLS proxy's CA), max_message_bytes."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

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

GRAPH_URL = "https://graph.microsoft.com/v1.0"
FOLDERS = (("sent", "sentitems"), ("inbox", "inbox"))
MAIL_SCOPES = ("Mail.Read",)
READ_FOLDER = "messages"  # the `ReadNames` folder of the (immutable) ids handed out
CURSOR_VERSION = 2  # 2: first rounds without $filter, immutable ids


class _SyncStateLost(Exception):
    pass


class OutlookSource(PollingWait):
    """One Microsoft 365 account. Tests inject a `session` (requests, trusting the fake's CA); msal uses
    the same session for its own HTTP calls."""

    kind = "outlook"

    def __init__(self, account_config: AccountConfig, config: Config, *, session: requests.Session | None = None,
                 token_store: auth.TokenStore | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        opts = account_config.options
        self.account = account_config.name
        self.account_config = account_config
        self.graph_url = str(opts.get("graph_url") or GRAPH_URL).rstrip("/")
        self.newer_than_days = int(opts.get("newer_than_days", 90))
        self.page_size = max(1, int(opts.get("page_size", 50)))
        self.retries = int(opts.get("retries", 3))
        self.poll_seconds = float(opts.get("poll_seconds", 60))
        self.timeout = float(opts.get("timeout", 60))
        self.max_message_bytes = int(opts.get("max_message_bytes", MAX_MESSAGE_BYTES))
        self.tokens = token_store or auth.token_store_for(account_config)
        self.session = session or auth.http_session(account_config)
        self._sleep = sleep
        self._app: Any = None
        self._cache: Any = None
        self._token: str | None = None
        # role -> (the deltaLink the last fetch stored, the newest equivalent one a quiet poll returned)
        self._delta_links: dict[str, tuple[str, str]] = {}
        self._monotonic: Callable[[], float] = time.monotonic
        self._last_check = float("-inf")

    # -- tokens -------------------------------------------------------------------------------------
    def _access_token(self, force_refresh: bool = False) -> str:
        if self._token is None or force_refresh:
            if self._app is None:
                self._app, self._cache = auth.microsoft_app(self.account_config, self.tokens, http_client=self.session)
            self._token = auth.microsoft_token(self.account_config, self.tokens, MAIL_SCOPES, app=self._app,
                                               cache=self._cache, force_refresh=force_refresh)
        return self._token

    # -- HTTP ---------------------------------------------------------------------------------------
    def _get(self, url: str, what: str, *, allow: tuple[int, ...] = (), stream: bool = False) -> requests.Response:
        """GET with the bearer token; bounded retries for 429/5xx/network; 401 -> one refresh; an expired
        sync state -> _SyncStateLost."""
        delay = 1.0
        refreshed = False
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                resp = self.session.get(url, timeout=self.timeout, stream=stream, headers={
                    "Authorization": f"Bearer {self._access_token()}",
                    "Prefer": f'odata.maxpagesize={self.page_size}, IdType="ImmutableId"'})
            except requests.exceptions.SSLError as e:
                raise SourceError(f"outlook account {self.account!r}: TLS failure talking to Graph ({e}): set "
                                  "ca_file if a proxy re-signs traffic") from None
            except (requests.ConnectionError, requests.Timeout) as e:
                problem, retry = network_problem(e)
                if not retry:
                    raise TransientError(f"outlook account {self.account!r}: {what} failed: {problem}",
                                         retry_now=False) from None
            else:
                if resp.status_code < 400 or resp.status_code in allow:
                    return resp
                if resp.status_code == 401 and not refreshed:
                    refreshed = True
                    self._access_token(force_refresh=True)
                    continue
                if resp.status_code == 401:
                    raise AuthError(self.account, "outlook", "Graph answered 401 after a token refresh")
                if resp.status_code == 410 or (resp.status_code < 500 and _error_code(resp) == "syncstatenotfound"):
                    resp.close()
                    raise _SyncStateLost(url)
                if resp.status_code != 429 and resp.status_code < 500:
                    raise SourceError(f"outlook account {self.account!r}: {what} failed: HTTP {resp.status_code} "
                                      f"{_graph_error(resp)}")
                try:
                    retry_after = float(resp.headers["Retry-After"]) if "Retry-After" in resp.headers else None
                except ValueError:
                    retry_after = None
                problem = f"HTTP {resp.status_code}"
            if attempt >= self.retries:
                raise TransientError(f"outlook account {self.account!r}: {what} failed ({problem}); will retry",
                                     retry_after=retry_after)
            attempt += 1
            wait = retry_after if retry_after is not None else delay
            log.info("outlook account %s: %s: %s; retrying in %.1f s", self.account, what, problem, wait)
            self._sleep(wait)
            delay = min(delay * 2, 60.0)

    def _initial_link(self, folder: str) -> str:
        """A first round over the whole folder: no $filter, whose rounds stop at 5,000 messages."""
        return (f"{self.graph_url}/me/mailFolders/{folder}/messages/delta"
                "?$select=id,conversationId,receivedDateTime,webLink")

    # -- fetching -----------------------------------------------------------------------------------
    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        """Sent Items then Inbox, page by page; each batch's cursor holds the links to resume from."""
        read = read or NothingRead()
        since = datetime.now(UTC) - timedelta(days=self.newer_than_days)
        state: dict[str, dict[str, Any]] = copy.deepcopy({k: v for k, v in cursor.items() if k in dict(FOLDERS)})
        for role, folder in FOLDERS:
            stored = state.get(role, {})
            link = str(stored.get("link") or "")
            if stored.get("v") != CURSOR_VERSION:
                if link:
                    log.info("outlook account %s: reading %s once more from the start (cursor of an older "
                             "version: its first round may have stopped at 5,000 messages)", self.account, folder)
                link = self._initial_link(folder)
            elif role in self._delta_links and self._delta_links[role][0] == link:
                link = self._delta_links[role][1]  # a quiet poll moved on from the stored link
            restarted = False
            while True:
                try:
                    page = self._get(link, f"reading {folder} changes").json()
                except _SyncStateLost:
                    if restarted:
                        raise TransientError(f"outlook account {self.account!r}: Graph lost the sync state of "
                                             f"{folder} twice in one pass; will retry") from None
                    log.warning("outlook account %s: %s sync state expired; reading the folder again (messages "
                                "already read are not downloaded again)", self.account, folder)
                    restarted = True
                    link = self._initial_link(folder)
                    continue
                items = [i for i in page.get("value", []) if "@removed" not in i and i.get("id")
                         and (_graph_time(i.get("receivedDateTime")) or since) >= since]
                fresh = set(read.unread(READ_FOLDER, [str(i["id"]) for i in items])) if items else set()
                if len(fresh) < len(items):
                    log.debug("outlook account %s: %d changed messages of %s were read before; not downloaded "
                              "again", self.account, len(items) - len(fresh), folder)
                messages = []
                for item in sorted((i for i in items if str(i["id"]) in fresh),
                                   key=lambda i: str(i.get("receivedDateTime", ""))):
                    raw = self._mime(str(item["id"]))
                    if raw is None:
                        continue  # deleted between the delta and the read
                    messages.append(RawMessage(
                        account=self.account, source_id=str(item["id"]), raw=raw, folder=role,
                        provider_thread_id=str(item.get("conversationId", "")), link=str(item.get("webLink") or ""),
                        direction_hint="sent" if role == "sent" else "received",
                        received_at=_graph_time(item.get("receivedDateTime"))))
                next_link = page.get("@odata.nextLink")
                delta_link = page.get("@odata.deltaLink")
                link = next_link or delta_link
                if not link:
                    raise SourceError(f"outlook account {self.account!r}: a delta page of {folder} had neither "
                                      "@odata.nextLink nor @odata.deltaLink")
                old = state.get(role)
                state[role] = {"link": link, "complete": bool(delta_link), "v": CURSOR_VERSION}
                if messages or state[role] != old:
                    yield Batch(tuple(messages), copy.deepcopy(state),
                                read_names=tuple((READ_FOLDER, m.source_id) for m in messages))
                if delta_link:
                    self._delta_links[role] = (delta_link, delta_link)
                    self._last_check = self._monotonic()  # a fetch is a check
                    break

    def _mime(self, mid: str) -> bytes | None:
        """The message's MIME, streamed: past the header and `max_message_bytes` of body the download stops."""
        resp = self._get(f"{self.graph_url}/me/messages/{quote(mid, safe='')}/$value", f"reading message {mid}",
                         allow=(404,), stream=True)
        try:
            if resp.status_code == 404:
                return None
            data = bytearray()
            head: int | None = None
            try:
                for chunk in resp.iter_content(chunk_size=65536):
                    data += chunk
                    if head is None:
                        ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := data.find(sep)) >= 0]
                        head = min(ends) if ends else None
                    if len(data) > (head if head is not None else self.max_message_bytes) + self.max_message_bytes:
                        log.info("outlook account %s: message %s is over %d bytes; the rest is not read",
                                 self.account, mid, self.max_message_bytes)
                        break
            except (requests.ConnectionError, requests.Timeout) as e:
                raise TransientError(f"outlook account {self.account!r}: reading message {mid} failed "
                                     f"(network error {e.__class__.__name__}); will retry") from None
            return truncate_mime(bytes(data), self.max_message_bytes)
        finally:
            resp.close()

    # -- waiting ------------------------------------------------------------------------------------
    def _has_new(self) -> bool:
        """No push here: ask each folder's newest deltaLink whether anything came (PollingWait paces it).
        Every call mints a new sync state and Exchange keeps only the last few, so a quiet answer's deltaLink
        replaces the one polled, and the next fetch starts from it (and stores it)."""
        if len(self._delta_links) < len(FOLDERS):
            return True
        for role, (stored, newest) in list(self._delta_links.items()):
            try:
                page = self._get(newest, "checking for new mail").json()
            except _SyncStateLost:
                return True
            if any("@removed" not in item for item in page.get("value", [])) or page.get("@odata.nextLink"):
                return True
            if page.get("@odata.deltaLink"):
                self._delta_links[role] = (stored, str(page["@odata.deltaLink"]))
        return False

    def close(self) -> None:
        """Close the HTTP session; safe to call twice."""
        self.session.close()


def _error_code(resp: requests.Response) -> str:
    """The error's `code`, lower-cased ("" when the body is not a Graph error)."""
    try:
        err = resp.json().get("error", {})
        return str(err.get("code", "")).lower() if isinstance(err, dict) else ""
    except (ValueError, AttributeError):
        return ""


def _graph_error(resp: requests.Response) -> str:
    try:
        err = resp.json().get("error", {})
        return f"{err.get('code', '')}: {err.get('message', '')}"
    except ValueError:
        return resp.text[:200]


def _graph_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
