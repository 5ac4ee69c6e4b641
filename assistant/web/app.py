"""The Starlette app behind `assistant serve`.

Security, because the page shows untrusted mail and acts on the rep's calendar:
- bound to 127.0.0.1 by the CLI unless `--host` says otherwise; the Host header must name this machine (one
  of its addresses or its name: no DNS rebinding);
- the URL printed at start carries the page's token (kept across restarts in the 0600 token file, see
  assistant.web.tokens); opening it sets an HttpOnly SameSite=Strict session cookie and redirects to a
  clean URL, and every other request needs that cookie;
- `/calendar.ics?token=...` is the read-only calendar feed for subscription: its own token, no cookie,
  no session; the page's token does not open it and its token does not open the page;
- every form carries the session's CSRF token, checked on every POST (and a foreign Origin is refused);
- Jinja2 autoescapes every template; a strict Content-Security-Policy (no script at all) and the usual
  headers go on every answer."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from assistant import check as next_action
from assistant import report as weekly
from assistant import review
from assistant.calendars import open_calendar
from assistant.calendars.ics import IcsWriter
from assistant.clock import Clock, system_clock
from assistant.config import Config
from assistant.errors import AssistantError
from assistant.rendering import WEB_DIR, template_env
from assistant.store import Store, store_for
from assistant.web.tokens import new_token

HERE = WEB_DIR
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
FEED_PATH = "/calendar.ics"
log = logging.getLogger(__name__)


@dataclass
class Session:
    csrf: str
    flash: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class WebState:
    """What the app holds between requests: config, the page's and the feed's tokens, clock and the open
    sessions (in memory: after a restart the saved link opens a new one)."""

    config: Config
    token: str
    clock: Clock
    calendar_token: str = field(default_factory=new_token)
    sessions: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cookie(self) -> str:
        # Cookies ignore the port: name it after the token so two servers on one host do not collide.
        return "ft_session_" + hashlib.sha256(self.token.encode()).hexdigest()[:10]

    def new_session(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[sid] = Session(csrf=secrets.token_urlsafe(32))
        return sid

    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self.lock:
            return self.sessions.get(sid)


def _forbidden(templates: Jinja2Templates, request: Request, why: str) -> Response:
    return templates.TemplateResponse(request, "forbidden.html", {"why": why}, status_code=403)


class AuthMiddleware(BaseHTTPMiddleware):
    """Token -> session cookie on first visit; the cookie on every later request; headers on all."""

    def __init__(self, app: Any, state: WebState, templates: Jinja2Templates) -> None:
        super().__init__(app)
        self.state = state
        self.templates = templates

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await self._dispatch(request, call_next)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def _dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path.startswith("/static/") or request.url.path == FEED_PATH:
            return await call_next(request)  # the feed checks its own token
        token = request.query_params.get("token")
        if token is not None:
            if not hmac.compare_digest(token.encode(), self.state.token.encode()):
                return _forbidden(self.templates, request, "This link's token is not valid for this server.")
            sid = self.state.new_session()
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(self.state.cookie, sid, httponly=True, samesite="strict", path="/")
            return response
        session = self.state.session(request.cookies.get(self.state.cookie))
        if session is None:
            return _forbidden(self.templates, request,
                              "Open the link that `assistant serve` printed: it carries the session token.")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
                return _forbidden(self.templates, request, "This form was sent from another site.")
        request.state.session = session
        return await call_next(request)


def create_app(config: Config, *, token: str | None = None, calendar_token: str | None = None,
               clock: Clock = system_clock, allowed_hosts: list[str] | None = None) -> Starlette:
    """The review app. `allowed_hosts` adds Host names beyond the loopback ones (`serve --host` adds this
    machine's addresses; tests use "testserver")."""
    state = WebState(config=config, token=token or new_token(), clock=clock,
                     calendar_token=calendar_token or new_token())
    templates = Jinja2Templates(env=template_env())
    tz = config.rep.timezone

    @contextmanager
    def store() -> Iterator[Store]:
        s = store_for(config)
        try:
            yield s
        finally:
            s.close()

    def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        session: Session = request.state.session
        with state.lock:
            flashes, session.flash[:] = list(session.flash), []
        base = {"csrf": session.csrf, "flashes": flashes, "tz": tz, "rep": config.rep,
                "now": state.clock(), "path": request.url.path}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)

    def flash(request: Request, kind: str, text: str) -> None:
        with state.lock:
            request.state.session.flash.append((kind, text))

    async def checked_form(request: Request) -> FormData:
        """The POSTed form, once its CSRF token matches the session's; 403 otherwise."""
        form = await request.form()
        sent = form.get("csrf")
        expected: str = request.state.session.csrf
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
        return form

    # -- the queue ------------------------------------------------------------------------------
    async def queue_page(request: Request) -> Response:
        now = state.clock()
        with store() as s:
            pending = review.queue(s, config, now)
            snoozed = review.snoozed(s, config, now)
            calendar = review.calendar_groups(s, config, now)
            backlog = review.backlog_groups(s)
        return page(request, "queue.html", {"pending": pending, "snoozed": snoozed, "calendar": calendar,
                                            "past_days": review.PAST_DAYS,
                                            "snooze_choices": review.snooze_choices(now, config),
                                            "backlog": backlog, "backlog_count": sum(len(g.items) for g in backlog),
                                            "history_days": config.tracker.history_days})

    async def dismiss_backlog(request: Request) -> Response:
        await checked_form(request)
        with store() as s:
            result = review.dismiss_backlog(s, state.clock())
        flash(request, "ok", result.message)
        return RedirectResponse("/", status_code=303)

    async def act(request: Request) -> Response:
        form = await checked_form(request)
        action = request.path_params["action"]
        sid = request.path_params["sid"]
        now = state.clock()
        if action not in ("accept", "reject", "cancel", "snooze", "edit", "done"):
            raise HTTPException(404, f"no action {action!r}")
        try:
            writer = open_calendar(config, state.clock)
            with store() as s:
                if action == "accept":
                    result = review.accept(s, config, sid, now, writer)
                elif action == "reject":
                    result = review.reject(s, config, sid, now, writer)
                elif action == "cancel":
                    result = review.cancel(s, config, sid, now, writer)
                elif action == "done":
                    result = review.mark_done(s, config, sid, now)
                elif action == "snooze":
                    until = review.parse_snooze(str(form.get("until", "")), now, config)
                    result = review.snooze(s, config, sid, now, until, writer)
                else:
                    start_text = str(form.get("start", "")).strip()
                    title = str(form.get("title", "")).strip() or None
                    start = review.parse_local(start_text, config) if start_text else None
                    result = review.edit(s, config, sid, now, start=start, title=title, writer=writer)
            flash(request, "ok", result.message)
        except (AssistantError, ValueError) as e:
            flash(request, "error", str(e))
        return RedirectResponse("/", status_code=303)

    # -- deals, reports, check ------------------------------------------------------------------
    async def deals_page(request: Request) -> Response:
        with store() as s:
            board = review.deal_rows(s, config, state.clock())
        return page(request, "deals.html", {"deals": board, "stalled_days": config.tracker.stalled_days})

    async def reports_page(request: Request) -> Response:
        week = request.query_params.get("week")
        if week:
            try:
                weekly.week_bounds(weekly.normalise_week(week), tz)
            except ValueError as e:
                flash(request, "error", str(e))
                return RedirectResponse("/reports", status_code=303)
            return RedirectResponse(f"/reports/{weekly.normalise_week(week)}", status_code=303)
        now = state.clock()
        with store() as s:
            latest = weekly.latest_week(s) or weekly.iso_week(now, tz)
        return RedirectResponse(f"/reports/{latest}", status_code=303)

    async def report_page(request: Request) -> Response:
        week = request.path_params["week"]
        try:
            bounds = weekly.week_bounds(week, tz)
        except ValueError:
            raise HTTPException(404, f"{week!r} is not an ISO week like 2026-W47") from None
        now = state.clock()
        with store() as s:
            data = weekly.build_weekly(s, config, now, week)
            written = weekly.written_weeks(s)
        prev_week = weekly.iso_week(bounds[0] - timedelta(days=3), tz)
        next_week = weekly.iso_week(bounds[1] + timedelta(days=3), tz)
        return page(request, "reports.html", {"r": data, "written": written, "prev_week": prev_week,
                                              "next_week": next_week, "charts": weekly.chart_uris(data)})

    async def check_page(request: Request) -> Response:
        result = None
        text = ""
        if request.method == "POST":
            form = await checked_form(request)
            text = str(form.get("draft", ""))[:100_000]
            try:
                result = next_action.check_draft(text, now=state.clock(), config=config)
            except AssistantError as e:
                flash(request, "error", str(e))
        return page(request, "check.html", {"result": result, "draft": text})

    # -- the calendar feed ------------------------------------------------------------------------
    async def calendar_feed(request: Request) -> Response:
        sent = request.query_params.get("token", "")
        if not hmac.compare_digest(sent.encode(), state.calendar_token.encode()):
            return PlainTextResponse("This calendar link's token is not valid: copy the calendar address that "
                                     "`assistant serve` prints.\n", status_code=403)
        writer = open_calendar(config, state.clock) if config.calendar.kind == "ics" else None
        if not isinstance(writer, IcsWriter):
            return PlainTextResponse(f"Follow-ups go to your {config.calendar.kind} calendar (calendar.kind), "
                                     "which your phone syncs already: there is no feed to subscribe to.\n",
                                     status_code=404)
        try:
            body = writer.feed()
        except AssistantError as e:
            return PlainTextResponse(f"{e}\n", status_code=503)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "no-cache",
                   "Content-Disposition": 'inline; filename="follow-ups.ics"'}
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "error")
        response = templates.TemplateResponse(request, "error.html", {"status": status, "detail": detail},
                                              status_code=status)
        return response

    async def store_fault(request: Request, exc: Exception) -> Response:
        # A damaged, read-only or full store (or any fault of ours) found while answering: the page says the
        # one line of what to do, as the commands do, and the server's log gets that line, not a traceback.
        log.warning("%s", exc)
        return templates.TemplateResponse(request, "error.html", {"status": 503, "detail": str(exc)},
                                          status_code=503)

    routes = [
        Route("/", queue_page),
        Route("/suggestions/{sid}/{action}", act, methods=["POST"]),
        Route("/backlog/dismiss", dismiss_backlog, methods=["POST"]),
        Route("/deals", deals_page),
        Route("/reports", reports_page),
        Route("/reports/{week}", report_page),
        Route("/check", check_page, methods=["GET", "POST"]),
        Route(FEED_PATH, calendar_feed),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    hosts = [*LOCAL_HOSTS, *(allowed_hosts or [])]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
            Middleware(AuthMiddleware, state=state, templates=templates),
        ],
        exception_handlers={HTTPException: http_error, AssistantError: store_fault},
    )
    app.state.web = state
    return app


