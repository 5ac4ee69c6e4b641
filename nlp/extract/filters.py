"""Filters: why a candidate promise head is not a promise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from nlp.extract import gate
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
    examples = ("Sorry, will not make it to the demo on Friday.",)

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
    examples = ("By Friday I will have sent the contract to legal.",)

    def rejects(self, c: Candidate) -> bool:
        return (c.head.kind != "reader" and bool(_IRREALIS.search(c.s[:c.head.verb]))) or bool(_PERFECT.match(c.vp))


_OPINION_BEFORE = _rx(r"\b(?:i|we)\s+(?:think|believe|guess|suppose|assume|hear|heard|understand|imagine|expect|"
                      r"doubt|suspect|gather)\s+(?:that\s+)?$")


class Hedged(Filter):
    """Doubt before the head: "I'm not sure we'll be able to hit that date"; and a third party's act the
    writer only believes in: "I think he is planning on ...", "I hear they will ..." (a prediction, spec 3)."""

    name = "hedged"
    examples = ("I'm not sure we'll get the order form signed by Friday.",
                "I think she is planning on moving the launch to May.")

    def rejects(self, c: Candidate) -> bool:
        if c.head.coord:
            return False
        if _HEDGE_BEFORE.search(c.prefix):
            return True
        return c.head.side != "writer" and bool(_OPINION_BEFORE.search(c.prefix[-40:]))


_HAPPY = _rx(r"^(?:be\s+)?(?:happy|glad|delighted|pleased|more\s+than\s+happy)\s+to\b")
_OFFER_AFTER = _rx(r"\b(?:if\s+(?:you|u)\s+(?:like|want|wish|prefer|need|(?:would|" + _AP + r"?d)\s+like|"
                   r"are\s+interested)|if\s+(?:it|that)\s+(?:helps|would\s+help|is\s+useful)|if\s+needed|"
                   r"if\s+required|if\s+necessary|if\s+useful)\b")


_ANYONE_WANTS = _rx(r"\bif\s+(?:there\s+(?:is|are)\s+)?(?:anyone|anybody|someone|somebody|others?)\b[^.;!?]{0,60}"
                    r"\b(?:would\s+like|wants?|needs?|wish(?:es)?|is\s+interested)\b")


class Offer(Filter):
    """An offer nobody asked for is not a promise (spec 4): "If you'd like, I'll send ...", "happy to call",
    "I can send it if you want"."""

    name = "offer"
    examples = ("If you'd like, I'll send over a few customer references.", "I'll be happy to walk you through it.")

    def rejects(self, c: Candidate) -> bool:
        if not c.head.coord and _HYPOTHETICAL.search(c.prefix[-80:] if c.head.kind != "bullet" else "") \
                and not _SILENCE.search(c.prefix[-80:]):
            return True
        return bool(_HAPPY.match(c.vp)) or bool(_OFFER_AFTER.search(c.clause)) or bool(_ANYONE_WANTS.search(c.prefix))


class ObligationOnThem(Filter):
    """An obligation put on someone else is not their promise: "you will have to verify the firm name"."""

    name = "obligation_on_them"
    examples = ("You will have to verify the firm name with your bank.",)

    def rejects(self, c: Candidate) -> bool:
        return c.head.side != "writer" and bool(re.match(r"^(?:have|need)\s+to\b", c.vp, re.I))


_RESPOND_VERB = _rx(r"\b(?:respond|reply|get\s+back|answer)\b")


class OutOfOffice(Filter):
    """An out-of-office auto-reply's "I will respond when I return" is no promise."""

    name = "out_of_office"
    examples = ("I am out of the office until Monday. I will respond to your email when I return.",)

    def rejects(self, c: Candidate) -> bool:
        if not c.ctx.ooo:
            return False
        return bool(_ON_RETURN.search(c.clause)) or (bool(_RESPOND_VERB.search(c.vp[:40])) and bool(_OOO.search(c.s)))


_WILL_ANY = _rx(r"\b(?:will|'ll|’ll|'d|’d|would)\b")
_PROMISED_VERB = _rx(r"^\w+\s+(?:promised|agreed|committed|offered)")


