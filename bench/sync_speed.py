"""First sync and incremental sync speed of the watcher, end to end (parse, strip, extract, store).

Builds a Maildir of N messages (default 50,000) in a temp dir from ../shared/data/external/enron-sent.jsonl
(the rep's sent mail) plus generated buyer replies threaded to them, then runs `watch --once` in a child
process and reports messages/s, peak RSS (the watcher's own plus its extraction worker's, which run at the
same time) and CPU seconds of each; then drops 100 new messages in and times an incremental pass (in a
warm process, as a running watcher would be). Aims: >= 500 msgs/s, < 400 MB, < 2 s.

The machine is shared: the load average is printed before and after, and "two free cores" is the rate
the CPU times allow (messages / the busier process's CPU seconds) - what the wall clock shows when
nothing else runs.

    .venv/bin/python bench/sync_speed.py [--messages 50000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
    base = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    for folder in ("Sent", "INBOX"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        when = base + timedelta(minutes=7 * i)
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
timezone = "America/Chicago"
[[accounts]]
name = "bench"
kind = "local"
mail = ["mail"]
batch_size = 500
[store]
path = "store.sqlite3"
"""

CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from assistant.clock import system_clock
    from assistant.config import load_config
    from assistant.watcher import watch
    config = load_config(Path(sys.argv[1]))
    mode = sys.argv[2]
    if mode == "incremental":
        from nlp.extract import extract  # warm: a running watcher has its model loaded
        from datetime import datetime, UTC
        extract("I'll call you Friday.", sent_at=datetime.now(UTC), timezone="UTC", direction="sent")
        if len(sys.argv) > 3:
            import subprocess
            subprocess.run([sys.executable, sys.argv[3], "--add-to", str(Path(sys.argv[1]).parent / "mail")], check=True)
    import resource
    t0 = time.perf_counter()
    results = watch(config, system_clock, once=True, after=lambda *a: [])
    elapsed = time.perf_counter() - t0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"elapsed": elapsed, "stored": sum(r.stored for r in results),
                      "commitments": sum(r.commitments for r in results), "failed": sum(r.failed for r in results),
                      "rss_main": me.ru_maxrss / 1024, "rss_worker": kids.ru_maxrss / 1024,
                      "cpu_main": me.ru_utime + me.ru_stime, "cpu_worker": kids.ru_utime + kids.ru_stime}))
""")


def child(config: Path, mode: str, *extra: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(config), mode, *extra], env=env, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        sys.exit(out.stderr)
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it")
    ap.add_argument("--add-to", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.add_to:  # (used by the incremental child) 100 new messages after the existing ones
        existing = sum(len(os.listdir(args.add_to / f / "cur")) for f in ("Sent", "INBOX"))
        build(args.add_to, 100, start=existing)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="ft-sync-bench-"))
    try:
        t0 = time.perf_counter()
        build(work / "mail", args.messages)
        print(f"built {args.messages} messages in {work / 'mail'} ({time.perf_counter() - t0:.1f} s)")
        config = work / "config.toml"
        config.write_text(CONFIG.format(rep=REP))
        print(f"load average before: {load()} ({os.cpu_count()} cores)")
        first = child(config, "first")
        rate = first["stored"] / first["elapsed"]
        busiest = max(first["cpu_main"], first["cpu_worker"])
        print(f"first sync: {first['stored']:.0f} messages, {first['commitments']:.0f} commitments, "
              f"{first['failed']:.0f} unreadable in {first['elapsed']:.1f} s = {rate:.0f} messages/s end to end "
              f"(aim >= 500)")
        print(f"  CPU: watcher {first['cpu_main']:.1f} s, extraction worker {first['cpu_worker']:.1f} s "
              f"-> {first['stored'] / busiest:.0f} messages/s with two free cores")
        print(f"  peak RSS: watcher {first['rss_main']:.0f} MB + worker {first['rss_worker']:.0f} MB = "
              f"{first['rss_main'] + first['rss_worker']:.0f} MB (aim < 400)")
        inc = child(config, "incremental", str(Path(__file__).resolve()))
        print(f"incremental pass: {inc['stored']:.0f} new messages in {inc['elapsed']:.2f} s (aim < 2 s); "
              f"peak RSS {inc['rss_main']:.0f} MB")
        print(f"load average after: {load()}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
