"""A sales team on one server: checking `team.toml` and every rep it names (`assistant team check`).

The check is offline and never stops at the first problem: every rep's own config.toml is loaded with
the same schema one rep uses, each account's adapter is built (which checks its options and paths, and
connects to nothing), and the team-level rules are checked: a rep with no account, a mailbox read by two
reps, a manager without reps, a secrets key that cannot be read. One line per problem.

`assistant team forget REP` removes what the server keeps of a rep who leaves: their store (the rep's
schema, every message, promise and booking record in it) and their encrypted sign-ins."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class RepData:
    """What the team's database holds for one rep: their schema (None when there is none) with its counts,
    and the names of their stored sign-ins."""

    rep: str
    schema: str | None
    messages: int
    commitments: int
    sign_ins: tuple[str, ...]
    in_team_file: bool

    @property
    def empty(self) -> bool:
        return self.schema is None and not self.sign_ins

    def lines(self) -> list[str]:
        """One line per thing held, for the question before `forget_rep`."""
        out = []
        if self.schema is not None:
            out.append(f"schema {self.schema}: {self.messages:,} messages, {self.commitments:,} promises, and the "
                       "rep's follow-ups, bookings and reports")
        out += [f"sign-in {name} (encrypted)" for name in self.sign_ins]
        return out


def stored_for(team: TeamConfig, rep: str) -> RepData:
    """What is stored for `rep` (a key of team.toml's [[reps]], or of a rep already taken out of it). Reads
    only: a rep with no schema gets none made."""
    from assistant.store.postgres import PostgresStore, rep_keys, schema_for
    from assistant.vault import stored_sign_ins

    schema = schema_for(rep)  # a bad key is refused before anything is read
    messages = commitments = 0
    found = rep in rep_keys(team.store_url)
    if found:
        with PostgresStore(team.store_url, rep) as store:
            messages, commitments = store.count_messages(), store.count_commitments()
    return RepData(rep, schema if found else None, messages, commitments,
                   tuple(stored_sign_ins(team.store_url, rep)), any(r.name == rep for r in team.reps))


def forget_rep(team: TeamConfig, rep: str) -> list[str]:
    """Remove the rep's schema and their stored sign-ins; one line per thing removed."""
    from assistant.store.postgres import PostgresStore, rep_keys, schema_for
    from assistant.vault import forget_sign_ins

    out = []
    if rep in rep_keys(team.store_url):
        with PostgresStore(team.store_url, rep) as store:
            store.drop_rep()
        out.append(f"removed schema {schema_for(rep)} (the rep's messages, promises, follow-ups and bookings)")
    out += [f"removed sign-in {name}" for name in forget_sign_ins(team.store_url, rep)]
    return out
