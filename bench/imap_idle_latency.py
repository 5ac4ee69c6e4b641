"""IDLE latency: time from a new sent message reaching the local IMAP server to its commitment being in
the store, while the real `assistant watch` runs (a child process) against a real Dovecot. Aim: under 2 s.

Starts Dovecot (tests/servers/dovecot.py) on 127.0.0.1, writes a config with one IMAP account, starts
`assistant watch`, waits for its first pass, then appends N sent messages one at a time, each with a
promise, and polls the store (read-only) until the commitment appears. Prints every figure and the
median / max; stops the watcher (SIGTERM) and Dovecot.

    .venv/bin/python bench/imap_idle_latency.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.dovecot import SENT_FOLDER, start_dovecot, stop_dovecot  # noqa: E402

REP = "rep@example.com"


def promise_mail(i: int, when: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Sam Rivera <{REP}>"
    msg["To"] = f"Dana Buyer <dana{i}@acme.test>"
    msg["Subject"] = f"Pricing for site {i}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content(f"Hi Dana,\n\nThanks for the call. I'll send you the revised quote for site {i} by Friday.\n\n"
                    "Sam\n")
    return msg.as_bytes()


def count_commitments(db: Path) -> int:
    if not db.exists():
        return -1
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM commitments").fetchone()[0])
    except sqlite3.Error:
        return -1


def cursor_stored(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM sync_state").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    server = start_dovecot()
    work = Path(tempfile.mkdtemp(prefix="ft-idle-bench-"))
    watcher: subprocess.Popen[bytes] | None = None
    try:
        user = server.new_user()
        c = server.client(user)
        c.create_folder(SENT_FOLDER)
        c.logout()
        db = work / "ft.sqlite3"
        cfg = work / "config.toml"
        cfg.write_text(f'[rep]\nname = "Sam Rivera"\nemail = "{REP}"\ntimezone = "America/New_York"\n'
                       f'[store]\npath = "{db}"\n[calendar]\nkind = "ics"\npath = "{work / "f.ics"}"\n'
                       f'[[accounts]]\nname = "work"\nkind = "imap"\nhost = "{server.host}"\nport = {server.port}\n'
                       f'ssl = false\nuser = "{user}"\npassword = "secret"\n')
        env = {**os.environ, "FOLLOW_THROUGH_CONFIG_DIR": str(work / "cfg"),
               "FOLLOW_THROUGH_DATA_DIR": str(work / "data")}
        log = open(work / "watch.log", "wb")
        watcher = subprocess.Popen([str(ROOT / ".venv/bin/assistant"), "watch", "--config", str(cfg), "--poll", "300"],
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120
        while not cursor_stored(db):
            if watcher.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the watcher did not finish its first pass:\n{(work / 'watch.log').read_text()}")
            time.sleep(0.05)
        time.sleep(1.0)  # let it settle into IDLE
        figures = []
        base = count_commitments(db)
        for i in range(args.runs):
            when = datetime.now(UTC) - timedelta(minutes=1)
            raw = promise_mail(i, when)
            c = server.client(user)
            start = time.monotonic()
            c.append(SENT_FOLDER, raw, flags=(), msg_time=when)
            c.logout()
            while count_commitments(db) <= base:
                if time.monotonic() - start > 60:
                    raise SystemExit(f"run {i}: no commitment after 60 s:\n{(work / 'watch.log').read_text()}")
                time.sleep(0.01)
            figures.append(time.monotonic() - start)
            base = count_commitments(db)
            print(f"run {i + 1}: {figures[-1]:.3f} s")
            time.sleep(0.5)
        print(f"IMAP IDLE -> commitment stored: median {statistics.median(figures):.3f} s, "
              f"max {max(figures):.3f} s over {len(figures)} runs (aim: under 2 s)")
    finally:
        if watcher is not None and watcher.poll() is None:
            watcher.send_signal(signal.SIGTERM)
            try:
                watcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                watcher.kill()
                watcher.wait()
        stop_dovecot(server)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
