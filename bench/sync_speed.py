"""First sync of a long mail history through the real CLI (`assistant watch --once`, watcher and extraction
worker together): what it books, messages/s, peak RSS; then an incremental pass.

For each size N (default 10,000 and 40,000; the README's figures are `--messages 50000 200000`) it builds
a Maildir of N messages, one every 7 minutes, in a temp dir from ../shared/data/external/enron-sent.jsonl
(the rep's sent mail) plus generated buyer replies threaded to them, with an account in `mode = "book"`
and an .ics calendar, and runs `python -m assistant watch --once --now T` in a child process, T being a
day after the last message. It reports:

- what the pass did to the calendar: events on the .ics file, follow-ups waiting as suggestions,
  promises sent to the backlog, and a check that every booked or suggested follow-up falls in the
  tracker's history window (`tracker.history_days`, default 14: its moment at most that long before T)
  and that no working day holds more than `tracker.max_bookings_per_day` booked events;
- messages/s end to end (wall clock, the whole command: sync, tracker pass, booking, report) and the CPU
  seconds per message of the watcher and its worker together (the shared machine's load shows in the wall
  clock, not in CPU time);
- peak RSS: the watcher's own peak plus the worker's own peak (VmHWM, sampled from /proc every 0.2 s;
  their sum bounds what both held at once), and the largest sum of their RSS seen at one moment.

Aims: the largest size costs per message within 10% of the smallest (wall and CPU); peak RSS < 300 MB for
each size. Then 100 new messages are dropped in and an incremental pass is timed in a warm process, as a
running watcher would be (aim < 2 s).

    .venv/bin/python bench/sync_speed.py [--messages 10000 40000] [--keep DIR]
    .venv/bin/python bench/sync_speed.py --postgres    # the store on a PostgreSQL started for the run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENRON = ROOT.parent / "shared" / "data" / "external" / "enron-sent.jsonl"
REPLIES = [
    "Thanks {name}, that works for us. I'll get back to you with the numbers by Friday.",
    "Sounds good. Can we push the call to next Tuesday at 10?",
    "Got it, thanks. Legal is reviewing and I'll send comments early next week.",
    "Thank you for your email. I am out of the office until Monday with limited access to email.",
    "Perfect, see you then.",
    "We decided to hold off for this quarter. Let's reconnect in January.",
]
REP = "rep@enron-bench.example"
ZONE = "America/Chicago"
BASE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=7)
HISTORY_DAYS = 14  # the tracker's default, written into the config so the check below uses the same figure
MAX_PER_DAY = 8
RSS_AIM_MB = 300


def load_texts() -> list[tuple[str, str]]:
    texts = []
    with ENRON.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("text"):
                texts.append((row["text"], row.get("subject") or "(no subject)"))
    return texts


def build(root: Path, n: int, start: int = 0, seed: int = 1) -> None:
    """Write n messages into root/Sent and root/INBOX Maildirs (about 2/3 sent, 1/3 replies)."""
    rng = random.Random(seed + start)
    texts = load_texts()
    for folder in ("Sent", "INBOX"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        when = BASE + STEP * i
        buyer = f"buyer{i % 997}@company{i % 211}.example"
        if i % 3 == 2:
            parent = i - 1
            head = (f"From: {buyer}\nTo: {REP}\nSubject: Re: item {parent}\n"
                    f"In-Reply-To: <s{parent}@enron-bench.example>\nReferences: <s{parent}@enron-bench.example>\n"
                    f"Message-ID: <r{i}@company.example>\n")
            body = rng.choice(REPLIES).format(name="Sam")
            quoted = "\n".join("> " + ln for ln in texts[parent % len(texts)][0].splitlines()[:8])
            text = f"{body}\n\nOn {format_datetime(when)} Sam wrote:\n{quoted}\n"
            folder = "INBOX"
        else:
            body, subject = texts[i % len(texts)]
            head = (f"From: Sam <{REP}>\nTo: {buyer}\nSubject: {' '.join(subject.split())} (item {i})\n"
                    f"Message-ID: <s{i}@enron-bench.example>\n")
            text, folder = body + "\n\nSam\n", "Sent"
        raw = (head + f"Date: {format_datetime(when)}\nMIME-Version: 1.0\n"
               "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + text)
        (root / folder / "cur" / f"{int(when.timestamp())}.M{i}P1.bench").write_bytes(raw.encode("utf-8"))


CONFIG = """
[rep]
name = "Sam"
email = "{rep}"
timezone = "{zone}"
[[accounts]]
name = "bench"
kind = "local"
mode = "book"
mail = ["mail"]
batch_size = 500
[calendar]
kind = "ics"
path = "followups.ics"
[tracker]
history_days = {history}
max_bookings_per_day = {per_day}
[report]
weekly = false
{store}
"""
SQLITE_STORE = '[store]\npath = "store.sqlite3"'
POSTGRES_URL = ""  # set by --postgres: each size stores into its own rep schema of that server


# -- measuring a process tree -----------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in kB (empty once it is gone)."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Child processes of `pid`, from each of its threads' `children` file."""
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


