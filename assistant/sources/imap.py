"""IMAP mail source (imapclient): the rep's Sent folder and INBOX, read incrementally.

- Folders: the Sent folder is the one flagged `\\Sent` (SPECIAL-USE), else the first of the usual names
  ("Sent", "Sent Items", "Sent Mail", "[Gmail]/Sent Mail", "INBOX.Sent", ...); `sent_folder` overrides.
- Incremental by UIDVALIDITY + UID per folder; HIGHESTMODSEQ is recorded where CONDSTORE is offered.
  A changed UIDVALIDITY re-reads that folder; the store keeps one copy of each message because message
  ids are content-derived.
- Folders are opened read-only and bodies fetched with BODY.PEEK[], so no message is ever marked \\Seen.
- New mail: IDLE on a separate connection per folder, or polling STATUS when the server has no IDLE.
- TLS by default (port 993); `starttls = true` upgrades port 143; plain only with an explicit
  `ssl = false` (local tests). Password (token store, `password_env`) or XOAUTH2.
- A dropped connection is reopened and the interrupted step repeated; if that fails too, TransientError:
  the watcher retries later from the last stored cursor, so nothing is lost or stored twice."""

from __future__ import annotations

import copy
import heapq
import imaplib
import logging
import selectors
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from assistant import auth
from assistant.config import AccountConfig, Config
from assistant.errors import AuthError, ConfigError, SourceError, TransientError, network_problem
from assistant.models import RawMessage
from assistant.sources.base import MAX_MESSAGE_BYTES, Batch, ReadNames

log = logging.getLogger(__name__)
T = TypeVar("T")

SENT_NAMES = ("Sent", "Sent Items", "Sent Mail", "Sent Messages", "[Gmail]/Sent Mail", "[Google Mail]/Sent Mail",
              "INBOX.Sent", "INBOX/Sent", "INBOX.Sent Items", "INBOX.Sent Messages", "Gesendet",
              "Envoyés", "Elementos enviados")
ROLES = ("sent", "inbox")
_NETWORK_ERRORS = (OSError, IMAPClientAbortError, imaplib.IMAP4.abort, ssl.SSLError, socket.timeout, EOFError)


