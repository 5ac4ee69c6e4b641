"""Secrets of a team on a server: the reps' tokens encrypted at rest, and one-time sign-in links.

- The key is a Fernet key (`cryptography`: AES-128-CBC with HMAC-SHA256, authenticated) read from the file
  `[secrets] key_file` (0600, made by `assistant team new-key`) or the environment variable `[secrets]
  key_env`. It is never logged (it is registered with the log redaction like every token).
- `TeamTokenStore` is the token store of one rep in team mode: the same interface as the rep's own
  0600 `tokens.json` (`auth.TokenStore`), but every entry is a Fernet token in the team's PostgreSQL
  (table `ft_team_tokens`), so workers on any machine read the same sign-ins and a copy of the database
  holds no usable token. `auth.token_store_for` hands it to the adapters while a worker runs that rep's
  job (`using_tokens`).
- A sign-in link (`assistant team login-link REP`) carries a Fernet token of (rep, account, nonce) that
  expires (`--hours`) and is accepted once (its nonce is recorded in `ft_team_links` when used), so the
  admin sends a link and never sees a password: the rep opens it and signs in themselves."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.auth import TokenStore, register_secret
from assistant.errors import ConfigError, SignInLinkError

if TYPE_CHECKING:
    from assistant.teampool import TeamPool

TOKENS_TABLE = "ft_team_tokens"
LINKS_TABLE = "ft_team_links"


def new_key() -> bytes:
    from cryptography.fernet import Fernet

    return Fernet.generate_key()


def write_key(path: Path) -> None:
    """A new key in a new 0600 file (never over an existing one: that would orphan every stored token)."""
    if path.exists():
        raise ConfigError(f"{path} exists: the tokens stored with it would be lost; give another --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(new_key() + b"\n")


def load_key(key_file: Path | None, key_env: str) -> bytes:
    """The team's Fernet key from its file or environment variable, checked; one-line errors."""
    if key_file is not None:
        try:
            if key_file.stat().st_mode & 0o077:
                raise ConfigError(f"secrets.key_file {key_file} can be read by others: chmod 600 {key_file}")
            raw = key_file.read_bytes().strip()
        except FileNotFoundError:
            raise ConfigError(f"secrets.key_file {key_file} does not exist: run `assistant team new-key --out "
                              f"{key_file}`") from None
        where = f"secrets.key_file {key_file}"
    elif key_env:
        value = os.environ.get(key_env, "")
        if not value:
            raise ConfigError(f"secrets.key_env: the environment variable {key_env} is not set: set it to the team's "
                              "key (`assistant team new-key` prints one)")
        raw, where = value.strip().encode(), f"the environment variable {key_env}"
    else:
        raise ConfigError("team.toml has no [secrets]: add key_file = \"/etc/follow-through/team.key\" (made by "
                          "`assistant team new-key --out FILE`) or key_env = \"FOLLOW_THROUGH_KEY\"")
    try:
        if len(base64.urlsafe_b64decode(raw)) != 32:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{where} is not a Fernet key (44 characters of URL-safe base64): make one with "
                          "`assistant team new-key`") from None
    register_secret(raw.decode())
    return raw


def _fernet(key: bytes) -> Any:
    from cryptography.fernet import Fernet

    return Fernet(key)


def _tables(conn: Any) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {TOKENS_TABLE} (rep text NOT NULL, key text NOT NULL, "
                 "value bytea NOT NULL, PRIMARY KEY (rep, key))")
    conn.execute(f"CREATE TABLE IF NOT EXISTS {LINKS_TABLE} (nonce text PRIMARY KEY, rep text NOT NULL, "
                 "used_at timestamptz NOT NULL DEFAULT now())")


_TABLES_MADE: weakref.WeakSet[Any] = weakref.WeakSet()  # the pools whose database has the vault's tables