class ReportedButDelivered(Filter):
    """"As promised, here is the deck": a reported promise the message itself delivers."""

    name = "reported_but_delivered"
    examples = ("As promised, attached is the pricing I promised to send.",)

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
    examples = ("Let me look at the pricing.",)

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
    examples = ("I am on leave this week. Fran will handle urgent requests while I am on leave.",)

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        return c.ctx.ooo and bool(_OOO.search(c.clause))


class ArrivalNeedsTime(TimedFilter):
    """"It should arrive" without a time is a prediction about the post, not the writer's promise."""

    name = "arrival_needs_time"
    examples = ("The samples should arrive.",)

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        return c.head.kind == "arrive" and mention is None and bool(
            re.search(r"\bshould\b", c.s[c.head.start:c.head.start + 40], re.I))


class NeedsFutureTime(TimedFilter):
    """A bare present, a progressive or an arranged meeting is a plan only with a future time: "we sign fri" is,
    "we sign contracts in person" and "I'm sending the proposal" (news) are not; "our meeting is set" without
    a day is not yet a step."""

    name = "needs_future_time"
    examples = ("I'm sending the proposal to our legal team.",)

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        sent_at = c.ctx.sent_at
        if c.head.kind == "bare":
            return mention is None or mention.is_past or mention.value.date() < sent_at.date() \
                or (mention.has_time and mention.value <= sent_at)
        if c.head.kind == "progressive":
            return mention is None or mention.value <= sent_at + timedelta(minutes=30)
        if c.head.kind == "arranged":
            return mention is None or mention.is_past or mention.value < sent_at
        return False


# -- precision filters of docs/commitments.md section 3 (each a class of language, not of any one message) --


_NECESSITY = _rx(r"^(?:(?:still|also|just|probably|definitely)\s+)?(?:have\s+to|need\s+to|have\s+got\s+to|must)\b")


class Necessity(Filter):
    """An obligation is not an undertaking (spec 3, 9): "I will have to check", "I'm going to have to add
    you", "you will need to sign"."""

    name = "necessity"
    examples = ("I'm going to have to think about the renewal terms.",)

    def rejects(self, c: Candidate) -> bool:
        return bool(_NECESSITY.match(c.vp))


_ABILITY = _rx(r"^(?:(?:probably|likely|hopefully|also|still)\s+)?be\s+(?:able|unable|in\s+a\s+position)\s+to\b")


class Ability(Filter):
    """Ability is a prediction, not a promise (spec 3): "we will be able to deliver by Friday"."""

    name = "ability"
    examples = ("We will be able to deliver the units by Friday.",)

    def rejects(self, c: Candidate) -> bool:
        return bool(_ABILITY.match(c.vp))


_EMBEDDING = _rx(r"(?:\b(?:if|whether|unless|that|which|who|whom|what|whatever|how|where|why|so\s+that|"
                 r"in\s+order\s+that|because|since|though|although|while|whereas|than)\s+|,\s*which\s+)"
                 r"(?:\w+\s+){0,1}$")
_TO_SOMEONE = _rx(r"\b(?:you|u|your|yours|him|her|them|us|everyone|all\s+of\s+you)\b|\bto\s+[A-Z][a-z]+|"
                  r"\b(?:with|by|for)\s+[A-Z][a-z]+")


def _writers_act_for_someone(c: Candidate) -> bool:
    """The writer's own act with a person or party in its first clause: "the list, which I will email to you"
    (spec 9) - the exception both embedded-clause tests make."""
    first = re.split(r"[,;:]|\s[-–—]\s|\bso\b", c.vp)[0]
    return c.head.side == "writer" and bool(_TO_SOMEONE.search(first))


class EmbeddedClause(Filter):
    """A modal inside an embedded clause is not the writer's undertaking (spec 3): "if they will sign",
    "the deal that we will close", "what we will do", "so that we will be ready" - unless it is the writer's own
    act for someone ("the list, which I will email to you", spec 9)."""

    name = "embedded_clause"
    examples = ("I don't know what we will do about the Dallas office.", "If you'll kindly sign page two, we can close.")

    def rejects(self, c: Candidate) -> bool:
        if c.head.kind not in ("modal", "progressive", "implicit", "bare") or c.head.coord:
            return False
        if not _EMBEDDING.search(c.s[max(0, c.head.start - 24):c.head.start]):
            return False
        return not _writers_act_for_someone(c)


