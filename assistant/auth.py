"""Sign-in and tokens for the remote accounts (Gmail, Microsoft 365, IMAP passwords and XOAUTH2).

Tokens live in one JSON file, `tokens.json` in the user's config dir, written atomically with mode 0600
(a temp file in the same folder, fsync, rename), or in the system keyring when an account opts in with
`keyring = true` and a keyring backend exists (headless Linux has none: the file is the default).
Secrets never reach the logs: `install_log_redaction()` puts a filter on the log handlers that masks
every registered secret and anything that looks like a bearer token, OAuth token field or password.
An expired or revoked sign-in raises AuthError naming `assistant login <provider> --account NAME`; a
token endpoint that fails for now (Google's `RefreshError.retryable`: a 5xx, 408 or 429, or an OAuth
`server_error`/`temporarily_unavailable`; msal's same errors or a 5xx) raises TransientError, which
the callers retry with backoff: the account is not stopped."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.config import AccountConfig, config_dir
from assistant.errors import AuthError, ConfigError, TransientError

log = logging.getLogger(__name__)

TOKEN_FILE = "tokens.json"
KEYRING_SERVICE = "follow-through"
GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/calendar.events",
)
GOOGLE_IMAP_SCOPES = ("https://mail.google.com/",)
MICROSOFT_SCOPES = ("Mail.Read", "Calendars.ReadWrite")
MICROSOFT_IMAP_SCOPES = ("https://outlook.office.com/IMAP.AccessAsUser.All",)
DEFAULT_AUTHORITY = "https://login.microsoftonline.com/{tenant}"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


# -- redaction -----------------------------------------------------------------------------------
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_MASK = "[redacted]"
_PATTERNS = [
    # Authorization headers and bearer tokens
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    # JSON / dict fields holding secrets: "access_token": "..." or 'password': '...'
    re.compile(r"""(?i)(["']?(?:access_token|refresh_token|id_token|client_secret|password|passwd|token|"""
               r"""secret|device_code|assertion)["']?\s*[:=]\s*["'])[^"']+"""),
    # query strings and form bodies: refresh_token=...&
    re.compile(r"(?i)((?:access_token|refresh_token|id_token|client_secret|password|code|device_code)=)[^&\s\"']+"),
    # IMAP: AUTHENTICATE XOAUTH2 <base64> and LOGIN user "password"
    re.compile(r"(?i)(AUTHENTICATE\s+XOAUTH2\s+)\S+"),
    # (upper case, after a command tag, as the protocol writes it: the words "assistant login gmail --account"
    # in a hint must stay readable)
    re.compile(r"""(\b[A-Za-z]*\d+\s+LOGIN\s+"?[^\s"]+"?\s+)("[^"]*"|\S+)"""),
]


def register_secret(value: str | None) -> None:
    """Mask this exact value wherever it appears in a log line (tokens, passwords read at run time)."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """The text with every registered secret and every token-looking field masked."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + _MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites a record's message with `redact` (and drops its args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return True
        clean = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()
_NOISY_LOGGERS = ("assistant", "imapclient", "imaplib", "googleapiclient", "google", "google_auth_httplib2",
                  "msal", "urllib3", "requests", "oauthlib", "requests_oauthlib")


_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    _FILTER.filter(record)
    return record


def install_record_redaction() -> None:
    """Redact every log record when it is created, whatever handlers are set up later (done when this
    module is imported, so any process that can read a token also masks it in its logs)."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        global _base_factory
        _base_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacting_factory)


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Belt and braces on top of the record factory: add the redacting filter to the handlers of
    `logger` (default: the root logger) and to the loggers of the HTTP/IMAP/OAuth libraries; idempotent."""
    install_record_redaction()
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    for name in _NOISY_LOGGERS:
        lg = logging.getLogger(name)
        if _FILTER not in lg.filters:
            lg.addFilter(_FILTER)
        for handler in lg.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


install_record_redaction()


