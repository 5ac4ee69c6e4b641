"""A small threaded HTTP server for the local fakes of Gmail, Google Calendar and Microsoft Graph.

Each fake subclasses FakeService and registers routes; the adapters under test run their real client
code against it (google-api-python-client with `api_endpoint`, requests/msal for Graph). Faults are
injected per test: `fail_next(status, times=1, headers=...)` makes the next matching requests answer
with that status (429 with Retry-After, 500, 401, 404, 409, 410)."""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> raw
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Response]


@dataclass
class _Fault:
    status: int
    times: int
    headers: dict[str, str]
    body: Any
    method: str | None
    path_re: re.Pattern[str] | None


class FakeService:
    """Routes by (method, regex on path); named groups are passed to the handler as keyword args."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self.faults: list[_Fault] = []
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.scheme = "http"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method.upper(), re.compile(pattern + r"$"), handler))

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None, body: Any = None,
                  method: str | None = None, path: str | None = None) -> None:
        """The next `times` requests (matching method/path regex if given) answer `status`."""
        if body is None:
            body = {"error": {"code": status, "message": f"injected {status}"}}
        with self.lock:
            self.faults.append(_Fault(status, times, headers or {}, body, method,
                                      re.compile(path) if path else None))

    # -- serving --------------------------------------------------------------------------------
    def _dispatch(self, req: Request) -> Response:
        with self.lock:
            self.requests.append(req)
            for fault in self.faults:
                if fault.times > 0 and (fault.method is None or fault.method == req.method) and (
                        fault.path_re is None or fault.path_re.search(req.path)):
                    fault.times -= 1
                    return Response(fault.status, fault.body, dict(fault.headers))
            for method, pattern, handler in self.routes:
                if method != req.method:
                    continue
                m = pattern.match(req.path)
                if m:
                    return handler(req, **m.groupdict())
        return Response(404, {"error": {"code": 404, "message": f"no route {req.method} {req.path}"}})

    def start(self, ssl_context: ssl.SSLContext | None = None) -> str:
        service = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                              {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    resp = service._dispatch(req)
                except Exception as e:  # a bug in the fake: answer 500 and say why
                    resp = Response(500, {"error": {"code": 500, "message": f"fake crashed: {e!r}"}})
                if isinstance(resp.body, (dict, list)):
                    data = json.dumps(resp.body).encode()
                    ctype = "application/json; charset=UTF-8"
                elif isinstance(resp.body, str):
                    data, ctype = resp.body.encode(), "text/plain; charset=UTF-8"
                else:
                    data, ctype = resp.body or b"", "application/octet-stream"
                self.send_response(resp.status)
                headers = {"Content-Type": ctype, **resp.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)  # a short poll: stop() returns at once
        self.thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