_HABIT = _rx(r"\b(?:every|each)\s+(?:day|night|morning|evening|week|month|time|quarter|year|monday|tuesday|"
             r"wednesday|thursday|friday)\b|\b(?:usually|always|normally|typically|generally|routinely|daily|"
             r"nightly|weekly|monthly|quarterly|annually|yearly|regularly)\b")


class Habitual(Filter):
    """A standing routine is not one act with a time (spec 9): "every night he will email the team", "we
    always send the confirms"."""

    name = "habitual"
    examples = ("Each morning Priya will email the positions to risk.",)

    def rejects(self, c: Candidate) -> bool:
        return c.head.kind != "bullet" and bool(_HABIT.search(c.s))


_PERCEPTION = _rx(r"^(?:(?:also|probably|likely|still)\s+)?(?:note|notice|find|see\s+(?:that|from|in|on|how|the)|"
                  r"recall|remember|agree|like|love|enjoy|appreciate|understand|await|admit|say|bet|"
                  r"have\s+(?:your|a\s+chance|the\s+chance|the\s+opportunity|an\s+opportunity|no\s+problem|"
                  r"plenty|to\b)|get\s+(?:your|a\s+chance|the\s+chance)|hear\s+(?:about|more\s+about|from\s+(?!me\b|us\b)))\b")


_OCCASION = _rx(r"^(?:your|a|the|an)\s+(?:chance|opportunity|day|say|turn|pick|choice)\b")


class PerceptionOrStance(Filter):
    """What someone will notice, find, like or think is not a task (spec 3): "you'll note that ...", "you
    will find your positions on tab 2", "I will await your command", "you will have your day in court"."""

    name = "perception_or_stance"
    examples = ("In the attached workbook you will find the revised curves.", "You will have your chance to discuss it soon.")

    def rejects(self, c: Candidate) -> bool:
        if c.head.kind == "reader" and _OCCASION.match(c.vp):
            return True  # "you will have your day in court": an occasion, not a deliverable
        return bool(_PERCEPTION.match(c.vp))


_DELIVERY_NOW = _rx(r"\b(?:now|already|by\s+now|just\s+sent|have\s+sent|'ve\s+sent|attached|enclosed|herewith)\b")


class DeliveredInMessage(Filter):
    """A delivery the message itself makes is not a new promise (spec 3): "I just sent the contract, you
    should have it now", "attached is the deck - you'll have the numbers there"."""

    name = "delivered_in_message"
    examples = ("I just sent the contract over, you should have it now.",)

    def rejects(self, c: Candidate) -> bool:
        return c.head.kind in ("reader", "arrive") and bool(_DELIVERY_NOW.search(c.s))


_WHEREABOUTS = _rx(r"^(?:(?:also|probably|likely|then|still|just)\s+)?(?:fly|drive|travel|head|go\s+(?:back|home|to|"
                   r"on)|come\s+back(?!\s+(?:to|with)\b)|return\s+(?:home|to|from)|stay|leave\s+(?:for|on|the\s+office)|arrive|"
                   r"be\s+(?:back(?!\s+(?:to|in\s+touch|with)\b)|in(?!\s+(?:touch|contact)\b)|out|away|here|around|off|on\s+(?:vacation|holiday|leave|pto|the\s+road)|"
                   r"at\s+(?:home|the\s+office|my\s+desk)|travell?ing|available|unavailable|flying|working\s+from))\b")


class Whereabouts(Filter):
    """Where someone will be is not an act for someone (spec 3): "I'll be in London next week", "I will fly
    back Friday", "I'll be out of the office", "I'll likely stay a couple of days"."""

    name = "whereabouts"
    examples = ("I'll drive back from Austin on Sunday night.", "I'll be in London next week.")

    def rejects(self, c: Candidate) -> bool:
        return bool(_WHEREABOUTS.match(c.vp))


class SignOff(Filter):
    """A closing formula is not a next step (spec 3): "Talk soon", "Will talk later", "speak to you soon"."""

    name = "sign_off"
    examples = ("Thanks for the help - will talk soon.",)

    def rejects(self, c: Candidate) -> bool:
        return bool(re.match(r"^(?:talk|speak|chat|catch\s+up)(?:\s+(?:to|with)\s+(?:you|u))?\s+(?:soon|later|"
                             r"then|shortly)\b", c.vp, re.I))


