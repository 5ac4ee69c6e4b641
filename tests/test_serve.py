"""`assistant serve` as a rep runs it, and as the background service runs it: the tokens kept across restarts
(the bookmarked link and the calendar subscription keep working), and `assistant service install --with-web`
writing a unit whose own command line serves the page and the feed."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main


def _config(tmp: Path) -> Path:
    (tmp / "mail" / "new").mkdir(parents=True)
    (tmp / "mail" / "cur").mkdir()
    (tmp / "mail" / "tmp").mkdir()
    conf = tmp / "config.toml"
    conf.write_text(f"""[rep]
name = "Sam Rivera"
email = "sam@northwind-analytics.com"
timezone = "America/New_York"

[[accounts]]
name = "work"
kind = "local"
mail = ["{tmp / 'mail'}"]

[calendar]
kind = "ics"
path = "{tmp / 'followups.ics'}"

[store]
path = "{tmp / 'store.sqlite3'}"
""", encoding="utf-8")
    return conf


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _running(cmd: list[str], env: dict[str, str] | None = None) -> Iterator[list[str]]:
    """Start `cmd` (a serve command line), yield the lines it printed before serving, then stop it."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env if env is not None else {**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        lines = []
        for _ in range(10):
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"serve stopped: {proc.stderr.read() if proc.stderr else ''}")
            lines.append(line.rstrip("\n"))
            if "Ctrl+C" in line:
                break
        yield lines
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _links(lines: list[str]) -> tuple[str, str]:
    text = "\n".join(lines)
    page = re.search(r"(http://\S+/\?token=[\w-]+)", text)
    feed = re.search(r"(http://\S+/calendar\.ics\?token=[\w-]+)", text)
    assert page and feed, text
    return page.group(1), feed.group(1)


@pytest.mark.server
def test_the_links_survive_a_restart_and_new_tokens_replace_them(tmp_path: Path) -> None:
    conf = _config(tmp_path)
    cmd = [sys.executable, "-m", "assistant", "serve", "--port", "0", "--config", str(conf)]
    with _running(cmd) as lines:
        first_page, first_feed = _links(lines)
        assert first_page.split("token=")[1] != first_feed.split("token=")[1]
        assert "only this computer reaches it" in "\n".join(lines)  # 127.0.0.1: the phone needs --host
        with urllib.request.urlopen(first_feed, timeout=10) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/calendar")
    with _running(cmd) as lines:  # a restart (a reboot, the service restarted): the same tokens
        page, feed = _links(lines)
        assert page.split("token=")[1] == first_page.split("token=")[1]
        assert feed.split("token=")[1] == first_feed.split("token=")[1]
    with _running([*cmd, "--new-tokens"]) as lines:  # a leaked link: new tokens, the old feed refused
        page, feed = _links(lines)
        assert page.split("token=")[1] != first_page.split("token=")[1]
        old = feed.split("?")[0] + "?token=" + first_feed.split("token=")[1]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(old, timeout=10)
        assert refused.value.code == 403
        with urllib.request.urlopen(feed, timeout=10) as r:
            assert r.status == 200


@pytest.mark.server
def test_service_install_with_web_runs_the_page_beside_the_watcher(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _config(tmp_path)
    port = _free_port()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    runner = CliRunner()
    out = runner.invoke(main, ["service", "install", "--with-web", "--web-port", str(port), "--config", str(conf)])
    assert out.exit_code == 0, out.output
    units = tmp_path / "xdg" / "systemd" / "user"
    assert (units / "follow-through.service").exists()
    web = (units / "follow-through-web.service").read_text(encoding="utf-8")
    assert "systemctl --user enable --now follow-through-web.service" in out.output
    printed_page, printed_feed = _links(out.output.splitlines())

    # the unit's own command line serves the page at the links install printed
    exec_start = next(line for line in web.splitlines() if line.startswith("ExecStart="))
    cmd = shlex.split(exec_start.removeprefix("ExecStart="))
    assert cmd[1:5] == ["-m", "assistant", "serve", "--host"] and str(conf.resolve()) in cmd
    with _running(cmd) as lines:
        page, feed = _links(lines)
        assert (page, feed) == (printed_page, printed_feed)
        with urllib.request.urlopen(feed, timeout=10) as r:
            assert r.status == 200

    printed = runner.invoke(main, ["service", "install", "--print", "--with-web", "--config", str(conf)])
    assert printed.exit_code == 0
    assert "follow-through-web.service" in printed.output and "<string>com.follow-through.serve</string>" in printed.output
    alone = runner.invoke(main, ["service", "install", "--print", "--config", str(conf)])
    assert "serve" not in alone.output.replace("Observe", "")  # without --with-web: the watcher only


@pytest.mark.server
def test_the_service_keeps_the_config_and_data_dirs_given_by_the_environment(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A rep who set FOLLOW_THROUGH_CONFIG_DIR / _DATA_DIR (as the README allows) and runs `assistant service
    install --with-web`: systemd starts the unit without the shell's variables, so the unit carries them, and
    its page answers at the links `install` printed (before: 'no config at ~/.config/...' in a restart loop)."""
    import plistlib

    from assistant import paths, service

    config_dir = tmp_path / "my config"  # a space, quoted in the unit
    monkeypatch.setenv("FOLLOW_THROUGH_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("FOLLOW_THROUGH_DATA_DIR", str(tmp_path / "my data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config_dir.mkdir()
    _config(tmp_path).rename(paths.config_dir() / "config.toml")
    port = _free_port()
    out = CliRunner().invoke(main, ["service", "install", "--with-web", "--web-port", str(port)])
    assert out.exit_code == 0, out.output
    printed_page, printed_feed = _links(out.output.splitlines())
    web = (tmp_path / "xdg" / "systemd" / "user" / "follow-through-web.service").read_text(encoding="utf-8")
    unit_env: dict[str, str] = {}
    for line in web.splitlines():
        if line.startswith("Environment="):
            name, _, value = shlex.split(line.removeprefix("Environment="))[0].partition("=")
            unit_env[name] = value
    assert unit_env["FOLLOW_THROUGH_CONFIG_DIR"] == str(config_dir.resolve())
    assert unit_env["FOLLOW_THROUGH_DATA_DIR"] == str((tmp_path / "my data").resolve())
    watcher = (tmp_path / "xdg" / "systemd" / "user" / "follow-through.service").read_text(encoding="utf-8")
    assert f'Environment="FOLLOW_THROUGH_CONFIG_DIR={config_dir.resolve()}"' in watcher
    agent = plistlib.loads(service.launchd_plist().encode("utf-8"))
    assert agent["EnvironmentVariables"]["FOLLOW_THROUGH_DATA_DIR"] == unit_env["FOLLOW_THROUGH_DATA_DIR"]

    # run the unit's command as systemd does: only the unit's environment, another HOME
    exec_start = next(line for line in web.splitlines() if line.startswith("ExecStart="))
    cmd = shlex.split(exec_start.removeprefix("ExecStart="))
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home"), **unit_env}
    with _running(cmd, env=clean) as lines:
        assert _links(lines) == (printed_page, printed_feed)
