"""A real Dovecot IMAP server for the tests, started on 127.0.0.1 (free ports) in a temp dir.

One server per test session (about 0.1 s to greet); each test gets its own mailbox user, so tests never
see each other's mail. The passdb is `static` (any user, password "secret") and homes are created on
first login. CI runs as root and Dovecot refuses root login processes, so the server then runs as
`nobody` and the temp dir is chowned to it. A second listener speaks implicit TLS with a trustme
certificate, so the TLS default of the IMAP source is exercised too.

Register with `pytest_plugins = ["tests.servers.dovecot"]` (tests/conftest.py does)."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import missing

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
PASSWORD = "secret"
SENT_FOLDER = "Sent Messages"  # flagged \Sent by the config below (special-use), created by the tests

_CONF = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
info_log_path = {tmp}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{tmp}/cert.pem
ssl_key = <{tmp}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0

default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
verbose_proctitle = yes
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{sent}" {{
    special_use = \\Sent
  }}
  mailbox Drafts {{
    special_use = \\Drafts
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
  # no auth penalty: the tests' deliberate failures must not slow later logins from 127.0.0.1
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {tmp}/oauth2.conf.ext
}}
passdb {{
  driver = static
  mechanisms = plain login
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    """A running server: plain port (for most tests), TLS port + CA file, and the master pid."""

    host: str
    port: int
    tls_port: int
    ca_file: Path
    tmp: Path
    process: subprocess.Popen[bytes]
    _users: itertools.count  # type: ignore[type-arg]
    introspection: Any = None  # the OAuth token introspection fake Dovecot asks about XOAUTH2 tokens
    # XOAUTH2: token -> user name it signs in; tests may also set `oauth_validator(token) -> user | None`
    oauth_tokens: dict[str, str] = field(default_factory=dict)
    oauth_validator: Callable[[str], str | None] | None = None

    def new_user(self, prefix: str = "rep") -> str:
        """A fresh mailbox for one test."""
        return f"{prefix}{next(self._users)}@example.com"

    def account_options(self, user: str, **extra: object) -> dict[str, object]:
        """Options of an `[[accounts]] kind = "imap"` table for this server (plain, test only)."""
        return {"host": self.host, "port": self.port, "ssl": False, "username": user, "password": PASSWORD,
                **extra}

    def client(self, user: str):  # type: ignore[no-untyped-def]
        """A plain imapclient connection, logged in as `user`, for the tests to add mail with."""
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.login(user, PASSWORD)
        return c

    def session_pids(self, user: str) -> list[int]:
        """Pids of the `imap` processes serving `user` (to drop a connection from the server side)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid and cmdline.startswith("dovecot/imap ") and f"[{user} " in cmdline:
                pids.append(int(entry.name))
        return pids

    def log(self) -> str:
        try:
            return (self.tmp / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""


def _wait_for_port(port: int, process: subprocess.Popen[bytes], tmp: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (tmp / "dovecot.log").read_text(errors="replace") if (tmp / "dovecot.log").exists() else ""
            out = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"dovecot exited with {process.returncode}: {out}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not greet within 10 s")


def start_dovecot() -> Dovecot:
    """Start Dovecot in the foreground on free ports; the caller stops it with `stop_dovecot`."""
    import trustme

    assert DOVECOT is not None
    tmp = Path(tempfile.mkdtemp(prefix="ft-dovecot-", dir="/tmp"))
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam("nobody")
        uid, gid, user = pw.pw_uid, pw.pw_gid, "nobody"
        import grp

        group = grp.getgrgid(gid).gr_name
    else:
        import grp
        import pwd

        uid, gid = os.geteuid(), os.getegid()
        user, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    for sub in ("run", "state", "home"):
        (tmp / sub).mkdir()
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp / "cert.pem"))
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    port, tls_port = _free_port(), _free_port()
    introspection = _introspection_fake()
    (tmp / "oauth2.conf.ext").write_text(
        f"introspection_mode = post\nintrospection_url = {introspection.url}/introspect\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        "force_introspection = yes\n")
    conf = tmp / "dovecot.conf"
    conf.write_text(_CONF.format(tmp=tmp, user=user, group=group, uid=uid, gid=gid, port=port, tls_port=tls_port,
                                 password=PASSWORD, sent=SENT_FOLDER))
    if os.geteuid() == 0:
        for path in [tmp, *tmp.rglob("*")]:
            os.chown(path, uid, gid)
        kwargs: dict[str, object] = {"user": uid, "group": gid, "extra_groups": []}
    else:
        kwargs = {}
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True, **kwargs)  # type: ignore[call-overload]
    try:
        _wait_for_port(port, process, tmp, time.monotonic() + 10)
    except BaseException:
        _stop(process, tmp)
        introspection.stop()
        raise
    server = Dovecot("127.0.0.1", port, tls_port, tmp / "ca.pem", tmp, process, itertools.count(1), introspection)
    introspection.server_for = server
    return server


def _introspection_fake() -> Any:
    """RFC 7662 token introspection, the way Dovecot's oauth2 passdb asks (POST token=...)."""
    from urllib.parse import parse_qs

    from tests.fakes.base import FakeService, Request, Response

    fake = FakeService()

    def introspect(req: Request) -> Response:
        token = parse_qs(req.body.decode()).get("token", [""])[0]
        server: Dovecot | None = getattr(fake, "server_for", None)
        user = server.oauth_tokens.get(token) if server else None
        if user is None and server is not None and server.oauth_validator is not None:
            user = server.oauth_validator(token)
        return Response(200, {"active": True, "username": user} if user else {"active": False})

    fake.route("POST", "/introspect", introspect)
    fake.start()
    return fake


def _stop(process: subprocess.Popen[bytes], tmp: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    if process.stdout:
        process.stdout.close()
    shutil.rmtree(tmp, ignore_errors=True)


def stop_dovecot(server: Dovecot) -> None:
    _stop(server.process, server.tmp)
    if server.introspection is not None:
        server.introspection.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """The session's Dovecot; skipped (with the reason) only when the binary is not installed."""
    if DOVECOT is None:
        pytest.skip(missing("dovecot"))
    server = start_dovecot()
    try:
        yield server
    finally:
        stop_dovecot(server)


@pytest.fixture
def imap_user(dovecot: Dovecot) -> str:
    """A fresh, empty mailbox user on the session's Dovecot, with the \\Sent folder created."""
    user = dovecot.new_user()
    c = dovecot.client(user)
    try:
        c.create_folder(SENT_FOLDER)
    finally:
        c.logout()
    return user
