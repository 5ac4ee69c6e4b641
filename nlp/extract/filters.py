"""Filters: why a candidate promise head is not a promise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from nlp.extract.actions import _classify
from nlp.extract.lexicon import (
    _AP,
    _DELIVERED,
    _HEDGE_BEFORE,
    _HYPOTHETICAL,
    _OK_TAIL,
    _ON_RETURN,
    _OOO,
    _QUESTION_START,
    _SILENCE,
    _WONT,
)
from nlp.extract.model import _Ctx, _Head, _Unit
from nlp.when import TimeMention


@dataclass(frozen=True)
class Candidate:
    """A head with its clause, before any filter: what every filter reads."""

    s: str  # the sentence
    head: _Head
    clause: str  # s[head.start:clause_end]
    vp: str  # the verb phrase after the head
    ctx: _Ctx
    unit: _Unit

    @property
    def prefix(self) -> str:
        return self.s[:self.head.start]


class Filter:
    """A reason why a head is not a promise. `rejects` is True when it applies; `examples` are sentences
    (sent mail) on which the filter must reject the head its own tests look for."""

    name: str = ""
    examples: tuple[str, ...] = ()

    def rejects(self, c: Candidate) -> bool:
        raise NotImplementedError


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


class EmptyClause(Filter):
    """Nothing follows the head ("... and I will.")."""

    name = "empty_clause"

    def rejects(self, c: Candidate) -> bool:
        return not c.vp


_SEG_END = _rx(r"[?]|\s[-–—]\s|[.!;]\s|\s+and\s+(?:then\s+)?(?:we|you|u)\s+(?:can|could)\b|,\s*(?:and\s+|but\s+|or\s+)?"
               r"(?:should|shall|can|could|would|will|do|does|is|are)\s+(?:i|we|you|u|it|that|this)\b")
_INVERTED = _rx(r"^\W*(?:and\s+|so\s+|also\s+|but\s+)?(?:will|shall|should|would|could|can|do|does|did|is|are|"
                r"may|might)\s+(?:i|we|you|u|he|she|they)\b")


class Question(Filter):
    """A question asks; it does not promise: "Shall I send it Friday?", "will you call me?", "I'll send it
    Monday - or would Tuesday be better?" keeps its promise only when the question is a check ("if that's ok?")."""

    name = "question"
    examples = ("Shall I send the contract over on Friday?",)

    def rejects(self, c: Candidate) -> bool:
        s, head = c.s, c.head
        seg_end = _SEG_END.search(s[head.verb:])
        if seg_end and seg_end.group(0) == "?" and not _OK_TAIL.search(s[head.verb:head.verb + seg_end.end()]):
            return True
        if _QUESTION_START.match(s[max(0, head.start - 12):head.start + 12]) and head.kind != "implicit" \
                and _INVERTED.match(s[max(0, head.start - 12):]):
            return True
        return head.kind == "implicit" and bool(re.match(r"^\W*(?:will|shall)\b", s[head.start:])) \
            and s.rstrip().endswith("?")


_NEG_LEAD = _rx(r"^(?:not|never|no\s+longer|n" + _AP + r"t)\b")
_NEG_NEAR = _rx(r"\b(?:won" + _AP + r"?t|will\s+not|can" + _AP + r"?t|cannot|unable)\b")


class Negated(Filter):
    """A negated act undertakes nothing: "I won't be able to send it", "we will not sign"."""

    name = "negated"
    examples = ("We will not sign the renewal this quarter.",)

    def rejects(self, c: Candidate) -> bool:
        if _WONT.search(c.s[max(0, c.head.start):c.head.verb + 1]) or _NEG_LEAD.match(c.vp):
            return True
        return bool(_NEG_NEAR.search(c.clause[:40])) and c.head.kind != "bullet"


_IRREALIS = _rx(r"\b(?:was|were|had\s+been)\s+(?:going|planning|supposed|meant|hoping)\s+to\s*$|"
                r"\b(?:would|could|should)\s+have\s*$")
_PERFECT = _rx(r"^(?:have|'ve|’ve)\s+(?:sent|called|emailed|shared|been)\b")


class PastOrIrrealis(Filter):
    """Past or unreal framing: "I was going to call", "I would have sent", "we'll have sent it by then"."""

    name = "past_or_irrealis"
    examples = ("I was going to call you yesterday but ran out of time.",)

    def rejects(self, c: Candidate) -> bool:
        return (c.head.kind != "reader" and bool(_IRREALIS.search(c.s[:c.head.verb]))) or bool(_PERFECT.match(c.vp))


class Hedged(Filter):
    """Doubt before the head: "I'm not sure we'll be able to hit that date"."""

    name = "hedged"
    examples = ("I'm not sure we'll get the order form signed by Friday.",)

    def rejects(self, c: Candidate) -> bool:
        return bool(_HEDGE_BEFORE.search(c.prefix)) and not c.head.coord


