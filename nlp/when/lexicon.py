"""Word tables for the time resolver: numbers, months, weekdays, day parts, zones, date order.

Kept apart from the grammar so that the patterns read as grammar and the vocabulary can grow."""

from __future__ import annotations

SMALL_NUMBERS: dict[str, int] = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS: dict[str, int] = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                        "ninety": 90}
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "tu": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "thursady": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}


def _one_slip(word: str) -> set[str]:
    """Misspellings one keystroke away that people actually make: an inner letter dropped ("moday",
    "wednsday"), two neighbours swapped ("thrusday", "firday") or a letter doubled ("tomorroww",
    "fridday")."""
    out = {word[:i] + word[i + 1:] for i in range(1, len(word) - 1)}
    out |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    out |= {word[:i] + word[i] + word[i:] for i in range(1, len(word))}
    out.discard(word)
    return out


# Typos of the full weekday names and of the month names of six letters or more (shorter names would give
# short strings that are words or abbreviations: "mach", "arch", "jne"). None of these is an English word.
WEEKDAY_TYPOS: dict[str, int] = {
    t: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    for t in sorted(_one_slip(name) | ({"wensday", "wendsday", "wedsday"} if i == 2 else set()))
}
MONTH_TYPOS: dict[str, int] = {
    t: n for name, n in (("january", 1), ("february", 2), ("august", 8), ("september", 9), ("october", 10),
                         ("november", 11), ("december", 12))
    for t in sorted(_one_slip(name) | ({"feburary", "febuary", "janurary"} if n in (1, 2) else set()))
}
WEEKDAYS.update(WEEKDAY_TYPOS)
MONTHS.update(MONTH_TYPOS)
# "tomorrow monring": slips of the day-part words (read only right after a day word, like the words themselves)
DAYPART_TYPOS: dict[str, str] = {
    t: name for name in ("morning", "afternoon", "evening") for t in sorted(_one_slip(name))
}

# Abbreviations that are also ordinary English words: only read as weekdays with a date cue.
RISKY_WEEKDAYS = frozenset({"sat", "sun", "wed", "tu", "mon"})

# "tomorrow" as typed in quick mail. "tomo"/"tomoz" (UK/AU) only count in lower case ("Tomo" is a name).
TOMORROW_WORDS = frozenset({
    "tomorrow", "tomorrows", "tomorow", "tommorow", "tommorrow", "tomorrrow", "tmrw", "tmrow", "tmro", "tmrrw",
    "tmr", "tmw", "2morrow", "2morow", "2moro", "2mrw", "2mrow", "tomo", "tomoz",
}) | frozenset(_one_slip("tomorrow"))

# "tonight" as typed: its one-slip typos ("tonigth", "tonght") are no English words.
TONIGHT_WORDS = frozenset({"tonight", "tonite", "2nite", "2night"}) | frozenset(_one_slip("tonight"))

# Day parts: representative hour:minute, window start and end (hours, end exclusive-ish), day shift.
DAYPARTS: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "early morning": ((7, 0), (5, 0), (9, 0)),
    "morning": ((9, 0), (8, 0), (12, 0)),
    "late morning": ((10, 30), (10, 0), (12, 0)),
    "forenoon": ((10, 0), (8, 0), (12, 0)),
    "lunch": ((12, 0), (11, 30), (14, 0)),
    "midday": ((12, 0), (11, 0), (14, 0)),
    "early afternoon": ((13, 0), (12, 0), (15, 0)),
    "afternoon": ((14, 0), (12, 0), (17, 0)),
    "late afternoon": ((16, 0), (15, 0), (18, 0)),
    "early evening": ((17, 30), (17, 0), (19, 0)),
    "evening": ((18, 0), (17, 0), (21, 0)),
    "late evening": ((21, 0), (20, 0), (23, 59)),
    "night": ((20, 0), (18, 0), (23, 59)),
    "late night": ((22, 0), (21, 0), (23, 59)),
    "first thing": ((9, 0), (8, 0), (10, 0)),
    "early": ((8, 0), (6, 0), (10, 0)),
    "late": ((19, 0), (17, 0), (23, 59)),
}
PM_DAYPARTS = frozenset({"afternoon", "early afternoon", "late afternoon", "evening", "early evening",
                         "late evening", "night", "late night", "late"})

