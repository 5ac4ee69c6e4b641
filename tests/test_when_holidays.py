"""Holidays by name, generated from the `holidays` package itself: every holiday of `nlp.when.holidays.TABLE`
that a country's calendar keeps, written by a writer of that country, in every year 2020-2032, resolves to
the package's date; "(observed)" resolves to the observed day; observances no country keeps follow their
`dateutil` rule; the writer's zone or an explicit `country` picks the calendar."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import holidays as holidays_pkg
import pytest
from dateutil.easter import easter
from dateutil.relativedelta import MO, TH, relativedelta

from nlp.when import find_times, resolve
from nlp.when.holidays import TABLE, country_of_zone

WRITERS = {"US": "America/Chicago", "GB": "Europe/London", "CA": "America/Toronto", "AU": "Australia/Sydney",
           "NZ": "Pacific/Auckland", "IE": "Europe/Dublin"}
YEARS = range(2020, 2033)
SUBDIV = {"GB": "ENG", "AU": "NSW"}


def _package_days(country: str, year: int) -> list[tuple[date, str]]:
    cls = holidays_pkg.country_holidays(country)
    cats = tuple(sorted({"public", "unofficial", "government", "bank"} & set(cls.supported_categories)))
    cal = holidays_pkg.country_holidays(country, subdiv=SUBDIV.get(country), years=year, categories=cats,
                                        language="en_US")
    return [(d, n.strip().lower()) for d, names in sorted(cal.items()) for n in names.split(";")]


def _cases() -> list[tuple[str, str, int, date, date]]:
    """(country, canonical name, year, its date, its observed date) for every holiday a calendar keeps."""
    out = []
    for country in WRITERS:
        for year in YEARS:
            days = _package_days(country, year)
            for h in TABLE:
                if h.package is None:
                    continue
                pat = re.compile(h.package)
                actual = [d for d, n in days if pat.match(n) and not n.endswith("(observed)")]
                if not actual:
                    continue
                obs = [d for d, n in days if n.endswith("(observed)") and pat.match(n.removesuffix("(observed)").strip())]
                out.append((country, h.canonical, year, actual[0], obs[0] if obs else actual[0]))
    return out


CASES = _cases()


def test_the_generator_covers_the_calendars() -> None:
    assert len(CASES) > 600
    assert {c for c, *_ in CASES} == set(WRITERS)
    assert any(a != o for *_, a, o in CASES)  # some holidays fall on a weekend and are observed on a weekday


@pytest.mark.parametrize("country", sorted(WRITERS))
def test_every_holiday_of_the_calendar_in_every_year(country: str) -> None:
    zone = WRITERS[country]
    for c, name, year, actual, observed in CASES:
        if c != country:
            continue
        ref = datetime(year - 1, 6, 1, 10, 0)
        assert re.fullmatch(next(h.surface for h in TABLE if h.canonical == name), name, re.I)
        m = resolve(f"{name} {year}", ref, zone)
        assert m is not None and m.value.date() == actual, (country, name, year, m)
        mo = resolve(f"{name} (observed) {year}", ref, zone)
        assert mo is not None and mo.value.date() == observed, (country, name, year, mo)


def test_without_a_year_the_next_one() -> None:
    # said on 2021-12-26 in London: Christmas is next year's; Boxing Day is today
    ref = datetime(2021, 12, 26, 9, 0)
    assert resolve("after Christmas", ref, "Europe/London").value.date() == date(2022, 12, 25)  # type: ignore[union-attr]
    assert resolve("on Boxing Day", ref, "Europe/London").value.date() == date(2021, 12, 26)  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "rule"), [
    ("Black Friday", lambda y: date(y, 11, 1) + relativedelta(weekday=TH(4)) + timedelta(days=1)),
    ("Cyber Monday", lambda y: date(y, 11, 1) + relativedelta(weekday=TH(4)) + timedelta(days=4)),
    ("Mardi Gras", lambda y: easter(y) - timedelta(days=47)),
    ("Ash Wednesday", lambda y: easter(y) - timedelta(days=46)),
    ("Palm Sunday", lambda y: easter(y) - timedelta(days=7)),
    ("Tax Day", lambda y: date(y, 4, 15)),
    ("Election Day", lambda y: date(y, 11, 1) + relativedelta(weekday=MO) + timedelta(days=1)),
])
def test_observances_follow_their_rule(text: str, rule: object) -> None:
    assert callable(rule)
    for year in YEARS:
        m = resolve(f"{text} {year}", datetime(year - 1, 1, 5), "America/New_York")
        assert m is not None and m.value.date() == rule(year), (text, year)


def test_the_country_decides_the_calendar() -> None:
    ref = datetime(2026, 9, 1, 10, 0)
    us = resolve("Thanksgiving", ref, "America/New_York")
    ca = resolve("Thanksgiving", ref, "America/Toronto")
    forced = resolve("Thanksgiving", ref, "UTC", country="CA")
    assert us is not None and us.value.date() == date(2026, 11, 26)
    assert ca is not None and ca.value.date() == date(2026, 10, 12)
    assert forced is not None and forced.value.date() == date(2026, 10, 12)
    # a name the country does not keep is read in the first fallback calendar that does
    uk = resolve("Thanksgiving", ref, "Europe/London")
    assert uk is not None and uk.value.date() == date(2026, 11, 26)
    nz = resolve("Labour Day", ref, "Pacific/Auckland")
    assert nz is not None and nz.value.date() == date(2026, 10, 26)


def test_country_of_zone() -> None:
    assert country_of_zone("America/Toronto") == "CA"
    assert country_of_zone("Europe/London") == "GB"
    assert country_of_zone("Asia/Kolkata") == "IN"
    assert country_of_zone("US/Eastern") == "US"
    assert country_of_zone("UTC") is None
    assert country_of_zone("Nowhere/Else") is None


def test_observed_phrasings() -> None:
    ref = datetime(2021, 9, 1, 10, 0)  # Christmas 2021 is a Saturday
    for text in ("Christmas (observed)", "the observed Christmas holiday", "Christmas observed"):
        us = find_times(text, ref, "America/New_York")
        gb = find_times(text, ref, "Europe/London")
        assert [m.value.date() for m in us] == [date(2021, 12, 24)], text
        assert [m.value.date() for m in gb] == [date(2021, 12, 27)], text


def records() -> list[dict[str, object]]:
    """The generated cases as corpus records (bench/when_accuracy.py --generated scores every resolver)."""
    return [{"id": f"holidays-{i}", "text": f"{name} {year}", "reference": datetime(year - 1, 6, 1, 10, 0).isoformat(),
             "timezone": WRITERS[country], "expected": {"grain": "day", "value": actual.isoformat()}}
            for i, (country, name, year, actual, _) in enumerate(CASES)]
