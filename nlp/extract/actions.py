"""What act a verb phrase names (call, email, send, meet, follow_up, other), and whether it is vague."""

from __future__ import annotations

import re

from nlp.extract.lexicon import (
    _ACTION_RULES,
    _LIGHT_OK,
    _NOUN_ACTION,
    _PERSON_OBJ,
    _SKIP_LEAD,
    _STATE_VERBS,
    _TO_LEAD,
)
from nlp.extract.model import _Head


def _verb_ok(vp: str) -> bool:
    """The verb phrase starts with a verb that can carry a promise (an action, not a state)."""
    return _classify(vp)[0] is not None


_ADVERB_LEAD = re.compile(r"^(?:[a-z]+ly\s+)+(?!to\b)", re.I)


def _classify(vp: str) -> tuple[str | None, bool]:
    """(action, vague) of a verb phrase; action None when the verb names a state, not something to do."""
    v = _SKIP_LEAD.sub("", vp.strip(), count=1).strip()
    v = _TO_LEAD.sub("", v)
    v = _ADVERB_LEAD.sub("", v)  # "will currently be granted", "will strongly encourage": the verb decides
    if not v:
        return None, False
    word = re.match(r"^[a-z][\w-]*", v, re.I)
    if word is None:
        return None, False
    first = word.group(0).lower()
    if first in _STATE_VERBS:
        rule = _LIGHT_OK.get(first)
        if rule is None or not rule.match(v):
            return None, False
    for action, rx in _ACTION_RULES:
        if rx.match(v):
            if action == "follow_up":
                # "follow up with the implementation timeline" names a deliverable: concrete.
                if re.match(r"^follow(?:ing)?\s+up\s+with\s+(?!" + _PERSON_OBJ + r"\b)(?:the|a|an|our|my|some|"
                            r"more|further|details|pricing|numbers|figures|\w+s\b)", v):
                    return "send", False
                if re.match(r"^(?:reach(?:ing)?\s+out|follow(?:ing)?\s+up|get\s+in\s+touch)\s+(?:(?:to|with)\s+(?:you|u|"
                            r"him|her|them)\s+)?to\s+(?:schedule|set\s+up|book|arrange|organi[sz]e|find\s+a\s+time)\b",
                            v, re.I):
                    return "meet", False
                if re.match(r"^(?:follow(?:ing)?\s+up|circle\s+back|touch\s+base|check\s+in|reach\s+out)\s+"
                            r"(?:with\s+(?:you\s+)?|to\s+you\s+)?(?:by|via|over|on)\s+(?:phone|telephone)", v, re.I):
                    return "call", False
                return "follow_up", True
            vague = bool(re.match(r"^(?:update\s+(?:you|u)\s*(?:$|[.,;!]|as|when|once|on\s+progress)|keep\s+)", v,
                                  re.I))
            return action, vague
    if re.match(r"^(?:ll|will)\b", v, re.I):
        return None, False
    return "other", False


def _action(vp: str, head: _Head) -> tuple[str | None, bool]:
    if head.kind in ("reader", "arrive", "promised_np", "np_bullet", "acceptance", "arranged", "passive_doer"):
        return (head.noun_action or "send"), False
    if head.kind == "passive_todo":
        return "other", False
    action, vague = _classify(vp)
    if action is None and head.kind == "reported":
        return None, False
    return action, vague


def _noun_action(rest: str) -> str:
    for action, rx in _NOUN_ACTION:
        if rx.search(rest):
            return action
    return "send"
