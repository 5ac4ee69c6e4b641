"""A rep's first minutes (issue 13, "Setting up"): the CLI starts where fcntl does not exist, every command
that needs the rep's config says how to make one, `assistant init` asks until the answers are usable, and
`assistant status` tells per account what to do."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
import tzlocal
from click.testing import CliRunner

from assistant.cli import main

ROOT = Path(__file__).resolve().parent.parent

# A fresh interpreter in which `import fcntl` fails, as on Windows; then the given code.
_NO_FCNTL = """\
import importlib.abc, sys
class _NoFcntl(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "fcntl":
            raise ModuleNotFoundError("No module named 'fcntl'", name="fcntl")
        return None
sys.modules.pop("fcntl", None)
sys.meta_path.insert(0, _NoFcntl())
try:
    import fcntl  # noqa: F401
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("the fcntl blocker did not work")
"""


def _run_without_fcntl(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FOLLOW_THROUGH_CONFIG_DIR=str(tmp_path / "config"),
               FOLLOW_THROUGH_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-c", _NO_FCNTL + textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=120, cwd=tmp_path)


def test_help_runs_where_fcntl_does_not_exist(tmp_path: Path) -> None:
    out = _run_without_fcntl("""
        from assistant.cli import main
        main(["--help"])
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Usage: " in out.stdout and "watch" in out.stdout and "init" in out.stdout


def test_the_token_and_calendar_locks_work_where_fcntl_does_not_exist(tmp_path: Path) -> None:
    out = _run_without_fcntl("""
        import sys
        from datetime import datetime, timedelta
        from pathlib import Path
        from zoneinfo import ZoneInfo
        from assistant.auth import TokenStore
        from assistant.calendars.ics import IcsWriter
        from assistant.models import CalendarEvent

        tokens = TokenStore(Path("tokens.json"))
        tokens.put("gmail", "work", {"refresh_token": "r1"})
        tokens.put("imap", "home", {"password": "p"})
        assert tokens.get("gmail", "work") == {"refresh_token": "r1"}, tokens.get("gmail", "work")
        assert tokens.get("imap", "home") == {"password": "p"}

        cal = IcsWriter(Path("followups.ics"), timezone="America/New_York")
        start = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("America/New_York"))
        cal.put(CalendarEvent(uid="u1", title="Call Ed", description="d", start=start,
                              end=start + timedelta(minutes=15)))
        assert cal.uids() == {"u1"}, cal.uids()
        assert "fcntl" not in sys.modules
        print("locked and written")
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "locked and written" in out.stdout
    assert (tmp_path / "followups.ics").read_text().count("BEGIN:VEVENT") == 1
    assert (tmp_path / "tokens.json").stat().st_mode & 0o777 == 0o600


# -- no config: say how to make one --------------------------------------------------------------------

NEEDS_NO_CONFIG = {"init", "demo", "extract", "resolve", "check"}
TEAM_COMMANDS = {"team", "worker"}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf command of the CLI, as the words that call it."""
    found: list[tuple[str, ...]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        if isinstance(cmd, click.Group):
            found += _commands(cmd, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def _required_args(words: tuple[str, ...]) -> list[str]:
    """A value for each required argument of the command (the first choice, else a placeholder)."""
    cmd: click.Command = main
    for w in words:
        assert isinstance(cmd, click.Group)
        nxt = cmd.get_command(click.Context(cmd), w)
        assert nxt is not None
        cmd = nxt
    values = []
    for p in cmd.params:
        if isinstance(p, click.Argument) and p.required:
            values.append(str(p.type.choices[0]) if isinstance(p.type, click.Choice) else "x")
    return values


def test_every_command_but_five_stops_without_a_config() -> None:
    from assistant.config import default_config_path

    assert not default_config_path().exists()
    commands = [c for c in _commands(main) if c[0] not in NEEDS_NO_CONFIG]
    assert {("watch",), ("status",), ("review",), ("report",), ("login",), ("service", "install")} <= set(commands)
    runner = CliRunner()
    for words in commands:
        if words[0] in TEAM_COMMANDS:  # a team's commands read team.toml (by --config), not a rep's config
            continue
        out = runner.invoke(main, [*words, *_required_args(words)], input="")
        assert out.exit_code == 2, (words, out.exit_code, out.output)
        assert f"no config at {default_config_path()}: run `assistant init`" in " ".join(out.output.split()), \
            (words, out.output)
        assert "Traceback" not in out.output and "Nothing to review" not in out.output


def test_check_runs_without_a_config(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Ed,\n\nI'll call you Thursday at 8:15 if I haven't heard back.\n\nSam\n")
    out = CliRunner().invoke(main, ["check", str(draft), "--now", "2026-11-16T10:00"])
    assert out.exit_code == 0, out.output


# -- assistant init -------------------------------------------------------------------------------------


def _tomllib_load(path: Path) -> dict[str, object]:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_init_asks_again_until_the_answers_are_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import watch_cmds
    from assistant.config import config_dir, data_dir, default_config_path, load_config

    monkeypatch.setattr(watch_cmds, "_interactive", lambda: True)
    monkeypatch.setenv("TZ", "America/Chicago")
    tzlocal.reload_localzone()
    answers = ["", "Sam Rivera",                                    # an empty name is asked again
               "", "not-an-email", "sam@northwind-analytics.com",  # so are an empty and a bad address
               "Mars/Base", "",                                     # a bad zone; then the detected one
               "outlook", "not-a-guid", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    out = CliRunner().invoke(main, ["init"], input="\n".join(answers) + "\n")
    assert out.exit_code == 0, out.output
    text = out.output
    assert "This machine's time zone is America/Chicago." in text
    assert "Your name: \nYour name: Sam Rivera" in text  # asked again, never written empty
    assert "Your email address: \nYour email address: not-an-email" in text
    assert "rep.email = 'not-an-email' is not an email address" in text
    assert "'Mars/Base' is not an IANA time zone" in text
    assert "not-a-guid" in text and "Application (client) ID" in text
    config = load_config(default_config_path())
    assert config.rep.name == "Sam Rivera" and config.rep.email == "sam@northwind-analytics.com"
    assert config.rep.timezone == "America/Chicago"
    assert config.calendar.kind == "outlook" and config.calendar.options["account"] == "work"
    work = config.account("work")
    assert work.kind == "outlook" and work.options["client_id"] == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    assert "assistant login outlook --account work" in text
    # mail and notes live in the data dir, and the config dir holds only the config
    local = config.account("local")
    assert Path(local.options["mail"][0]) == data_dir() / "mail" and (data_dir() / "mail" / "new").is_dir()
    assert Path(local.options["notes"]) == data_dir() / "notes" and (data_dir() / "notes").is_dir()
    assert sorted(p.name for p in config_dir().iterdir()) == ["config.toml"]
    assert 'email = ""' not in default_config_path().read_text()


def test_init_without_a_terminal_needs_name_and_email_and_checks_them() -> None:
    from assistant.config import default_config_path

    runner = CliRunner()
    out = runner.invoke(main, ["init"])
    assert out.exit_code == 2 and "--name and --email" in out.output
    out = runner.invoke(main, ["init", "--name", "Sam", "--email", "not-an-email"])
    assert out.exit_code == 2 and "is not an email address" in out.output
    assert not default_config_path().exists()


def test_init_shows_the_detected_zone_and_writes_the_ics_calendar_in_the_data_dir(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.calendars import open_calendar
    from assistant.config import data_dir, default_config_path, load_config

    monkeypatch.setenv("TZ", "Europe/Berlin")
    tzlocal.reload_localzone()
    out = CliRunner().invoke(main, ["init", "--name", "Sam", "--email", "Sam@Northwind-Analytics.com"])
    assert out.exit_code == 0, out.output
    assert "time zone Europe/Berlin (this machine's" in out.output
    config = load_config(default_config_path())
    assert config.rep.email == "sam@northwind-analytics.com" and config.rep.timezone == "Europe/Berlin"
    assert config.calendar.kind == "ics"
    assert open_calendar(config).path == data_dir() / "followups.ics"  # type: ignore[attr-defined]
    from assistant.report import default_out_dir

    assert default_out_dir(config, "2026-W47") == data_dir() / "reports" / "2026-W47"
    assert stat.S_IMODE(data_dir().stat().st_mode) == 0o700  # mail is copied in before any watch tightens it


def test_init_caldav_and_google_from_options(tmp_path: Path) -> None:
    from assistant.config import load_config

    runner = CliRunner()
    conf = tmp_path / "caldav.toml"
    out = runner.invoke(main, ["init", "--config", str(conf), "--name", "Sam", "--email", "sam@x.example",
                               "--timezone", "America/New_York", "--calendar", "caldav", "--caldav-url",
                               "ftp://nope"])
    assert out.exit_code == 2 and "calendar.url" in out.output and not conf.exists()
    out = runner.invoke(main, ["init", "--config", str(conf), "--name", "Sam", "--email", "sam@x.example",
                               "--timezone", "America/New_York", "--calendar", "caldav"])
    assert out.exit_code == 2 and "--caldav-url" in out.output
    out = runner.invoke(main, ["init", "--config", str(conf), "--name", "Sam", "--email", "sam@x.example",
                               "--calendar", "caldav", "--caldav-url", "https://dav.example.com/",
                               "--caldav-user", "sam"])
    assert out.exit_code == 0, out.output
    cal = load_config(conf).calendar
    assert (cal.kind, cal.options["url"], cal.options["username"]) == ("caldav", "https://dav.example.com/", "sam")
    assert cal.options["password_env"] == "FOLLOW_THROUGH_CALDAV_PASSWORD"
    assert "export FOLLOW_THROUGH_CALDAV_PASSWORD" in out.output

    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps({"web": {"client_id": "x"}}))
    conf = tmp_path / "google.toml"
    args = ["init", "--config", str(conf), "--name", "Sam", "--email", "sam@x.example", "--calendar", "google",
            "--client-secrets", str(secrets)]
    out = runner.invoke(main, args)
    assert out.exit_code == 2 and "Desktop app" in out.output
    secrets.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    out = runner.invoke(main, args)
    assert out.exit_code == 0, out.output
    config = load_config(conf)
    assert config.calendar.kind == "google" and config.calendar.options["account"] == "work"
    assert config.account("work").options["client_secrets"] == str(secrets.resolve())
    assert f"assistant login gmail --account work --config {conf}" in out.output


# -- assistant status ------------------------------------------------------------------------------------

_STATUS_CONFIG = """\
[rep]
name = "Sam Rivera"
email = "sam@northwind-analytics.com"
timezone = "America/New_York"

[[accounts]]
name = "home"
kind = "local"
mail = ["mail"]

[[accounts]]
name = "work"
kind = "gmail"
client_secrets = "client_secret.json"

[[accounts]]
name = "corp"
kind = "imap"
host = "imap.example.com"
username = "sam"
password_env = "CORP_IMAP_PASSWORD"

[store]
path = "store.sqlite3"
"""


class _RefusingSource:
    """An IMAP server that refuses the folder (a SourceError whose text runs over several lines)."""

    kind = "imap"

    def __init__(self, account: str) -> None:
        self.account = account

    def fetch(self, cursor: object, read: object = None) -> object:
        from assistant.errors import SourceError

        raise SourceError("IMAP server refused SELECT \"Sent Items\":\n   NO [NONEXISTENT] Unknown folder")

    def wait(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


def test_status_says_per_account_ok_the_login_it_needs_or_the_last_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.clock import fixed_clock
    from assistant.config import load_config
    from assistant.watcher import watch
    from tests.test_watcher import NOW, ExpiredSource, ListSource, email_bytes, fake_extractor

    monkeypatch.setenv("CORP_IMAP_PASSWORD", "pw")
    conf = tmp_path / "config.toml"
    conf.write_text(_STATUS_CONFIG)
    config = load_config(conf)
    runner = CliRunner()

    before = runner.invoke(main, ["status", "--config", str(conf), "--json"])
    by_name = {a["account"]: a for a in json.loads(before.output)["accounts"]}
    assert by_name["work"]["status"] == "needs_login"  # no token kept yet
    assert by_name["work"]["command"] == f"assistant login gmail --account work --config {conf.resolve()}"
    assert by_name["home"]["status"] == by_name["corp"]["status"] == "not_synced"

    sources = {"home": ListSource("home", [email_bytes(1), email_bytes(2)]), "work": ExpiredSource("work", []),
               "corp": _RefusingSource("corp")}
    watch(config, fixed_clock(NOW), once=True, source_factory=lambda a, c: sources[a.name],  # type: ignore[arg-type,return-value]
          after=lambda *a: [], extractor=fake_extractor)

    out = runner.invoke(main, ["status", "--config", str(conf), "--json"])
    assert out.exit_code == 1, out.output  # an account needs attention
    data = json.loads(out.output)
    by_name = {a["account"]: a for a in data["accounts"]}
    assert [a["account"] for a in data["accounts"]] == ["home", "work", "corp"]
    assert by_name["home"]["status"] == "ok" and by_name["home"]["message"] == "ok"
    assert by_name["home"]["messages"] == 2 and by_name["home"]["last_sync"].startswith("2026-11-20T14:00")
    assert by_name["work"]["status"] == "needs_login"
    assert by_name["work"]["message"] == f"needs `assistant login gmail --account work --config {conf.resolve()}`"
    assert by_name["corp"]["status"] == "error"
    assert by_name["corp"]["message"] == ('IMAP server refused SELECT "Sent Items": NO [NONEXISTENT] Unknown '
                                          'folder')
    assert data["messages"] == 2

    table = runner.invoke(main, ["status", "--config", str(conf)])
    assert table.exit_code == 1
    lines = {line.split()[0]: line for line in table.output.splitlines() if line.strip()}
    assert lines["home"].startswith("home (local): ok \u2014 last sync 2026-11-20 14:00 UTC, 2 messages")
    assert lines["work"].startswith(f"work (gmail): needs `assistant login gmail --account work --config "
                                    f"{conf.resolve()}` \u2014 never synced")
    assert lines["corp"].startswith('corp (imap): IMAP server refused SELECT "Sent Items": NO [NONEXISTENT] '
                                    "Unknown folder")  # shown as text, never read as markup


# -- start-up: what a command imports (behaviour; the time is measured by bench/cli_startup.py) ----------

_IMPORTS_AFTER = """\
import sys
from assistant.cli import main
try:
    main({args!r})
except SystemExit as e:
    code = e.code
else:
    code = 0
print("EXIT", code)
print("LOADED", " ".join(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


def _top_modules_after(args: list[str], tmp_path: Path, stdin: str = "") -> tuple[int, set[str]]:
    env = dict(os.environ, FOLLOW_THROUGH_CONFIG_DIR=str(tmp_path / "config"),
               FOLLOW_THROUGH_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _IMPORTS_AFTER.format(args=args)], input=stdin, text=True,
                         capture_output=True, env=env, timeout=120, cwd=tmp_path)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("EXIT ", "LOADED ")))
    assert "LOADED" in lines, out.stderr
    return int(lines["EXIT"]), set(lines["LOADED"].split())


def test_help_imports_neither_spacy_nor_rich_nor_the_nlp_package(tmp_path: Path) -> None:
    code, loaded = _top_modules_after(["--help"], tmp_path)
    assert code == 0
    assert not loaded & {"spacy", "thinc", "numpy", "rich", "nlp", "google", "msal", "caldav", "matplotlib",
                         "starlette", "filelock", "icalendar", "holidays"}, loaded


def test_resolve_and_a_short_draft_check_do_not_import_spacy(tmp_path: Path) -> None:
    line = ('{"id": "1", "text": "tomorrow at 9", "reference": "2026-11-20T09:00:00-05:00", '
            '"timezone": "America/New_York"}\n')
    code, loaded = _top_modules_after(["resolve"], tmp_path, stdin=line)
    assert code == 0 and "nlp" in loaded and "spacy" not in loaded, loaded
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Ed,\n\nI'll call you Thursday at 8:15 if I haven't heard back.\n\nThanks,\nSam\n")
    code, loaded = _top_modules_after(["check", str(draft), "--now", "2026-11-16T10:00"], tmp_path)
    assert code == 0 and "spacy" not in loaded, loaded
    # a sentence only the learned gate can judge (a third party's act) does load it, and is judged
    draft.write_text("Hi Ed,\n\nOur legal team will send the redlines to you by Friday.\n\nThanks,\nSam\n")
    code, loaded = _top_modules_after(["check", str(draft), "--now", "2026-11-16T10:00"], tmp_path)
    assert code == 0 and "spacy" in loaded


def test_unscored_extraction_finds_the_same_promises() -> None:
    from datetime import datetime

    from nlp.extract import MessageInput, pipe

    cases = [json.loads(line) for line in (ROOT / "tests" / "data" / "extract_cases.jsonl").read_text().splitlines()
             if line.strip()]
    msgs = [MessageInput(c["text"], datetime.fromisoformat(c["sent_at"]), c["timezone"], c["direction"])
            for c in cases]

    def what(found: list[object]) -> list[tuple[object, ...]]:
        return [(c.who, c.action, c.due, c.due_has_time, c.conditional, c.vague, c.text, c.rule)  # type: ignore[attr-defined]
                for c in found]

    scored = [what(list(r)) for r in pipe(msgs)]
    unscored = list(pipe(msgs, scored=False))
    assert sum(map(len, scored)) > 300
    assert [what(list(r)) for r in unscored] == scored
    assert all(c.gate is None and c.confidence == 0.0 for r in unscored for c in r)


# -- what the distribution installs ------------------------------------------------------------------------


def test_the_distribution_installs_only_assistant_and_nlp() -> None:
    import tomllib

    from setuptools import find_packages

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "follow-through-sales"  # "follow-through" on PyPI is another project
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(where=str(ROOT), include=include)
    assert {p.split(".")[0] for p in packages} == {"assistant", "nlp"}, packages
    assert "assistant.cli" in packages and "nlp.extract" in packages


# -- make test on a machine without a server ----------------------------------------------------------------


def test_the_run_ends_by_naming_the_missing_servers_and_how_to_install_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_needs_servers="""
        import pytest
        from tests.servers import missing

        @pytest.fixture(scope="session")
        def dovecot():
            pytest.skip(missing("dovecot"))

        @pytest.mark.parametrize("i", range(3))
        def test_imap(dovecot, i):
            pass

        @pytest.mark.skipif(True, reason=missing("chromium"))
        def test_page():
            pass

        def test_other():
            pytest.skip("not about a server")

        def test_runs():
            pass
    """)
    result = pytester.runpytest_inprocess("-p", "tests.servers.summary", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=5)
    result.stdout.fnmatch_lines([
        "*tests skipped: a server they need is not installed*",
        "1 test needs chromium (browser): install it with `sudo apt-get install chromium`, then run `make test` again",
        "3 tests need dovecot (IMAP): install it with `sudo apt-get install dovecot-imapd`, then run `make test` again",
    ])
    assert "not about a server" not in "\n".join(line for line in result.stdout.lines if "need" in line)

    pytester.makepyfile(test_needs_servers="def test_runs():\n    pass\n")
    quiet = pytester.runpytest_inprocess("-p", "tests.servers.summary", "-p", "no:cacheprovider")
    assert "a server they need is not installed" not in quiet.stdout.str()
