"""Faults never show a traceback and lose nothing: each fault below is given to the real `assistant` command
in a subprocess, and must end with exit code 2 and exactly one line on stderr that names what is wrong and
what to do. Store faults on a full or read-only disk use a real tmpfs (mounted by the test, as root)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "sample"
ASSISTANT = [sys.executable, "-m", "assistant"]
NOW = "2026-11-20T09:00"


def run(home: Path, *args: str, stdin: str = "", columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FOLLOW_THROUGH_CONFIG_DIR": str(home / "config"),
           "FOLLOW_THROUGH_DATA_DIR": str(home / "data"), "COLUMNS": str(columns)}
    return subprocess.run([*ASSISTANT, *args], capture_output=True, text=True, env=env, input=stdin, timeout=300,
                          check=False)


def make_config(home: Path, store: Path | None = None, extra: str = "") -> Path:
    """A config with a local account reading the bundled sample mailbox (copied), `mode = "book"`."""
    shutil.copytree(SAMPLE / "mail", home / "mail")
    shutil.copytree(SAMPLE / "notes", home / "notes")
    text = (SAMPLE / "config.toml").read_text(encoding="utf-8")
    if store is not None:
        text += f'\n[store]\npath = "{store}"\n'
    path = home / "config.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """The fault's contract: exit 2, one line on stderr starting "error:", no traceback, naming `words`."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr, proc.stdout[-500:])
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for w in words:
        assert w.lower() in line.lower(), (w, line)
    return line


# -- config files ------------------------------------------------------------------------------------

CONFIG_FAULTS: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("not UTF-8", b'[rep]\nname = "Ren\xe9 Dupont"\n', ("line 2", "UTF-8")),
    ("rep is text", b'rep = "Sam"\n', ("rep", "[rep]")),
    ("rep is a list", b'rep = ["Sam"]\n', ("rep", "table")),
    ("accounts is text", b'accounts = "work"\n', ("accounts", "[[accounts]]")),
    ("accounts is one table", b'[accounts]\nname = "work"\nkind = "local"\n', ("[[accounts]]",)),
    ("port is not a number", b'[[accounts]]\nname = "w"\nkind = "imap"\nhost = "h"\nport = "nine"\n',
     ("port", "whole number", "993")),
    ("timeout is not a number", b'[[accounts]]\nname = "w"\nkind = "imap"\nhost = "h"\ntimeout = "30s"\n',
     ("timeout", "number")),
    ("event_minutes too large", b"[tracker]\nevent_minutes = 100000\n", ("event_minutes", "5 to 480")),
    ("event_minutes longer than the day", b'[rep]\nworking_hours = "09:00-10:00"\n[tracker]\nevent_minutes = 90\n',
     ("event_minutes", "working day", "60")),
    ("event_minutes as text", b'[tracker]\nevent_minutes = "15"\n', ("event_minutes", "without quotes")),
    ("a misspelt key", b'[rep]\ntimezon = "Europe/Paris"\n', ("timezon", "did you mean 'timezone'")),
    ("a misspelt section", b"[trackr]\nstalled_days = 3\n", ("trackr", "did you mean 'tracker'")),
    ("an old key name", b'[[accounts]]\nname = "w"\nkind = "imap"\nhost = "h"\nuser = "me"\n',
     ("'user'", "of an imap account", "did you mean 'username'")),
    ("a key of another kind", b'[[accounts]]\nname = "w"\nkind = "local"\nmail = ["m"]\nhost = "h"\n',
     ("'host'", "local account")),
    ("a boolean as text", b'[tracker]\nhold_fallbacks = "yes"\n', ("hold_fallbacks", "true or false")),
    ("working hours backwards", b'[rep]\nworking_hours = "17:00-09:00"\n', ("working_hours", "after the start")),
    ("markup in a value", b'[rep]\ntimezone = "[/x]"\n', ("[/x]", "IANA")),
    ("not TOML", b"[rep\nname = 1\n", ("not valid TOML",)),
    ("a time as a number", b"[report]\nat = 8\n", ("report.at", '"08:00"')),
    ("aliases as text", b'[rep]\naliases = "me@old.com"\n', ("aliases", "list")),
]