class ImapSource:
    """One IMAP account. Construct with the account's table and the whole config; `client_factory`
    (tests) returns a fresh connected-but-not-logged-in IMAPClient."""

    kind = "imap"

    def __init__(self, account_config: AccountConfig, config: Config, *,
                 client_factory: Callable[[], IMAPClient] | None = None,
                 token_store: auth.TokenStore | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        opts = account_config.options
        self.account = account_config.name
        self.account_config = account_config
        self.host = str(opts.get("host") or "")
        if not self.host and client_factory is None:
            raise ConfigError(f"account {self.account!r}: add host = \"imap.example.com\" to its [[accounts]] table")
        self.starttls = bool(opts.get("starttls", False))
        self.use_ssl = bool(opts.get("ssl", True)) and not self.starttls
        self.port = int(opts.get("port") or (993 if self.use_ssl else 143))
        self.user = str(opts.get("username") or config.rep.email)
        if not self.user:
            raise ConfigError(f"account {self.account!r}: add username = \"you@example.com\" to its [[accounts]] table")
        self.auth_kind = str(opts.get("auth", "password")).lower()
        if self.auth_kind not in ("password", "xoauth2"):
            raise ConfigError(f"account {self.account!r}: auth = {self.auth_kind!r}; use \"password\" or \"xoauth2\"")
        self.ca_file = opts.get("ca_file")
        self.timeout = float(opts.get("timeout", 30))
        self.batch_size = max(1, int(opts.get("batch_size", 100)))
        self.batch_bytes = int(opts.get("batch_bytes", 20_000_000))
        self.max_message_bytes = int(opts.get("max_message_bytes", MAX_MESSAGE_BYTES))
        self.since_days = int(opts["since_days"]) if opts.get("since_days") else None
        self.use_idle = bool(opts.get("idle", True))
        self.poll_seconds = float(opts.get("poll_seconds", 60))
        self.folder_overrides = {"sent": opts.get("sent_folder"), "inbox": opts.get("inbox_folder") or "INBOX"}
        self.tokens = token_store or auth.token_store_for(account_config)
        self._client_factory = client_factory
        self._sleep = sleep
        self._client: IMAPClient | None = None
        self._idlers: dict[str, IMAPClient] = {}
        self._folders: dict[str, str] | None = None
        self._seen: dict[str, tuple[int, int]] = {}  # role -> (uidvalidity, last uid handed out)
        if not self.use_ssl and not self.starttls and self.host not in ("127.0.0.1", "localhost", "::1", ""):
            log.warning("account %s: IMAP without TLS to %s (ssl = false): the password crosses the network "
                        "in clear", self.account, self.host)

    # -- connections ------------------------------------------------------------------------------
    def _ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def _connect(self) -> IMAPClient:
        """A new logged-in connection. Network trouble -> TransientError, refused sign-in -> AuthError."""
        try:
            if self._client_factory is not None:
                client = self._client_factory()
            else:
                client = IMAPClient(self.host, port=self.port, ssl=self.use_ssl,
                                    ssl_context=self._ssl_context() if self.use_ssl else None,
                                    timeout=self.timeout)
                if self.starttls:
                    client.starttls(self._ssl_context())
        except ssl.SSLCertVerificationError as e:
            raise SourceError(f"imap account {self.account!r}: the certificate of {self.host}:{self.port} is not "
                              f"trusted ({e.verify_message}): fix the server name, or set ca_file = \"...\" to the "
                              "CA that signed it") from None
        except _NETWORK_ERRORS as e:
            problem, retry = network_problem(e)
            raise TransientError(f"imap account {self.account!r}: cannot connect to {self.host}:{self.port}: "
                                 f"{problem}", retry_now=retry) from None
        try:
            if self.auth_kind == "xoauth2":
                client.oauth2_login(self.user, self._oauth_token())
            else:
                client.login(self.user, auth.imap_password(self.account_config, self.tokens))
        except LoginError as e:
            self._safe_logout(client)
            raise AuthError(self.account, "imap", "the server refused the user name or password: "
                            + auth.redact(str(e))) from None
        except AuthError:
            self._safe_logout(client)
            raise
        except _NETWORK_ERRORS as e:
            self._safe_logout(client)
            raise TransientError(f"imap account {self.account!r}: connection lost during login: {e}") from None
        try:
            if client.has_capability("CONDSTORE"):
                client.enable("CONDSTORE")  # SELECT then reports HIGHESTMODSEQ, kept in the cursor
        except IMAPClientAbortError:
            raise
        except IMAPClientError as e:
            log.debug("imap account %s: ENABLE CONDSTORE refused: %s", self.account, e)
        return client

    def _oauth_token(self) -> str:
        provider = str(self.account_config.options.get("oauth_provider", "google")).lower()
        if provider == "google":
            from google.auth.exceptions import RefreshError
            from google.auth.transport.requests import Request

            creds = auth.google_credentials(self.account, self.tokens, provider="imap")
            try:
                if not creds.valid:
                    creds.refresh(Request())
                    auth.save_google_credentials(self.account, self.tokens, creds, provider="imap")
            except RefreshError as e:
                raise auth.google_refresh_failure(self.account, "imap", e) from None
            auth.register_secret(creds.token)
            return str(creds.token)
        if provider == "microsoft":
            return auth.microsoft_token(self.account_config, self.tokens, auth.MICROSOFT_IMAP_SCOPES,
                                        provider="imap")
        raise ConfigError(f"account {self.account!r}: oauth_provider = {provider!r}; use \"google\" or \"microsoft\"")

    @staticmethod
    def _safe_logout(client: IMAPClient) -> None:
        try:
            client.logout()
        except Exception:
            try:
                client.shutdown()
            except Exception:
                pass

    def _conn(self) -> IMAPClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _drop(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._safe_logout(client)

    def _call(self, step: Callable[[IMAPClient], T], what: str) -> T:
        """Run one self-contained step (it selects its own folder); on a dropped connection reconnect
        and run it once more; then give up with TransientError (the watcher retries later)."""
        for attempt in (1, 2):
            client = self._conn()
            try:
                return step(client)
            except _NETWORK_ERRORS as e:
                self._drop()
                if attempt == 2:
                    raise TransientError(f"imap account {self.account!r}: connection lost while {what}: {e}") \
                        from None
                log.warning("imap account %s: connection lost while %s (%s); reconnecting", self.account, what, e)
        raise AssertionError("unreachable")

    # -- folders ----------------------------------------------------------------------------------
    def folders(self) -> dict[str, str]:
        """{"sent": name, "inbox": name}: SPECIAL-USE \\Sent first, then the usual names."""
        if self._folders is None:
            listing = self._call(lambda c: c.list_folders(), "listing folders")
            self._folders = {"sent": self._find_sent(listing), "inbox": str(self.folder_overrides["inbox"])}
        return self._folders

    def _find_sent(self, listing: list[tuple[tuple[bytes, ...], bytes, str]]) -> str:
        names = [name for _, _, name in listing]
        override = self.folder_overrides["sent"]
        if override:
            if override not in names:
                raise SourceError(f"imap account {self.account!r}: sent_folder = {override!r} does not exist; "
                                  f"folders are: {', '.join(names)}")
            return str(override)
        for flags, _, name in listing:
            if any(f.lower() == b"\\sent" for f in flags):
                return name
        by_lower = {n.lower(): n for n in names}
        for candidate in SENT_NAMES:
            if candidate.lower() in by_lower:
                return by_lower[candidate.lower()]
        raise SourceError(f"imap account {self.account!r}: no Sent folder found (none is flagged \\Sent and none "
                          f"has a usual name); set sent_folder = \"...\" to one of: {', '.join(names)}")

    # -- fetching ---------------------------------------------------------------------------------
    def _select(self, client: IMAPClient, name: str) -> dict[bytes, Any]:
        try:
            return dict(client.select_folder(name, readonly=True))
        except IMAPClientAbortError:
            raise
        except IMAPClientError as e:
            raise SourceError(f"imap account {self.account!r}: cannot open folder {name!r}: {e}") from None

    def _plan_folder(self, role: str, name: str, state: dict[str, Any] | None
                     ) -> tuple[dict[str, Any], list[tuple[datetime, str, int, int]]]:
        """The folder's new state (uidvalidity, modseq) and its new messages: (date, role, uid, size)."""

        def step(c: IMAPClient) -> tuple[dict[str, Any], list[tuple[datetime, str, int, int]]]:
            info = self._select(c, name)
            uidvalidity = int(info[b"UIDVALIDITY"])
            st = dict(state) if state else None
            if st is not None and (st.get("uidvalidity") != uidvalidity or st.get("name") != name):
                log.warning("imap account %s: folder %s changed (UIDVALIDITY %s -> %s); reading it again",
                            self.account, name, st.get("uidvalidity"), uidvalidity)
                st = None
            if st is None:
                st = {"name": name, "uidvalidity": uidvalidity, "uid": 0}
            if b"HIGHESTMODSEQ" in info:
                st["modseq"] = int(info[b"HIGHESTMODSEQ"])
            last = int(st["uid"])
            uidnext = int(info.get(b"UIDNEXT", 0) or 0)
            if uidnext and uidnext <= last + 1:
                return st, []
            criteria: list[Any] = ["UID", f"{last + 1}:*"]
            if last == 0 and self.since_days:
                criteria += ["SINCE", (datetime.now(UTC) - timedelta(days=self.since_days)).date()]
            uids = sorted(u for u in c.search(criteria) if u > last)
            plan: list[tuple[datetime, str, int, int]] = []
            for i in range(0, len(uids), 1000):
                chunk = uids[i:i + 1000]
                data = c.fetch(chunk, ["INTERNALDATE", "RFC822.SIZE"])
                for uid in chunk:
                    item = data.get(uid)
                    if item is None:
                        continue  # expunged meanwhile
                    when = item.get(b"INTERNALDATE")
                    # imapclient gives naive local times: astimezone() reads them as local
                    when = when.astimezone(UTC) if isinstance(when, datetime) else datetime.min.replace(tzinfo=UTC)
                    plan.append((when, role, uid, int(item.get(b"RFC822.SIZE") or 0)))
            return st, plan

        return self._call(step, f"listing new mail in {name}")

    def _fetch_bodies(self, name: str, uidvalidity: int, uids: list[int], big: set[int]) -> dict[int, bytes]:
        """RFC 822 bytes of `uids` (BODY.PEEK: never sets \\Seen). Messages in `big` are fetched as
        header plus the first `max_message_bytes` of the body, so a 20 MB attachment is never loaded."""

        def step(c: IMAPClient) -> dict[int, bytes]:
            info = self._select(c, name)
            if int(info[b"UIDVALIDITY"]) != uidvalidity:
                raise _UidValidityChanged(name)
            out: dict[int, bytes] = {}
            small = [u for u in uids if u not in big]
            if small:
                for uid, item in c.fetch(small, ["BODY.PEEK[]"]).items():
                    body = item.get(b"BODY[]")
                    if body is not None:
                        out[uid] = bytes(body)
            large = [u for u in uids if u in big]
            if large:
                part = f"BODY.PEEK[TEXT]<0.{self.max_message_bytes}>"
                for uid, item in c.fetch(large, ["BODY.PEEK[HEADER]", part]).items():
                    header = item.get(b"BODY[HEADER]")
                    text = item.get(b"BODY[TEXT]<0>") or b""
                    if header is not None:
                        out[uid] = bytes(header) + bytes(text)
            return out

        return self._call(step, f"reading messages from {name}")

    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        """New mail of the Sent folder and INBOX since `cursor`, oldest first (a merge by arrival time
        that keeps each folder in UID order, so each folder's cursor is simply the last UID handed out)."""
        old = copy.deepcopy(cursor.get("folders", {}))
        state: dict[str, dict[str, Any]] = {}
        lists: list[list[tuple[datetime, str, int, int]]] = []
        for role, name in self.folders().items():
            st, plan = self._plan_folder(role, name, old.get(role))
            state[role] = st
            lists.append(plan)
        merged = list(heapq.merge(*lists, key=lambda item: item[0]))
        total = len(merged)
        if not merged:
            self._remember(state)
            if state != old:
                yield Batch((), {"folders": copy.deepcopy(state)}, total=0)
            return
        start = 0
        while start < len(merged):
            chunk: list[tuple[datetime, str, int, int]] = []
            size = 0
            while start < len(merged) and len(chunk) < self.batch_size and (
                    not chunk or size + min(merged[start][3], self.max_message_bytes) <= self.batch_bytes):
                chunk.append(merged[start])
                size += min(merged[start][3], self.max_message_bytes)
                start += 1
            bodies: dict[tuple[str, int], bytes] = {}
            for role in ROLES:
                uids = [uid for _, r, uid, _ in chunk if r == role]
                if not uids:
                    continue
                big = {uid for _, r, uid, sz in chunk if r == role and sz > self.max_message_bytes}
                try:
                    got = self._fetch_bodies(state[role]["name"], int(state[role]["uidvalidity"]), uids, big)
                except _UidValidityChanged:
                    raise TransientError(f"imap account {self.account!r}: folder {state[role]['name']!r} was "
                                         "renumbered during the sync (UIDVALIDITY changed); it is read again on "
                                         "the next pass") from None
                for uid, raw in got.items():
                    bodies[(role, uid)] = raw
                state[role]["uid"] = max(int(state[role]["uid"]), *uids)
            messages = []
            for when, role, uid, _ in chunk:
                body = bodies.get((role, uid))
                if body is None:
                    continue  # expunged between listing and reading
                st = state[role]
                messages.append(RawMessage(
                    account=self.account, source_id=f"{st['name']}/{st['uidvalidity']}/{uid}", raw=body,
                    folder=role, direction_hint="sent" if role == "sent" else "received",
                    received_at=when if when.year > 1 else None))
            self._remember(state)
            yield Batch(tuple(messages), {"folders": copy.deepcopy(state)}, total=total)

    def _remember(self, state: dict[str, dict[str, Any]]) -> None:
        for role, st in state.items():
            self._seen[role] = (int(st["uidvalidity"]), int(st["uid"]))

    # -- waiting for new mail -----------------------------------------------------------------------
    def _changed(self) -> bool:
        """True when a folder has mail past what the last fetch handed out (STATUS, no SELECT)."""
        folders = self.folders()

        def step(c: IMAPClient) -> bool:
            c.noop()  # Dovecot answers STATUS on the selected folder from the session's view: refresh it
            for role, name in folders.items():
                seen = self._seen.get(role)
                if seen is None:
                    return True
                status = c.folder_status(name, [b"UIDNEXT", b"UIDVALIDITY"])
                if int(status[b"UIDVALIDITY"]) != seen[0] or int(status[b"UIDNEXT"]) > seen[1] + 1:
                    return True
            return False

        return self._call(step, "checking for new mail")

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived or `timeout` seconds pass (IDLE, else STATUS polling)."""
        if self._changed():
            return True
        if self.use_idle and b"IDLE" in self._call(lambda c: c.capabilities(), "reading capabilities"):
            try:
                return self._idle(timeout)
            except _NETWORK_ERRORS as e:
                self._close_idlers()
                log.warning("imap account %s: IDLE connection lost (%s); checking by polling", self.account, e)
                return self._changed()
        return self._poll(timeout)

    def _poll(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._sleep(min(self.poll_seconds, remaining))
            if self._changed():
                return True

    def _idler(self, role: str, name: str) -> IMAPClient:
        client = self._idlers.get(role)
        if client is None:
            client = self._connect()
            self._select(client, name)
            self._idlers[role] = client
        return client

    def _idle(self, timeout: float) -> bool:
        """IDLE on one extra connection per folder; wake on EXISTS/RECENT. The STATUS check runs after
        IDLE is established, so mail that arrived just before is not missed."""
        deadline = time.monotonic() + timeout
        idlers = {role: self._idler(role, name) for role, name in self.folders().items()}
        for client in idlers.values():
            client.idle()
        changed = False
        sel = selectors.DefaultSelector()
        try:
            for role, client in idlers.items():
                sel.register(client.socket(), selectors.EVENT_READ, role)
            changed = self._changed()
            while not changed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                for key, _ in sel.select(min(remaining, 25 * 60)):
                    for response in idlers[key.data].idle_check(timeout=0.05):
                        if len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT"):
                            changed = True
        finally:
            sel.close()
            for role, client in idlers.items():
                try:
                    client.idle_done()
                except Exception:
                    self._idlers.pop(role, None)
                    self._safe_logout(client)
        return changed

    def _close_idlers(self) -> None:
        for client in self._idlers.values():
            self._safe_logout(client)
        self._idlers.clear()

    def close(self) -> None:
        """Log out of every connection; safe to call twice."""
        self._close_idlers()
        self._drop()


class _UidValidityChanged(Exception):
    pass
