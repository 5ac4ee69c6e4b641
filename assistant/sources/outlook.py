"""Microsoft 365 mail source (msal + Microsoft Graph delta queries).

- Sent Items and Inbox by delta query: `/me/mailFolders/{sentitems,inbox}/messages/delta`, following
  `@odata.nextLink` page by page until `@odata.deltaLink`. Each page is one batch whose cursor holds the
  link to continue from (the nextLink while a round is under way, the deltaLink once it ends), so a
  crash resumes where it stopped. The first round is bounded by `newer_than_days` (default 90).
- Each message's MIME comes from `/me/messages/{id}/$value`, so the shared parser reads it like any mail.
- `@removed` entries are skipped: the product keeps what it already read.
- 410 Gone (sync state lost) -> that folder starts a new bounded round; the store keeps one copy.
- 429 / 503 / 5xx and network faults: retried here a few times honouring Retry-After, then
  TransientError(retry_after). 401: one forced token refresh, then AuthError naming `assistant login`.
- Options: client_id, tenant (default "common"), authority and graph_url (tests, sovereign clouds),
  ca_file (a TLS proxy's CA)."""

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
from assistant.errors import AuthError, SourceError, TransientError
from assistant.models import RawMessage
from assistant.sources.base import Batch, PollingWait, ReadNames

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
FOLDERS = (("sent", "sentitems"), ("inbox", "inbox"))
MAIL_SCOPES = ("Mail.Read",)


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
        self.tokens = token_store or auth.token_store_for(account_config)
        self.session = session or auth.http_session(account_config)
        self._sleep = sleep
        self._app: Any = None
        self._cache: Any = None
        self._token: str | None = None
        self._delta_links: dict[str, str] = {}
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
    def _get(self, url: str, what: str, *, allow: tuple[int, ...] = ()) -> requests.Response:
        """GET with the bearer token; bounded retries for 429/5xx/network; 401 -> one refresh."""
        delay = 1.0
        refreshed = False
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                resp = self.session.get(url, timeout=self.timeout, headers={
                    "Authorization": f"Bearer {self._access_token()}",
                    "Prefer": f"odata.maxpagesize={self.page_size}"})
            except requests.exceptions.SSLError as e:
                raise SourceError(f"outlook account {self.account!r}: TLS failure talking to Graph ({e}): set "
                                  "ca_file if a proxy re-signs traffic") from None
            except (requests.ConnectionError, requests.Timeout) as e:
                problem = f"network error {e.__class__.__name__}"
            else:
                if resp.status_code < 400 or resp.status_code in allow:
                    return resp
                if resp.status_code == 401 and not refreshed:
                    refreshed = True
                    self._access_token(force_refresh=True)
                    continue
                if resp.status_code == 401:
                    raise AuthError(self.account, "outlook", "Graph answered 401 after a token refresh")
                if resp.status_code == 410:
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
        since = (datetime.now(UTC) - timedelta(days=self.newer_than_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = f"$select=id,conversationId,receivedDateTime&$filter={quote(f'receivedDateTime ge {since}')}"
        return f"{self.graph_url}/me/mailFolders/{folder}/messages/delta?{query}"

    # -- fetching -----------------------------------------------------------------------------------
    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        """Sent Items then Inbox, page by page; each batch's cursor holds the links to resume from."""
        state: dict[str, dict[str, Any]] = copy.deepcopy({k: v for k, v in cursor.items() if k in dict(FOLDERS)})
        for role, folder in FOLDERS:
            link = state.get(role, {}).get("link") or self._initial_link(folder)
            restarted = False
            while True:
                try:
                    page = self._get(link, f"reading {folder} changes").json()
                except _SyncStateLost:
                    if restarted:
                        raise SourceError(f"outlook account {self.account!r}: Graph lost the sync state of "
                                          f"{folder} twice in a row") from None
                    log.warning("outlook account %s: %s sync state expired (410); reading the last %d days again",
                                self.account, folder, self.newer_than_days)
                    restarted = True
                    link = self._initial_link(folder)
                    continue
                messages = []
                for item in page.get("value", []):
                    if "@removed" in item or not item.get("id"):
                        continue
                    raw = self._mime(item["id"])
                    if raw is None:
                        continue  # deleted between the delta and the read
                    messages.append(RawMessage(
                        account=self.account, source_id=str(item["id"]), raw=raw, folder=role,
                        provider_thread_id=str(item.get("conversationId", "")),
                        direction_hint="sent" if role == "sent" else "received",
                        received_at=_graph_time(item.get("receivedDateTime"))))
                next_link = page.get("@odata.nextLink")
                delta_link = page.get("@odata.deltaLink")
                link = next_link or delta_link
                if not link:
                    raise SourceError(f"outlook account {self.account!r}: a delta page of {folder} had neither "
                                      "@odata.nextLink nor @odata.deltaLink")
                old = state.get(role)
                state[role] = {"link": link, "complete": bool(delta_link)}
                if messages or state[role] != old:
                    yield Batch(tuple(messages), copy.deepcopy(state))
                if delta_link:
                    self._delta_links[role] = delta_link
                    self._last_check = self._monotonic()  # a fetch is a check
                    break

    def _mime(self, mid: str) -> bytes | None:
        resp = self._get(f"{self.graph_url}/me/messages/{quote(mid, safe='')}/$value", f"reading message {mid}",
                         allow=(404,))
        return None if resp.status_code == 404 else resp.content

    # -- waiting ------------------------------------------------------------------------------------
    def _has_new(self) -> bool:
        """No push here: ask the last deltaLinks whether anything was added (PollingWait paces it)."""
        if len(self._delta_links) < len(FOLDERS):
            return True
        for link in self._delta_links.values():
            try:
                page = self._get(link, "checking for new mail").json()
            except _SyncStateLost:
                return True
            if any("@removed" not in item for item in page.get("value", [])) or page.get("@odata.nextLink"):
                return True
        return False

    def close(self) -> None:
        """Close the HTTP session; safe to call twice."""
        self.session.close()


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