@pytest.mark.parametrize(("case", "content", "words"), CONFIG_FAULTS, ids=[c[0] for c in CONFIG_FAULTS])
def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, case: str, content: bytes,
                                             words: tuple[str, ...]) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    line = one_line_error(run(tmp_path, "suggestions", "--config", str(path)), *words)
    assert str(path) in line  # which file


# -- command-line values -----------------------------------------------------------------------------

CLI_FAULTS: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("--now far future", ["suggestions", "--now", "9999-12-31"], ("--now", "between 1970 and 2200")),
    ("--now not a time", ["watch", "--once", "--now", "friday"], ("--now", "2026-11-20T09:00")),
    ("--now year zero", ["track", "--now", "0001-01-01"], ("--now",)),
    ("serve --port 70000", ["serve", "--port", "70000"], ("--port", "65535", "--help")),
    ("serve --port text", ["serve", "--port", "http"], ("--port",)),
    ("report --out a file", ["report", "--out", "{file}"], ("--out", "is a file", "folder")),
    ("report --week nonsense", ["report", "--week", "week 47"], ("--week",)),
    ("demo --out a file", ["demo", "--out", "{file}"], ("--out", "is a file")),
    ("watch --poll negative", ["watch", "--poll", "-1"], ("--poll",)),
    ("an unknown option", ["watch", "--onse"], ("--onse", "--once")),
    ("an unknown command", ["revew"], ("revew",)),
    ("--config missing", ["suggestions", "--config", "{missing}"], ("does not exist", "assistant init")),
    ("check a missing draft", ["check", "{missing}"], ("cannot read",)),
]


@pytest.mark.parametrize(("case", "args", "words"), CLI_FAULTS, ids=[c[0] for c in CLI_FAULTS])
def test_a_bad_command_line_value_is_one_line_and_exit_2(tmp_path: Path, case: str, args: list[str],
                                                         words: tuple[str, ...]) -> None:
    config = make_config(tmp_path)
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    args = [a.format(file=a_file, missing=tmp_path / "nowhere.toml") for a in args]
    if "--config" not in args and args[0] != "demo":
        args += ["--config", str(config)]
    one_line_error(run(tmp_path, *args), *words)


# -- the store ---------------------------------------------------------------------------------------


@dataclass
class World:
    home: Path
    config: Path
    store: Path

    def watch(self) -> subprocess.CompletedProcess[str]:
        return run(self.home, "watch", "--once", "--now", NOW, "--config", str(self.config))


def world(home: Path, store: Path | None = None) -> World:
    store = store or home / "data" / "follow-through.sqlite3"
    return World(home, make_config(home, store=store), store)


def synced(home: Path, store: Path | None = None) -> World:
    w = world(home, store)
    proc = w.watch()
    assert proc.returncode == 0, proc.stderr
    return w


