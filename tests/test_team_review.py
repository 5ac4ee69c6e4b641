"""The manager's pipeline review (`assistant team report`, the team page) and the page's trust rules: the
identity header only from configured proxies, managers see the reps listed for them, a rep only their own
queue; the sign-in link page keeps an IMAP password encrypted and works once. Real PostgreSQL; the reps'
stores are filled by a real worker burst."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.clock import fixed_clock, parse_now
from tests.team_world import make_team

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("procrastinate")

NOW = "2026-11-20T09:00:00-05:00"
WEEK = "2026-W46"  # the generated mail's promises fall due in this week (9-15 Nov)


@pytest.fixture(scope="module")
def world(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, str]]:
    from assistant import worker
    from assistant.teamconfig import load_team

    name = f"review_{os.getpid()}_{random.randrange(10**6)}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres.url.rsplit("/", 1)[0] + "/" + name
    base = tmp_path_factory.mktemp("review")
    team_path, _ = make_team(base, 3, url, threads=4, extra='\n[[managers]]\nemail = "lee@northwind.example"\n'
                             'reps = ["rep001"]\n')
    team = load_team(team_path)
    asyncio.run(worker.run(team, fixed_clock(parse_now(NOW, "UTC")), burst=True, heartbeat=0.5, stalled=3))
    yield team_path, team, url
    while POOLS:
        POOLS.pop().close()
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_team_report_has_each_reps_own_weekly_figures(world: tuple[Path, Any, str]) -> None:
    from assistant.report import build_weekly
    from assistant.store import store_for
    from assistant.teamconfig import rep_config

    team_path, team, _ = world
    proc = subprocess.run([sys.executable, "-m", "assistant", "team", "report", "--week", WEEK, "--config",
                           str(team_path), "--now", NOW], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    for rep in team.reps:
        config = rep_config(team, rep)
        with store_for(config) as store:
            own = build_weekly(store, config, parse_now(NOW, "UTC"), WEEK, charts=False).counts
        row = next(line for line in proc.stdout.splitlines() if f"({rep.name})" in line)
        cells = [c.strip() for c in row.split("│") if c.strip()]
        assert cells[1:6] == [str(own.made_by_rep), str(own.kept), str(own.settled), str(own.broken),
                              str(own.pending)], row
    assert any(int(c) > 0 for line in proc.stdout.splitlines() if "(rep" in line
               for c in [x.strip() for x in line.split("│") if x.strip()][1:6])
    bad = subprocess.run([sys.executable, "-m", "assistant", "team", "report", "--week", "2026-W60", "--config",
                          str(team_path)], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "2026-W60" in bad.stderr and "Traceback" not in bad.stderr


POOLS: list[Any] = []  # the pages' connection pools, closed before the world's database is dropped


def client(team: Any, peer: str = "127.0.0.1") -> Any:
    from starlette.testclient import TestClient

    from assistant.teampool import TeamPool
    from assistant.web.team import create_team_app

    pool = TeamPool(team.store_url, max_size=2)
    POOLS.append(pool)
    return TestClient(create_team_app(team, clock=fixed_clock(parse_now(NOW, "UTC")), pool=pool),
                      client=(peer, 40000))


def test_the_page_trusts_the_header_only_from_the_proxy(world: tuple[Path, Any, str]) -> None:
    _, team, _ = world
    dana = {"X-Forwarded-Email": "dana@northwind.example"}
    assert client(team, "10.9.9.9").get("/", headers=dana).status_code == 403  # not through the proxy
    assert client(team).get("/").status_code == 403  # the proxy sent no identity
    assert client(team).get("/", headers={"X-Forwarded-Email": "eve@evil.example"}).status_code == 403
    page = client(team).get(f"/?week={WEEK}", headers=dana)
    assert page.status_code == 200
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    for rep in team.reps:
        assert f'id="rep-{rep.name}"' in page.text
    assert page.text.count("<svg") == len(team.reps)
    assert "Deals without a dated next step" in page.text and "Stalled deals" in page.text
    assert "Thanks for the call" not in page.text  # the promise sentence, never the mail around it


def test_a_manager_sees_their_reps_and_a_rep_only_their_own_queue(world: tuple[Path, Any, str]) -> None:
    _, team, _ = world
    lee = client(team).get("/", headers={"X-Forwarded-Email": "Lee@northwind.example"})
    assert lee.status_code == 200 and 'id="rep-rep001"' in lee.text and 'id="rep-rep000"' not in lee.text
    own = client(team).get("/", headers={"X-Forwarded-Email": "rep002@northwind.example"})
    assert own.status_code == 200
    assert "Follow-ups of Rep 2" in own.text and "Rep 0" not in own.text and "Rep 1" not in own.text
    assert "Pipeline review" not in own.text


def test_sign_in_link_keeps_an_imap_password_encrypted_once(world: tuple[Path, Any, str]) -> None:
    from assistant.teamconfig import load_team
    from assistant.vault import TOKENS_TABLE, TeamTokenStore, load_key, make_link

    team_path, team, url = world
    cfg = team.rep("rep002").config_path
    original = cfg.read_text(encoding="utf-8")
    cfg.write_text(original.replace('kind = "local"\nmode = "book"\nmail = ["mail"]',
                                    'kind = "imap"\nmode = "book"\nhost = "imap.northwind.example"\n'
                                    'username = "rep002@northwind.example"'), encoding="utf-8")
    try:
        team = load_team(team_path)
        key = load_key(team.key_file, team.key_env)
        link = make_link(key, "https://ft.example.com", "rep002", "work", hours=1)
        path = "/team/sign-in/" + link.rsplit("/", 1)[1]
        c = client(team, "192.0.2.7")  # the rep's own browser: the link is the credential, no proxy needed
        form = c.get(path)
        assert form.status_code == 200 and 'type="password"' in form.text and "imap.northwind.example" in form.text
        done = c.post(path, data={"password": "hunter2-correct-horse"})
        assert done.status_code == 200 and "saved, encrypted" in done.text
        assert TeamTokenStore(url, key, "rep002").get("imap", "work") == {"password": "hunter2-correct-horse"}
        with psycopg.connect(url) as conn:
            raw = bytes(conn.execute(f"SELECT value FROM {TOKENS_TABLE} WHERE rep = 'rep002'").fetchone()[0])
        assert b"hunter2" not in raw
        again = c.post(path, data={"password": "someone-else"})
        assert again.status_code == 400 and "used already" in again.text
        forged = c.get("/team/sign-in/" + "x" * 100)
        assert forged.status_code == 400 and "not valid" in forged.text
    finally:
        cfg.write_text(original, encoding="utf-8")
