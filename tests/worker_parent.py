"""A watcher stand-in for tests/test_faults.py: starts the extraction worker, hands it a batch that takes a
while, says so on stdout, then waits to be SIGKILLed. Run as `python -m tests.worker_parent`."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from assistant.models import Address, Commitment, Message


def slow_extractor(messages: Sequence[Message]) -> list[list[Commitment]]:
    time.sleep(3)
    return [[] for _ in messages]


def main() -> None:
    from assistant.watcher import ExtractRunner

    runner = ExtractRunner(slow_extractor, parallel=True)
    message = Message(id="m1", account="a", source_id="1", message_id="1@x", thread_id="t1", direction="sent",
                      sender=Address("sam@example.com", "Sam"), recipients=(), subject="s",
                      sent_at=datetime(2026, 11, 20, tzinfo=UTC), body="b")
    runner.submit([message])
    assert runner.process is not None
    print(runner.process.pid, flush=True)
    time.sleep(60)


if __name__ == "__main__":
    main()
    sys.exit(0)