@pytest.fixture(scope="module")
def a_synced_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample mailbox synced once (copied by each test that damages it)."""
    w = synced(tmp_path_factory.mktemp("synced"))
    _checkpoint(w.store)
    return w.store


def messages_in(store: Path) -> int:
    db = sqlite3.connect(store)
    try:
        return int(db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
    finally:
        db.close()


def _garbage(w: World) -> None:
    w.store.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    for s in ("-wal", "-shm"):
        w.store.with_name(w.store.name + s).unlink(missing_ok=True)


def _truncated(w: World) -> None:
    _checkpoint(w.store)
    data = w.store.read_bytes()
    w.store.write_bytes(data[: len(data) // 3])


def _checkpoint(store: Path) -> None:
    db = sqlite3.connect(store)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _pages_overwritten(w: World) -> None:
    """A valid header, damaged pages in the middle: found only when a query reads them."""
    _checkpoint(w.store)
    data = bytearray(w.store.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, page):
        data[start + 8: start + page] = b"\xa5" * (page - 8)
    w.store.write_bytes(bytes(data))


def _a_folder(w: World) -> None:
    for s in ("", "-wal", "-shm"):
        w.store.with_name(w.store.name + s).unlink(missing_ok=True)
    w.store.mkdir()


def _newer_schema(w: World) -> None:
    db = sqlite3.connect(w.store)
    db.execute("PRAGMA user_version = 99")
    db.close()


def _empty_file(w: World) -> None:
    _garbage(w)
    w.store.write_bytes(b"\0" * 100)


STORE_FAULTS: list[tuple[str, Callable[[World], None], tuple[str, ...]]] = [
    ("not a database", _garbage, ("damaged", "assistant restore")),
    ("truncated", _truncated, ("damaged", "assistant restore")),
    ("pages overwritten", _pages_overwritten, ("damaged", "assistant restore")),
    ("zeroed header", _empty_file, ("damaged", "assistant restore")),
    ("a folder", _a_folder, ("is a folder", "[store] path")),
    ("newer schema", _newer_schema, ("newer than this program", "upgrade")),
]
COMMANDS = [["watch", "--once", "--now", NOW], ["suggestions"], ["report", "--now", NOW, "--week", "2026-W47"],
            ["backlog"], ["track", "--now", NOW]]


@pytest.mark.parametrize(("case", "damage", "words"), STORE_FAULTS, ids=[c[0] for c in STORE_FAULTS])
def test_a_damaged_store_is_one_line_and_exit_2_for_every_command(tmp_path: Path, a_synced_store: Path, case: str,
                                                                  damage: Callable[[World], None],
                                                                  words: tuple[str, ...]) -> None:
    w = world(tmp_path)
    w.store.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(a_synced_store, w.store)
    damage(w)
    for command in COMMANDS:
        out = tmp_path / "reports"
        extra = ["--out", str(out)] if command[0] == "report" else []
        proc = run(tmp_path, *command, *extra, "--config", str(w.config))
        if case == "pages overwritten" and proc.returncode == 0:
            continue  # (a command that never reads a damaged page has nothing to report)
        line = one_line_error(proc, *words)
        assert str(w.store) in line or case == "a folder"


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount small tmpfs file systems (a real full or read-only disk); unmounted after the test."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root: run the tests as root (CI does) to test a full and a "
                    "read-only disk")
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        where = tmp_path / f"mnt{len(mounted)}"
        where.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("size", ["96k", "400k"], ids=["full before the store opens", "full during the sync"])
def test_a_full_disk_is_one_line_then_nothing_is_lost_once_there_is_room(tmp_path: Path, size: str,
                                                                         tmpfs: Callable[[str], Path]) -> None:
    reference = synced(tmp_path / "reference")
    expected = messages_in(reference.store)
    small = tmpfs(f"size={size}")
    w = world(tmp_path / "full", store=small / "follow-through.sqlite3")
    proc = w.watch()
    line = one_line_error(proc, "is full", "free some space", str(w.store)) if size == "96k" else None
    if line is None:  # the store opened: the log may say what it did before the disk filled, then the one line
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        errors = [x for x in proc.stderr.splitlines() if x.startswith("error:") or " ERROR " in x]
        assert len(errors) == 1 and "is full" in errors[0], proc.stderr
        assert " INFO watching " in proc.stderr  # (it did fill during the sync, after the store opened)
    subprocess.run(["mount", "-o", "remount,size=16m", str(small)], check=True)
    proc = w.watch()
    assert proc.returncode == 0, proc.stderr
    assert messages_in(w.store) == expected


def test_a_read_only_store_is_one_line_and_exit_2(tmp_path: Path, tmpfs: Callable[[str], Path]) -> None:
    disk = tmpfs("size=16m")
    w = synced(tmp_path, store=disk / "follow-through.sqlite3")
    before = messages_in(w.store)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    for command in (["watch", "--once", "--now", NOW], ["track", "--now", NOW], ["suggestions"]):
        one_line_error(run(tmp_path, *command, "--config", str(w.config)), str(w.store), "read-only")
    subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    assert messages_in(w.store) == before


def test_a_store_held_by_another_writer_says_so(tmp_path: Path) -> None:
    """The in-process translation of a busy store (the CLI waits 30 s for the lock before it says this)."""
    from assistant.errors import StoreError
    from assistant.store import open_store

    path = tmp_path / "s.sqlite3"
    with open_store(path) as store:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        store.db.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(StoreError, match="busy.*another `assistant`"), store.transaction():
            pass
        holder.execute("ROLLBACK")
        holder.close()


# -- backups and restore ---------------------------------------------------------------------------------


def test_the_watcher_backs_up_once_a_day_keeps_seven_and_restore_puts_one_back(tmp_path: Path) -> None:
    from assistant.store import backups, open_store

    w = synced(tmp_path)
    first = backups(w.store)
    assert [p.name for p in first] == ["follow-through-2026-11-20.sqlite3"]
    assert oct(first[0].stat().st_mode & 0o777) == "0o600"
    assert oct(first[0].parent.stat().st_mode & 0o777) == "0o700"
    stamp = first[0].stat().st_mtime_ns
    assert w.watch().returncode == 0  # the same day: no second copy
    assert backups(w.store) == first and first[0].stat().st_mtime_ns == stamp
    with open_store(w.store) as store:
        for day in range(21, 31):
            store.backup(date(2026, 11, day))
    names = [p.name for p in backups(w.store)]
    assert names == [f"follow-through-2026-11-{d}.sqlite3" for d in range(24, 31)]  # seven, the newest
    expected = messages_in(w.store)
    _garbage(w)
    one_line_error(run(tmp_path, "suggestions", "--config", str(w.config)), "damaged", "assistant restore")
    proc = run(tmp_path, "restore", "--config", str(w.config))
    assert proc.returncode == 0, proc.stderr
    assert "follow-through-2026-11-30.sqlite3" in proc.stdout
    assert messages_in(w.store) == expected
    assert oct(w.store.stat().st_mode & 0o777) == "0o600"
    aside = list(w.store.parent.glob("follow-through.sqlite3.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")  # kept, not deleted
    assert run(tmp_path, "suggestions", "--config", str(w.config)).returncode == 0


def test_the_store_and_its_folder_are_private(tmp_path: Path) -> None:
    w = synced(tmp_path)
    assert oct(w.store.parent.stat().st_mode & 0o777) == "0o700"
    for suffix in ("", "-wal", "-shm"):
        f = w.store.with_name(w.store.name + suffix)
        if f.exists():
            assert oct(f.stat().st_mode & 0o777) == "0o600", f
    # a store left readable by an older version is tightened when it is next opened
    w.store.chmod(0o644)
    w.store.parent.chmod(0o755)
    assert run(tmp_path, "suggestions", "--config", str(w.config)).returncode == 0
    assert oct(w.store.stat().st_mode & 0o777) == "0o600"
    assert oct(w.store.parent.stat().st_mode & 0o777) == "0o700"  # (it is the data dir)


# -- one schema: the example file, the template and the README agree ------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _keys_written(text: str) -> set[str]:
    """Every `key = value` line of a TOML text, commented out or not."""
    import re

    return {m.group(1) for m in re.finditer(r"(?m)^#?\s*([a-z_]+)\s*=", text)}


def test_the_example_file_the_template_and_the_readme_load_and_use_the_schemas_keys() -> None:
    import re
    import tomllib

    from assistant import config_template
    from assistant.config import (
        _ACCOUNT_COMMON,
        _CALENDAR_COMMON,
        ACCOUNT_SCHEMAS,
        CALENDAR_SCHEMAS,
        REP_SCHEMA,
        REPORT_SCHEMA,
        STORE_SCHEMA,
        TRACKER_SCHEMA,
        parse_config,
    )

    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert example == config_template.example()  # one home: the template; the file is its rendering
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Configuration.*?```toml\n(.*?)```", readme, re.S)
    assert block is not None
    for text in (example, block.group(1), (SAMPLE / "config.toml").read_text(encoding="utf-8")):
        parse_config(tomllib.loads(text))
    schemas = [REP_SCHEMA, TRACKER_SCHEMA, REPORT_SCHEMA, STORE_SCHEMA, _ACCOUNT_COMMON, _CALENDAR_COMMON,
               *ACCOUNT_SCHEMAS.values(), *CALENDAR_SCHEMAS.values()]
    every = {k for schema in schemas for k in schema}
    shown = {k for schema in schemas for k, o in schema.items() if not o.hidden}
    written = _keys_written(example)
    assert written <= every, written - every  # nothing the program would refuse
    assert shown <= written, shown - written  # every option a rep may set is in the template
    assert _keys_written(block.group(1)) <= written


# -- network faults ------------------------------------------------------------------------------------


def test_a_network_fault_is_a_few_words_and_a_name_that_does_not_resolve_is_not_retried() -> None:
    import requests

    from assistant.errors import TransientError, network_problem, worth_retrying

    try:
        requests.get("http://no-such-host.invalid/", timeout=5)
    except requests.ConnectionError as e:
        text, retry = network_problem(e)
    assert "does not resolve" in text and not retry
    assert "urllib3" not in text and "HTTPConnectionPool" not in text
    with socket_on_a_free_port() as port:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        except requests.ConnectionError as e:
            text, retry = network_problem(e)
    assert "refused" in text and retry
    assert worth_retrying(TransientError("x")) and not worth_retrying(TransientError("x", retry_now=False))


class socket_on_a_free_port:  # noqa: N801 - used as a context manager
    """A port nobody listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
        s.close()
        return port

    def __exit__(self, *exc: object) -> None:
        return None


