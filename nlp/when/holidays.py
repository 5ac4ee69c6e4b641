"""Holidays by name: dates from the `holidays` package (public holidays per country, with the days they are
observed), observances that no country keeps as a holiday (Black Friday, Tax Day, Mardi Gras...) as rules
over `dateutil`, and the country from the writer's zone (`tzdata`'s zone.tab) or from an explicit argument.

Conventions:
- a holiday's name is its own date ("Christmas" 2021 is Saturday Dec 25); "Christmas (observed)" / "the
  observed Christmas holiday" is the weekday it is observed on (Monday Dec 27 in the UK, Friday Dec 24 in the
  US);
- the writer's country decides which calendar a name is read in ("Thanksgiving" is in October in Canada,
  "Labour Day" in October in New Zealand); a name the country does not keep is read in the first of US, GB,
  CA, AU, IE, NZ, IN that keeps it, else from the observance rules (US conventions: "Mother's Day" is May's
  second Sunday)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from dateutil.easter import easter
from dateutil.relativedelta import FR, MO, SU, TH, TU, relativedelta, weekday

_WEEKDAYS = (MO, TU, weekday(2), TH, FR, weekday(5), SU)

# Calendars a name falls back to when the writer's country does not keep it (English-language business mail).
FALLBACK_COUNTRIES = ("US", "GB", "CA", "AU", "IE", "NZ", "IN")
# Categories read from the package: public holidays, plus the US "unofficial" days everybody names
# (Valentine's, Halloween, Mother's Day) and government/bank closures. Never school terms.
_CATEGORIES = frozenset({"public", "unofficial", "government", "bank"})
# The region whose calendar stands for the country when the package has no country-wide one.
_SUBDIVISION = {"GB": "ENG", "AU": "NSW"}


def nth_weekday(year: int, month: int, wd: int, n: int) -> date:
    """The n-th `wd` (0=Monday) of a month; n=-1 is the last one."""
    if n > 0:
        return date(year, month, 1) + relativedelta(weekday=_WEEKDAYS[wd](n))
    return date(year, month, 1) + relativedelta(day=31, weekday=_WEEKDAYS[wd](n))


@dataclass(frozen=True)
class Holiday:
    """One holiday as written in mail: `canonical` name, `surface` pattern (case-insensitive, apostrophes
    optional), `package` a pattern over the `holidays` package's English names (None: not a public holiday
    anywhere), `rule` the date in a year when no calendar keeps it."""

    canonical: str
    surface: str
    package: str | None
    rule: Callable[[int], date] | None = None


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda y: date(y, month, day)


def _nth(month: int, wd: int, n: int) -> Callable[[int], date]:
    return lambda y: nth_weekday(y, month, wd, n)


def _easter_plus(days: int) -> Callable[[int], date]:
    return lambda y: easter(y) + timedelta(days=days)


def _first_weekday_from(d: date) -> date:
    """`d`, or the Monday after it when it falls on a weekend."""
    return d + relativedelta(weekday=MO) if d.weekday() >= 5 else d


# Order matters: at one position the first surface form that matches the whole name wins.
TABLE: tuple[Holiday, ...] = (
    # "the holidays" (the Christmas to New Year break) start on Christmas Eve; "after the holidays" is the
    # first working day from January 2
    Holiday("after the holidays",
            r"after\s+the\s+(?:holidays|holiday\s+season|festive\s+season|christmas\s+(?:break|holidays))", None,
            lambda y: _first_weekday_from(date(y, 1, 2))),
    Holiday("the holidays", r"the\s+(?:holidays|holiday\s+season|festive\s+season|christmas\s+(?:break|holidays))",
            None, _fixed(12, 24)),
    Holiday("christmas eve", r"christmas\s+eve|xmas\s+eve", r"christmas eve", _fixed(12, 24)),
    Holiday("christmas", r"(?:christmas|xmas)(?:\s+day)?", r"christmas day", _fixed(12, 25)),
    Holiday("boxing day", r"boxing\s+day", r"boxing day|saint stephen's day", _fixed(12, 26)),
    Holiday("new year's eve", r"new\s+year'?s?'?\s+eve", r"new year's eve", _fixed(12, 31)),
    Holiday("new year's day", r"new\s+year'?s?'?(?:\s+day)?", r"new year's day", _fixed(1, 1)),
    Holiday("valentine's day", r"valentine'?s?(?:\s+day)?", r"valentine's day", _fixed(2, 14)),
    Holiday("st patrick's day", r"(?:st\.?|saint)\s+(?:patrick|paddy)'?s?(?:\s+day)?", r"saint patrick's day",
            _fixed(3, 17)),
    Holiday("halloween", r"halloween", r"halloween", _fixed(10, 31)),
    Holiday("independence day", r"independence\s+day|(?:the\s+)?fourth\s+of\s+july|july\s+fourth",
            r"independence day", _fixed(7, 4)),
    Holiday("canada day", r"canada\s+day", r"canada day", _fixed(7, 1)),
    Holiday("australia day", r"australia\s+day", r"australia day", _fixed(1, 26)),
    Holiday("juneteenth", r"juneteenth", r"juneteenth", _fixed(6, 19)),
    Holiday("veterans day", r"veteran'?s?'?\s+day", r"veterans day", _fixed(11, 11)),
    Holiday("remembrance day", r"remembrance\s+day", r"remembrance day", _fixed(11, 11)),
    Holiday("tax day", r"tax\s+day", None, _fixed(4, 15)),
    Holiday("mlk day", r"(?:mlk|martin\s+luther\s+king'?s?(?:\s+jr\.?)?)(?:\s+jr\.?)?\s+day", r"martin luther king",
            _nth(1, 0, 3)),
    Holiday("presidents' day",
            r"president'?s?'?\s+day|washington'?s\s+birthday|george\s+washington'?s?\s+(?:day|birthday)",
            r"washington's birthday|presidents'? day", _nth(2, 0, 3)),
    Holiday("memorial day", r"memorial\s+day", r"memorial day", _nth(5, 0, -1)),
    Holiday("labor day", r"labou?r\s+day", r"labou?r day", _nth(9, 0, 1)),
    Holiday("columbus day", r"columbus\s+day", r"columbus day", _nth(10, 0, 2)),
    Holiday("thanksgiving", r"thanksgiving(?:\s+day)?", r"thanksgiving", _nth(11, 3, 4)),
    Holiday("black friday", r"black\s+friday", None, lambda y: nth_weekday(y, 11, 3, 4) + timedelta(days=1)),
    Holiday("cyber monday", r"cyber\s+monday", None, lambda y: nth_weekday(y, 11, 3, 4) + timedelta(days=4)),
    Holiday("mother's day", r"mother'?s?'?\s+day", r"mother's day", _nth(5, 6, 2)),
    Holiday("father's day", r"father'?s?'?\s+day", r"father's day", _nth(6, 6, 3)),
    Holiday("good friday", r"good\s+friday", r"good friday", _easter_plus(-2)),
    Holiday("april fools' day", r"april\s+fools'?(?:\s+day)?", None, _fixed(4, 1)),
    Holiday("earth day", r"earth\s+day", None, _fixed(4, 22)),
    Holiday("groundhog day", r"groundhog'?s?\s+day", r"groundhog day", _fixed(2, 2)),
    Holiday("flag day", r"flag\s+day", None, _fixed(6, 14)),
    Holiday("patriot day", r"patriot\s+day", None, _fixed(9, 11)),
    Holiday("pi day", r"pi\s+day", None, _fixed(3, 14)),
    Holiday("cinco de mayo", r"cinco\s+de\s+mayo", None, _fixed(5, 5)),
    Holiday("bonfire night", r"bonfire\s+night|guy\s+fawkes(?:\s+night|\s+day)?", None, _fixed(11, 5)),
    Holiday("boss's day", r"boss'?s?'?\s+day", None, _fixed(10, 16)),
    Holiday("election day", r"election\s+day", None, lambda y: nth_weekday(y, 11, 0, 1) + timedelta(days=1)),
    Holiday("mardi gras", r"mardi\s+gras|fat\s+tuesday|shrove\s+tuesday|pancake\s+day", None, _easter_plus(-47)),
    Holiday("ash wednesday", r"ash\s+wednesday", None, _easter_plus(-46)),
    Holiday("palm sunday", r"palm\s+sunday", None, _easter_plus(-7)),
    Holiday("victoria day", r"victoria\s+day", r"victoria day",
            lambda y: date(y, 5, 24) + relativedelta(weekday=MO(-1))),
    Holiday("early may bank holiday", r"early\s+may\s+bank\s+holiday|may\s+day\s+bank\s+holiday",
            r"may day|early may bank holiday|may bank holiday", _nth(5, 0, 1)),
    Holiday("spring bank holiday", r"spring\s+bank\s+holiday", r"spring bank holiday", _nth(5, 0, -1)),
    Holiday("summer bank holiday", r"(?:august|summer)\s+bank\s+holiday",
            r"(?:late )?summer bank holiday|august bank holiday", _nth(8, 0, -1)),
    Holiday("easter monday", r"easter\s+mon(?:day)?\.?", r"easter monday", _easter_plus(1)),
    Holiday("easter", r"easter(?:\s+sunday)?", r"easter sunday", _easter_plus(0)),
)
BY_NAME: dict[str, Holiday] = {h.canonical: h for h in TABLE}
# Surface forms -> canonical names (matched case-insensitively; apostrophes optional).
HOLIDAY_PATTERNS: list[tuple[str, str]] = [(h.surface, h.canonical) for h in TABLE]


@functools.cache
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO country code, from the zone.tab that ships with `tzdata`."""
    out: dict[str, str] = {}
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) >= 3:
                out[cols[2]] = cols[0]
    return out


