"""Running `assistant watch` in the background: a systemd user unit (Linux) and a launchd agent (macOS);
with `--with-web`, a second one that runs `assistant serve` (the review page and the calendar feed) beside it.

The unit runs the same interpreter that runs this command (`python -m assistant watch`), so a virtualenv
install keeps working; systemd stops it with SIGTERM, which the watcher honours between messages. The page
keeps its tokens in the token file, so its link and the calendar subscription survive every restart."""

from __future__ import annotations

import os
import plistlib
import sys
from pathlib import Path

UNIT_NAME = "follow-through.service"
AGENT_LABEL = "com.follow-through.watch"
WEB_UNIT_NAME = "follow-through-web.service"
WEB_AGENT_LABEL = "com.follow-through.serve"


def _command(config_path: Path | None) -> list[str]:
    cmd = [sys.executable, "-m", "assistant", "watch"]
    if config_path is not None:
        cmd += ["--config", str(config_path.expanduser().resolve())]
    return cmd


def _serve_command(config_path: Path | None, host: str, port: int) -> list[str]:
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", host, "--port", str(port)]
    if config_path is not None:
        cmd += ["--config", str(config_path.expanduser().resolve())]
    return cmd


DIR_VARIABLES = ("FOLLOW_THROUGH_CONFIG_DIR", "FOLLOW_THROUGH_DATA_DIR")


def _environment() -> dict[str, str]:
    """The environment the unit runs with: unbuffered output, and the config and data dirs this command was
    given through the environment (systemd and launchd start services without the shell's variables, so
    without these the service would read another config, store and page tokens than `install` used)."""
    env = {"PYTHONUNBUFFERED": "1"}
    for name in DIR_VARIABLES:
        value = os.environ.get(name)
        if value:
            env[name] = str(Path(value).expanduser().resolve())
    return env


def _systemd_environment() -> str:
    """Environment= lines: each assignment in double quotes, with systemd's escapes (\\, " and %)."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'
    return "\n".join(f"Environment={quoted(f'{k}={v}')}" for k, v in _environment().items())


def _quote(arg: str) -> str:
    """systemd's ExecStart quoting: double quotes around arguments with spaces, escaping \\ and "."""
    if arg and not any(c in arg for c in ' \t"\\\'$%;'):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%") + '"'


def systemd_unit(config_path: Path | None = None) -> str:
    exec_start = " ".join(_quote(a) for a in _command(config_path))
    return f"""[Unit]
Description=Follow-through: every promise in your mailbox gets a next step
Documentation=https://example.invalid/follow-through
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={exec_start}
# SIGTERM stops the watcher cleanly between two messages; nothing is lost or stored twice.
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=30
{_systemd_environment()}

[Install]
WantedBy=default.target
"""


def launchd_plist(config_path: Path | None = None) -> str:
    logs = Path("~/Library/Logs/follow-through.log").expanduser()
    plist = {
        "Label": AGENT_LABEL,
        "ProgramArguments": _command(config_path),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 30,
        "ProcessType": "Background",
        "StandardOutPath": str(logs),
        "StandardErrorPath": str(logs),
        "EnvironmentVariables": _environment(),
    }
    return plistlib.dumps(plist, sort_keys=False).decode("utf-8")


def systemd_user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def launchd_dir() -> Path:
    return Path.home() / "Library" / "LaunchAgents"


def install(config_path: Path | None = None, platform: str = sys.platform) -> tuple[Path, str]:
    """Write the unit (Linux) or agent (macOS); returns (path written, the command that starts it)."""
    if platform == "darwin":
        path = launchd_dir() / f"{AGENT_LABEL}.plist"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(launchd_plist(config_path), encoding="utf-8")
        return path, f"launchctl load -w {path}"
    path = systemd_user_dir() / UNIT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(systemd_unit(config_path), encoding="utf-8")
    return path, f"systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME}"


def web_systemd_unit(config_path: Path | None = None, host: str = "127.0.0.1", port: int = 8765) -> str:
    """The unit that runs the review page and the calendar feed beside the watcher."""
    exec_start = " ".join(_quote(a) for a in _serve_command(config_path, host, port))
    return f"""[Unit]
Description=Follow-through: the review page and the calendar feed (assistant serve)
After=network-online.target {UNIT_NAME}
Wants=network-online.target

[Service]
Type=simple
ExecStart={exec_start}
KillSignal=SIGTERM
TimeoutStopSec=10
Restart=on-failure
RestartSec=10
{_systemd_environment()}

[Install]
WantedBy=default.target
"""


def web_launchd_plist(config_path: Path | None = None, host: str = "127.0.0.1", port: int = 8765) -> str:
    logs = Path("~/Library/Logs/follow-through-web.log").expanduser()
    plist = {
        "Label": WEB_AGENT_LABEL,
        "ProgramArguments": _serve_command(config_path, host, port),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "ProcessType": "Background",
        "StandardOutPath": str(logs),
        "StandardErrorPath": str(logs),
        "EnvironmentVariables": _environment(),
    }
    return plistlib.dumps(plist, sort_keys=False).decode("utf-8")


def install_web(config_path: Path | None = None, platform: str = sys.platform, *, host: str = "127.0.0.1",
                port: int = 8765) -> tuple[Path, str]:
    """Write the page's unit (Linux) or agent (macOS); returns (path written, the command that starts it)."""
    if platform == "darwin":
        path = launchd_dir() / f"{WEB_AGENT_LABEL}.plist"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(web_launchd_plist(config_path, host, port), encoding="utf-8")
        return path, f"launchctl load -w {path}"
    path = systemd_user_dir() / WEB_UNIT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(web_systemd_unit(config_path, host, port), encoding="utf-8")
    return path, f"systemctl --user daemon-reload && systemctl --user enable --now {WEB_UNIT_NAME}"