# -- the token store ---------------------------------------------------------------------------
class TokenStore:
    """Tokens by (provider, account): a 0600 JSON file written atomically, or the keyring (opt-in)."""

    def __init__(self, path: Path | None = None, *, use_keyring: bool = False) -> None:
        self.path = path or config_dir() / TOKEN_FILE
        self.use_keyring = use_keyring and _keyring_available()

    @staticmethod
    def key(provider: str, account: str) -> str:
        return f"{provider}:{account}"

    # the file -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """A lock file next to the token file, so `assistant login` and the watcher never lose an update."""
        from filelock import FileLock  # (imported here: every command imports this module, few take the lock)

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", mode=0o600):  # flock on POSIX, msvcrt on Windows
            yield

    def _read_all(self) -> dict[str, Any]:
        try:
            mode = self.path.stat().st_mode & 0o777
            if mode & 0o077:
                log.warning("token file %s had mode %o; setting it to 600", self.path, mode)
                os.chmod(self.path, 0o600)
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise ConfigError(f"token file {self.path} is unreadable ({e}): delete it and sign in again "
                              "with `assistant login`") from None
        if not isinstance(data, dict):
            raise ConfigError(f"token file {self.path} is not a JSON object: delete it and sign in again")
        return data

    def _write_all(self, data: dict[str, Any]) -> None:
        """Atomic: write a 0600 temp file in the same folder, fsync, rename over the old file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=str(self.path.parent))
        try:
            os.chmod(tmp, 0o600)  # mkstemp makes it 0600 on POSIX already; os.fchmod is POSIX-only
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):
            dir_fd = os.open(str(self.path.parent), os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    # the interface --------------------------------------------------------------------------
    def get(self, provider: str, account: str) -> dict[str, Any] | None:
        key = self.key(provider, account)
        if self.use_keyring:
            import keyring

            text = keyring.get_password(KEYRING_SERVICE, key)
            value = json.loads(text) if text else None
        else:
            with self._locked():
                value = self._read_all().get(key)
        if isinstance(value, dict):
            for field in ("password", "access_token", "refresh_token", "token"):
                if isinstance(value.get(field), str):
                    register_secret(value[field])
            return value
        return None

    def put(self, provider: str, account: str, value: dict[str, Any]) -> None:
        key = self.key(provider, account)
        for field in ("password", "access_token", "refresh_token", "token"):
            if isinstance(value.get(field), str):
                register_secret(value[field])
        if self.use_keyring:
            import keyring

            keyring.set_password(KEYRING_SERVICE, key, json.dumps(value))
            return
        with self._locked():
            data = self._read_all()
            data[key] = value
            self._write_all(data)

    def delete(self, provider: str, account: str) -> None:
        key = self.key(provider, account)
        if self.use_keyring:
            import keyring
            import keyring.errors

            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(KEYRING_SERVICE, key)
            return
        with self._locked():
            data = self._read_all()
            if data.pop(key, None) is not None:
                self._write_all(data)

    def where(self) -> str:
        return "the system keyring" if self.use_keyring else str(self.path)


def _keyring_available() -> bool:
    """True when the `keyring` package is installed and has a real backend (not on headless Linux)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        log.warning("keyring = true but the `keyring` package is not installed: using the 0600 token file")
        return False
    if isinstance(keyring.get_keyring(), fail.Keyring):
        log.warning("keyring = true but no keyring backend is available: using the 0600 token file")
        return False
    return True


# In team mode a worker runs each rep's job with that rep's encrypted store (assistant.vault) set here:
# a context variable, so each job (thread or task) sees its own rep's, and a rep alone never sets it.
TEAM_TOKENS: contextvars.ContextVar[TokenStore | None] = contextvars.ContextVar("team_tokens", default=None)


@contextlib.contextmanager
def using_tokens(store: TokenStore) -> Iterator[TokenStore]:
    """Within the block, `token_store_for` answers `store` (a team rep's encrypted tokens)."""
    reset = TEAM_TOKENS.set(store)
    try:
        yield store
    finally:
        TEAM_TOKENS.reset(reset)


def token_store_for(account: AccountConfig) -> TokenStore:
    """The token store an account uses (`keyring = true` in its table opts into the system keyring; in
    team mode, the rep's encrypted store set by `using_tokens`)."""
    team = TEAM_TOKENS.get()
    if team is not None:
        return team
    return TokenStore(use_keyring=bool(account.options.get("keyring", False)))


