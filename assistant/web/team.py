"""The team page (`assistant team serve`): the manager's pipeline review and each rep's own queue, behind the
company's sign-in, and the one-time sign-in links an admin sends to reps.

- Identity: the `X-Forwarded-Email` header an authenticating reverse proxy sets (oauth2-proxy's
  convention; `[web] header` names another), trusted only on requests whose peer address is one of
  `[web] proxies`. Any other request, or one without the header, is refused (403): the page has no
  sign-in of its own.
- Who sees what: a manager (`[[managers]]`) sees the review of the reps listed for them; a rep (their
  `[rep] email`) sees only their own queue; anyone else is refused.
- `/team/sign-in/<link>`: the link is its own credential (encrypted, expiring, accepted once:
  assistant.vault), so it needs no proxy identity. An IMAP account asks for the password and keeps it
  encrypted; a Microsoft account starts the device-code flow and shows the rep the code. Gmail's
  installed-app flow needs the rep's own machine: the page says to run `assistant login` there.
- The page runs no script at all: a strict Content-Security-Policy, inline SVG charts, every text escaped."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from assistant.clock import Clock, system_clock
from assistant.errors import AssistantError
from assistant.rendering import template_env
from assistant.teamconfig import TeamConfig, rep_config

CSP = ("default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
LINK_HOURS_MAX = 168


def _trusted(team: TeamConfig, host: str | None) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(p, strict=False) for p in team.proxies)


def identity(team: TeamConfig, request: Request) -> str:
    """The signed-in email the proxy vouches for; 403 when the request did not come through a proxy."""
    peer = request.client.host if request.client else None
    if not _trusted(team, peer):
        raise HTTPException(403, "this page is reached through the company's sign-in proxy only")
    email = request.headers.get(team.identity_header, "").strip().lower()
    if not email:
        raise HTTPException(403, "the sign-in proxy sent no identity")
    return email


def create_team_app(team: TeamConfig, *, clock: Clock = system_clock,
                    device_login: Callable[..., Any] | None = None) -> Starlette:
    env = template_env()
    rep_by_email: dict[str, str] = {}
    for r in team.reps:
        try:
            email = rep_config(team, r).rep.email
        except AssistantError:
            continue
        if email:
            rep_by_email[email.lower()] = r.name
    sign_ins: dict[str, dict[str, Any]] = {}  # link nonce -> the device flow's message / outcome
    lock = threading.Lock()

    def html(name: str, status: int = 200, **context: Any) -> Response:
        body = env.get_template(name).render(**context)
        return HTMLResponse(body, status_code=status, headers={"Content-Security-Policy": CSP,
                                                               "X-Content-Type-Options": "nosniff",
                                                               "Referrer-Policy": "no-referrer",
                                                               "Cache-Control": "no-store"})

    async def home(request: Request) -> Response:
        from assistant.report import iso_week, normalise_week, previous_week

        who = identity(team, request)
        now: datetime = clock()
        managed = team.managed_by(who)
        if managed:
            from assistant.team_review import chart_svg, team_review

            try:
                week = normalise_week(request.query_params.get("week", "")) if request.query_params.get("week") \
                    else iso_week(now, "UTC")
            except ValueError as e:
                raise HTTPException(400, str(e)) from None
            review = team_review(team, managed, now, week)
            charts = {r.rep: chart_svg(r.history) for r in review.reps}
            return html("team_review.html", title=f"Pipeline review {week}", who=who, review=review, charts=charts,
                        prev=previous_week(week, "UTC"))
        rep = rep_by_email.get(who)
        if rep is None:
            raise HTTPException(403, f"{who} is neither a rep nor a manager of this team")
        from assistant import review as review_mod
        from assistant.store import store_for

        config = rep_config(team, team.rep(rep))
        with store_for(config) as store:
            items = review_mod.queue(store, config, now)
        return html("team_queue.html", title=f"Follow-ups of {config.rep.name}", who=who, items=items,
                    tz=config.rep.timezone)

    async def sign_in(request: Request) -> Response:
        from assistant.vault import TeamTokenStore, load_key, read_link, redeem_link

        token = request.path_params["link"]
        key = load_key(team.key_file, team.key_env)
        try:
            grant = read_link(key, token)
            config = rep_config(team, team.rep(grant.rep))
            account = config.account(grant.account)
        except AssistantError as e:
            return html("team_signin.html", status=400, title="Sign in", error=str(e), done=False)
        store = TeamTokenStore(team.store_url, key, grant.rep)
        context = {"title": f"Sign in: {config.rep.name}", "account": account.name, "kind": account.kind,
                   "error": "", "done": False, "username": account.options.get("username", ""),
                   "host": account.options.get("host", ""), "hint": ""}
        if account.kind == "imap":
            if request.method == "POST":
                form = await request.form()
                password = form.get("password")
                if not isinstance(password, str) or not password:
                    return html("team_signin.html", status=400, **{**context, "error": "type your password"})
                try:
                    redeem_link(team.store_url, key, token)
                except AssistantError as e:
                    return html("team_signin.html", status=400, **{**context, "error": str(e)})
                from assistant.auth import register_secret, save_imap_password

                register_secret(password)
                save_imap_password(account.name, store, password)
                return html("team_signin.html", **{**context, "done": True})
            return html("team_signin.html", **context)
        if account.kind == "outlook" or account.options.get("oauth_provider") == "microsoft":
            with lock:
                started = sign_ins.get(grant.nonce)
            if started is None:
                try:
                    redeem_link(team.store_url, key, token)
                except AssistantError as e:
                    return html("team_signin.html", status=400, **{**context, "error": str(e)})
                started = _start_device_flow(account, store, device_login)
                with lock:
                    sign_ins[grant.nonce] = started
            started["ready"].wait(20)
            text = started.get("error") or started.get("message") or "starting the sign-in; reload this page"
            return html("team_signin.html", **{**context, "hint": text})
        return html("team_signin.html", **{**context, "hint": f"run `assistant login gmail --account {account.name}` "
                                           "on your own computer (Google's sign-in returns to that computer)"})

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        return html("team_base.html", status=status, title=f"{status}: {getattr(exc, 'detail', 'error')}")

    routes = [Route("/", home), Route("/team/sign-in/{link}", sign_in, methods=["GET", "POST"])]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})


def _start_device_flow(account: Any, store: Any, device_login: Callable[..., Any] | None) -> dict[str, Any]:
    """Microsoft's device-code flow in a thread: the page shows the rep the code; the thread waits for the
    rep to sign in and keeps the token in the rep's encrypted store."""
    from assistant import auth

    login = device_login or auth.microsoft_device_login
    state: dict[str, Any] = {"ready": threading.Event()}

    def echo(message: str) -> None:
        state["message"] = message
        state["ready"].set()

    def run() -> None:
        try:
            login(account, store, echo)
            state["done"] = True
        except AssistantError as e:
            state["error"] = str(e)
        finally:
            state["ready"].set()

    threading.Thread(target=run, daemon=True, name=f"sign-in {account.name}").start()
    return state
