"""Every calendar writer with the thing it writes to, for the shared contract suite and the fault tests.

A `Backend` makes fresh writers (a new instance is what a restarted process gets) and counts the events
on the server without going through the writer: the .ics file parsed, Radicale's storage folder, the
fakes' own tables. Remote writers get a recording `sleep`, so retries never wait in tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import icalendar
import pytest

from assistant.calendars import open_calendar
from assistant.calendars.base import CalendarWriter
from assistant.config import Config, parse_config

ZONE = "America/New_York"


def make_config(calendar: dict[str, Any], *, tz: str = ZONE, accounts: list[dict[str, Any]] | None = None) -> Config:
    return parse_config({"rep": {"name": "Sam Rivera", "email": "sam@seller.com", "timezone": tz},
                         "accounts": accounts or [], "calendar": calendar})


@dataclass
class Backend:
    kind: str
    make: Callable[[], CalendarWriter]
    count: Callable[[], int]
    server: Any = None
    config: Config | None = None
    sleeps: list[float] = field(default_factory=list)
    make_in: Callable[[str], CalendarWriter] | None = None  # a writer for a rep in another IANA zone


def ics_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "followups.ics"
    config = make_config({"kind": "ics", "path": str(path)})

    def count() -> int:
        if not path.exists():
            return 0
        return len(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))

    return Backend("ics", lambda: open_calendar(config), count, server=path, config=config,
                   make_in=lambda tz: open_calendar(make_config({"kind": "ics", "path": str(path)}, tz=tz)))


def radicale_event_files(server: Any) -> list[Path]:
    """The event resources Radicale stores for user `rep` (one file per href)."""
    root = server.root / "collections" / "collection-root" / "rep"
    return sorted(p for p in root.glob("*/*.ics") if not p.name.startswith("."))


def caldav_backend(server: Any) -> Backend:
    from assistant.calendars.caldav import CalDavWriter

    config = make_config({"kind": "caldav", "url": server.url, "username": "rep", "password": "secret"})
    backend = Backend("caldav", lambda: None, lambda: len(radicale_event_files(server)), server=server,  # type: ignore[arg-type,return-value]
                      config=config)
    backend.make = lambda: CalDavWriter(config.calendar, config, sleep=backend.sleeps.append)

    def make_in(tz: str) -> CalendarWriter:
        other = make_config({"kind": "caldav", "url": server.url, "username": "rep", "password": "secret"}, tz=tz)
        return CalDavWriter(other.calendar, other, sleep=backend.sleeps.append)

    backend.make_in = make_in
    return backend


def google_backend(fake: Any) -> Backend:
    from google.oauth2.credentials import Credentials

    from assistant.calendars.google import GoogleCalendarWriter

    config = make_config({"kind": "google", "account": "work", "api_endpoint": fake.endpoint},
                         accounts=[{"name": "work", "kind": "gmail"}])
    backend = Backend("google", lambda: None, lambda: len(fake.live()), server=fake, config=config)  # type: ignore[arg-type,return-value]
    backend.make = lambda: GoogleCalendarWriter(config.calendar, config, credentials=Credentials(token=fake.token),
                                                sleep=backend.sleeps.append)

    def make_in(tz: str) -> CalendarWriter:
        other = make_config({"kind": "google", "account": "work", "api_endpoint": fake.endpoint}, tz=tz,
                            accounts=[{"name": "work", "kind": "gmail"}])
        return GoogleCalendarWriter(other.calendar, other, credentials=Credentials(token=fake.token),
                                    sleep=backend.sleeps.append)

    backend.make_in = make_in
    return backend


def outlook_backend(fake: Any) -> Backend:
    from assistant.calendars.outlook import OutlookCalendarWriter

    config = make_config({"kind": "outlook", "account": "work", "graph_url": fake.graph_url},
                         accounts=[{"name": "work", "kind": "outlook"}])
    backend = Backend("outlook", lambda: None, lambda: len(fake.live()), server=fake, config=config)  # type: ignore[arg-type,return-value]
    backend.make = lambda: OutlookCalendarWriter(config.calendar, config, token_provider=lambda: fake.token,
                                                 sleep=backend.sleeps.append)

    def make_in(tz: str) -> CalendarWriter:
        other = make_config({"kind": "outlook", "account": "work", "graph_url": fake.graph_url}, tz=tz,
                            accounts=[{"name": "work", "kind": "outlook"}])
        return OutlookCalendarWriter(other.calendar, other, token_provider=lambda: fake.token,
                                     sleep=backend.sleeps.append)

    backend.make_in = make_in
    return backend


ALL_KINDS = ("ics", "caldav", "google", "outlook")
REMOTE_KINDS = ("caldav", "google", "outlook")


def _param(kind: str) -> Any:
    return pytest.param(kind, marks=pytest.mark.server, id=kind) if kind == "caldav" else pytest.param(kind, id=kind)


def backend_fixture(kinds: tuple[str, ...] = ALL_KINDS) -> Any:
    """A `backend` fixture parametrized over `kinds`; servers and fakes are stopped after each test."""

    @pytest.fixture(params=[_param(k) for k in kinds])
    def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
        kind = request.param
        if kind == "ics":
            yield ics_backend(tmp_path)
        elif kind == "caldav":
            yield caldav_backend(request.getfixturevalue("radicale_server"))
        elif kind == "google":
            from tests.fakes.google_calendar import FakeGoogleCalendar

            fake = FakeGoogleCalendar()
            fake.start()
            try:
                yield google_backend(fake)
            finally:
                fake.stop()
        else:
            from tests.fakes.graph_calendar import FakeGraphCalendar

            graph = FakeGraphCalendar()
            graph.start()
            try:
                yield outlook_backend(graph)
            finally:
                graph.stop()

    return backend
