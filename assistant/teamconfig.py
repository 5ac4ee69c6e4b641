"""A sales team on one server: `team.toml`.

    [store]
    url = "postgresql://followthrough@db.internal/sales"

    [secrets]                      # tokens of every rep, encrypted at rest (Fernet)
    key_file = "/etc/follow-through/team.key"     # or: key_env = "FOLLOW_THROUGH_KEY"

    [web]                          # the team page behind the company's sign-in (oauth2-proxy)
    proxies = ["127.0.0.1"]        # X-Forwarded-Email is trusted only from these addresses

    [[managers]]
    email = "dana@example.com"
    reps = ["alice", "bob"]        # or ["*"]: every rep

    [[reps]]
    name = "alice"
    config = "reps/alice/config.toml"   # the same file one rep uses on a laptop

Checked against one typed schema like the rep's config (`assistant.config`): unknown keys with a
did-you-mean, wrong types and bad values are one-line ConfigErrors. The reps' own configs are read
by `rep_config` (each rep's [store] is replaced by the team's: one schema per rep in one database)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.config import SECTIONS, Config, Option, _o, _table, _toml, _unknown, load_config, read_toml
from assistant.errors import ConfigError

TEAM_SECTIONS = {"store": "table", "secrets": "table", "web": "table", "worker": "table", "managers": "array",
                 "reps": "array"}
TEAM_STORE_SCHEMA: dict[str, Option] = {"url": _o("str", example="postgresql://followthrough@db.internal/sales")}
SECRETS_SCHEMA: dict[str, Option] = {"key_file": _o("str", ""), "key_env": _o("str", "")}
WEB_SCHEMA: dict[str, Option] = {"proxies": _o("strs", []), "header": _o("str", "X-Forwarded-Email"),
                                  "base_url": _o("str", "")}
# the sections only a team file has: what tells team.toml from a rep's config.toml (`is_team_file`)
TEAM_ONLY_SECTIONS = frozenset(TEAM_SECTIONS) - frozenset(SECTIONS)
WORKER_SCHEMA: dict[str, Option] = {
    "sync_seconds": _o("int", 300, 10, 86400), "track_seconds": _o("int", 900, 10, 86400),
    "concurrency": _o("int", 1, 1, 64), "heartbeat_seconds": _o("float", 10.0, 0.5, 600),
    "stalled_seconds": _o("float", 30.0, 1, 3600), "poll_seconds": _o("float", 1.0, 0.2, 60),
}
MANAGER_SCHEMA: dict[str, Option] = {"email": _o("str"), "reps": _o("strs", [])}
REP_ENTRY_SCHEMA: dict[str, Option] = {"name": _o("str"), "config": _o("str")}
REP_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")  # it names the rep's PostgreSQL schema


@dataclass(frozen=True)
class TeamRep:
    name: str  # the rep's key: their schema in the database, their queue, `assistant team login-link NAME`
    config_path: Path


@dataclass(frozen=True)
class Manager:
    email: str
    reps: tuple[str, ...]  # ("*",) = every rep


@dataclass(frozen=True)
class WorkerConfig:
    sync_seconds: int = 300  # each account is synced again this long after its last sync
    track_seconds: int = 900  # each rep's tracker pass, booking and weekly report, this often
    concurrency: int = 1  # jobs one worker process runs at once
    heartbeat_seconds: float = 10.0  # how often a worker says it is alive
    stalled_seconds: float = 30.0  # a worker silent this long is gone: its job is retried by another
    # how often an idle worker looks for jobs that became due: a new job wakes it at once (PostgreSQL's
    # LISTEN/NOTIFY), but a sync scheduled for later sends no notification when its time comes
    poll_seconds: float = 1.0


@dataclass(frozen=True)
class TeamConfig:
    store_url: str
    reps: tuple[TeamRep, ...]
    managers: tuple[Manager, ...] = ()
    key_file: Path | None = None
    key_env: str = ""
    proxies: tuple[str, ...] = ()
    identity_header: str = "X-Forwarded-Email"
    base_url: str = ""  # where reps' browsers reach the team page (Google's sign-in returns there)
    worker: WorkerConfig = WorkerConfig()
    source_path: Path | None = None

    def rep(self, name: str) -> TeamRep:
        for r in self.reps:
            if r.name == name:
                return r
        known = ", ".join(r.name for r in self.reps) or "none"
        raise ConfigError(f"no rep named {name!r} in {self.source_path} (reps: {known}): add a [[reps]] table "
                          f"with name = {name!r}")

    def managed_by(self, email: str) -> tuple[str, ...]:
        """The reps whose queues `email` may see as a manager (none when not a manager)."""
        names: list[str] = []
        for m in self.managers:
            if m.email == email.strip().lower():
                names += [r.name for r in self.reps] if "*" in m.reps else list(m.reps)
        return tuple(dict.fromkeys(names))


def rep_config(team: TeamConfig, rep: TeamRep) -> Config:
    """A rep's own config.toml with the team's store: their schema (`store_rep`) in the team's database."""
    config = load_config(rep.config_path)
    return replace(config, store_url=team.store_url, store_rep=rep.name)


