"""A booking run in its own process, for the kill-and-restart tests: opens the store and the calendar of
a config file and books everything due, in one calendar session. `--crash-after-put K` SIGKILLs itself
right after the K-th put of the session (a remote calendar has the event, the store has not; an .ics
file has nothing yet); `--crash-after-commit` right after the session's commit (the .ics file has every
event, the store none): the windows idempotency must survive. `--progress` prints "ready" once the
store is open and a line after each calendar read, write and commit, so the test can SIGKILL it at
random points of the booking run itself rather than at a wall-clock guess of when it starts.

`--sigterm-after-put K` sends itself SIGTERM after the K-th put, handled as `assistant watch` does.

    python -m tests.booking_worker --config FILE --db FILE --now ISO [--crash-after-put K]
        [--crash-after-commit] [--sigterm-after-put K] [--progress]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant import booking
from assistant.calendars import open_calendar
from assistant.clock import parse_now
from assistant.config import load_config
from assistant.store import open_store
from assistant.watcher import StopFlag


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--crash-after-put", type=int, default=0)
    parser.add_argument("--crash-after-commit", action="store_true")
    parser.add_argument("--sigterm-after-put", type=int, default=0)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    now = parse_now(args.now, config.rep.timezone)
    writer = open_calendar(config)
    real_session = writer.session
    count = [0]

    @contextmanager
    def session() -> Iterator[Any]:
        """The pass's calendar session, traced (--progress) and with the planned crash."""
        with real_session() as cal:
            for name in ("get", "put", "delete", "commit"):
                def traced(*a: Any, _real: Any = getattr(cal, name), _name: str = name) -> Any:
                    out = _real(*a)
                    if _name == "put":
                        count[0] += 1
                        if args.crash_after_put and count[0] >= args.crash_after_put:
                            os.kill(os.getpid(), signal.SIGKILL)
                        if count[0] == args.sigterm_after_put:
                            os.kill(os.getpid(), signal.SIGTERM)  # a service stop while it books
                    if _name == "commit" and args.crash_after_commit:
                        os.kill(os.getpid(), signal.SIGKILL)  # on the calendar, not yet in the store
                    if args.progress:
                        print(_name, flush=True)
                    return out

                setattr(cal, name, traced)
            yield cal

    writer.session = session  # type: ignore[method-assign]
    with open_store(args.db) as store:
        if args.progress:
            print("ready", flush=True)
        stop = StopFlag()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # as `assistant watch` does
        outcomes = booking.book_due(store, writer, config, now, stop=stop)
    print("stopped" if stop else "finished", flush=True)
    failed = [o for o in outcomes if o.action == "failed"]
    print(f"{len(outcomes)} outcomes, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