@dataclass
class Tree:
    """Own peaks (VmHWM) of a process and its descendants, and the largest sum of their RSS at one time."""

    peaks: dict[int, int] = field(default_factory=dict)  # pid -> kB
    cpu: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds at its last sample
    names: dict[int, str] = field(default_factory=dict)
    max_sum_kb: int = 0

    def sample(self, root: int) -> None:
        pids, todo = [], [root]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(_children(pid))
        total = 0
        for pid in pids:
            st = _status(pid)
            if not st:
                continue
            total += st.get("VmRSS", 0)
            self.peaks[pid] = max(self.peaks.get(pid, 0), st.get("VmHWM", 0))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_seconds(pid))
            if pid not in self.names:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    cmd = ""
                self.names[pid] = "watcher" if pid == root else ("worker" if "multiprocessing" in cmd else cmd[:40])
        self.max_sum_kb = max(self.max_sum_kb, total)

    def own_peaks_mb(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, kb in self.peaks.items():
            name = self.names.get(pid, str(pid))
            out[name] = out.get(name, 0.0) + kb / 1024
        return out

    def cpu_by_name(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, seconds in self.cpu.items():
            name = self.names.get(pid, str(pid))
            out[name] = out.get(name, 0.0) + seconds
        return out


def run_cli(config: Path, now: datetime) -> dict[str, object]:
    """`python -m assistant watch --once --now T`: wall seconds, CPU seconds, peaks, its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    log = config.parent / "watch.log"
    with log.open("w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "watch", "--once", "--config", str(config),
                                 "--now", now.isoformat()], env=env, stdout=out, stderr=subprocess.STDOUT)
        tree = Tree()
        while proc.poll() is None:
            tree.sample(proc.pid)
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"assistant watch failed ({proc.returncode}):\n{log.read_text()[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"elapsed": elapsed, "cpu": cpu, "peaks": tree.own_peaks_mb(), "max_sum": tree.max_sum_kb / 1024,
            "cpu_each": tree.cpu_by_name(), "log": log.read_text()}


# -- what the pass did to the calendar ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    messages: int
    commitments: int
    states: dict[str, int]
    events: int
    booked: int
    outside_window: int  # booked or suggested follow-ups whose moment is older than the history window
    busiest_day: int  # most booked (confirmed) events on one working day
    oldest_booked: str


def outcome(work: Path, now: datetime, rep: str) -> Outcome:
    from assistant.store import open_store

    zone = ZoneInfo(ZONE)
    oldest_allowed = now - timedelta(days=HISTORY_DAYS)
    with closing(open_store(POSTGRES_URL or str(work / "store.sqlite3"), rep=rep)) as db:
        messages = db.count_messages()
        commitments = db.count_commitments()
        states = db.count_steps()
        live = list(db.tuples("SELECT target FROM steps WHERE state IN ('suggested', 'booked', 'accepted', 'held')"))
        outside = sum(1 for (t,) in live if datetime.fromisoformat(t) < oldest_allowed)
        rows = [tuple(r) for r in db.tuples("SELECT s.start, b.status, st.target FROM bookings b JOIN suggestions s "
                                            "ON s.id = b.suggestion_id JOIN steps st ON st.commitment_id = "
                                            "s.commitment_id WHERE b.state = 'booked'")]
    per_day: dict[str, int] = {}
    for start, status, _target in rows:
        if status == "CONFIRMED":
            day = datetime.fromisoformat(start).astimezone(zone).date().isoformat()
            per_day[day] = per_day.get(day, 0) + 1
    oldest = min((datetime.fromisoformat(t) for _s, _st, t in rows), default=None)
    ics = work / "followups.ics"
    events = ics.read_text().count("BEGIN:VEVENT") if ics.exists() else 0
    return Outcome(messages, commitments, states, events, len(rows), outside, max(per_day.values(), default=0),
                   oldest.astimezone(zone).strftime("%a %d %b %Y %H:%M") if oldest else "-")


# -- an incremental pass in a warm process ------------------------------------------------------------

WARM = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from datetime import datetime, UTC
    from assistant.clock import fixed_clock
    from assistant.config import load_config
    from assistant.watcher import watch
    from nlp.extract import extract  # warm: a running watcher has its model loaded
    extract("I'll call you Friday.", sent_at=datetime.now(UTC), timezone="UTC", direction="sent")
    config = load_config(Path(sys.argv[1]))
    import subprocess
    subprocess.run([sys.executable, sys.argv[2], "--add-to", str(Path(sys.argv[1]).parent / "mail")], check=True)
    t0 = time.perf_counter()
    results = watch(config, fixed_clock(datetime.fromisoformat(sys.argv[3])), once=True, after=lambda *a: [])
    print(json.dumps({"elapsed": time.perf_counter() - t0, "stored": sum(r.stored for r in results)}))
""")


def incremental(config: Path, now: datetime) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", WARM, str(config), str(Path(__file__).resolve()), now.isoformat()],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(out.stderr)
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass(frozen=True)
class Run:
    n: int
    elapsed: float
    cpu: float
    rss_mb: float


def one_size(n: int, work: Path) -> Run:
    t0 = time.perf_counter()
    build(work / "mail", n)
    print(f"\n== {n:,} messages, store {'PostgreSQL' if POSTGRES_URL else 'SQLite'} (built in {work / 'mail'} in {time.perf_counter() - t0:.0f} s)")
    config = work / "config.toml"
    rep = f"bench{n}"
    store = f'[store]\nurl = "{POSTGRES_URL}"\nrep = "{rep}"' if POSTGRES_URL else SQLITE_STORE
    config.write_text(CONFIG.format(rep=REP, zone=ZONE, history=HISTORY_DAYS, per_day=MAX_PER_DAY, store=store))
    now = (BASE + STEP * (n - 1) + timedelta(days=1)).astimezone(ZoneInfo(ZONE))
    print(f"load average before: {load()} ({os.cpu_count()} cores); --now {now.isoformat()}")
    got = run_cli(config, now)
    print(f"load average after: {load()}")
    res = outcome(work, now, rep)
    elapsed, cpu = float(got["elapsed"]), float(got["cpu"])  # type: ignore[arg-type]
    peaks: dict[str, float] = got["peaks"]  # type: ignore[assignment]
    rss = sum(peaks.values())
    print(f"first sync through the CLI: {res.messages:,} messages stored, {res.commitments:,} commitments, "
          f"in {elapsed:.0f} s = {res.messages / elapsed:.0f} messages/s wall "
          f"({1000 * elapsed / n:.2f} ms per message)")
    each: dict[str, float] = got["cpu_each"]  # type: ignore[assignment]
    busiest = max(each.values(), default=0.0)
    print(f"  CPU, watcher + worker: {cpu:.0f} s = {1000 * cpu / n:.2f} ms per message ("
          + ", ".join(f"{name} {sec:.0f} s" for name, sec in sorted(each.items()))
          + (f" as last sampled: {n / busiest:.0f} messages/s with two free cores)" if busiest else ")"))
    print("  peak RSS: " + " + ".join(f"{name} {mb:.0f} MB" for name, mb in sorted(peaks.items()))
          + f" = {rss:.0f} MB (largest sum at one moment {float(got['max_sum']):.0f} MB; "  # type: ignore[arg-type]
          f"aim < {RSS_AIM_MB}): {'met' if rss < RSS_AIM_MB else 'NOT met'}")
    states = ", ".join(f"{k} {v:,}" for k, v in sorted(res.states.items(), key=lambda kv: -kv[1]))
    print(f"  steps by state: {states}")
    print(f"  on the calendar: {res.events} events in followups.ics ({res.booked} booked, the oldest for a promise "
          f"due {res.oldest_booked}); {res.states.get('suggested', 0)} waiting in `assistant review`; "
          f"{res.states.get('backlog', 0):,} promises in the backlog (`assistant backlog`), never booked")
    print(f"  history window ({HISTORY_DAYS} days): {res.outside_window} booked or suggested follow-ups fall "
          f"before it ({'met' if res.outside_window == 0 else 'NOT met'}); busiest working day "
          f"{res.busiest_day} events (cap {MAX_PER_DAY}: {'met' if res.busiest_day <= MAX_PER_DAY else 'NOT met'})")
    inc = incremental(config, now + timedelta(days=1))
    print(f"incremental pass after it: {inc['stored']:.0f} new messages in {inc['elapsed']:.2f} s (aim < 2 s)")
    return Run(n, elapsed, cpu, rss)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, nargs="+", default=[10_000, 40_000],
                    help="history sizes, smallest first (the README: 50000 200000)")
    ap.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it")
    ap.add_argument("--add-to", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--postgres", action="store_true",
                    help="store into a throwaway PostgreSQL (tests/servers/postgres.py) instead of SQLite")
    args = ap.parse_args()
    if args.add_to:  # (used by the incremental child) 100 new messages after the existing ones
        existing = sum(len(os.listdir(args.add_to / f / "cur")) for f in ("Sent", "INBOX"))
        build(args.add_to, 100, start=existing)
        return
    if not args.postgres:
        sizes(args)
        return
    global POSTGRES_URL  # noqa: PLW0603 - one switch for the whole run
    from tests.servers.postgres import start_postgres, stop_postgres

    server = start_postgres()
    POSTGRES_URL = server.url
    try:
        sizes(args)
    finally:
        stop_postgres(server)


def sizes(args: argparse.Namespace) -> None:
    runs: list[Run] = []
    for n in args.messages:
        work = (args.keep / str(n)) if args.keep else Path(tempfile.mkdtemp(prefix="ft-sync-bench-"))
        if args.keep:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        try:
            runs.append(one_size(n, work))
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
    if len(runs) > 1:
        small = runs[0]
        print("\nper message, against the first size:")
        for r in runs[1:]:
            wall = (r.elapsed / r.n) / (small.elapsed / small.n) - 1
            cpu = (r.cpu / r.n) / (small.cpu / small.n) - 1
            print(f"  {r.n:,} vs {small.n:,}: wall {wall:+.0%}, CPU {cpu:+.0%} per message "
                  f"(aim within 10%: wall {'met' if abs(wall) <= 0.10 else 'NOT met'}, "
                  f"CPU {'met' if abs(cpu) <= 0.10 else 'NOT met'})")


if __name__ == "__main__":
    main()