def test_watch_once_with_a_host_that_does_not_resolve_says_so_once_and_exits_1(tmp_path: Path) -> None:
    config = make_config(tmp_path, extra='\n[[accounts]]\nname = "work"\nkind = "imap"\nhost = "imap.no-such-host.invalid"\n'
                         'username = "sam@example.com"\npassword_env = "FT_TEST_PASSWORD"\n')
    env_home = tmp_path
    proc = subprocess.run([*ASSISTANT, "watch", "--once", "--now", NOW, "--config", str(config)], capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, "FT_TEST_PASSWORD": "x", "FOLLOW_THROUGH_CONFIG_DIR": str(env_home / "c"),
                               "FOLLOW_THROUGH_DATA_DIR": str(env_home / "d")})
    assert proc.returncode == 1, proc.stderr  # the local account worked, the IMAP one did not
    assert "Traceback" not in proc.stderr
    about = [line for line in proc.stderr.splitlines() if "no-such-host" in line]
    assert len(about) == 1, proc.stderr  # one line, not one per retry
    assert "does not resolve" in about[0] and "retrying" not in proc.stderr
    assert "urllib3" not in proc.stderr and "gaierror" not in proc.stderr


# -- untrusted text never becomes rich markup ----------------------------------------------------------


def test_mail_text_with_rich_markup_is_printed_as_written(tmp_path: Path) -> None:
    import mailbox
    from email.message import EmailMessage

    config = make_config(tmp_path)
    for sub in ("tmp", "new"):
        (tmp_path / "mail" / "Sent" / sub).mkdir(exist_ok=True)
    sent = mailbox.Maildir(tmp_path / "mail" / "Sent", create=False)
    msg = EmailMessage()
    msg["From"] = "Sam Rivera <sam@northwind-analytics.com>"
    msg["To"] = "Ed [bold]Park[/x] <ed@acme-logistics.com>"
    msg["Subject"] = "Pricing [red]v2[/] for [/x] the team"
    msg["Date"] = "Mon, 16 Nov 2026 10:00:00 -0500"
    msg["Message-ID"] = "<markup-1@northwind-analytics.com>"
    msg.set_content("Ed,\n\nI will send you the [bold]revised[/bold] quote [/x] by Wednesday at 3pm.\n\nSam\n")
    sent.add(msg.as_bytes())
    assert run(tmp_path, "watch", "--once", "--now", NOW, "--config", str(config)).returncode == 0
    for command in (["suggestions", "--all"], ["backlog"], ["review", "--now", NOW]):
        proc = run(tmp_path, *command, "--config", str(config), stdin="q\n" * 40)
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
        assert proc.returncode == 0, proc.stderr
    shown = run(tmp_path, "suggestions", "--all", "--config", str(config), columns=400).stdout
    assert "the [bold]revised[/bold] quote [/x] by Wednesday" in shown, shown
    assert "Ed [bold]Park[/x]" in shown or "Pricing [red]v2[/] for [/x] the team" in shown


