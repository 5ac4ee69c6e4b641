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
  encrypted; a Microsoft account starts the device-code flow and shows the rep the code; a Gmail account
  runs Google's web-server flow: the rep's browser goes to Google's consent page and comes back to
  `/team/oauth/google` with a code the server exchanges with the team's OAuth client (the `state` is
  bound to the used link and to the rep's browser: assistant.vault.make_oauth_state).
- The database is read through a small pool of connections (assistant.teampool), closed at shutdown.
- The page runs no script at all: a strict Content-Security-Policy, inline SVG charts, every text escaped."""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from assistant.clock import Clock, system_clock
from assistant.errors import AssistantError, ConfigError, SignInLinkError
from assistant.rendering import template_env
from assistant.teamconfig import TeamConfig, rep_config

if TYPE_CHECKING:
    from assistant.teampool import TeamPool

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


GOOGLE_CALLBACK = "/team/oauth/google"
BINDING_COOKIE = "ft_oauth"


def create_team_app(team: TeamConfig, *, clock: Clock = system_clock,
                    device_login: Callable[..., Any] | None = None, pool: TeamPool | None = None) -> Starlette:
    """The team page. It reads the team's database through `pool` (made here when not given: a few
    connections shared by every request, closed when the app shuts down)."""
    from assistant.teampool import TeamPool

    env = template_env()
    own_pool = pool is None
    db = pool if pool is not None else TeamPool(team.store_url)
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

    def home(request: Request) -> Response:  # sync: Starlette runs it in its thread pool, off the event loop
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
            db.check()  # a database that is gone: one line for the page, not one per rep
            review = team_review(team, managed, now, week, pool=db)
            charts = {r.rep: chart_svg(r.history) for r in review.reps}
            return html("team_review.html", title=f"Pipeline review {week}", who=who, review=review, charts=charts,
                        prev=previous_week(week, "UTC"))
        rep = rep_by_email.get(who)
        if rep is None:
            raise HTTPException(403, f"{who} is neither a rep nor a manager of this team")
        from assistant import review as review_mod

        config = rep_config(team, team.rep(rep))
        with db.store(rep) as store:
            items = review_mod.queue(store, config, now)
        return html("team_queue.html", title=f"Follow-ups of {config.rep.name}", who=who, items=items,
                    tz=config.rep.timezone)

    def redirect_uri() -> str:
        if not team.base_url:
            raise ConfigError(f"{team.source_path}: [web] has no base_url: add base_url = \"https://...\" (where reps "
                              "open the team page; Google's sign-in returns to it)")
        return team.base_url + GOOGLE_CALLBACK

    def sign_in_work(token: str, password: str | None, post: bool, binding: str) -> Response:
        from assistant.vault import TeamTokenStore, load_key, make_oauth_state, read_link, redeem_link

        key = load_key(team.key_file, team.key_env)
        try:
            grant = read_link(key, token)
            config = rep_config(team, team.rep(grant.rep))
            account = config.account(grant.account)
        except AssistantError as e:
            return html("team_signin.html", status=400, title="Sign in", error=str(e), done=False)
        store = TeamTokenStore(team.store_url, key, grant.rep, pool=db)
        context = {"title": f"Sign in: {config.rep.name}", "account": account.name, "kind": account.kind,
                   "error": "", "done": False, "username": account.options.get("username", ""),
                   "host": account.options.get("host", ""), "hint": "", "google": False, "microsoft": False}
        if account.kind == "imap":
            if post:
                if not password:
                    return html("team_signin.html", status=400, **{**context, "error": "type your password"})
                try:
                    redeem_link(team.store_url, key, token, pool=db)
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
            if started is None and not post:  # as for Gmail: opening the link spends nothing, the button does
                return html("team_signin.html", **{**context, "microsoft": True})
            if started is None:
                try:
                    redeem_link(team.store_url, key, token, pool=db)
                except AssistantError as e:
                    return html("team_signin.html", status=400, **{**context, "error": str(e)})
                started = _start_device_flow(account, store, device_login)
                with lock:
                    sign_ins[grant.nonce] = started
            started["ready"].wait(20)
            text = started.get("error") or started.get("message") or "starting the sign-in; reload this page"
            return html("team_signin.html", **{**context, "hint": text})
        if account.kind != "gmail":
            return html("team_signin.html", status=400, **{**context, "error": f"a {account.kind} account signs in "
                                                           "with `assistant login` on the rep's own computer"})
        from assistant.auth import google_web_authorization

        if not post:  # a GET only shows the button: a mail scanner that opens links does not use this one up
            return html("team_signin.html", **{**context, "google": True})
        try:
            where = redirect_uri()
            _, verifier = google_web_authorization(account, where, "")  # the client file is right: now use the link
            redeem_link(team.store_url, key, token, pool=db)
            state = make_oauth_state(key, grant, binding, verifier)
            url, _ = google_web_authorization(account, where, state, verifier)
        except AssistantError as e:
            return html("team_signin.html", status=400, **{**context, "error": str(e)})
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(BINDING_COOKIE, binding, max_age=600, path=GOOGLE_CALLBACK, httponly=True,
                            secure=team.base_url.startswith("https://"), samesite="lax")
        return response

    async def sign_in(request: Request) -> Response:
        password: str | None = None
        post = request.method == "POST"
        if post:
            form = await request.form()
            value = form.get("password")
            password = value if isinstance(value, str) else None
        return await run_in_threadpool(sign_in_work, request.path_params["link"], password, post,
                                       secrets.token_urlsafe(24))

    def google_callback(request: Request) -> Response:
        """Google sends the rep's browser back here with `code` and `state` (or `error`)."""
        from assistant.auth import google_web_exchange
        from assistant.vault import TeamTokenStore, load_key, read_oauth_state, use_once

        title = "Sign in with Google"
        key = load_key(team.key_file, team.key_env)
        try:
            found = read_oauth_state(key, request.query_params.get("state", ""),
                                     request.cookies.get(BINDING_COOKIE, ""))
            config = rep_config(team, team.rep(found.grant.rep))
            account = config.account(found.grant.account)
        except AssistantError as e:
            return html("team_signin.html", status=400, title=title, error=str(e), done=False)
        context: dict[str, Any] = {"title": f"Sign in: {config.rep.name}", "account": account.name,
                                   "kind": account.kind, "error": "", "done": False, "hint": "",
                                   "google": False, "microsoft": False}
        error = request.query_params.get("error")
        if error:
            detail = "you did not allow access" if error == "access_denied" else f"Google answered {error!r}"
            return html("team_signin.html", status=400, **{**context, "error": f"{detail}: ask your admin for a new "
                                                           "sign-in link"})
        code = request.query_params.get("code", "")
        try:
            if not code:
                raise SignInLinkError("Google sent no code: ask your admin for a new sign-in link")
            if not use_once(team.store_url, "oauth:" + found.id, found.grant.rep, pool=db):
                raise SignInLinkError("this sign-in was finished already: nothing to do (a new one needs a new link)")
            google_web_exchange(account, TeamTokenStore(team.store_url, key, found.grant.rep, pool=db),
                                redirect_uri(), code, found.verifier)
        except AssistantError as e:
            return html("team_signin.html", status=400, **{**context, "error": str(e)})
        response = html("team_signin.html", **{**context, "done": True})
        response.delete_cookie(BINDING_COOKIE, path=GOOGLE_CALLBACK)
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        return html("team_base.html", status=status, title=f"{status}: {getattr(exc, 'detail', 'error')}")

    async def assistant_error(request: Request, exc: Exception) -> Response:
        """The project's own errors (a database that is gone, a config that broke): one line, status 500."""
        return html("team_base.html", status=500, title=f"500: {exc}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if own_pool:
            db.close()

    routes = [Route("/", home), Route("/team/sign-in/{link}", sign_in, methods=["GET", "POST"]),
              Route(GOOGLE_CALLBACK, google_callback)]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: http_error, AssistantError: assistant_error})
    app.state.pool = db
    return app


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
