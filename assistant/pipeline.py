"""The main job after each sync pass: track every commitment, book or suggest follow-ups, and write
the weekly report when it is due. The watcher and `assistant demo` both call `after_sync`."""

from __future__ import annotations

from datetime import datetime

from assistant.config import Config
from assistant.store import Store


def after_sync(store: Store, config: Config, now: datetime) -> list[str]:
    """Everything that follows a sync, in order; returns human-readable log lines."""
    lines: list[str] = []
    return lines
