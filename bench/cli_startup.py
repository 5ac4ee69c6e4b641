"""How long the installed `assistant` command takes to start and answer, through the real executable.

Each case runs as its own process (`subprocess`, stdin from a file, stdout discarded) `--runs` times; the
median wall time, the median CPU time (user + system, from the child's own rusage) and the largest peak RSS
are printed, with the aim for each. On a box shared with other work the wall time moves with the load; the
CPU time much less so. The load average is printed with the figures.

    python bench/cli_startup.py                       # the `assistant` next to this interpreter
    python bench/cli_startup.py --exe ~/.local/bin/assistant --runs 15

Cases: `--help`; `resolve` of one JSON line; `check` of a six-line draft with no config (what a mail
client's send hook runs); `check` of a draft whose sentence the learned gate reads (it loads spaCy).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RESOLVE_LINE = ('{"id": "1", "text": "tomorrow at 9", "reference": "2026-11-20T09:00:00-05:00", '
                '"timezone": "America/New_York"}\n')
DRAFT = "Hi Ed,\n\nI'll call you Thursday at 8:15 if I haven't heard back.\n\nThanks,\nSam\n"
GATED_DRAFT = "Hi Ed,\n\nOur legal team will send the redlines to you by Friday.\n\nThanks,\nSam\n"


@dataclass(frozen=True)
class Case:
    name: str
    args: list[str]
    stdin: str
    aim_s: float | None  # wall-clock aim, median


@dataclass(frozen=True)
class Figures:
    wall: float
    cpu: float
    rss_mb: float
    exit_codes: tuple[int, ...]


def run_once(argv: list[str], stdin_path: Path, env: dict[str, str]) -> tuple[float, float, float, int]:
    with open(stdin_path, "rb") as stdin:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def measure(exe: str, case: Case, runs: int, work: Path, env: dict[str, str]) -> Figures:
    stdin_path = work / f"{case.name.replace(' ', '_')}.in"
    stdin_path.write_text(case.stdin, encoding="utf-8")
    run_once([exe, *case.args], stdin_path, env)  # warm the file cache (bytecode, site-packages)
    walls, cpus, rss, codes = [], [], [], []
    for _ in range(runs):
        wall, cpu, mb, code = run_once([exe, *case.args], stdin_path, env)
        walls.append(wall)
        cpus.append(cpu)
        rss.append(mb)
        codes.append(code)
    return Figures(statistics.median(walls), statistics.median(cpus), max(rss), tuple(sorted(set(codes))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exe", default=None, help="the assistant executable (default: next to this Python)")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    exe = args.exe or str(Path(sys.executable).with_name("assistant"))
    if not Path(exe).exists():
        exe = shutil.which("assistant") or exe
    if not Path(exe).exists():
        raise SystemExit(f"no assistant executable at {exe}: install the project (pip install -e .) or pass --exe")
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as tmp:
        work = Path(tmp)
        draft, gated = work / "draft.txt", work / "gated.txt"
        draft.write_text(DRAFT, encoding="utf-8")
        gated.write_text(GATED_DRAFT, encoding="utf-8")
        env = dict(os.environ, FOLLOW_THROUGH_CONFIG_DIR=str(work / "config"),
                   FOLLOW_THROUGH_DATA_DIR=str(work / "data"))
        cases = [
            Case("--help", ["--help"], "", 0.3),
            Case("resolve, one line", ["resolve"], RESOLVE_LINE, 0.3),
            Case("check (send hook)", ["check", str(draft), "--now", "2026-11-16T10:00"], "", 0.5),
            Case("check, gate needed (spaCy)", ["check", str(gated), "--now", "2026-11-16T10:00"], "", None),
        ]
        load = os.getloadavg()
        print(f"{exe}, {args.runs} runs each; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
              f"on {os.cpu_count()} CPUs")
        print(f"{'case':<30} {'wall (median)':>14} {'CPU (median)':>13} {'peak RSS':>9}  aim")
        for case in cases:
            f = measure(exe, case, args.runs, work, env)
            aim = "" if case.aim_s is None else (f"< {case.aim_s:.1f} s wall: "
                                                 + ("met" if f.wall < case.aim_s else "not met"))
            codes = "" if f.exit_codes in ((0,),) else f"  (exit {', '.join(map(str, f.exit_codes))})"
            print(f"{case.name:<30} {f.wall:>12.3f} s {f.cpu:>11.3f} s {f.rss_mb:>6.0f} MB  {aim}{codes}")


if __name__ == "__main__":
    main()