# Zones where numeric dates are written month first. Everything else reads day first.
_MDY_AMERICA = frozenset({
    "New_York", "Chicago", "Denver", "Los_Angeles", "Phoenix", "Anchorage", "Juneau", "Sitka", "Nome",
    "Yakutat", "Metlakatla", "Adak", "Boise", "Detroit", "Menominee", "Toronto", "Vancouver", "Edmonton",
    "Winnipeg", "Halifax", "St_Johns", "Regina", "Swift_Current", "Moncton", "Glace_Bay", "Goose_Bay",
    "Whitehorse", "Dawson", "Dawson_Creek", "Fort_Nelson", "Creston", "Iqaluit", "Rankin_Inlet",
    "Resolute", "Cambridge_Bay", "Inuvik", "Atikokan", "Blanc-Sablon", "Montreal", "Nipigon",
    "Thunder_Bay", "Rainy_River", "Yellowknife", "Pangnirtung", "Puerto_Rico", "Indianapolis",
    "Louisville", "Fort_Wayne", "Knox_IN", "Shiprock", "Atka", "Ensenada", "Panama",
})


def default_date_order(timezone: str) -> str:
    """MDY for zones of the USA and Canada (and the Philippines), DMY everywhere else; UTC/Etc zones,
    which say nothing of a locale, read month first like most English-language software."""
    if timezone.startswith(("US/", "Canada/")) or timezone in ("Pacific/Honolulu", "Asia/Manila", "EST5EDT",
                                                             "CST6CDT", "MST7MDT", "PST8PDT", "EST", "MST"):
        return "MDY"
    if timezone.startswith("America/"):
        parts = timezone.split("/")
        if parts[1] in ("Indiana", "Kentucky", "North_Dakota") or parts[-1] in _MDY_AMERICA:
            return "MDY"
        return "DMY"
    if timezone in ("UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z", "Zulu", "UCT", "Universal") or timezone.startswith(
        "Etc/"
    ):
        return "MDY"
    return "DMY"


def number_value(text: str) -> int | None:
    """'7' -> 7, 'seven' -> 7, 'twenty-two' -> 22, 'a' -> 1; None when not a number."""
    t = text.strip().lower().replace("-", " ")
    if t.isdigit():
        return int(t)
    if t in ("a", "an", "one"):
        return 1
    if t in SMALL_NUMBERS:
        return SMALL_NUMBERS[t]
    words = t.split()
    if words and words[0] in TENS:
        total = TENS[words[0]]
        if len(words) == 2 and words[1] in SMALL_NUMBERS and SMALL_NUMBERS[words[1]] < 10:
            return total + SMALL_NUMBERS[words[1]]
        if len(words) == 1:
            return total
    return None


def ordinal_value(text: str) -> int | None:
    """'9th' -> 9, 'ninth' -> 9, 'twenty-first' -> 21, '22' -> 22."""
    t = text.strip().lower().replace("-", " ").rstrip(".")
    for suffix in ("st", "nd", "rd", "th"):
        if t.endswith(suffix) and t[: -len(suffix)].strip().isdigit():
            return int(t[: -len(suffix)])
    if t.isdigit():
        return int(t)
    if t in ORDINALS:
        return ORDINALS[t]
    words = t.split()
    if len(words) == 2 and words[0] in TENS and words[1] in ORDINALS and ORDINALS[words[1]] < 10:
        return TENS[words[0]] + ORDINALS[words[1]]
    n = number_value(t)
    return n
