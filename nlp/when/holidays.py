"""Common business holidays (US, UK, Canada, Australia) as rules over a year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0=Monday) of a month; n=-1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-n - 1))


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda y: date(y, month, day)


def _nth(month: int, weekday: int, n: int) -> Callable[[int], date]:
    return lambda y: nth_weekday(y, month, weekday, n)


def _first_weekday_from(d: date) -> date:
    """`d`, or the Monday after it when it falls on a weekend."""
    return d + timedelta(days=(7 - d.weekday()) % 7 if d.weekday() >= 5 else 0)


HOLIDAYS: dict[str, Callable[[int], date]] = {
    "christmas eve": _fixed(12, 24),
    "christmas": _fixed(12, 25),
    "boxing day": _fixed(12, 26),
    "new year's eve": _fixed(12, 31),
    "new year's day": lambda y: date(y, 1, 1),
    "valentine's day": _fixed(2, 14),
    "st patrick's day": _fixed(3, 17),
    "halloween": _fixed(10, 31),
    "independence day": _fixed(7, 4),
    "canada day": _fixed(7, 1),
    "australia day": _fixed(1, 26),
    "juneteenth": _fixed(6, 19),
    "veterans day": _fixed(11, 11),
    "remembrance day": _fixed(11, 11),
    "tax day": _fixed(4, 15),
    "mlk day": _nth(1, 0, 3),
    "presidents' day": _nth(2, 0, 3),
    "memorial day": _nth(5, 0, -1),
    "labor day": _nth(9, 0, 1),
    "columbus day": _nth(10, 0, 2),
    "thanksgiving": _nth(11, 3, 4),
    "black friday": lambda y: nth_weekday(y, 11, 3, 4) + timedelta(days=1),
    "cyber monday": lambda y: nth_weekday(y, 11, 3, 4) + timedelta(days=4),
    "mother's day": _nth(5, 6, 2),
    "father's day": _nth(6, 6, 3),
    "easter": _easter,
    "april fools' day": _fixed(4, 1),
    "earth day": _fixed(4, 22),
    "groundhog day": _fixed(2, 2),
    "flag day": _fixed(6, 14),
    "patriot day": _fixed(9, 11),
    "pi day": _fixed(3, 14),
    "cinco de mayo": _fixed(5, 5),
    "bonfire night": _fixed(11, 5),
    "boss's day": _fixed(10, 16),
    "election day": lambda y: nth_weekday(y, 11, 0, 1) + timedelta(days=1),
    "mardi gras": lambda y: _easter(y) - timedelta(days=47),
    "ash wednesday": lambda y: _easter(y) - timedelta(days=46),
    "palm sunday": lambda y: _easter(y) - timedelta(days=7),
    "victoria day": lambda y: date(y, 5, 24) - timedelta(days=date(y, 5, 24).weekday()),
    "early may bank holiday": _nth(5, 0, 1),
    "spring bank holiday": _nth(5, 0, -1),
    "summer bank holiday": _nth(8, 0, -1),
    "canadian thanksgiving": _nth(10, 0, 2),
    "good friday": lambda y: _easter(y) - timedelta(days=2),
    "easter monday": lambda y: _easter(y) + timedelta(days=1),
    # "the holidays" (the Christmas to New Year break) start on Christmas Eve; "after the holidays" is the
    # first working days of January
    "the holidays": _fixed(12, 24),
    "after the holidays": lambda y: _first_weekday_from(date(y, 1, 2)),
}

# Surface forms -> canonical names (matched case-insensitively; apostrophes optional).
HOLIDAY_PATTERNS: list[tuple[str, str]] = [
    (r"after\s+the\s+(?:holidays|holiday\s+season|festive\s+season|christmas\s+(?:break|holidays))", "after the holidays"),
    (r"the\s+(?:holidays|holiday\s+season|festive\s+season|christmas\s+(?:break|holidays))", "the holidays"),
    (r"christmas\s+eve|xmas\s+eve", "christmas eve"),
    (r"(?:christmas|xmas)(?:\s+day)?", "christmas"),
    (r"boxing\s+day", "boxing day"),
    (r"new\s+year'?s?'?\s+eve", "new year's eve"),
    (r"new\s+year'?s?'?(?:\s+day)?", "new year's day"),
    (r"valentine'?s?(?:\s+day)?", "valentine's day"),
    (r"(?:st\.?|saint)\s+(?:patrick|paddy)'?s?(?:\s+day)?", "st patrick's day"),
    (r"halloween", "halloween"),
    (r"independence\s+day|(?:the\s+)?fourth\s+of\s+july|july\s+fourth", "independence day"),
    (r"canada\s+day", "canada day"),
    (r"australia\s+day", "australia day"),
    (r"juneteenth", "juneteenth"),
    (r"veteran'?s?'?\s+day", "veterans day"),
    (r"remembrance\s+day", "remembrance day"),
    (r"tax\s+day", "tax day"),
    (r"(?:mlk|martin\s+luther\s+king'?s?(?:\s+jr\.?)?)(?:\s+jr\.?)?\s+day", "mlk day"),
    (r"president'?s?'?\s+day|washington'?s\s+birthday|george\s+washington'?s?\s+(?:day|birthday)", "presidents' day"),
    (r"memorial\s+day", "memorial day"),
    (r"labou?r\s+day", "labor day"),
    (r"columbus\s+day", "columbus day"),
    (r"thanksgiving(?:\s+day)?", "thanksgiving"),
    (r"black\s+friday", "black friday"),
    (r"cyber\s+monday", "cyber monday"),
    (r"mother'?s?'?\s+day", "mother's day"),
    (r"father'?s?'?\s+day", "father's day"),
    (r"good\s+friday", "good friday"),
    (r"april\s+fools'?(?:\s+day)?", "april fools' day"),
    (r"earth\s+day", "earth day"),
    (r"groundhog'?s?\s+day", "groundhog day"),
    (r"flag\s+day", "flag day"),
    (r"patriot\s+day", "patriot day"),
    (r"pi\s+day", "pi day"),
    (r"cinco\s+de\s+mayo", "cinco de mayo"),
    (r"bonfire\s+night|guy\s+fawkes(?:\s+night|\s+day)?", "bonfire night"),
    (r"boss'?s?'?\s+day", "boss's day"),
    (r"election\s+day", "election day"),
    (r"mardi\s+gras|fat\s+tuesday|shrove\s+tuesday|pancake\s+day", "mardi gras"),
    (r"ash\s+wednesday", "ash wednesday"),
    (r"palm\s+sunday", "palm sunday"),
    (r"victoria\s+day", "victoria day"),
    (r"early\s+may\s+bank\s+holiday|may\s+day\s+bank\s+holiday", "early may bank holiday"),
    (r"spring\s+bank\s+holiday", "spring bank holiday"),
    (r"(?:august|summer)\s+bank\s+holiday", "summer bank holiday"),
    (r"easter\s+mon(?:day)?\.?", "easter monday"),
    (r"easter(?:\s+sunday)?", "easter"),
]