def country_of_zone(timezone: str) -> str | None:
    """The country a zone belongs to ("America/Toronto" -> "CA"); None for UTC/Etc zones and unknown names."""
    if timezone.startswith("US/"):
        return "US"
    if timezone.startswith("Canada/"):
        return "CA"
    if timezone.startswith("Australia/"):
        return "AU"
    return _zone_countries().get(timezone)


@functools.cache
def _calendar(country: str, year: int) -> tuple[tuple[date, str], ...]:
    """(date, lower-case name) of every holiday the package knows for `country` in `year` (one entry per
    name; "(observed)" entries kept as such)."""
    import holidays as holidays_pkg  # imported on the first holiday name: it weighs ~7 MB

    try:
        cls = holidays_pkg.country_holidays(country)
    except NotImplementedError:
        return ()
    cats = tuple(sorted(_CATEGORIES & set(cls.supported_categories))) or None
    lang = "en_US" if "en_US" in getattr(cls, "supported_languages", ()) else None
    cal = holidays_pkg.country_holidays(country, subdiv=_SUBDIVISION.get(country), years=year, categories=cats,
                                        language=lang)
    out: list[tuple[date, str]] = []
    for d, names in sorted(cal.items()):
        out.extend((d, n.strip().lower()) for n in names.split(";"))
    return tuple(out)


def _from_calendar(h: Holiday, country: str, year: int, observed: bool) -> date | None:
    assert h.package is not None
    pat = re.compile(rf"(?:{h.package})")
    actual = None
    for d, name in _calendar(country, year):
        base = name.removesuffix("(observed)").strip()
        if not pat.match(base):
            continue
        if name.endswith("(observed)"):
            if observed:
                return d
        elif actual is None:
            actual = d
    return actual


def holiday_date(name: str, year: int, country: str | None = None, observed: bool = False) -> date:
    """The date of holiday `name` (a canonical name of `TABLE`) in `year`, read in `country`'s calendar first
    (see the module docstring); `observed` gives the weekday it is observed on when it falls on a weekend."""
    h = BY_NAME[name]
    if h.package is not None:
        countries = ((country.upper(),) if country else ()) + FALLBACK_COUNTRIES
        for c in dict.fromkeys(countries):
            d = _from_calendar(h, c, year, observed)
            if d is not None:
                return d
    assert h.rule is not None, name
    d = h.rule(year)
    if observed and d.weekday() >= 5:  # the US federal convention: Saturday -> Friday, Sunday -> Monday
        d += timedelta(days=-1 if d.weekday() == 5 else 1)
    return d
