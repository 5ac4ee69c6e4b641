"""Time-zone names and abbreviations ("ET", "PST", "CET", "IST", "GMT+2", "(Pacific)", "London time"): the
table `ZONES` maps what mail writes to an IANA zone. An abbreviation reads the zone's wall clock whatever the
season ("EST" written in July is New York time). Abbreviations shared by several zones (IST, CST, BST, GST,
AST) take the reading of `AMBIGUOUS` for the writer's country, else the default of `ZONES` (India, US
Central, British Summer Time, Gulf, Atlantic); the resolver asks `writer_reading`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from nlp.when.base import (
    Ctx,
    Part,
    Res,
    Unit,
    _clean,
    has_date,
    wall,
)

# Named zones as written in mail -> IANA. Abbreviations follow North-American usage ("EST" written in
# summer means New York wall time), which is what people mean in scheduling mail.
ZONES: dict[str, str] = {
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "eastern": "America/New_York", "eastern time": "America/New_York", "new york time": "America/New_York",
    "ny time": "America/New_York", "boston time": "America/New_York", "toronto time": "America/Toronto",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago", "central": "America/Chicago",
    "central time": "America/Chicago", "chicago time": "America/Chicago", "houston time": "America/Chicago",
    "dallas time": "America/Chicago",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver", "mountain": "America/Denver",
    "mountain time": "America/Denver", "denver time": "America/Denver",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "california time": "America/Los_Angeles", "la time": "America/Los_Angeles",
    "san francisco time": "America/Los_Angeles", "seattle time": "America/Los_Angeles",
    "los angeles time": "America/Los_Angeles", "vancouver time": "America/Vancouver",
    "gmt": "UTC", "utc": "UTC", "zulu": "UTC",
    "bst": "Europe/London", "uk time": "Europe/London", "london time": "Europe/London",
    "british time": "Europe/London", "dublin time": "Europe/Dublin", "irish time": "Europe/Dublin",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "central european time": "Europe/Paris",
    "paris time": "Europe/Paris", "berlin time": "Europe/Berlin", "madrid time": "Europe/Madrid",
    "amsterdam time": "Europe/Amsterdam", "frankfurt time": "Europe/Berlin", "munich time": "Europe/Berlin",
    "zurich time": "Europe/Zurich", "rome time": "Europe/Rome", "stockholm time": "Europe/Stockholm",
    "eet": "Europe/Helsinki", "eest": "Europe/Helsinki", "helsinki time": "Europe/Helsinki",
    "ist": "Asia/Kolkata", "india time": "Asia/Kolkata", "indian time": "Asia/Kolkata",
    "mumbai time": "Asia/Kolkata", "delhi time": "Asia/Kolkata", "bangalore time": "Asia/Kolkata",
    "bengaluru time": "Asia/Kolkata",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "sydney time": "Australia/Sydney",
    "melbourne time": "Australia/Melbourne", "awst": "Australia/Perth", "perth time": "Australia/Perth",
    "acst": "Australia/Adelaide", "brisbane time": "Australia/Brisbane",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "auckland time": "Pacific/Auckland",
    "nz time": "Pacific/Auckland",
    "jst": "Asia/Tokyo", "tokyo time": "Asia/Tokyo", "japan time": "Asia/Tokyo",
    "sgt": "Asia/Singapore", "singapore time": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "hong kong time": "Asia/Hong_Kong", "china time": "Asia/Shanghai", "beijing time": "Asia/Shanghai",
    "shanghai time": "Asia/Shanghai", "dubai time": "Asia/Dubai", "gst": "Asia/Dubai",
    "hst": "Pacific/Honolulu", "hawaii time": "Pacific/Honolulu", "akst": "America/Anchorage",
    "brt": "America/Sao_Paulo", "sao paulo time": "America/Sao_Paulo",
    # abbreviations that tzdata itself prints for these zones
    "ast": "America/Halifax", "adt": "America/Halifax", "atlantic time": "America/Halifax",
    "nst": "America/St_Johns", "ndt": "America/St_Johns", "akdt": "America/Anchorage",
    "acdt": "Australia/Adelaide", "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "lisbon time": "Europe/Lisbon",
    "msk": "Europe/Moscow", "moscow time": "Europe/Moscow", "sast": "Africa/Johannesburg", "cat": "Africa/Maputo",
    "eat": "Africa/Nairobi", "wat": "Africa/Lagos", "pkt": "Asia/Karachi", "wib": "Asia/Jakarta",
    "kst": "Asia/Seoul", "korea time": "Asia/Seoul", "seoul time": "Asia/Seoul", "pht": "Asia/Manila",
    "manila time": "Asia/Manila", "ict": "Asia/Bangkok", "bangkok time": "Asia/Bangkok", "myt": "Asia/Kuala_Lumpur",
    "nzt": "Pacific/Auckland", "hkt time": "Asia/Hong_Kong", "cot": "America/Bogota", "pet": "America/Lima",
    "art": "America/Argentina/Buenos_Aires", "idt": "Asia/Jerusalem", "israel time": "Asia/Jerusalem",
    "mexico city time": "America/Mexico_City", "arizona time": "America/Phoenix", "phoenix time": "America/Phoenix",
    "alaska time": "America/Anchorage", "atlanta time": "America/New_York", "miami time": "America/New_York",
}

# Abbreviations that name different zones in different countries: the reading above is the default, the
# writer's country (from `country` or the writer's zone) picks another ("IST" written in Dublin is Irish
# Standard Time, in Tel Aviv Israel Standard Time; "CST" written in Shanghai is China Standard Time).
AMBIGUOUS: dict[str, dict[str, str]] = {
    "ist": {"IE": "Europe/Dublin", "IL": "Asia/Jerusalem"},
    "cst": {"CN": "Asia/Shanghai", "TW": "Asia/Taipei", "CU": "America/Havana"},
    "bst": {"BD": "Asia/Dhaka"},
    "gst": {"GS": "Atlantic/South_Georgia"},
    "ast": {"SA": "Asia/Riyadh", "KW": "Asia/Kuwait", "QA": "Asia/Qatar", "BH": "Asia/Bahrain", "IQ": "Asia/Baghdad"},
}


def writer_reading(word: str, country: str | None) -> tzinfo | None:
    """The zone an ambiguous abbreviation names for a writer of `country`; None when the default stands."""
    name = AMBIGUOUS.get(word, {}).get(country or "")
    return ZoneInfo(name) if name else None


_ZONE_WORDS = sorted(ZONES, key=len, reverse=True)
_ZONE = (r"(?:\(\s*)?(?:(?:utc|gmt)\s*[+-−]\s*\d{1,2}(?::?\d\d)?|"
         + "|".join(re.escape(z).replace(r"\ ", r"\s+") for z in _ZONE_WORDS)
         + r")(?:\s+time)?(?![a-z])(?:\s*\))?")


def _zone_of(s: str) -> tzinfo | None:
    t = _clean(s).strip("() ").replace("−", "-")
    m = re.match(r"(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?(\d\d))?", t)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        mins = int(m.group(2)) * 60 + int(m.group(3) or 0)
        if mins > 14 * 60:
            return None
        return timezone(sign * timedelta(minutes=mins))
    t = re.sub(r"\s+time$", "", t) if t not in ZONES else t
    name = ZONES.get(t) or ZONES.get(t + " time")
    return ZoneInfo(name) if name else None


def _h_zone(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    raw = m.group(0)
    core = raw.strip("() ")
    core_words = _clean(core)
    if len(core_words) <= 4 and " " not in core_words and not core_words.startswith(("utc", "gmt")):
        if not core.isupper():
            return None
    z = _zone_of(core)
    if z is None:
        return None
    return Part(s, e, zone=z, zone_word=_clean(core))


_ZONE_FIRST = {z.split()[0] for z in ZONES} | {"utc", "gmt"}


UNITS: tuple[Unit, ...] = (
    Unit(
        'zone',
        r"\b" + _ZONE,
        _h_zone,
        starts=frozenset(_ZONE_FIRST),
        needs=(frozenset(_ZONE_FIRST), 1),
        doc='A named zone, an abbreviation or a UTC/GMT offset.',
    ),
)


# ---------------------------------------------------------------------------------------------- resolution
def in_zone(g: Part, ctx: Ctx, read: Callable[[Part, Ctx], Res | None]) -> Res | None:
    """A mention read by `read`, with its named zone applied: an abbreviation the writer's country reads
    otherwise takes that reading ("IST" written in Dublin); "Thursday at 4:30pm IST" is Thursday on the
    writer's calendar and 4:30 pm on Indian clocks; "at 3pm ET" alone is the next 3 pm in New York; both are
    converted into the writer's zone. A writer of unknown zone ("UTC") keeps the named zone's wall clock."""
    if g.zone_word is not None and ctx.country is not None:
        other = writer_reading(g.zone_word, ctx.country)
        if other is not None:
            g = replace(g, zone=other)
    if g.zone is None or not ctx.tz_known:
        return read(g, ctx)
    if g.clock is not None and has_date(g) and g.offset is None:
        r = read(g, ctx)
        if r is None or not r.has_time:
            return r
        v = wall(r.value.date(), r.value.hour, r.value.minute, g.zone, r.value.second).astimezone(ctx.tz)
        return Res(v, r.grain, True, None, None, r.past)
    if g.clock is not None or g.numeric is not None:
        r = read(g, Ctx(ctx.ref.astimezone(g.zone), g.zone, ctx.order, country=ctx.country))
        if r is None:
            return None
        conv = ctx.tz
        return Res(r.value.astimezone(conv), r.grain, r.has_time,
                   r.window_start.astimezone(conv) if r.window_start else None,
                   r.window_end.astimezone(conv) if r.window_end else None, r.past)
    return read(g, ctx)
