"""The team page as a server: `assistant serve --config team.toml` runs it (the file is told by its shape),
its connections come from a small pool that requests share and that is closed at shutdown, a lost database is
one line, and a Gmail rep signs in through their link with Google's web-server flow (the fake Google's
consent page and token endpoint), after which a worker syncs their mailbox with the stored token. Real
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.clock import fixed_clock, parse_now
from tests.servers.postgres import own_database
from tests.team_world import make_team

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("psycopg_pool")

NOW = "2026-11-20T09:00:00-05:00"
BASE = "https://ft.example.com"


@pytest.fixture(scope="module")
def db(postgres: Any) -> Iterator[str]:
    """A database of its own for this module (the team's store, vault and queue)."""
    with own_database(postgres.url, "teamweb") as url:
        yield url


def backends(url: str, application: str) -> int:
    """The connections open right now with this application_name (PostgreSQL's own count)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND "
                                "datname = current_database()", (application,)).fetchone()[0])


# -- 1. `assistant serve` given a team file --------------------------------------------------------------
def test_a_team_file_is_told_from_a_reps_config_by_its_shape(tmp_path: Path) -> None:
    from assistant.errors import ConfigError
    from assistant.teamconfig import is_team_file

    team, reps = make_team(tmp_path, 1, "postgresql://ft@127.0.0.1:1/none")
    assert is_team_file(team)
    assert not is_team_file(reps[0].config)
    renamed = tmp_path / "config.toml"  # the name says nothing: the shape does
    renamed.write_text(team.read_text(encoding="utf-8").replace("reps/", str(tmp_path / "reps") + "/"),
                       encoding="utf-8")
    assert is_team_file(renamed)
    assert not is_team_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[reps]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.toml"):
        is_team_file(broken)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, email: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Email": email})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:  # noqa: S310 - a local test server
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.parametrize("command", [["serve"], ["team", "serve"]])
def test_serve_with_a_team_file_runs_the_team_page(db: str, tmp_path: Path, command: list[str]) -> None:
    """`assistant serve --config team.toml` and `assistant team serve` run the same page; SIGTERM stops it
    and its pool's connections are gone."""
    team, _ = make_team(tmp_path, 2, db)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", *command, "--config", str(team), "--port", str(port),
                             "--now", NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"team page on http://127.0.0.1:{port}/" in line, (line, proc.stderr and proc.stderr.read())
        for _ in range(600):  # until uvicorn listens (the line is printed just before)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        status, page = get(f"http://127.0.0.1:{port}/", "dana@northwind.example")
        assert status == 200 and "Pipeline review" in page and 'id="rep-rep001"' in page
        status, page = get(f"http://127.0.0.1:{port}/", "rep000@northwind.example")
        assert status == 200 and "Follow-ups of Rep 0" in page
        assert backends(db, "ft-team-page") >= 1
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    for _ in range(100):  # the backends end just after the pool closed them
        if backends(db, "ft-team-page") == 0:
            break
        time.sleep(0.1)
    assert backends(db, "ft-team-page") == 0


def test_serve_with_a_reps_config_is_the_single_rep_page(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from assistant.cli import main

    team, reps = make_team(tmp_path, 1, "postgresql://ft@127.0.0.1:1/none")
    env = {"FOLLOW_THROUGH_CONFIG_DIR": str(tmp_path / "cfg"), "FOLLOW_THROUGH_DATA_DIR": str(tmp_path / "data")}
    # a team file refuses the single rep's option, in one line
    result = CliRunner().invoke(main, ["serve", "--config", str(team), "--new-tokens"], env=env)
    assert result.exit_code == 2 and "--new-tokens is for one rep's page" in result.output
    # a rep's config starts the rep's own page (with its token link), as before
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--config", str(reps[0].config), "--port",
                             "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    assert line.startswith("Follow-through review page: http://127.0.0.1:") and "token=" in line


# -- 2. the pool -----------------------------------------------------------------------------------------
def test_requests_share_a_few_pooled_connections_closed_at_shutdown(db: str, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from assistant.teamconfig import load_team
    from assistant.teampool import PAGE_APPLICATION
    from assistant.web.team import create_team_app

    team = load_team(make_team(tmp_path, 3, db)[0])
    app = create_team_app(team, clock=fixed_clock(parse_now(NOW, "UTC")))
    requests = 0
    with TestClient(app, client=("127.0.0.1", 40000)) as c:
        for i in range(12):
            who = "dana@northwind.example" if i % 4 == 0 else f"rep00{i % 3}@northwind.example"
            assert c.get("/", headers={"X-Forwarded-Email": who}).status_code == 200
            requests += 1
        stats = app.state.pool.stats()
        open_now = backends(db, PAGE_APPLICATION)
    # 12 pages (3 of them read three reps' stores each) on at most the pool's 4 connections, opened once
    assert stats["requests_num"] >= requests
    assert stats["connections_num"] <= 4, stats
    assert 1 <= open_now <= 4
    for _ in range(100):
        if backends(db, PAGE_APPLICATION) == 0:
            break
        time.sleep(0.1)
    assert backends(db, PAGE_APPLICATION) == 0  # closed when the app shut down


def test_a_lost_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from assistant.teamconfig import load_team
    from assistant.teampool import TeamPool
    from assistant.web.team import create_team_app

    team = load_team(make_team(tmp_path, 2, "postgresql://ft@127.0.0.1:1/none")[0])
    pool = TeamPool(team.store_url, timeout=1)
    try:
        c = TestClient(create_team_app(team, pool=pool), client=("127.0.0.1", 40000), raise_server_exceptions=False)
        for who in ("rep001@northwind.example", "dana@northwind.example"):
            page = c.get("/", headers={"X-Forwarded-Email": who})
            assert page.status_code == 500
            assert "no connection within 1 s" in page.text and "127.0.0.1:1" in page.text
            assert "Traceback" not in page.text and page.text.count("<h1>") == 1
    finally:
        pool.close()


# -- 3. Gmail's web-server sign-in through the link ------------------------------------------------------
def _promise_mail(rep: str, subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = rep, "buyer@acme.test"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="northwind.example")
    msg["Date"] = "Thu, 19 Nov 2026 10:00:00 -0500"
    msg.set_content("Hi Sam,\n\nI'll send you the revised quote by Friday.\n\nBest,\nRep 0\n")
    return msg.as_bytes()


def test_a_gmail_rep_signs_in_through_the_link_and_a_worker_syncs_with_it(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("procrastinate")
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from assistant import worker
    from assistant.cli import main
    from assistant.store import store_for
    from assistant.teamconfig import load_team, rep_config
    from assistant.teampool import TeamPool
    from assistant.vault import TOKENS_TABLE, TeamTokenStore, load_key
    from assistant.web.team import create_team_app
    from tests.fakes.gmail import FakeGmail

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake Google is plain http on 127.0.0.1
    fake = FakeGmail(email="rep000@northwind.example")
    fake.start()
    callback = BASE + "/team/oauth/google"
    fake.register_web_client("42-web.apps.googleusercontent.com", "web-secret-xyz", [callback])
    client_file = tmp_path / "client_secret.json"
    client_file.write_text(json.dumps({"web": {
        "client_id": "42-web.apps.googleusercontent.com", "project_id": "ft-test",
        "auth_uri": fake.url + "/o/oauth2/auth", "token_uri": fake.url + "/token",
        "client_secret": "web-secret-xyz", "redirect_uris": [callback]}}), encoding="utf-8")
    rep_schema = f"gm{random.randrange(10**6)}"
    team_path, reps = make_team(tmp_path, 1, db)
    text = team_path.read_text(encoding="utf-8")
    team_path.write_text(text.replace('proxies = ["127.0.0.1"]\n', f'proxies = ["127.0.0.1"]\nbase_url = "{BASE}"\n')
                         .replace('name = "rep000"', f'name = "{rep_schema}"')
                         .replace('reps/rep000/', str(reps[0].home) + "/"), encoding="utf-8")
    reps[0].config.write_text(reps[0].config.read_text(encoding="utf-8").replace(
        'kind = "local"\nmode = "book"\nmail = ["mail"]',
        f'kind = "gmail"\nmode = "book"\nclient_secrets = "{client_file}"\napi_endpoint = "{fake.url}/"'),
        encoding="utf-8")
    team = load_team(team_path)
    key = load_key(team.key_file, team.key_env)
    pool = TeamPool(db, max_size=2)
    try:
        made = CliRunner().invoke(main, ["team", "login-link", rep_schema, "--config", str(team_path)])
        assert made.exit_code == 0, made.output
        link = made.output.strip().splitlines()[-1]
        assert link.startswith(BASE + "/team/sign-in/")
        path = urlsplit(link).path
        browser = TestClient(create_team_app(team, pool=pool), base_url=BASE, client=("192.0.2.7", 40000))
        page = browser.get(path)  # opening the link (or a mail scanner doing so) uses nothing up
        assert page.status_code == 200 and "Sign in with Google" in page.text
        leave = browser.post(path, follow_redirects=False)
        assert leave.status_code == 303
        binding = leave.cookies["ft_oauth"]
        assert "httponly" in leave.headers["set-cookie"].lower() and "secure" in leave.headers["set-cookie"].lower()
        consent = leave.headers["location"]
        q = {k: v[0] for k, v in parse_qs(urlsplit(consent).query).items()}
        assert consent.startswith(fake.url + "/o/oauth2/auth?")
        assert q["redirect_uri"] == callback and q["access_type"] == "offline" and q["prompt"] == "consent"
        assert q["response_type"] == "code" and "gmail.readonly" in q["scope"] and q["code_challenge"]
        assert rep_schema not in q["state"]  # the state is encrypted, bound to the link and this browser
        # the rep's browser at Google: consent, then Google sends it back to the team page with code and state
        opener = urllib.request.build_opener(NoRedirect())
        with pytest.raises(urllib.error.HTTPError) as back:
            opener.open(consent, timeout=30)
        assert back.value.code == 302
        returned = back.value.headers["Location"]
        assert returned.startswith(callback + "?") and "code=" in returned
        # the same callback in another browser (no binding cookie): refused, nothing stored
        stranger = TestClient(create_team_app(team, pool=pool), base_url=BASE, client=("192.0.2.9", 40000))
        refused = stranger.get(returned)
        assert refused.status_code == 400 and "another browser" in refused.text
        done = browser.get(returned)
        assert done.status_code == 200 and "saved, encrypted" in done.text, done.text
        saved = TeamTokenStore(db, key, rep_schema).get("gmail", "work")
        assert saved is not None and saved["refresh_token"] in fake.refresh_tokens
        assert saved["client_id"] == "42-web.apps.googleusercontent.com" and saved["token_uri"] == fake.url + "/token"
        with psycopg.connect(db) as conn:
            raw = bytes(conn.execute(f"SELECT value FROM {TOKENS_TABLE} WHERE rep = %s",
                                     (rep_schema,)).fetchone()[0])
        assert saved["refresh_token"].encode() not in raw and b"web-secret-xyz" not in raw
        for secret in (saved["refresh_token"], saved["token"], "web-secret-xyz"):
            assert secret not in done.text
        # replayed, forged, or the link used again: one line each, the stored sign-in untouched
        again = browser.get(returned)  # the page cleared its cookie: the state is this browser's no more
        assert again.status_code == 400 and "another browser" in again.text
        replay = stranger.get(returned, headers={"Cookie": f"ft_oauth={binding}"})  # even with the cookie stolen
        assert replay.status_code == 400 and "finished already" in replay.text
        forged = browser.get(callback.replace(BASE, "") + "?code=4%2F0Aforged&state=" + "A" * 120)
        assert forged.status_code == 400 and "not valid" in forged.text
        reused = browser.post(path, follow_redirects=False)
        assert reused.status_code == 400 and "used already" in reused.text
        exchanges = [r for r in fake.requests if r.path == "/token"]
        assert len(exchanges) == 1  # only the bound, first callback reached Google's token endpoint
        # a worker syncs the rep's Gmail with the stored token (refreshing it when it has expired)
        fake.expire_access_tokens()
        fake.add(_promise_mail("rep000@northwind.example", "Revised quote"), labels=["SENT"])
        asyncio.run(worker.run(team, fixed_clock(parse_now(NOW, "UTC")), burst=True, heartbeat=0.5, stalled=3))
        with store_for(rep_config(team, team.rep(rep_schema))) as store:
            subjects = [m.subject for m in store.messages()]
        assert "Revised quote" in subjects
        assert any(r.path.startswith("/gmail/v1/") and r.headers.get("authorization", "").startswith("Bearer ya29.")
                   for r in fake.requests)
    finally:
        pool.close()
        fake.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A browser stand-in that stops at Google's redirect back (the team page is not on the network here)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_web_flow_needs_a_web_client_listing_the_pages_redirect(tmp_path: Path) -> None:
    """A Desktop-app client file, or a web client without the page's redirect URI, is one line (Google would
    refuse the redirect on its consent page, after the rep's link was spent)."""
    from assistant.auth import google_web_authorization
    from assistant.config import AccountConfig
    from assistant.errors import ConfigError

    callback = BASE + "/team/oauth/google"
    client = {"client_id": "42-web.apps.googleusercontent.com", "client_secret": "s3cret-value",
              "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token"}
    path = tmp_path / "client.json"
    account = AccountConfig("work", "gmail", options={"client_secrets": str(path)})
    path.write_text(json.dumps({"installed": {**client, "redirect_uris": ["http://localhost"]}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="type 'installed'.*Web application"):
        google_web_authorization(account, callback, "state")
    path.write_text(json.dumps({"web": {**client, "redirect_uris": ["https://elsewhere.example.com/cb"]}}),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="does not list https://ft.example.com/team/oauth/google"):
        google_web_authorization(account, callback, "state")
    path.write_text(json.dumps({"web": {**client, "redirect_uris": [callback]}}), encoding="utf-8")
    url, verifier = google_web_authorization(account, callback, "the-state")
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert q["state"] == "the-state" and q["redirect_uri"] == callback and q["code_challenge_method"] == "S256"
    assert len(verifier) >= 43 and verifier not in url


def test_a_microsoft_rep_starts_the_device_code_sign_in_with_the_button(db: str, tmp_path: Path) -> None:
    """Opening the link shows a button and spends nothing (a mail scanner fetching links cannot use it up);
    the button starts Microsoft's device-code flow, whose code the page shows, and the token is kept
    encrypted for the rep."""
    from starlette.testclient import TestClient

    from assistant.teamconfig import load_team
    from assistant.teampool import TeamPool
    from assistant.vault import TeamTokenStore, load_key, make_link
    from assistant.web.team import create_team_app

    rep = f"ms{random.randrange(10**6)}"
    team_path, reps = make_team(tmp_path, 1, db)
    team_path.write_text(team_path.read_text(encoding="utf-8").replace('name = "rep000"', f'name = "{rep}"'),
                         encoding="utf-8")
    reps[0].config.write_text(reps[0].config.read_text(encoding="utf-8").replace(
        'kind = "local"\nmode = "book"\nmail = ["mail"]',
        'kind = "outlook"\nmode = "book"\nclient_id = "00000000-0000-0000-0000-000000000001"'), encoding="utf-8")
    team = load_team(team_path)
    key = load_key(team.key_file, team.key_env)
    signed: list[str] = []

    def device_login(account: Any, store: Any, echo: Any) -> None:  # Microsoft's side, as msal reports it
        echo("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code "
             "FT7-CODE9 to authenticate.")
        store.put("outlook", account.name, {"msal_cache": "{\"RefreshToken\": {}}"})
        signed.append(account.name)

    pool = TeamPool(db, max_size=2)
    try:
        c = TestClient(create_team_app(team, pool=pool, device_login=device_login), client=("192.0.2.7", 40000))
        path = "/team/sign-in/" + make_link(key, BASE, rep, "work", hours=1).rsplit("/", 1)[1]
        for _ in range(2):  # opened (twice, by a scanner and the rep): a button, nothing started or spent
            shown = c.get(path)
            assert shown.status_code == 200 and "Start the Microsoft sign-in" in shown.text and not signed
        started = c.post(path)
        assert started.status_code == 200 and "FT7-CODE9" in started.text
        for _ in range(100):
            if signed:
                break
            time.sleep(0.05)
        assert signed == ["work"]
        assert TeamTokenStore(db, key, rep, pool=pool).get("outlook", "work") == {"msal_cache": "{\"RefreshToken\": {}}"}
        assert "FT7-CODE9" in c.get(path).text  # a reload shows the same code; no second flow
        assert signed == ["work"]
        other = make_link(key, BASE, rep, "work", hours=1).rsplit("/", 1)[1]
        assert c.post("/team/sign-in/" + other).status_code == 200 and len(signed) == 2
    finally:
        pool.close()