def test_an_error_quoting_markup_is_shown_as_written_in_the_watch_table(tmp_path: Path) -> None:
    config = make_config(tmp_path, extra='\n[[accounts]]\nname = "[bold]old[/x]"\nkind = "local"\n'
                                          'mail = ["gone [/x] folder"]\n')
    proc = run(tmp_path, "watch", "--once", "--now", NOW, "--config", str(config), columns=400)
    assert proc.returncode == 1, proc.stderr  # one account failed
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "[bold]old[/x]" in proc.stdout and "gone [/x] folder" in proc.stdout


# -- the watcher's log under a service manager ----------------------------------------------------------


def test_a_service_log_is_plain_lines_and_an_idle_pass_says_nothing(tmp_path: Path) -> None:
    import re

    w = world(tmp_path)
    first = w.watch()  # stderr is a pipe, as under systemd
    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARNING|ERROR) ")
    assert lines and all(stamp.match(line) for line in lines), first.stderr
    assert not re.search(r"[\x1b│┃━─]", first.stderr)  # no colours, no boxes
    assert "->" not in first.stderr  # state hops are debug
    assert any("new message(s)" in line for line in lines) and any("tracker:" in line for line in lines)
    idle = w.watch()
    assert idle.returncode == 0, idle.stderr
    said = [line for line in idle.stderr.splitlines() if "watching" not in line]
    assert said == [], idle.stderr  # only the start-up line
    verbose = run(tmp_path, "watch", "--once", "-v", "--now", "2026-11-27T09:00", "--config", str(w.config))
    assert verbose.returncode == 0 and re.search(r"DEBUG tracker: \w+->\w+: \d+", verbose.stderr), verbose.stderr


