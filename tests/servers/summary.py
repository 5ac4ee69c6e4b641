"""A pytest plugin: at the end of the run, list the tests skipped because a server they need is not installed
(`tests.servers.missing`), per server, with the command that installs it. Registered in tests/conftest.py."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.servers import INSTALL, MISSING_SERVER, WHAT

_REASON = re.compile(rf"{MISSING_SERVER}: (\S+) is not installed")


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    counts: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        m = _REASON.search(_reason(report))
        if m:
            counts[m.group(1)] += 1
    if not counts:
        return
    terminalreporter.section("tests skipped: a server they need is not installed", sep="=", yellow=True, bold=True)
    for server, n in sorted(counts.items()):
        what = f" ({WHAT[server]})" if server in WHAT else ""
        install = INSTALL.get(server, f"install {server}")
        terminalreporter.line(f"{n} test{'s' if n != 1 else ''} need{'' if n != 1 else 's'} {server}{what}: "
                              f"install it with `{install}`, then run `make test` again", yellow=True)