@contextmanager
def _connect(url: str, pool: TeamPool | None = None) -> Iterator[Any]:
    """A connection to the team's database for one read or write: lent by `pool` (the team page) or opened
    for the block (a worker, a command)."""
    if pool is not None:
        with pool.connection() as conn:
            if pool not in _TABLES_MADE:  # once per pool, not on every read of a long-running page
                _tables(conn)
                _TABLES_MADE.add(pool)
            yield conn
        return
    import psycopg

    from assistant.store import safe_url

    try:
        conn = psycopg.connect(url, autocommit=True, application_name="ft-vault")
    except psycopg.OperationalError as e:
        raise ConfigError(f"PostgreSQL at {safe_url(url)}: cannot connect ({str(e).strip().splitlines()[0]}): check "
                          "[store] url and that the server is running") from None
    with conn:
        _tables(conn)
        yield conn


class TeamTokenStore(TokenStore):
    """One rep's tokens, each entry a Fernet token in the team's PostgreSQL."""

    def __init__(self, url: str, key: bytes, rep: str, *, pool: TeamPool | None = None) -> None:
        super().__init__(path=Path(os.devnull))
        self.url, self.rep, self._fernet, self.pool = url, rep, _fernet(key), pool

    def _decrypt(self, blob: bytes) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        try:
            value = json.loads(self._fernet.decrypt(bytes(blob)))
        except InvalidToken:
            raise ConfigError(f"rep {self.rep!r}: a stored sign-in cannot be decrypted with the team's key (was the "
                              "key replaced?): put the old key back, or send the rep a new `assistant team "
                              "login-link`") from None
        return value if isinstance(value, dict) else {}

    def get(self, provider: str, account: str) -> dict[str, Any] | None:
        with _connect(self.url, self.pool) as conn:
            row = conn.execute(f"SELECT value FROM {TOKENS_TABLE} WHERE rep = %s AND key = %s",
                               (self.rep, self.key(provider, account))).fetchone()
        if row is None:
            return None
        value = self._decrypt(row[0])
        for field in ("password", "access_token", "refresh_token", "token"):
            if isinstance(value.get(field), str):
                register_secret(value[field])
        return value

    def put(self, provider: str, account: str, value: dict[str, Any]) -> None:
        for field in ("password", "access_token", "refresh_token", "token"):
            if isinstance(value.get(field), str):
                register_secret(value[field])
        blob = self._fernet.encrypt(json.dumps(value).encode())
        with _connect(self.url, self.pool) as conn:
            conn.execute(f"INSERT INTO {TOKENS_TABLE} (rep, key, value) VALUES (%s, %s, %s) ON CONFLICT (rep, key) "
                         "DO UPDATE SET value = EXCLUDED.value", (self.rep, self.key(provider, account), blob))

    def delete(self, provider: str, account: str) -> None:
        with _connect(self.url, self.pool) as conn:
            conn.execute(f"DELETE FROM {TOKENS_TABLE} WHERE rep = %s AND key = %s",
                         (self.rep, self.key(provider, account)))

    def where(self) -> str:
        from assistant.store import safe_url

        return f"the team's database {safe_url(self.url)} (encrypted, rep {self.rep!r})"


def stored_sign_ins(url: str, rep: str) -> list[str]:
    """The names (provider:account) of the sign-ins stored for a rep, never their values."""
    with _connect(url) as conn:
        rows = conn.execute(f"SELECT key FROM {TOKENS_TABLE} WHERE rep = %s ORDER BY key", (rep,)).fetchall()
    return [str(r[0]) for r in rows]


def forget_sign_ins(url: str, rep: str) -> list[str]:
    """Delete every sign-in stored for a rep; the names deleted. (The record of the rep's used sign-in links
    stays: it holds no secret, and it keeps a used link from working a second time.)"""
    with _connect(url) as conn:
        rows = conn.execute(f"DELETE FROM {TOKENS_TABLE} WHERE rep = %s RETURNING key", (rep,)).fetchall()
    return sorted(str(r[0]) for r in rows)


# -- one-time sign-in links ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinkGrant:
    rep: str
    account: str
    nonce: str


