"""Time-zone names and abbreviations ("ET", "PST", "CET", "IST", "GMT+2", "(Pacific)", "London time"). The table
is `nlp.when.lexicon.ZONES`; ambiguous abbreviations are decided there (North-American and Indian readings,
documented next to the table)."""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from nlp.when.base import (
    Part,
    Unit,
    _clean,
)
from nlp.when.lexicon import ZONES

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
    return Part(s, e, zone=z)


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