_HAPPY = _rx(r"^(?:be\s+)?(?:happy|glad|delighted|pleased|more\s+than\s+happy)\s+to\b")
_OFFER_AFTER = _rx(r"\b(?:if\s+(?:you|u)\s+(?:like|want|wish|prefer|need|(?:would|" + _AP + r"?d)\s+like|"
                   r"are\s+interested)|if\s+(?:it|that)\s+(?:helps|would\s+help|is\s+useful)|if\s+needed|"
                   r"if\s+required|if\s+necessary|if\s+useful)\b")


class Offer(Filter):
    """An offer nobody asked for is not a promise (spec 4): "If you'd like, I'll send ...", "happy to call",
    "I can send it if you want"."""

    name = "offer"
    examples = ("If you'd like, I'll send over a few customer references.", "I'll be happy to walk you through it.")

    def rejects(self, c: Candidate) -> bool:
        if not c.head.coord and _HYPOTHETICAL.search(c.prefix[-80:] if c.head.kind != "bullet" else "") \
                and not _SILENCE.search(c.prefix[-80:]):
            return True
        return bool(_HAPPY.match(c.vp)) or bool(_OFFER_AFTER.search(c.clause))


class ObligationOnThem(Filter):
    """An obligation put on someone else is not their promise: "you will have to verify the firm name"."""

    name = "obligation_on_them"
    examples = ()

    def rejects(self, c: Candidate) -> bool:
        return c.head.side != "writer" and bool(re.match(r"^(?:have|need)\s+to\b", c.vp, re.I))


_RESPOND_VERB = _rx(r"\b(?:respond|reply|get\s+back|answer)\b")


class OutOfOffice(Filter):
    """An out-of-office auto-reply's "I will respond when I return" is no promise."""

    name = "out_of_office"
    examples = ()

    def rejects(self, c: Candidate) -> bool:
        if not c.ctx.ooo:
            return False
        return bool(_ON_RETURN.search(c.clause)) or (bool(_RESPOND_VERB.search(c.vp[:40])) and bool(_OOO.search(c.s)))


_WILL_ANY = _rx(r"\b(?:will|'ll|’ll|'d|’d|would)\b")
_PROMISED_VERB = _rx(r"^\w+\s+(?:promised|agreed|committed|offered)")


class ReportedButDelivered(Filter):
    """"As promised, here is the deck": a reported promise the message itself delivers."""

    name = "reported_but_delivered"
    examples = ()

    def rejects(self, c: Candidate) -> bool:
        if c.head.kind != "reported" or not _DELIVERED.search(c.s):
            return False
        if not _WILL_ANY.search(c.s):
            return True
        return c.ctx.direction == "sent" and bool(_PROMISED_VERB.match(c.s[c.head.start:]))


_NON_COMMITTAL = _rx(r"^(?:see\s+(?:what|if|whether|how)|try\s*[.!]?$|think\s+about|consider|wait|need|want|"
                     r"let\s+you\s+go|leave\s+(?:it|that)|take\s+(?:that|it)\s+as|assume)\b")


class NonCommittal(Filter):
    """A verb that commits to nothing: "I'll see what I can do", "I'll try.", "we'll think about it"."""

    name = "non_committal"
    examples = ("I'll see what I can do about the discount.",)

    def rejects(self, c: Candidate) -> bool:
        return bool(_NON_COMMITTAL.match(c.vp))


class LetMeNeedsAct(Filter):
    """"Let me" commits only with a concrete act for the reader ("let me send", "let me confirm"), not "let
    me think"."""

    name = "let_me_needs_act"
    examples = ("Let me think about the pricing.",)

    def rejects(self, c: Candidate) -> bool:
        if c.head.kind != "letme":
            return False
        return not (_classify(c.vp)[0] not in (None, "other") or bool(re.match(r"^(?:confirm|revert)\b", c.vp, re.I)))


# -- filters that need the promise's time (run after the due is chosen) -----------------------------------


class TimedFilter:
    """A reason that needs the chosen time mention (None when the clause names no time)."""

    name: str = ""
    examples: tuple[str, ...] = ()

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        raise NotImplementedError


class OutOfOfficeCover(TimedFilter):
    """In an out-of-office reply, a colleague's cover ("Fran will cover while I'm on leave") is no promise."""

    name = "out_of_office_cover"

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        return c.ctx.ooo and bool(_OOO.search(c.clause))


class ArrivalNeedsTime(TimedFilter):
    """"It should arrive" without a time is a prediction about the post, not the writer's promise."""

    name = "arrival_needs_time"

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        return c.head.kind == "arrive" and mention is None and bool(
            re.search(r"\bshould\b", c.s[c.head.start:c.head.start + 40], re.I))


class NeedsFutureTime(TimedFilter):
    """A bare present or a progressive is a plan only with a future time: "we sign fri" is, "we sign
    contracts in person" and "I'm sending the proposal" (news) are not."""

    name = "needs_future_time"
    examples = ("I'm sending the proposal to our legal team.",)

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        sent_at = c.ctx.sent_at
        if c.head.kind == "bare":
            return mention is None or mention.is_past or mention.value.date() < sent_at.date() \
                or (mention.has_time and mention.value <= sent_at)
        if c.head.kind == "progressive":
            return mention is None or mention.value <= sent_at + timedelta(minutes=30)
        return False
