"""A sales team on one server: checking `team.toml` and every rep it names (`assistant team check`).

The check is offline and never stops at the first problem: every rep's own config.toml is loaded with
the same schema one rep uses, each account's adapter is built (which checks its options and paths, and
connects to nothing), and the team-level rules are checked: a rep with no account, a mailbox read by two
reps, a manager without reps, a secrets key that cannot be read. One line per problem."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from assistant.config import AccountConfig, Config
from assistant.errors import AssistantError
from assistant.teamconfig import TeamConfig, TeamRep, rep_config
from assistant.watcher import open_source


def mailbox_key(account: AccountConfig, config: Config) -> str:
    """What identifies a mailbox across reps (two reps must not read the same one)."""
    o = account.options
    if account.kind == "local":
        paths = o.get("mail") or o.get("notes") or []
        paths = [paths] if isinstance(paths, str) else paths
        return "local:" + ",".join(sorted(str(config.resolve_path(p).resolve()) for p in paths))
    if account.kind == "imap":
        return f"imap:{str(o.get('username', '')).lower()}@{str(o.get('host', '')).lower()}"
    return f"{account.kind}:{config.rep.email}:{account.name}"


def _rep_problems(team: TeamConfig, rep: TeamRep, seen: dict[str, str]) -> Iterator[str]:
    try:
        config = rep_config(team, rep)
    except AssistantError as e:
        yield f"rep {rep.name!r}: {e}"
        return
    if not config.rep.email:
        yield (f"rep {rep.name!r}: {rep.config_path}: [rep] has no email: add email = \"...\" (the page knows the "
               "rep by it)")
    if not config.accounts:
        yield f"rep {rep.name!r}: {rep.config_path}: no [[accounts]]: add the rep's mailbox"
    for account in config.accounts:
        try:
            source = open_source(account, config)
        except AssistantError as e:
            yield f"rep {rep.name!r}: {rep.config_path}: {e}"
            continue
        close = getattr(source, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # noqa: BLE001,S110 - nothing was opened; a close that fails changes nothing here
                pass
        key = mailbox_key(account, config)
        if key in seen:
            yield (f"rep {rep.name!r}: account {account.name!r} reads the same mailbox as {seen[key]}: a mailbox "
                   "belongs to one rep; remove it from one of them")
        else:
            seen[key] = f"rep {rep.name!r} account {account.name!r}"


def check_team(team: TeamConfig) -> list[str]:
    """Every problem of the team file and the reps' configs, one line each (empty: all good)."""
    problems: list[str] = []
    if not team.reps:
        problems.append(f"{team.source_path}: no [[reps]]: add one [[reps]] table per rep (name, config)")
    if team.key_file is not None:
        if not team.key_file.exists():
            problems.append(f"secrets.key_file {team.key_file} does not exist: run `assistant team new-key "
                            f"--out {team.key_file}`")
        elif team.key_file.stat().st_mode & 0o077:
            problems.append(f"secrets.key_file {team.key_file} can be read by others: chmod 600 {team.key_file}")
    elif team.key_env and not os.environ.get(team.key_env):
        problems.append(f"secrets.key_env: the environment variable {team.key_env} is not set: set it to the "
                        "team's key (`assistant team new-key` prints one)")
    elif not team.key_env:
        problems.append("no [secrets]: tokens would not be encrypted: add key_file = \"/etc/follow-through/team.key\" "
                        "or key_env = \"FOLLOW_THROUGH_KEY\"")
    seen: dict[str, str] = {}
    for rep in team.reps:
        problems += _rep_problems(team, rep, seen)
    for m in team.managers:
        if not m.reps:
            problems.append(f"manager {m.email!r} has no reps: add reps = [\"alice\"] (or [\"*\"] for every rep)")
    return problems


def config_paths(team: TeamConfig) -> list[Path]:
    return [r.config_path for r in team.reps]