def test_the_plain_log_line_leaves_the_traceback_to_the_other_handlers() -> None:
    """The one-line formatter drops a traceback from its own line, not from the record every handler shares."""
    import logging

    from assistant.cli.watch_cmds import OneLine

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("assistant", logging.ERROR, __file__, 1, "pass failed", None, sys.exc_info())
    line = OneLine(verbose=False).format(record)
    assert "Traceback" not in line and "pass failed" in line and "\n" not in line
    assert record.exc_info is not None  # still there for the next handler
    assert "Traceback" in logging.Formatter().format(record)


# -- the extraction worker when its watcher is killed ---------------------------------------------------


def test_the_extraction_worker_ends_quietly_when_its_watcher_is_killed() -> None:
    import signal
    import time

    root = Path(__file__).resolve().parents[1]
    parent = subprocess.Popen([sys.executable, "-m", "tests.worker_parent"], cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    assert parent.stdout is not None and parent.stderr is not None
    worker_pid = int(parent.stdout.readline())
    time.sleep(0.5)  # the worker is inside the batch now
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=30)
    stderr = parent.stderr.read()  # EOF once the worker (which shares the pipe) has ended too
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert stderr.strip() == "", stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the worker outlived its watcher")


# -- forget ----------------------------------------------------------------------------------------------


