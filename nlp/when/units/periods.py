"""Named stretches: a month or a year alone ("in May", "May 2025"), "next week"/"end of the month"/"Q3",
"EOM", "mid-week", and seasons ("this summer", by the writer's hemisphere)."""

from __future__ import annotations

import re

from nlp.when.base import (
    _ANCHORED_OK,
    _D,
    _MON,
    _MONTH_WORDS,
    _SHIFTS,
    _WHICH,
    Part,
    Period,
    Unit,
    _clean,
    _month,
    _word_after,
    _year,
)

_POSITIONS = {"early": "early", "mid": "mid", "late": "late", "later": "later", "the end of": "end", "end of": "end",
              "by the end of": "end", "the beginning of": "start", "beginning of": "start", "the start of": "start",
              "start of": "start", "the middle of": "mid", "middle of": "mid", "the rest of": "later",
              "rest of": "later"}


def _h_period(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    pos_s, which, unit = m.group(1), m.group(2) or m.group(3), _clean(m.group(4)).replace("-", "").replace(" ", "")
    pos = _POSITIONS.get(_clean(pos_s)) if pos_s else None
    shift = _SHIFTS.get(_clean(which), 0) if which else 0
    if not which and pos is not None:
        # "end of the month" / "later in the week" say which; "end of year-long contracts" does not
        if not re.search(r"\b(?:the|in)\s+" + unit, _clean(m.group(0))):
            # "by end of month." / "end of quarter, then" say which; "end of month reporting" is a noun
            if not (re.match(r"\s*(?:[.,;:!?)\]]|$)", text[e:e + 3]) or _word_after(text, e) in _ANCHORED_OK):
                return None
    if not which and pos is None and unit != "weekend":
        return None
    if unit == "week" and pos is None:
        return None  # plain "next week" is a weekref atom
    p = Part(s, e, period=Period(unit, shift, pos))
    if shift < 0:
        p.past_word = True
    if pos == "end" and re.match(r"(?:by\s+)", _clean(pos_s or "")):
        p.deadline = True
    return p


_SEASONS = {"spring": 0, "summer": 1, "fall": 2, "autumn": 2, "winter": 3}


def _h_season(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """"this summer", "in the fall", "next spring", "late autumn", "winter 2027": a season of the writer's
    hemisphere (the resolver decides which months)."""
    pos = _clean(m.group(1)) if m.group(1) else None
    which = _clean(m.group(2)) if m.group(2) else ""
    shift = {"next": 1, "last": -1, "this past": -1}.get(which, 0)
    year = int(m.group(5)) if m.group(5) else None
    if not (which or m.group(3) or year):
        return None
    p = Part(s, e, period=Period("season", shift, pos, quarter=_SEASONS[_clean(m.group(4))], year=year))
    p.past_word = shift < 0
    if m.group(3) and _clean(m.group(3)).split()[0] in ("by", "until", "till", "before"):
        p.deadline = True
    return p


def _h_periodabbr(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    t = _clean(m.group(1)).replace("-", " ")
    unit = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year", "midweek": "week", "mid week": "week",
            "month end": "month", "quarter end": "quarter", "year end": "year", "week's end": "week"}[t]
    pos = "mid" if t.startswith("mid") else "end"
    year = int(m.group(2)) if m.group(2) and unit == "year" else None
    if m.group(2) and year is None:
        e = m.end(1)
    return Part(s, e, period=Period(unit, 0, pos, year=year))


def _h_quarter(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    pos = _POSITIONS.get(_clean(m.group(1))) if m.group(1) else None
    qn = m.group(2) or m.group(3)
    q = int(qn) if qn.isdigit() else {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2,
                                      "3rd": 3, "4th": 4}[_clean(qn)]
    if m.group(2) and not m.group(0)[m.start(2) - m.start(0) - 1].isupper() and pos is None and not m.group(4):
        return None  # lower-case "q3" alone is too weak
    return Part(s, e, period=Period("quarter", 0, pos or "start", quarter=q, year=_year(m.group(4))))


_DAY_NUMBER_NEXT = re.compile(r"[ \t]*,?[ \t]*(?:the\s+)?(?:[12]\d|3[01]|0?[1-9])(?![\d:]|\.\d)")


def _h_monthonly(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    pre = _clean(m.group(1)) if m.group(1) else "for" if m.group(6) else ""
    mon_s = m.group(2) or m.group(4) or m.group(6)
    mo = _month(mon_s)
    yr = m.group(3) or m.group(5) or m.group(7)
    full = _clean(mon_s).rstrip(".")
    if not yr and pre in ("from", "since", "after"):
        return None
    if not yr and _DAY_NUMBER_NEXT.match(text, e):
        return None  # "this May 8th": the month and day atom reads it
    if full in ("may", "mar", "march") and not mon_s[0].isupper():
        return None
    if len(full) <= 4 and full not in ("june", "july") and not yr:
        # "in May", "until Feb", "by Sept": a capitalised short name after a cue; "may"/"mar" alone are words
        if not (mon_s[0].isupper() and pre and pre not in ("from", "since", "after") and full != "mar"):
            return None
    pos = {"early": "early", "mid": "mid", "late": "late", "end of": "end", "the end of": "end",
           "beginning of": "start", "the beginning of": "start", "start of": "start", "middle of": "mid",
           "the middle of": "mid"}.get(pre)
    shift = {"next": 1, "last": -1}.get(pre, 0)
    p = Part(s, e, period=Period("month", shift, pos, month=mo, year=_year(yr) if yr else None))
    if pre in ("by", "until", "till", "before"):
        p.deadline = True
    if pre == "last":
        p.past_word = True
    return p


_POSITION_WORDS = {"early", "mid", "late", "later", "end", "beginning", "start", "middle", "rest"}


def _h_monthalone(text: str, m: re.Match[str], s: int, e: int) -> Part | None:
    """A text that is nothing but a month name ("May", "September.") is that month; in prose a month needs a
    cue or a year (the "monthonly" unit): "may" and "march" are words."""
    if text.strip(" \t\n.,;:!?") != m.group(0).strip() or not m.group(0)[0].isupper():
        return None
    return Part(s, e, period=Period("month", 0, None, month=_month(m.group(1))))


UNITS: tuple[Unit, ...] = (
    Unit(
        'monthalone',
        rf"\b({_MON})(?=[\s.,;:!?]*\Z)",
        _h_monthalone,
        starts=frozenset(_MONTH_WORDS),
        needs=(frozenset(_MONTH_WORDS), 1),
        doc='A month name that is the whole text: May.',
    ),
    Unit(
        'period',
        r"\b(?:(early|mid|late|later|the\s+end\s+of|end\s+of|by\s+the\s+end\s+of|the\s+beginning\s+of|beginning\s+of"
               r"|the\s+start\s+of|start\s+of|the\s+middle\s+of|middle\s+of|the\s+rest\s+of|rest\s+of)[\s-]+"
               r"(?:in\s+)?(?:the\s+)?(?:(this|next|last|following|coming|current|previous)\s+)?"
               r"|(this|next|last|the\s+following|following|the\s+coming|coming|previous|this\s+past)\s+|(?:over\s+)?the\s+(?=weekend))"
               r"(week[\s-]?end|week|month|quarter|year)(?![a-z])",
        _h_period,
        starts=frozenset(_POSITION_WORDS | _WHICH | {"the", "by", "over"}),
        needs=(frozenset({"week", "month", "quarter", "year", "weekend", "week's", "month's", "quarter's", "year's",
                          "weekend's"}), 7),
        doc='this/next/last week/month/quarter/year, early next week, end of the month, the weekend.',
    ),
    Unit(
        'season',
        r"\b(?:(early|mid|late)[\s-]+)?(?:(this|next|last|the\s+coming|coming|this\s+coming|this\s+past)\s+"
               r"|((?:in|during|over|by|until|till|before|after)\s+the)\s+|(?=[a-z]+\s+(?:of\s+)?(?:19|20)\d\d))"
               r"(spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?((?:19|20)\d\d)(?![\d:]))?(?![a-z'-])",
        _h_season,
        starts=frozenset({"early", "mid", "late", "this", "next", "last", "the", "coming", "in", "during", "over", "by", "until",
               "till", "before", "after", "spring", "summer", "fall", "autumn", "winter"}),
        needs=(frozenset({"spring", "summer", "fall", "autumn", "winter"}), 5),
        doc='this summer, in the fall, late spring 2027.',
    ),
    Unit(
        'periodabbr',
        r"\b(eow|eom|eoq|eoy|midweek|mid-week|month[\s-]end|quarter[\s-]end|year[\s-]end|week's\s+end)(?![a-z])"
                   r"(?:\s+((?:19|20)\d\d)(?![\d:]))?",
        _h_periodabbr,
        starts=frozenset({"eow", "eom", "eoq", "eoy", "midweek", "mid", "month", "quarter", "year", "week's"}),
        needs=(frozenset({"eow", "eom", "eoq", "eoy", "midweek", "week", "end"}), 3),
        doc='EOW, EOM, EOQ, EOY, midweek, month end.',
    ),
    Unit(
        'quarter',
        r"\b(?:(early|mid|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|beginning\s+of|start\s+of)[\s-]+)?"
                r"(?:the\s+)?(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)(?:\s+((?:19|20)\d\d))?(?![a-z\d])",
        _h_quarter,
        starts=frozenset(_POSITION_WORDS | {"the", "q", "first", "second", "third", "fourth", _D}),
        needs=(frozenset({"q", "quarter"}), 6),
        digit_next="snrt ",
        doc='Q3, the second quarter, end of Q4 2025.',
    ),
    Unit(
        'monthonly',
        rf"\b(?:(in|by|during|until|till|before|after|since|from|early|mid|late|end\s+of|the\s+end\s+of|"
                  rf"beginning\s+of|the\s+beginning\s+of|start\s+of|middle\s+of|the\s+middle\s+of|next|this|last)[\s-]+"
                  rf"({_MON})(?:,?\s+(?:of\s+)?((?:19|20)\d\d))?|({_MON}),?\s+(?:of\s+)?((?:19|20)\d\d)"
                  rf"|(?<=\bfor\s)({_MON})(?:,?\s+(?:of\s+)?((?:19|20)\d\d))?)(?![a-z\d])",
        _h_monthonly,
        starts=frozenset(_MONTH_WORDS | _POSITION_WORDS | {"in", "by", "during", "until", "till", "before", "after", "since",
                                                   "from", "the", "next", "this", "last"}),
        needs=(frozenset(_MONTH_WORDS), 5),
        doc='A month alone after a cue, or with a year: in May, by end of March, May 2025.',
    ),
)
