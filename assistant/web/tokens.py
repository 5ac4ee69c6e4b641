"""The two secrets of `assistant serve`, kept across restarts so a bookmark and a calendar subscription
keep working: the page's token (the link the rep opens, which becomes a session cookie) and the
calendar feed's token (the subscription URL a phone's calendar polls). They are different on purpose:
the feed's token reads the follow-ups and nothing else; the page's token never opens the feed.

Both live in the 0600 token file in the config dir (`assistant.auth.TokenStore`, the one home of tokens,
written atomically and masked in every log line), under `serve:page` and `serve:calendar`.
`assistant serve --new-tokens` replaces both (a link that leaked stops working)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from assistant.auth import TokenStore

PROVIDER = "serve"
MIN_LENGTH = 16


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class ServeTokens:
    page: str
    calendar: str


def serve_tokens(store: TokenStore | None = None, *, renew: bool = False) -> ServeTokens:
    """The saved tokens, each made (and saved) on first use or when `renew` is set."""
    store = store or TokenStore()
    found: dict[str, str] = {}
    for name in ("page", "calendar"):
        saved = None if renew else store.get(PROVIDER, name)
        token = saved.get("token") if saved else None
        if not isinstance(token, str) or len(token) < MIN_LENGTH:
            token = new_token()
            store.put(PROVIDER, name, {"token": token})
        found[name] = token
    return ServeTokens(page=found["page"], calendar=found["calendar"])
