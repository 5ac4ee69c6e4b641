"""Plain data of the extractor: the public result and input, and the internal unit, context and head."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from nlp.extract.lexicon import _OOO
from nlp.quotes import quote_start

DIRECTIONS = ("sent", "received", "note")


ACTIONS = ("call", "email", "send", "meet", "follow_up", "other")


MAX_COMMITMENTS = 20  # per message (issue 10): the most confident ones
MAX_CHARS = 100_000  # a promise lives in the first screens of a message; bounds time on pathological input


_DATE_ONLY_HOURS = (17, 23)  # a date-only due is 17:00 local, or 23:59 when 17:00 has already passed


@dataclass(frozen=True)
class ExtractedCommitment:
    """One promise. `due` is aware, in the writer's zone; `due_has_time` False means only the date counts."""

    who: str  # "me" | "them"
    action: str  # one of ACTIONS
    due: datetime | None
    due_has_time: bool
    conditional: bool
    vague: bool
    text: str
    start: int
    end: int
    rule: str = ""  # the head rule that found it (nlp/extract/registry.py)
    confidence: float = 0.0  # calibrated probability that the commitment is right (nlp/extract/confidence.py)
    gate: float | None = None  # the learned gate's P(commitment) of its sentence (nlp/extract/gate.py)


@dataclass(frozen=True)
class MessageInput:
    """One message for `pipe`: raw body, when it was sent, the writer's IANA zone, sent|received|note."""

    text: str
    sent_at: datetime
    timezone: str
    direction: str


@dataclass(frozen=True)
class _Unit:
    """A hard-broken piece of a message's own text (a line, a bullet, a paragraph)."""

    msg: int
    start: int
    text: str
    header: str  # the header line that introduces this unit's list ("Next steps:"), or ""
    bullet: bool


@dataclass
class _Ctx:
    sent_at: datetime
    zone: ZoneInfo
    direction: str
    head: str  # the first 2,000 characters, for the out-of-office test
    raw: str = ""  # the message body (bounded), for the signature's names
    _ooo: bool | None = None
    _ours: frozenset[str] | None = None

    @property
    def ours(self) -> frozenset[str]:
        """Capitalised words of the writer's signature ("Priya Das / Northwind Systems"): a subject named
        there is the writer's side ("Northwind will deliver the plan by Feb 19")."""
        if self._ours is None:
            self._ours = _signature_names(self.raw)
        return self._ours

    @property
    def ooo(self) -> bool:
        """An out-of-office auto-reply ("I will respond when I return" is no promise); tested only on need."""
        if self._ooo is None:
            self._ooo = bool(_OOO.search(self.head))
        return self._ooo


_SIG_STOP = frozenset(
    """Best Regards Kind Warm Thanks Thank Many Cheers Sincerely Yours Sent Regards, Account Executive Senior Sales
    Manager Director Regional Enterprise Head Lead Partner Specialist Engineer Solutions Consultant Representative
    Development Business Customer Success Vice President Officer Chief Associate Analyst Coordinator The Inc Ltd LLC
    Mobile Office Tel Phone Email Web Direct Cell Fax Team Hi Hello Dear And From Subject Date To Cc""".split()
)


_SIG_LINE = re.compile(r"^\s*[A-Z][\w&.'’-]*(?:[ \t]+(?:[A-Z&][\w&.'’-]*|of|and|\|))*[ \t]*$")


def _signature_names(raw: str) -> frozenset[str]:
    """Capitalised words from the last short lines before any quoted history (name, company, title)."""
    end = quote_start(raw)
    region = raw[:end] if end is not None else raw
    lines = [ln.strip() for ln in region[-1200:].split("\n") if ln.strip()][-6:]
    names: set[str] = set()
    for ln in lines[1:] if len(lines) > 1 else ():
        if len(ln) > 80 or ln[-1:] in ".!?:" or ("|" not in ln and not _SIG_LINE.match(ln)):
            continue
        for part in ln.split("|"):
            for w in re.findall(r"[A-Z][A-Za-z&'’-]{2,}", part):
                if w not in _SIG_STOP:
                    names.add(w)
    return frozenset(names)


@dataclass(frozen=True)
class _Head:
    start: int  # where the promise clause starts (subject or cue)
    verb: int  # where the verb phrase starts
    side: str  # "writer" | "reader" | "third_ours" (the writer's side) | "colleague" (a named person of it) |
    # "third_theirs" | "other_side_writer"
    kind: str  # "modal" | "implicit" | "reported" | "reader" | "arrive" | "bullet" | "letme"
    noun_action: str = ""  # for reader-side phrasing: the action named by the noun
    coord: bool = False  # a coordinated verb sharing the previous head's subject ("... and call you Tuesday")
    rule: str = ""  # the name of the head rule that found it (nlp/extract/heads.py)


@dataclass
class SentenceTrace:
    """What the rules did with one candidate sentence (for `assistant extract --explain`)."""

    start: int  # offset of the sentence in the message body
    text: str
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (head rule, filter, clause)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (head rule, clause)
