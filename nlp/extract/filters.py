"""Filters: why a candidate promise head is not a promise."""

from __future__ import annotations

import re

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


def _is_promise(s: str, head: _Head, clause: str, vp: str, ctx: _Ctx, unit: _Unit) -> bool:
    if not vp:
        return False
    prefix = s[:head.start]
    # Question: the promise's own segment ends with "?" or starts with inversion.
    seg_end = re.search(r"[?]|\s[-–—]\s|[.!;]\s|\s+and\s+(?:then\s+)?(?:we|you|u)\s+(?:can|could)\b|,\s*(?:and\s+|but\s+|or\s+)?(?:should|shall|can|could|would|will|do|does|"
                        r"is|are)\s+(?:i|we|you|u|it|that|this)\b", s[head.verb:], re.I)
    if seg_end and seg_end.group(0) == "?" and not _OK_TAIL.search(s[head.verb:head.verb + seg_end.end()]):
        return False
    if _QUESTION_START.match(s[max(0, head.start - 12):head.start + 12]) and head.kind != "implicit":
        if re.match(r"^\W*(?:and\s+|so\s+|also\s+|but\s+)?(?:will|shall|should|would|could|can|do|does|did|is|are|"
                    r"may|might)\s+(?:i|we|you|u|he|she|they)\b", s[max(0, head.start - 12):], re.I):
            return False
    if head.kind == "implicit" and re.match(r"^\W*(?:will|shall)\b", s[head.start:]) and s.rstrip().endswith("?"):
        return False
    # Negation in the head or just before the verb ("I'll not", "we won't be able to", "never").
    if _WONT.search(s[max(0, head.start):head.verb + 1]):
        return False
    if re.match(r"^(?:not|never|no\s+longer|n" + _AP + r"t)\b", vp, re.I):
        return False
    if re.search(r"\b(?:won" + _AP + r"?t|will\s+not|can" + _AP + r"?t|cannot|unable)\b", clause[:40], re.I) \
            and head.kind != "bullet":
        return False
    # Past/irrealis framing: "I was going to", "would have", "I'd have", "meant to", "was supposed to".
    if head.kind != "reader" and re.search(r"\b(?:was|were|had\s+been)\s+(?:going|planning|supposed|meant|hoping)"
                                           r"\s+to\s*$|\b(?:would|could|should)\s+have\s*$", s[:head.verb], re.I):
        return False
    if re.match(r"^(?:have|'ve|’ve)\s+(?:sent|called|emailed|shared|been)\b", vp, re.I):
        return False
    if _HEDGE_BEFORE.search(prefix) and not head.coord:
        return False  # "I'm not sure we'll be able to hit that date"
    # Offers and hypotheticals: "If you'd like, I'll ...", "I'll be happy to", "happy to".
    if not head.coord and _HYPOTHETICAL.search(prefix[-80:] if head.kind != "bullet" else "") \
            and not _SILENCE.search(prefix[-80:]):
        return False
    if re.match(r"^(?:be\s+)?(?:happy|glad|delighted|pleased|more\s+than\s+happy)\s+to\b", vp, re.I):
        return False
    if head.side != "writer" and re.match(r"^(?:have|need)\s+to\b", vp, re.I):
        return False  # "you will have to verify the firm name" is an obligation put on them, not their promise
    hyp_after = re.search(r"\b(?:if\s+(?:you|u)\s+(?:like|want|wish|prefer|need|(?:would|" + _AP + r"?d)\s+like|"
                          r"are\s+interested)|if\s+(?:it|that)\s+(?:helps|would\s+help|is\s+useful)|if\s+needed|"
                          r"if\s+required|if\s+necessary|if\s+useful)\b", clause, re.I)
    if hyp_after:
        return False
    # Out-of-office auto replies: "I will respond when I return".
    if ctx.ooo and (_ON_RETURN.search(clause) or re.search(r"\b(?:respond|reply|get\s+back|answer)\b", vp[:40],
                                                             re.I) and _OOO.search(s)):
        return False
    # Already delivered: "as promised, I'm attaching".
    if head.kind == "reported" and _DELIVERED.search(s) and not re.search(r"\b(?:will|'ll|’ll|'d|’d|would)\b", s):
        return False
    if head.kind == "reported" and re.match(r"^\w+\s+(?:promised|agreed|committed|offered)", s[head.start:], re.I):
        if ctx.direction == "sent" and _DELIVERED.search(s):
            return False
    # Hedges: "I'll see what I can do", "I'll try" with nothing after.
    if re.match(r"^(?:see\s+(?:what|if|whether|how)|try\s*[.!]?$|think\s+about|consider|wait|need|want|"
                r"let\s+you\s+go|leave\s+(?:it|that)|take\s+(?:that|it)\s+as|assume)\b", vp, re.I):
        return False
    if head.kind == "letme":
        return _classify(vp)[0] not in (None, "other") or bool(re.match(r"^(?:confirm|revert)\b", vp, re.I))
    return True