def start_url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def machine_addresses() -> list[str]:
    """This machine's IP addresses on every network interface (IPv4 first; no IPv6 link-local ones,
    which need a zone to be used)."""
    import ifaddr

    v4: list[str] = []
    v6: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                v4.append(ip.ip)
            elif not ip.ip[0].lower().startswith("fe80"):
                v6.append(ip.ip[0])
    return list(dict.fromkeys(v4 + v6))


def reachable_as(host: str) -> list[str]:
    """The Host names a browser or a phone's calendar may use to reach a server listening on `host`, besides
    the loopback ones: `host` itself, or for 0.0.0.0 / :: every address of this machine; and the machine's
    name (with `.local`, as Bonjour publishes it). Anything else is refused (no DNS rebinding)."""
    if host in LOCAL_HOSTS:
        return []
    addresses = machine_addresses() if host in WILDCARD_HOSTS else [host.strip("[]")]
    name = socket.gethostname().lower()
    names = [name, name.removesuffix(".local") + ".local"] if name else []
    return list(dict.fromkeys([*addresses, *(f"[{a}]" for a in addresses if ":" in a), *names]))


def shown_host(host: str) -> str:
    """The address to print in links: `host`, or for 0.0.0.0 / :: the machine's first address that is not
    loopback (what a phone on the same network uses), else 127.0.0.1."""
    if host not in WILDCARD_HOSTS:
        return host
    for address in machine_addresses():
        if not address.startswith("127.") and address != "::1":
            return address
    return "127.0.0.1"


def feed_url(host: str, port: int, token: str) -> str:
    """The calendar subscription address (`webcal://` is the same with another scheme, for Apple)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{FEED_PATH}?token={token}"


def local_now(config: Config, clock: Clock) -> datetime:
    return clock().astimezone(ZoneInfo(config.rep.timezone))