def make_link(key: bytes, base_url: str, rep: str, account: str, hours: int = 72) -> str:
    """A sign-in link for one rep's account: {base_url}/team/sign-in/<Fernet token of rep, account, nonce,
    lifetime> (encrypted and authenticated: the rep cannot change what it grants or for how long)."""
    payload = json.dumps({"rep": rep, "account": account, "nonce": secrets.token_urlsafe(16),
                          "seconds": hours * 3600}).encode()
    token = _fernet(key).encrypt(payload).decode()
    return f"{base_url.rstrip('/')}/team/sign-in/{token}"


def read_link(key: bytes, token: str, now: float | None = None) -> LinkGrant:
    """What a link grants, if it is ours and within its lifetime (not yet marked used)."""
    from cryptography.fernet import InvalidToken

    f = _fernet(key)
    try:
        data = json.loads(f.decrypt(token.encode()))
        made = f.extract_timestamp(token.encode())
        grant = LinkGrant(rep=str(data["rep"]), account=str(data["account"]), nonce=str(data["nonce"]))
        seconds = int(data["seconds"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        raise SignInLinkError("this sign-in link is not valid: ask your admin for a new one") from None
    if (now if now is not None else time.time()) > made + seconds:
        raise SignInLinkError("this sign-in link has expired: ask your admin for a new one")
    return grant


def redeem_link(url: str, key: bytes, token: str, now: float | None = None, *,
                pool: TeamPool | None = None) -> LinkGrant:
    """Accept a link once: a second use (or a forged or expired link) is a SignInLinkError."""
    grant = read_link(key, token, now)
    if not use_once(url, grant.nonce, grant.rep, pool=pool):
        raise SignInLinkError("this sign-in link was used already: ask your admin for a new one")
    return grant


def use_once(url: str, nonce: str, rep: str, *, pool: TeamPool | None = None) -> bool:
    """Record `nonce` as used: True the first time, False ever after (on every machine: it is a row)."""
    with _connect(url, pool) as conn:
        done = conn.execute(f"INSERT INTO {LINKS_TABLE} (nonce, rep) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            (nonce, rep))
        return bool(done.rowcount == 1)


# -- a provider's sign-in begun from a link (Google's web-server flow) ----------------------------------
OAUTH_STATE_SECONDS = 600  # from leaving the page for the provider's consent to coming back


@dataclass(frozen=True)
class OAuthState:
    grant: LinkGrant  # the link the sign-in was begun from
    id: str  # recorded once when the provider's answer is taken (`use_once`)
    verifier: str  # the PKCE code verifier of this sign-in


def _binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def make_oauth_state(key: bytes, grant: LinkGrant, binding: str, verifier: str) -> str:
    """The OAuth `state` of a sign-in begun from a redeemed link: a Fernet token of the link's grant, a new id,
    the PKCE verifier and a hash of `binding` (a random value in a cookie of the rep's browser). So the state
    cannot be forged or changed (authenticated), read (encrypted: Google passes it back unread), taken to
    another browser (the binding), used twice (the id is recorded once) or used after 10 minutes."""
    payload = json.dumps({"rep": grant.rep, "account": grant.account, "nonce": grant.nonce,
                          "id": secrets.token_urlsafe(16), "v": verifier, "b": _binding_hash(binding)}).encode()
    return str(_fernet(key).encrypt(payload).decode())


def read_oauth_state(key: bytes, state: str, binding: str, now: float | None = None) -> OAuthState:
    """What a returning `state` grants, if it is ours, recent and came back to the browser that left."""
    from cryptography.fernet import InvalidToken

    f = _fernet(key)
    try:
        data = json.loads(f.decrypt_at_time(state.encode(), OAUTH_STATE_SECONDS,
                                            int(now if now is not None else time.time())))
        grant = LinkGrant(rep=str(data["rep"]), account=str(data["account"]), nonce=str(data["nonce"]))
        found = OAuthState(grant=grant, id=str(data["id"]), verifier=str(data["v"]))
        bound = str(data["b"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        raise SignInLinkError("this sign-in is not valid or took longer than 10 minutes: ask your admin for a new "
                              "sign-in link") from None
    if not hmac.compare_digest(bound, _binding_hash(binding)):
        raise SignInLinkError("this sign-in was started in another browser: finish it in the browser that opened "
                              "the sign-in link, or ask your admin for a new link")
    return found
