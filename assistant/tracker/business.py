"""Business time: the rep's working days (their weekdays minus the public holidays of `rep.country`,
from the `holidays` package), working hours, the quarter-hour slots of a working day, and when a step
falls due. Pure: config in, datetimes out (all aware, in the rep's zone)."""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from assistant.config import Config
from assistant.errors import AssistantError


class BusinessHours:
    """The rep's working time, with what a pass asks many times precomputed: each working day's slots
    (start, then every quarter hour up to the last start that leaves room for a follow-up) and the
    date `n` working days after a date. One instance per distinct config (see `business_hours`)."""

    def __init__(self, timezone: str, start: time, end: time, days: tuple[int, ...], event_minutes: int,
                 default_days: int, country: str = "", subdivision: str = "") -> None:
        self.zone = ZoneInfo(timezone)
        self.start, self.end, self.days = start, end, frozenset(days)
        self.event = timedelta(minutes=event_minutes)
        latest = datetime.combine(date(2000, 1, 3), end) - self.event
        self.last = max(latest.time(), start)  # the latest start that still fits in working hours
        self.default_days = default_days
        self.holidays: holidays.HolidayBase | None = (
            holidays.country_holidays(country, subdiv=subdivision or None) if country else None)
        self._slots: dict[date, tuple[list[float], list[datetime]]] = {}
        self._later: dict[tuple[date, int], date] = {}

    def working(self, day: date) -> bool:
        """A working weekday that is not a public holiday of the rep's country."""
        return day.weekday() in self.days and (self.holidays is None or day not in self.holidays)

    def at(self, day: date, clock: time) -> datetime:
        """Wall time `clock` on `day` in the rep's zone (a wall time skipped by DST resolves forward)."""
        return datetime.combine(day, clock, tzinfo=self.zone)

    def day_slots(self, day: date) -> tuple[list[float], list[datetime]]:
        found = self._slots.get(day)
        if found is None:
            if len(self._slots) > 20_000:
                self._slots.clear()
            moments = [self.at(day, self.start)]
            minute = (self.start.hour * 60 + self.start.minute) // 15 * 15 + 15
            last = self.last.hour * 60 + self.last.minute
            while minute <= last and minute < 24 * 60:
                moments.append(self.at(day, time(minute // 60, minute % 60)))
                minute += 15
            found = self._slots[day] = ([m.timestamp() for m in moments], moments)
        return found

    def next_slot(self, moment: datetime) -> datetime:
        """The first slot at or after `moment` on a working day (rep's zone)."""
        local = moment.astimezone(self.zone)
        if not self.days:
            return local
        stamp = moment.timestamp()
        day = local.date()
        for _ in range(40):  # a week of holidays (the end of the year) fits
            if self.working(day):
                stamps, moments = self.day_slots(day)
                i = bisect_left(stamps, stamp)
                if i < len(stamps):
                    return moments[i]
            day += timedelta(days=1)
        raise AssistantError("rep.working_days names no day: set it like \"Mon-Fri\"")

    def next_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it."""
        guard = 0
        while self.days and not self.working(day) and guard < 40:
            day += timedelta(days=1)
            guard += 1
        return day

    def later_day(self, day: date, days: int) -> date:
        """The date `days` working days after `day`."""
        key = (day, days)
        found = self._later.get(key)
        if found is None:
            found, added, guard = day, 0, 0
            while added < days and self.days and guard <= 366:
                found += timedelta(days=1)
                guard += 1
                if self.working(found):
                    added += 1
            if len(self._later) > 20_000:
                self._later.clear()
            self._later[key] = found
        return found

    def default_target(self, sent_at: datetime) -> datetime:
        local = sent_at.astimezone(self.zone)
        day = self.later_day(local.date(), self.default_days)
        wall = local.time()
        if wall < self.start:
            return self.at(day, self.start)
        if wall > self.last:
            return self.at(day, self.last)
        return self.at(day, wall)

    def target(self, who: str, due: datetime | None, has_time: bool, sent_at: datetime) -> tuple[datetime, bool]:
        """When a step falls due, and whether the config default was used.

        A timed promise is due at its moment. A dated one is due when that working day starts for the
        rep's own promise (do it that day) and when it ends for the buyer's (they had the whole day)."""
        if due is None:
            return self.default_target(sent_at), True
        if has_time:
            return due, False
        day = due.astimezone(self.zone).date()
        if who == "them":
            return self.at(day, self.end), False
        return self.at(self.next_working_day(day), self.start), False


@lru_cache(maxsize=32)
def _business_hours(timezone: str, start: time, end: time, days: tuple[int, ...], event_minutes: int,
                    default_days: int, country: str, subdivision: str) -> BusinessHours:
    return BusinessHours(timezone, start, end, days, event_minutes, default_days, country, subdivision)


def business_hours(config: Config) -> BusinessHours:
    h = config.rep.hours
    return _business_hours(config.rep.timezone, h.start, h.end, tuple(h.days), config.tracker.event_minutes,
                           config.tracker.default_business_days, config.rep.country, config.rep.subdivision)


def rep_zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.rep.timezone)


def next_business_slot(moment: datetime, config: Config) -> datetime:
    """The first quarter-hour at or after `moment` inside the rep's working hours (rep's zone)."""
    return business_hours(config).next_slot(moment)


def add_business_days(moment: datetime, days: int, config: Config) -> datetime:
    """`days` working days after `moment`, same wall time in the rep's zone."""
    hours = business_hours(config)
    local = moment.astimezone(hours.zone)
    return hours.at(hours.later_day(local.date(), days), local.time())


def working_day_after(day: date, days: int, config: Config) -> date:
    """The date `days` working days after `day` (holidays skipped)."""
    return business_hours(config).later_day(day, days)
