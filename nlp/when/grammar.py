"""The scanner: every registered unit's pattern compiled once, a cheap gate per unit (its start words and
the words or characters it needs nearby) and one left-to-right pass that keeps, at each candidate start,
the longest atom a handler accepts. The units themselves live in `nlp.when.units` and are registered in
`nlp.when.registry`; composition and resolution live in `resolver.py`."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate

from nlp.when.base import (
    _D,
    _ORDINAL_WORDS,
    Handler,
    Part,
)
from nlp.when.registry import UNITS

_BRANCHES: list[tuple[str, str]] = [(u.name, u.pattern) for u in UNITS]
HANDLERS: dict[str, Handler] = {u.name: u.handler for u in UNITS}
_STARTS: dict[str, set[str]] = {u.name: set(u.starts) for u in UNITS}
_NEEDS: dict[str, tuple[frozenset[str], int] | str] = {u.name: u.needs for u in UNITS}
_DIGIT_NEXT: dict[str, str | None] = {u.name: u.digit_next for u in UNITS if u.digit_next is not None}



class _Matchers(dict[str, Callable[[str, int], "re.Match[str] | None"]]):
    """Each unit's compiled `match`, compiled on first use: compiling all of them costs most of the import
    (about 1 s of CPU), and a one-line `assistant resolve` reaches only a few units."""

    def __missing__(self, name: str) -> Callable[[str, int], re.Match[str] | None]:
        match = self[name] = re.compile(_PATTERNS[name], re.I).match
        return match


_PATTERNS = dict(_BRANCHES)
_MATCH = _Matchers()

_PREFIXES = {"give", "once", "when", "in", "within", "after", "over", "inside", "a", "an", "the", "by", "between", "from", "at", "around",
             "about", "before", "until", "till", "til", "circa", "approx", "approximately", "say", "latest",
             "earliest", "@", "of", "during", "since", "very", "this", "next", "last", "past", "previous", "coming",
             "upcoming", "following", "current", "early", "mid", "late", "end", "beginning", "start", "middle",
             "rest", "as", "right", "just", "p", "c", "st", "saint", "new", "good", "black", "george", "martin",
             "tax", "first", "second", "third", "fourth", "day", "close", "q"}
_CORE: set[str] = set()
for _name, _words in _STARTS.items():
    _CORE |= _words
_CORE -= _PREFIXES
_CORE.add(_D)
_CORE |= _ORDINAL_WORDS | {"early", "late"}
_CORE |= {"morning's", "afternoon's", "evening's", "week's", "month's", "year's", "quarter's", "weekend's", "week", "weekend", "month", "quarter", "year", "day", "thing", "business", "play", "july", "patrick",
          "paddy", "patricks", "paddys", "luther", "york", "friday", "monday", "eve", "fortnight", "minutes",
          "hours", "days", "weeks", "months", "years", "moment", "sec", "secs", "seconds", "present", "now", "noon", "midnight", "time",
          "hour", "minute", "after", "tomorrow", "wk", "sunday", "birthday", "weekdays", "m", "o", "b"}

_BRANCH_INDEX = {n: i for i, (n, _) in enumerate(_BRANCHES)}
_BY_WORD: dict[str, list[str]] = {}
for _name, _words in _STARTS.items():
    for _w in _words:
        _BY_WORD.setdefault(_w, []).append(_name)
for _w in _BY_WORD:
    _BY_WORD[_w].sort(key=_BRANCH_INDEX.__getitem__)
_SPLIT = re.compile(r"([a-z][a-z']*|\d+|@)")
_MERID_AHEAD = re.compile(r"\s*[ap]", re.I)


def _digit_class(c: str) -> str:
    if c in ":/-.h":
        return c
    if c == " ":
        return " "
    if c in "snrt":
        return "s"
    if c.isalpha():
        return "a"
    return "x"


_DIGIT_BRANCHES: dict[str, list[str]] = {}
for _cls, _sample in ((":", ":"), ("/", "/"), ("-", "-"), (".", "."), ("h", "h"), (" ", " "), ("s", "s"),
                      ("a", "a"), ("x", "x")):
    _DIGIT_BRANCHES[_cls] = [n for n in _BY_WORD[_D]
                             if _DIGIT_NEXT.get(n) is None or _sample in (_DIGIT_NEXT[n] or "")
                             or (_cls == "s" and any(ch in (_DIGIT_NEXT[n] or "") for ch in "snrt"))
                             or (_cls == "a" and "a" in (_DIGIT_NEXT[n] or ""))]
_WORD_NEEDS = {n: v for n, v in _NEEDS.items() if not isinstance(v, str)}
_CHAR_NEEDS = {n: v for n, v in _NEEDS.items() if isinstance(v, str)}

_SPACED_SEP = re.compile(r" +[/.\-] ")
_Step = tuple[str, "str | None", frozenset[str], Handler]

# Branches that start on a word but may also start on digits, gated by what follows the digits ("2morrow").
_DIGIT_ONLY_NEEDS = {"relday": "2m"}


def _plan(names: list[str], digits: bool = False) -> list[_Step]:
    """Each branch with its gate and bound methods, so the scan loop does no lookups."""
    return [(n, _DIGIT_ONLY_NEEDS.get(n) if digits and n in _DIGIT_ONLY_NEEDS else _CHAR_NEEDS.get(n),
             _WORD_NEEDS[n][0] if n in _WORD_NEEDS else frozenset(), HANDLERS[n]) for n in names]


_WORD_PLAN = {w: _plan(names) for w, names in _BY_WORD.items()}
_DIGIT_PLAN = {cls: _plan(names, digits=True) for cls, names in _DIGIT_BRANCHES.items()}
# anchor words and, for each word a unit with anchors can start with, the plan of those units only
_ANCHORS: frozenset[str] = frozenset().union(*(u.anchors for u in UNITS))
_ANCHORED_UNITS = {u.name for u in UNITS if u.anchors}
_ANCHOR_PLAN = {w: [step for step in plan if step[0] in _ANCHORED_UNITS] for w, plan in _WORD_PLAN.items()}
_ANCHOR_PLAN = {w: plan for w, plan in _ANCHOR_PLAN.items() if plan}
_CORE_OR_ANCHOR = frozenset(_CORE | _ANCHORS)


def scan(text: str) -> list[Part]:
    """All atoms of `text`, left to right, non-overlapping. Candidate starts are tokens a branch can begin
    with (and only where a time word is near); at each start the longest atom a handler accepts wins."""
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lowered; keep offsets exact
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    pieces = _SPLIT.split(low)  # gap, word, gap, word, ..., gap
    words = pieces[1::2]
    core_at = [i for i, w in enumerate(words) if w[0] <= "9" or w in _CORE_OR_ANCHOR]
    anchored: set[int] = set()
    if _ANCHORS.intersection(words):
        # an anchor word ("home" in "before I head home") opens candidates for the units that name it only
        anchor_at = [c for c in core_at if words[c] in _ANCHORS and words[c] not in _CORE]
        core_at = [c for c in core_at if not (words[c] in _ANCHORS and words[c] not in _CORE)]
        anchored = {i for c in anchor_at for i in range(c - 4 if c >= 4 else 0, c + 1) if words[i] in _ANCHOR_PLAN}
    if "this am" in low or "this pm" in low:  # "am" is too common a word to be a core word everywhere
        core_at = sorted(set(core_at) | {i for i in range(1, len(words)) if words[i] in ("am", "pm")
                                         and words[i - 1] == "this"})
    if not core_at and not anchored:
        return []
    # a candidate start is a core word itself or a word that can open a branch up to four tokens before one
    by_word = _BY_WORD
    full = {i for c in core_at for i in range(c - 4 if c >= 4 else 0, c + 1)
            if words[i][0] <= "9" or words[i] in by_word}
    cands = sorted(full | anchored) if anchored else sorted(full)
    bounds = list(accumulate(map(len, pieces)))  # bounds[2i] = where word i starts, bounds[2i+1] = where it ends
    n_text = len(text)
    matchers = _MATCH
    parts: list[Part] = []
    pos = 0
    for i in cands:
        w = words[i]
        start = bounds[2 * i]
        if start < pos:
            continue
        ndig = len(w)
        if w[0] <= "9":
            w = _D
            after = bounds[2 * i + 1]
            names = _DIGIT_PLAN[_digit_class(low[after]) if after < n_text else "x"]
        else:
            after = -1
            names = _WORD_PLAN[w] if i in full else _ANCHOR_PLAN[w]
        best: Part | None = None
        window_words: set[str] | None = None
        for name, char_need, word_need, handler in names:
            if char_need is not None:
                if after < 0:
                    continue
                if char_need == "":
                    if ndig != 4:
                        continue
                elif char_need == "8":
                    if ndig != 8:
                        continue
                elif char_need == "m":
                    if not 3 <= ndig <= 4 or not _MERID_AHEAD.match(text, after):
                        continue
                elif char_need == "2m":
                    if ndig != 1 or low[start] != "2" or low[after] != "m":
                        continue
                elif char_need == " sep":
                    if _SPACED_SEP.match(low, after) is None:
                        continue
            else:
                if window_words is None:
                    window_words = {_D if x[0] <= "9" else x for x in words[i:i + 9]}
                if word_need.isdisjoint(window_words):
                    continue
            m = matchers[name](text, start)
            if m is None or (best is not None and m.end() <= best.end):
                continue
            part = handler(text, m, m.start(), m.end())
            if part is not None and (best is None or part.end > best.end):
                if part.kinds[:1] != [name]:
                    part.kinds.insert(0, name)
                best = part
        if best is not None:
            parts.append(best)
            pos = best.end
    return parts