_MANNER = _rx(r"\b(?:this|that|the\s+same)\s+way\b|\bfor\s+now\b|\bgoing\s+forward\b|\bfrom\s+now\s+on\b|"
              r"\bstill\b|\bvia\b|\b(?:count|treat|show|book|handle|record|classify)\s+(?:it|this|that|them|these|"
              r"those|\w+)\s+as\b|\bas\s+(?:usual|before|normal|planned)\b")


class Procedure(TimedFilter):
    """How the writer's side will do things is a procedure nobody is owed, not a promise (spec 3): "we will
    show it this way for now", "we will still do the noms via CGAS", "I am going to count it as signed"."""

    name = "procedure"
    examples = ("We will show it this way for now.", "We will still handle the nominations through the old portal.")

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        if c.head.side not in ("writer", "third_ours") or c.head.kind not in ("modal", "implicit"):
            return False
        return _classify(c.vp)[0] == "other" and bool(_MANNER.search(c.clause))


_US_OR_YOU = _rx(r"\b(?:you|u|your|us|our|me|my)\b")
_TO_NAMED = re.compile(r"\b(?:to|with|for)\s+(?:[A-Z][a-z]+|[A-Z]{2,})")


class ThirdPartyNews(TimedFilter):
    """News about a third party is nobody's task (spec 3): "the Administration will strongly encourage FERC",
    "Californians would face higher taxes". A third party's commitment needs a task for someone: an act of a
    concrete class (send, call, email, meet, follow up), an act toward the writer's side or the reader, or a
    time it is due by."""

    name = "third_party_news"
    examples = ("The Administration will strongly encourage the Commission to act.",)

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        if mention is not None or c.head.side not in ("third_theirs", "colleague") \
                or c.head.kind in ("bullet", "note_todo", "passive_doer"):
            return False
        if _classify(c.vp)[0] not in ("other", None):
            return False
        return not (_US_OR_YOU.search(c.vp) or _TO_NAMED.search(c.vp))


_CONCRETE = frozenset({"send", "call", "email", "meet"})
_GATED = frozenset({"modal", "implicit", "progressive", "bare", "reported", "reader", "letme", "promised_np"})


def may_gate(head: _Head, s: str) -> bool:
    """Whether the gate reads this head: not lists, notes, arrivals, acceptances or arranged meetings (forms the
    rules read whole), and not the writer's own send/call/email/meeting (the rules' strongest reading)."""
    if head.kind not in _GATED:
        return False
    return not (head.side == "writer" and _classify(s[head.verb:].strip())[0] in _CONCRETE)


class LearnedGate(TimedFilter):
    """The learned gate (nlp/extract/gate.py) finds the sentence unlikely to state a commitment. It reads the
    uncertain readings - third parties and acts of the `other` or `follow_up` class; the writer's own send,
    call, email or meeting, lists and call notes are left to the rules."""

    name = "learned_gate"
    examples = ("We will crush the numbers next quarter.", "They will cut rates again in March.")

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        if c.ctx.direction == "note" or not may_gate(c.head, c.s):
            return False
        p = gate.score(c.s)
        return p is not None and p < gate.THRESHOLD


_PROMISE_GOVERNORS = frozenset({"promise", "promised", "agree", "agreed", "confirm", "confirmed", "guarantee",
                                "assure", "assured", "undertake", "commit", "committed", "hope", "plan", "expect"})


class ParsedEmbedding(TimedFilter):
    """The dependency parse (nlp/syntax.py, trained here on UD EWT) puts the modal inside an embedded clause:
    a relative clause, a reported or stance complement ("I think they will", "he said it will"), a condition or
    a purpose clause - unless it is the writer's own act for someone (spec 9) or a promise verb governs it
    ("I promise I will"). Not registered: bench/syntax_decision.py measures the extractor with and without it
    (the README records the figures and the choice of rules over tokens)."""

    name = "parsed_embedding"

    def rejects(self, c: Candidate, mention: TimeMention | None) -> bool:
        if c.head.kind not in ("modal", "implicit", "progressive") or c.head.coord:
            return False
        from nlp import syntax

        clause = syntax.clause_of(c.s, c.head.verb)
        if clause is None or clause.kind in ("main", "coordinated"):
            return False
        if clause.kind == "complement" and clause.governor in _PROMISE_GOVERNORS:
            return False
        return not _writers_act_for_someone(c)