# -- IMAP passwords ----------------------------------------------------------------------------
def imap_password(account: AccountConfig, store: TokenStore) -> str:
    """The IMAP password: `password_env` (an environment variable), else the token store (written by
    `assistant login imap`), else a `password` in the config (discouraged; for tests)."""
    env = account.options.get("password_env")
    if env:
        value = os.environ.get(str(env))
        if not value:
            raise AuthError(account.name, "imap", f"environment variable {env} is empty")
        register_secret(value)
        return value
    saved = store.get("imap", account.name)
    if saved and saved.get("password"):
        return str(saved["password"])
    if account.options.get("password"):
        value = str(account.options["password"])
        register_secret(value)
        return value
    raise AuthError(account.name, "imap", "no password stored")


def save_imap_password(account: str, store: TokenStore, password: str) -> None:
    store.put("imap", account, {"password": password})


# -- Google ------------------------------------------------------------------------------------
def google_credentials(account: str, store: TokenStore, provider: str = "gmail") -> Any:
    """The stored Google credentials (google.oauth2.credentials.Credentials); refreshed by google-auth
    when they expire. Raises AuthError when nobody signed in."""
    from google.oauth2.credentials import Credentials

    info = store.get(provider, account)
    if not info or not info.get("refresh_token") and not info.get("token"):
        raise AuthError(account, provider, "not signed in")
    missing = {"refresh_token", "client_id", "client_secret"} - set(info)
    if missing:
        raise AuthError(account, provider, f"stored token lacks {', '.join(sorted(missing))}")
    expiry = None
    if info.get("expiry"):
        from datetime import datetime

        expiry = datetime.strptime(str(info["expiry"]).rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")
    # built by hand (not from_authorized_user_info) so that the token_uri the sign-in used is kept
    return Credentials(  # type: ignore[no-untyped-call]  # (google-auth leaves __init__ unannotated)
        token=info.get("token"), refresh_token=info["refresh_token"],
        token_uri=info.get("token_uri") or GOOGLE_TOKEN_URI, client_id=info["client_id"],
        client_secret=info["client_secret"], scopes=info.get("scopes"), expiry=expiry)


def google_refresh_failure(account: str, provider: str, exc: Exception) -> AuthError | TransientError:
    """What a google-auth RefreshError means: google-auth marks `retryable` a token endpoint answer of
    5xx, 408 or 429 or an OAuth `server_error`/`temporarily_unavailable` (it has already retried it
    itself): a fault of the moment, retried with backoff. Anything else (invalid_grant: expired or
    revoked) needs a new sign-in."""
    detail = redact(str(exc.args[0] if exc.args else exc)).splitlines()[0] if str(exc) else type(exc).__name__
    if getattr(exc, "retryable", False):
        return TransientError(f"{provider} account {account!r}: Google's sign-in server failed for now ({detail}): "
                              "will retry")
    return AuthError(account, provider, f"Google refused to refresh the token: {detail}")


def save_google_credentials(account: str, store: TokenStore, creds: Any, provider: str = "gmail") -> None:
    store.put(provider, account, json.loads(creds.to_json()))


def google_login(account: AccountConfig, store: TokenStore, *, scopes: Sequence[str] = GOOGLE_SCOPES,
                 open_browser: bool = True, provider: str = "gmail") -> None:
    """The installed-app flow: a browser signs in, Google redirects to a local port, we keep the tokens."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    secrets = account.options.get("client_secrets")
    if not secrets:
        raise ConfigError(f"account {account.name!r}: add client_secrets = \"/path/to/client_secret.json\" "
                          "(a Google Cloud OAuth client of type Desktop app; see credentials.example.json)")
    path = Path(os.path.expanduser(str(secrets)))
    if not path.exists():
        raise ConfigError(f"account {account.name!r}: client_secrets file {path} does not exist")
    if open_browser:
        import webbrowser

        try:
            webbrowser.get()
        except webbrowser.Error:  # a headless machine: print the address instead
            open_browser = False
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=list(scopes))
    except ValueError as e:
        raise ConfigError(f"account {account.name!r}: {path} is not an OAuth client file of type Desktop app "
                          f"({e}): download it again from the Google Cloud console") from None
    from google_auth_oauthlib.flow import WSGITimeoutError

    try:
        creds = flow.run_local_server(host="127.0.0.1", port=0, open_browser=open_browser, timeout_seconds=600,
                                      authorization_prompt_message="Open this address to sign in: {url}",
                                      success_message="Signed in; you can close this window.")
    except WSGITimeoutError:
        raise AuthError(account.name, provider, "nobody finished the sign-in within 10 minutes") from None
    except Exception as e:  # oauthlib errors: access denied, bad code, ...
        raise AuthError(account.name, provider, f"sign-in failed: {redact(str(e))}") from None
    save_google_credentials(account.name, store, creds, provider)


def _google_web_flow(account: AccountConfig, redirect_uri: str, scopes: Sequence[str],
                     code_verifier: str | None = None) -> Any:
    """google-auth-oauthlib's Flow for the team's OAuth client of type Web application (the account's
    client_secrets file), with the team page's redirect URI, checked against the URIs registered in it."""
    from google_auth_oauthlib.flow import Flow

    secrets = account.options.get("client_secrets")
    if not secrets:
        raise ConfigError(f"account {account.name!r}: add client_secrets = \"/path/to/client_secret.json\" (the "
                          "team's Google Cloud OAuth client of type Web application; see credentials.example.json)")
    path = Path(os.path.expanduser(str(secrets)))
    try:
        kind = next(iter(json.loads(path.read_text(encoding="utf-8"))), "")
    except (OSError, ValueError, StopIteration):
        raise ConfigError(f"account {account.name!r}: cannot read the OAuth client file {path}: download it again "
                          "from the Google Cloud console") from None
    if kind != "web":
        raise ConfigError(f"account {account.name!r}: {path} is an OAuth client of type {kind or 'unknown'!r}; a sign-in "
                          "on the team's server needs one of type Web application, with the redirect URI "
                          f"{redirect_uri} (Google Cloud console > Credentials)")
    try:
        flow = Flow.from_client_secrets_file(str(path), scopes=list(scopes), redirect_uri=redirect_uri,
                                             code_verifier=code_verifier, autogenerate_code_verifier=True)
    except ValueError as e:
        raise ConfigError(f"account {account.name!r}: {path} is not an OAuth client file ({e}): download it again "
                          "from the Google Cloud console") from None
    register_secret(flow.client_config.get("client_secret"))
    registered = flow.client_config.get("redirect_uris") or []
    if redirect_uri not in registered:
        raise ConfigError(f"account {account.name!r}: the OAuth client in {path} does not list {redirect_uri} among "
                          "its Authorized redirect URIs: add it in the Google Cloud console and download the file "
                          "again")
    return flow


def google_web_authorization(account: AccountConfig, redirect_uri: str, state: str, code_verifier: str | None = None,
                             *, scopes: Sequence[str] = GOOGLE_SCOPES) -> tuple[str, str]:
    """Google's web-server flow, step 1: the consent page's address for this account (offline access and
    a consent prompt, so Google returns a refresh token even to a rep who consented before) and the PKCE
    code verifier to keep until the callback."""
    flow = _google_web_flow(account, redirect_uri, scopes, code_verifier)
    url, _ = flow.authorization_url(state=state, access_type="offline", prompt="consent",
                                    include_granted_scopes="true")
    return str(url), str(flow.code_verifier)


def google_web_exchange(account: AccountConfig, store: TokenStore, redirect_uri: str, code: str, code_verifier: str,
                        *, scopes: Sequence[str] = GOOGLE_SCOPES, provider: str = "gmail") -> None:
    """Google's web-server flow, step 2: the server exchanges the code (with the team's client secret, the
    same redirect URI and the PKCE verifier) and keeps the tokens in `store`. Nothing of it is logged."""
    flow = _google_web_flow(account, redirect_uri, scopes, code_verifier)
    register_secret(code)
    try:
        flow.fetch_token(code=code)
    except Exception as e:  # oauthlib's errors: invalid_grant (used or expired code), redirect_uri_mismatch, ...
        raise AuthError(account.name, provider, f"Google refused the sign-in: {redact(str(e)).splitlines()[0]}") from None
    creds = flow.credentials
    register_secret(creds.token)
    register_secret(creds.refresh_token)
    if not creds.refresh_token:
        raise AuthError(account.name, provider, "Google returned no refresh token: open a new sign-in link")
    save_google_credentials(account.name, store, creds, provider)


# -- Microsoft ---------------------------------------------------------------------------------
def http_session(account: AccountConfig) -> Any:
    """A requests session for msal and Graph. With `ca_file` (a TLS-inspecting proxy's CA, or a test CA)
    it trusts that file; the environment's CA bundle variables would otherwise override it, so the
    session then ignores the environment except for its proxies."""
    import urllib.request

    import requests

    session = requests.Session()
    if account.options.get("ca_file"):
        session.trust_env = False
        session.verify = str(Path(os.path.expanduser(str(account.options["ca_file"]))))
        session.proxies.update(urllib.request.getproxies())
    return session


def microsoft_app(account: AccountConfig, store: TokenStore, provider: str = "outlook",
                  http_client: Any = None) -> tuple[Any, Any]:
    """A msal PublicClientApplication with the account's token cache loaded from the token store."""
    import msal

    client_id = account.options.get("client_id")
    if not client_id:
        raise ConfigError(f"account {account.name!r}: add client_id = \"...\" (an Azure app registration, "
                          "public client; see credentials.example.json)")
    tenant = str(account.options.get("tenant", "common"))
    authority = str(account.options.get("authority") or DEFAULT_AUTHORITY.format(tenant=tenant))
    cache = msal.SerializableTokenCache()
    saved = store.get(provider, account.name)
    if saved and saved.get("msal_cache"):
        cache.deserialize(saved["msal_cache"])
    custom = authority.rstrip("/") != DEFAULT_AUTHORITY.format(tenant=tenant)
    kwargs: dict[str, Any] = {"authority": authority, "token_cache": cache}
    if custom:  # a sovereign cloud or a test authority: no discovery against login.microsoftonline.com
        kwargs.update(validate_authority=False, instance_discovery=False)
    kwargs["http_client"] = http_client if http_client is not None else http_session(account)
    try:
        app = msal.PublicClientApplication(str(client_id), **kwargs)
    except ValueError as e:
        raise ConfigError(f"account {account.name!r}: authority {authority!r} rejected: {e}") from None
    except Exception as e:  # network failure during authority discovery
        raise TransientError(f"account {account.name!r}: cannot reach {authority}: {e}") from None
    return app, cache


def _save_cache(account: str, store: TokenStore, cache: Any, provider: str) -> None:
    if cache.has_state_changed:
        store.put(provider, account, {"msal_cache": cache.serialize()})
        cache.has_state_changed = False


def microsoft_token(account: AccountConfig, store: TokenStore, scopes: Sequence[str] = MICROSOFT_SCOPES[:1],
                    *, app: Any = None, cache: Any = None, provider: str = "outlook",
                    force_refresh: bool = False) -> str:
    """An access token from the cache (refreshed by msal with the refresh token when it expired)."""
    if app is None:
        app, cache = microsoft_app(account, store, provider)
    accounts = app.get_accounts()
    if not accounts:
        raise AuthError(account.name, provider, "not signed in")
    try:
        result = app.acquire_token_silent_with_error(list(scopes), account=accounts[0],
                                                     force_refresh=force_refresh)
    except OSError as e:
        raise TransientError(f"{provider} account {account.name!r}: cannot reach the sign-in server: {e}") from None
    except Exception as e:
        failure = _msal_http_failure(account.name, provider, e)
        if failure is None:
            raise
        raise failure from None
    if cache is not None:
        _save_cache(account.name, store, cache, provider)
    if not result or "access_token" not in result:
        if result and str(result.get("error")) in RETRYABLE_OAUTH_ERRORS:
            raise TransientError(f"{provider} account {account.name!r}: the sign-in server failed for now "
                                 f"({result.get('error')}): will retry", retry_after=MSAL_THROTTLE_SECONDS)
        detail = (result or {}).get("error_description") or (result or {}).get("error") or "no cached token"
        raise AuthError(account.name, provider, str(detail).splitlines()[0])
    register_secret(result["access_token"])
    return str(result["access_token"])


# OAuth errors that mean "later, not never": RFC 6749 4.1.2.1 names server_error and temporarily_unavailable
# (the Microsoft identity platform returns them from its token endpoint too: see the `error` table of
# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow, its token endpoint error table).
RETRYABLE_OAUTH_ERRORS = ("server_error", "temporarily_unavailable")
# msal replays a token endpoint's failure from its own cache instead of asking again: a 429/5xx for its
# Retry-After (60 s when none, for a public client app), an HTTP 400 for 60 s (msal/throttled_http_client.py,
# msal/application.py `default_throttle_time=60`). Waiting less retries nothing.
MSAL_THROTTLE_SECONDS = 60.0


def _msal_http_failure(account: str, provider: str, exc: Exception) -> TransientError | None:
    """msal raises (rather than returns) when the token endpoint answers 5xx: that is retried."""
    import msal
    import requests

    status = None
    if isinstance(exc, msal.exceptions.MsalServiceError):
        m = re.match(r"HTTP Error: (\d{3})", str(exc))
        status = int(m.group(1)) if m else None
    elif isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
    if status is None or status < 500:
        return None
    return TransientError(f"{provider} account {account!r}: the sign-in server answered HTTP {status}: will retry",
                          retry_after=MSAL_THROTTLE_SECONDS)


def microsoft_device_login(account: AccountConfig, store: TokenStore, echo: Callable[[str], None], *,
                           scopes: Sequence[str] = MICROSOFT_SCOPES, app: Any = None, cache: Any = None,
                           provider: str = "outlook") -> str:
    """The device-code flow: print the code and address, wait for the rep to sign in, keep the cache.
    Returns the signed-in user name."""
    if app is None:
        app, cache = microsoft_app(account, store, provider)
    flow = app.initiate_device_flow(scopes=list(scopes))
    if "user_code" not in flow:
        raise AuthError(account.name, provider, f"device sign-in refused: {flow.get('error_description', flow)}")
    echo(flow["message"])
    try:  # msal polls, waiting `interval` seconds after each authorization_pending (RFC 8628 3.5)
        result = app.acquire_token_by_device_flow(flow)
    except OSError as e:
        raise TransientError(f"{provider} account {account.name!r}: lost the sign-in server while waiting ({e}): "
                             f"run `assistant login {provider} --account {account.name}` again") from None
    except Exception as e:
        failure = _msal_http_failure(account.name, provider, e)
        if failure is None:
            raise
        raise TransientError(f"{failure}; run `assistant login {provider} --account {account.name}` again") from None
    return _finish_ms_login(account, store, cache, result, provider)


def microsoft_browser_login(account: AccountConfig, store: TokenStore, *, scopes: Sequence[str] = MICROSOFT_SCOPES,
                            app: Any = None, cache: Any = None, provider: str = "outlook") -> str:
    """The auth-code flow with a local redirect (msal opens the browser)."""
    if app is None:
        app, cache = microsoft_app(account, store, provider)
    result = app.acquire_token_interactive(scopes=list(scopes), prompt="select_account")
    return _finish_ms_login(account, store, cache, result, provider)


def _finish_ms_login(account: AccountConfig, store: TokenStore, cache: Any, result: dict[str, Any],
                     provider: str) -> str:
    if "access_token" not in result:
        error = str(result.get("error") or "")
        words = {"authorization_declined": "the sign-in was declined",
                 "expired_token": "nobody entered the code before it expired"}.get(error)
        detail = words or str(result.get("error_description") or error).splitlines()[0]
        raise AuthError(account.name, provider, detail)
    register_secret(result["access_token"])
    cache.has_state_changed = True
    _save_cache(account.name, store, cache, provider)
    claims = result.get("id_token_claims") or {}
    return str(claims.get("preferred_username") or claims.get("name") or "")