def _resolve(base: Path | None, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() or base is None else base.parent / p


def parse_team(data: dict[str, Any], source_path: Path | None = None) -> TeamConfig:
    _unknown("team", data, TEAM_SECTIONS)
    if "store" not in data:
        raise ConfigError("team.toml has no [store]: add [store] with url = \"postgresql://user@host/database\"")
    store_t = _table("store", data["store"], TEAM_STORE_SCHEMA)
    url = store_t.get("url") or ""
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"store.url = {_toml(url)}: a team's store is PostgreSQL: write url = "
                          "\"postgresql://user@host/database\"")
    sec = _table("secrets", data.get("secrets", {}), SECRETS_SCHEMA)
    if sec["key_file"] and sec["key_env"]:
        raise ConfigError("secrets: give key_file or key_env, not both")
    web = _table("web", data.get("web", {}), WEB_SCHEMA)
    if web["base_url"] and not web["base_url"].startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ConfigError(f"web.base_url = {_toml(web['base_url'])}: write the https:// address reps open the team "
                          "page at, like base_url = \"https://followthrough.example.com\"")
    for address in web["proxies"]:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise ConfigError(f"web.proxies: {address!r} is not an IP address or network: write one like "
                              "\"127.0.0.1\" or \"10.0.0.0/8\"") from None
    wk = _table("worker", data.get("worker", {}), WORKER_SCHEMA)
    reps_t = data.get("reps", [])
    if isinstance(reps_t, dict) or not isinstance(reps_t, list) or not all(isinstance(r, dict) for r in reps_t):
        raise ConfigError("reps must be written [[reps]] (two brackets), one such table per rep")
    reps: list[TeamRep] = []
    for i, r in enumerate(reps_t):
        values = _table(f"reps[{i}]", r, REP_ENTRY_SCHEMA)
        name = values.get("name")
        if not name:
            raise ConfigError(f"reps[{i}] has no name: add name = \"alice\" to that [[reps]] table")
        if not REP_NAME.match(name):
            raise ConfigError(f"reps[{i}]: name = {_toml(name)}: use lower-case letters, digits and _ (it names "
                              "the rep's schema in the database), like name = \"alice\"")
        if any(x.name == name for x in reps):
            raise ConfigError(f"two reps are named {name!r}: give each [[reps]] a different name")
        if not values.get("config"):
            raise ConfigError(f"rep {name!r} has no config: add config = \"reps/{name}/config.toml\" (the rep's own "
                              "config file)")
        reps.append(TeamRep(name=name, config_path=_resolve(source_path, values["config"])))
    managers: list[Manager] = []
    names = {r.name for r in reps}
    for i, m in enumerate(data.get("managers", []) if isinstance(data.get("managers", []), list) else [None]):
        if not isinstance(m, dict):
            raise ConfigError("managers must be written [[managers]] (two brackets), one such table per manager")
        values = _table(f"managers[{i}]", m, MANAGER_SCHEMA)
        if not values.get("email"):
            raise ConfigError(f"managers[{i}] has no email: add email = \"dana@example.com\"")
        for rep_name in values["reps"]:
            if rep_name != "*" and rep_name not in names:
                raise ConfigError(f"manager {values['email']!r}: reps names {rep_name!r}, which is no [[reps]] name "
                                  f"(reps: {', '.join(sorted(names)) or 'none'})")
        managers.append(Manager(email=values["email"].strip().lower(), reps=tuple(values["reps"])))
    return TeamConfig(
        store_url=url, reps=tuple(reps), managers=tuple(managers),
        key_file=_resolve(source_path, sec["key_file"]) if sec["key_file"] else None, key_env=sec["key_env"],
        proxies=tuple(web["proxies"]), identity_header=web["header"], base_url=web["base_url"].rstrip("/"),
        worker=WorkerConfig(**wk),
        source_path=source_path,
    )


def load_team(path: Path) -> TeamConfig:
    if not path.exists():
        raise ConfigError(f"team file {path} does not exist: write one (see \"Running it for a team\" in the README)")
    data = read_toml(path, "team.toml")
    try:
        return parse_team(data, source_path=path.resolve())
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def is_team_file(path: Path) -> bool:
    """Whether a config file is a team's team.toml rather than one rep's config.toml, told by its shape: a
    section only a team file has ([[reps]], [[managers]], [secrets], [web], [worker]). The one place that
    decides it (`assistant serve --config FILE` runs the team page for a team file). A file that cannot be
    read is one ConfigError line."""
    if not path.is_file():
        return False
    return bool(TEAM_ONLY_SECTIONS & read_toml(path, "config.toml").keys())
