"""A real Radicale CalDAV server for the tests, served in a thread of the test process.

Radicale's WSGI application runs behind a threaded wsgiref server on 127.0.0.1 (a free port), with
its storage in a temp folder and htpasswd auth (user `rep`, password `secret`, plain text) so a wrong
password gets the real 401. A small WSGI wrapper can inject faults (`fail_next(503)`) in front of the
real server, the way tests/fakes/base.py does for the HTTP fakes. Ready in well under a second;
`stop()` shuts it down and the fixture always calls it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

USER = "rep"
PASSWORD = "secret"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True
    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@dataclass
class _Fault:
    status: int
    times: int
    method: str | None
    headers: dict[str, str]
    after: bool  # let Radicale carry the request out, then answer the fault (a lost response)


class RadicaleServer:
    """Radicale on 127.0.0.1 with fault injection; `url` is the server root."""

    def __init__(self, root: Path) -> None:
        import radicale.config
        from radicale.app import Application

        logging.getLogger("radicale").setLevel(logging.WARNING)
        (root / "collections").mkdir(parents=True, exist_ok=True)
        users = root / "users"
        users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        configuration = radicale.config.load()
        configuration.update({
            "auth": {"type": "htpasswd", "htpasswd_filename": str(users), "htpasswd_encryption": "plain",
                     "delay": "0"},
            "storage": {"filesystem_folder": str(root / "collections"), "_filesystem_fsync": "False"},
            "rights": {"type": "owner_only"},
            "logging": {"level": "warning"},
        }, "test", privileged=True)
        self.root = root
        self.faults: list[_Fault] = []
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._app = Application(configuration)
        self._server = make_server("127.0.0.1", 0, self._wsgi, server_class=_ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self._stopped = False

    def fail_next(self, status: int, times: int = 1, method: str | None = None,
                  headers: dict[str, str] | None = None, after: bool = False) -> None:
        """The next `times` requests (of `method`, if given) answer `status` instead of reaching Radicale;
        with `after=True` Radicale does the work first and only the answer is replaced (a lost response)."""
        with self._lock:
            self.faults.append(_Fault(status, times, method, dict(headers or {}), after))

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        with self._lock:
            self.requests.append((method, environ.get("PATH_INFO", "")))
            for fault in self.faults:
                if fault.times > 0 and fault.method in (None, method):
                    fault.times -= 1
                    if fault.after:
                        for _chunk in self._app(environ, lambda *args, **kwargs: None):
                            pass
                    body = f"injected {fault.status}".encode()
                    start_response(f"{fault.status} Injected", [("Content-Type", "text/plain"),
                                                                 ("Content-Length", str(len(body))),
                                                                 *fault.headers.items()])
                    return [body]
        result: Iterable[bytes] = self._app(environ, start_response)
        return result

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def radicale_server(tmp_path: Path) -> Iterator[RadicaleServer]:
    """A fresh Radicale per test (about 50 ms), stopped afterwards."""
    server = RadicaleServer(tmp_path / "radicale")
    try:
        yield server
    finally:
        server.stop()