def test_forget_asks_then_deletes_the_store_backups_tokens_reports_and_calendar_file(tmp_path: Path) -> None:
    w = synced(tmp_path)
    report = run(tmp_path, "report", "--week", "2026-W47", "--now", NOW, "--config", str(w.config))
    assert report.returncode == 0, report.stderr
    report_html = Path(report.stdout.strip().splitlines()[-1])
    tokens = tmp_path / "config" / "tokens.json"
    tokens.parent.mkdir(parents=True, exist_ok=True)
    tokens.write_text('{"imap:work": {"password": "hunter2"}}', encoding="utf-8")
    ics = tmp_path / "demo-out" / "followups.ics"
    ours = [w.store, *sorted((w.store.parent / "backups").iterdir()), tokens, report_html, ics]
    assert all(p.is_file() for p in ours), [p for p in ours if not p.is_file()]
    other = report_html.parent / "my-notes.txt"  # not ours: left alone
    other.write_text("keep me", encoding="utf-8")

    refused = run(tmp_path, "forget", "--config", str(w.config))  # no terminal to ask, no --yes
    one_line_error(refused, "--yes")
    assert all(p.is_file() for p in ours)

    done = run(tmp_path, "forget", "--yes", "--config", str(w.config))
    assert done.returncode == 0, done.stderr
    assert str(w.store) in done.stdout and str(tokens) in done.stdout
    assert not any(p.exists() for p in ours), [p for p in ours if p.exists()]
    assert not (w.store.parent / "backups").exists()
    assert not list(w.store.parent.glob("follow-through.sqlite3*"))
    assert other.read_text(encoding="utf-8") == "keep me"
    assert w.config.is_file()  # the rep's own file
    again = run(tmp_path, "forget", "--yes", "--config", str(w.config))
    assert again.returncode == 0 and "Nothing to delete" in again.stdout


def test_a_damaged_store_stops_serve_status_and_review_before_they_start(tmp_path: Path,
                                                                         a_synced_store: Path) -> None:
    w = world(tmp_path)
    w.store.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(a_synced_store, w.store)
    _garbage(w)
    for command in (["serve", "--port", "0"], ["status"], ["review", "--now", NOW], ["restore", "--from", str(w.config)]):
        one_line_error(run(tmp_path, *command, "--config", str(w.config)), "damaged" if command[0] != "restore"
                       else "no whole backup")
    assert w.store.read_bytes().startswith(b"this is not a database")  # nothing was changed


def test_help_is_still_help(tmp_path: Path) -> None:
    helped = run(tmp_path, "--help")
    assert helped.returncode == 0 and "Commands:" in helped.stdout and helped.stderr == ""
    bare = run(tmp_path)  # no command: click's help, not an error line
    assert "Commands:" in bare.stdout + bare.stderr and "error:" not in bare.stderr
    assert run(tmp_path, "watch", "--help").returncode == 0


def test_every_account_and_calendar_in_credentials_example_json_uses_the_schemas_keys() -> None:
    import json

    from assistant.config import parse_config

    shapes = json.loads((ROOT / "credentials.example.json").read_text(encoding="utf-8"))
    for account in shapes["accounts"]:
        fields = {k: v for k, v in account.items() if not k.startswith("_")}
        parse_config({"accounts": [fields]})
    for calendar in shapes["calendars"]:
        fields = {k: v for k, v in calendar.items() if not k.startswith("_")}
        accounts = [{"name": "gmail", "kind": "gmail"}, {"name": "office", "kind": "outlook"}]
        parse_config({"accounts": accounts, "calendar": fields})


def test_the_terminal_log_line_shows_a_traceback_only_with_verbose() -> None:
    """On a terminal (rich's handler) a logged traceback - procrastinate logs one for a failed job - is
    left out unless -v; the message stays."""
    import io
    import logging

    from rich.console import Console
    from rich.logging import RichHandler

    from assistant.cli.watch_cmds import MessageOnly

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("procrastinate", logging.ERROR, __file__, 1, "job failed", None, sys.exc_info())
    for verbose in (False, True):
        out = io.StringIO()
        handler = RichHandler(console=Console(file=out, width=200), rich_tracebacks=False)
        handler.setFormatter(MessageOnly(verbose))
        handler.handle(record)
        assert "job failed" in out.getvalue()
        assert ("Traceback" in out.getvalue()) == verbose, out.getvalue()
    assert record.exc_info is not None  # still there for any other handler
