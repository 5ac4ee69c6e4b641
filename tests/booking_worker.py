"""A booking run in its own process, for the kill-and-restart tests: opens the store and the calendar of
a config file and books everything due. `--crash-after-put K` SIGKILLs itself right after the K-th
calendar write, before the store commits (the window idempotency must survive). `--progress` prints
"ready" once the store is open and a line after each calendar read and write, so the test can SIGKILL it
at random points of the booking run itself rather than at a wall-clock guess of when it starts.

    python -m tests.booking_worker --config FILE --db FILE --now ISO [--crash-after-put K] [--progress]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from assistant import booking
from assistant.calendars import open_calendar
from assistant.clock import parse_now
from assistant.config import load_config
from assistant.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--crash-after-put", type=int, default=0)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    now = parse_now(args.now, config.rep.timezone)
    writer = open_calendar(config)
    if args.crash_after_put:
        real_put = writer.put
        count = [0]

        def put(event):  # type: ignore[no-untyped-def]
            remote = real_put(event)
            count[0] += 1
            if count[0] >= args.crash_after_put:
                os.kill(os.getpid(), signal.SIGKILL)
            return remote

        writer.put = put  # type: ignore[method-assign]
    if args.progress:
        for name in ("get", "put", "delete"):
            def traced(*a, _real=getattr(writer, name), _name=name):  # type: ignore[no-untyped-def]
                out = _real(*a)
                print(_name, flush=True)
                return out

            setattr(writer, name, traced)
    with Store(args.db) as store:
        if args.progress:
            print("ready", flush=True)
        outcomes = booking.book_due(store, writer, config, now)
    failed = [o for o in outcomes if o.action == "failed"]
    print(f"{len(outcomes)} outcomes, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
