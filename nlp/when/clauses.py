"""Clause scope: which clause of a text a time mention belongs to, and whether that clause is a condition.

`split_clauses(text)` cuts a text into clauses, left to right, covering it without overlap (separators stay
with the clause before them):
- a sentence ends at ". ", "!", "?", ";" or a blank line (a single line break is mail's wrapping);
- inside a sentence a new clause starts at a subordinator that opens a condition ("if", "unless", "in case",
  "provided (that)", "assuming", "as soon as", "when", "whenever", "once", "before", "after", "until",
  "till") when a subject follows it ("before I head home", "once this meeting ends", "if you haven't heard
  back"), never before a bare time ("before Friday", "after 3pm", "until tomorrow" are time phrases of their
  own clause); "when"/"once" at the start of a question ("When can we meet?") or of a frequency ("once a
  week") open nothing;
- a condition ends at a comma, at "then", or where the main clause starts: a subject with a modal or a
  future ("I'll", "we will", "you can", "let's", "please");
- a coordinated clause starts at ", and" / ", but" / ", so" / "; " or at "and/but/so/then" followed by a
  subject pronoun ("... by Thursday noon and if I haven't heard back ...").

Each `Clause` has its `index` (0-based, in text order), its character span and `condition`: the subordinator
that opens it ("if", "unless", "when", "once", "before", "after", "until"... lower case, "in case" and
"as soon as" in full) or None for a main clause. `nlp.when.find_times` reports the clause of every mention
(`TimeMention.clause`, `clause_start`, `clause_end`, `clause_condition`)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    """One clause: `index` in text order, `start`..`end` character span, `condition` the subordinator that
    makes it a condition (None: a main clause)."""

    index: int
    start: int
    end: int
    condition: str | None = None

    @property
    def is_condition(self) -> bool:
        return self.condition is not None


_SUBJECT = (r"(?:i|we|you|he|she|they|it|there|someone|somebody|anyone|anybody|nobody|everyone|everybody"
            r"|the|this|that|these|those|my|our|your|his|her|their|its|[a-z]+\s+(?:is|are|was|has|have"
            r"|gets?|comes?|goes|sends?|signs?|replies|responds|confirms?|calls?|returns?|hears?|can|will|does))\b")
# before/after/until open a clause only before a pronoun or "<determiner> <noun> <verb>" ("before I head home",
# "after the call ends"); "before the meeting" is a time phrase
_STRICT_SUBJECT = re.compile(
    r"\s+(?:(?:i|we|you|he|she|they|someone|somebody|anyone|anybody|everyone|everybody)\b"
    r"|(?:the|this|that|these|those|my|our|your|his|her|their)\s+[a-z]+(?:\s+[a-z]+)?\s+(?:ends?|is|are|was|were"
    r"|starts?|closes?|gets?|comes?|has|have|'s|’s|[a-z]+(?:s|ed))\b)")
_TIME_WORD = re.compile(
    r"(?:\d|today|tonight|tomorrow|yesterday|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep"
    r"|oct|nov|dec|next|this\s+(?:week|month|year|morning|afternoon|evening|weekend|quarter)|noon|midnight|eod"
    r"|cob|lunch|the\s+(?:end|weekend|holidays|meeting\s+on)|end\s+of|close\s+of|christmas|thanksgiving)")
# subordinators that open a condition; "when"/"once" only as conjunctions
_OPENER = re.compile(
    r"\b(if|unless|in\s+case|provided(?:\s+that)?|assuming(?:\s+that)?|as\s+soon\s+as|whenever|when|once|before"
    r"|after|until|till)\s+")
_SUBJECT_AFTER = re.compile(r"\s+" + _SUBJECT)
_QUESTION_AFTER = re.compile(r"\s*(?:can|could|will|would|should|do|does|did|is|are|was|were|shall|may|might)\b")
_FREQUENCY_AFTER = re.compile(r"\s*(?:a|an|per|every|more|again|or)\b")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|;|\n[ \t]*\n")
_COORDINATION = re.compile(
    r",\s*(?:and|but|so|then)\s+|\s(?:and|but|so|then)\s+(?=(?:i|we|you|he|she|they)\b)")
_MAIN_START = re.compile(
    r"\b(?:(?:i|we|you|he|she|they|it)(?:'ll|’ll|'d|’d|\s+will|\s+shall|\s+can|\s+could|\s+would|\s+should"
    r"|\s+might|\s+may|\s+must|\s+need\s+to|\s+have\s+to|\s+am\s+going\s+to|\s+are\s+going\s+to)"
    r"|let's|let’s|let\s+us|please|then)\b")


def clause_starts(text: str, upto: int | None = None) -> tuple[list[int], list[str | None], int]:
    """Where each clause of `text` starts and its condition word, as two parallel lists, and where the last
    clause ends (what `split_clauses` builds its `Clause`s from; `find_times` bisects them). With `upto`,
    only the sentences up to the one that holds position `upto` are cut (a sentence's clauses do not depend
    on the text after it). The patterns run over the lower-cased text (no re.I: speed)."""
    if upto is not None:
        end = _SENTENCE_END.search(text, upto)
        if end is not None:
            text = text[:end.end()]
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lowered; keep offsets exact
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    cuts: dict[int, str | None] = {0: None}  # clause start -> its condition word
    for m in _SENTENCE_END.finditer(text):
        cuts.setdefault(m.end(), None)
    for m in _COORDINATION.finditer(low):
        cuts.setdefault(m.start() + (1 if m.group(0).startswith(",") else 0), None)
    for m in _OPENER.finditer(low):
        word = re.sub(r"\s+", " ", m.group(1).lower())
        if word not in ("in case", "as soon as"):
            word = word.split()[0]  # "provided that" -> "provided"
        if word in ("when", "whenever", "once") and not _SUBJECT_AFTER.match(low, m.end(1)):
            continue  # "once more", "when possible"
        if word in ("when", "once"):
            before = low[max(0, m.start() - 40):m.start()].rstrip()
            at_sentence_start = not before or before[-1] in ".!?;\n"
            if word == "when" and at_sentence_start and _QUESTION_AFTER.match(low, m.end(1)):
                continue  # "When can we meet?"
            if word == "once" and _FREQUENCY_AFTER.match(low, m.end(1)):
                continue  # "once a week"
        if word in ("before", "after", "until", "till") and (
                _TIME_WORD.match(low, m.end()) or not _STRICT_SUBJECT.match(low, m.end(1))):
            continue  # "before the end of the day", "after the meeting" are time phrases, not clauses
        cuts[m.start()] = word
    # a condition ends at a comma, "then", or where its main clause starts
    ordered = sorted(cuts)
    for k, start in enumerate(ordered):
        if cuts[start] is None:
            continue
        nxt = ordered[k + 1] if k + 1 < len(ordered) else len(text)
        span = low[start:nxt]
        comma = span.find(",")
        subject = re.match(r"\s*\S+\s+\S+", span)  # the opener and the condition's own subject ("if you can")
        main = _MAIN_START.search(span, subject.end() if subject else len(span))
        ends = [x for x in (comma + 1 if comma >= 0 else None, main.start() if main else None) if x]
        if ends:
            cuts.setdefault(start + min(ends), None)
    # a piece that is only a conjunction or punctuation (", and " before "if ...") joins the clause after it;
    # nothing is cut at the very end
    n = len(text)
    starts = [c for c in sorted(cuts) if c < n] or [0]
    kept: list[int] = []
    conds: list[str | None] = []
    for i, s in enumerate(starts):
        if i + 1 < len(starts):
            e = starts[i + 1]
            if e - s <= 8 and _FILLER.fullmatch(low, s, e):
                if cuts[e] is None:
                    cuts[e] = cuts[s]
                starts[i + 1] = s
                cuts[s] = cuts[e]
                continue
        kept.append(s)
        conds.append(cuts[s])
    return kept, conds, n


def split_clauses(text: str) -> tuple[Clause, ...]:
    """The clauses of `text`, in order, covering it (see the module docstring for the rules). Pure; never
    raises; an empty text has one empty clause."""
    starts, conds, _ = clause_starts(text)
    ends = starts[1:] + [len(text)]
    return tuple(Clause(i, s, e, c) for i, (s, e, c) in enumerate(zip(starts, ends, conds, strict=True)))


_FILLER = re.compile(r"[\s,;.!?]*(?:(?:and|but|so|or)[\s,]*)?")


def clause_of(clauses: tuple[Clause, ...], pos: int) -> Clause:
    """The clause that contains character `pos` (the last one for a position at the very end)."""
    i = bisect.bisect_right([c.start for c in clauses], pos) - 1
    return clauses[max(0, min(i, len(clauses) - 1))]
