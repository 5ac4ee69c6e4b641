"""Calendar writers: one small protocol (`base.CalendarWriter`), one module per adapter.

`open_calendar(config)` maps `calendar.kind` to its adapter; the remote adapters are imported only
when configured, so the embedded default (ics) needs none of their libraries."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.calendars.base import CalendarWriter
    from assistant.clock import Clock
    from assistant.config import Config

ADAPTERS = {
    "caldav": ("assistant.calendars.caldav", "CalDavWriter"),
    "google": ("assistant.calendars.google", "GoogleCalendarWriter"),
    "outlook": ("assistant.calendars.outlook", "OutlookCalendarWriter"),
}


def default_ics_path(config: Config) -> str:
    from assistant.config import data_dir

    return str(data_dir() / "followups.ics")


def open_calendar(config: Config, clock: Clock | None = None) -> CalendarWriter:
    """The writer for `config.calendar` (`kind = "ics"` by default, `path` = followups.ics in the data dir)."""
    kind = config.calendar.kind
    if kind == "ics":
        from assistant.calendars.ics import IcsWriter
        from assistant.clock import system_clock

        path = config.resolve_path(str(config.calendar.options.get("path") or default_ics_path(config)))
        return IcsWriter(path, timezone=config.rep.timezone, name=str(config.calendar.options.get("name", "Follow-ups")),
                         clock=clock or system_clock)
    if kind not in ADAPTERS:
        raise ConfigError(f"calendar.kind = {kind!r}; use one of ics, {', '.join(ADAPTERS)}")
    module_name, class_name = ADAPTERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigError(f"calendar.kind = {kind!r} cannot be loaded ({e}): reinstall follow-through-sales") from None
    cls = getattr(module, class_name)
    return cls(config.calendar, config)  # type: ignore[no-any-return]
