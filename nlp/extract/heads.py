"""Promise heads: where a sentence states that someone will do something (the cue rules)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from nlp.extract.actions import _noun_action, _verb_ok
from nlp.extract.lexicon import (
    _AP,
    _ARRIVE,
    _BARE,
    _BARE_BLOCK,
    _BARE_START,
    _BARE_VERBS,
    _BULLET,
    _BULLET_VERBS,
    _COORD,
    _DAY_WORDS,
    _DELIVERED,
    _DIGIT,
    _FILLER_WILL,
    _G_ARRIVE,
    _G_BARE,
    _G_COORD,
    _G_FUTURE,
    _G_HEAD,
    _G_IMPLICIT,
    _G_PROGRESSIVE,
    _G_PROMISED,
    _G_READER,
    _G_REPORTED,
    _G_TIMEWORDS,
    _G_YOU,
    _G_YOU_MODAL,
    _HABITUAL,
    _ILL,
    _IMPLICIT,
    _IMPLICIT_BEFORE,
    _LABEL_PERSONS,
    _LET_ME,
    _MODAL,
    _NOT_NAMES,
    _NOT_NAMES_LOWER,
    _NOTE_IMPERATIVE,
    _NOTE_NEED,
    _NOTE_TO,
    _NOTE_TO_STOP,
    _OUR_DEPARTMENTS,
    _PROGRESSIVE,
    _PROMISED_NP,
    _PROMISED_TO,
    _READER,
    _REPORTED,
    _SUBJ_BEFORE,
    _TEAM_HEAD,
    _TO_BULLET,
    _WORD,
    _WRITER_HEADER,
)
from nlp.extract.model import _Ctx, _Head, _Unit


def _modal_heads(s: str) -> Iterator[tuple[int, int, str, str, bool]]:
    """(subject start, modal end, subject, modal text, negated) for each subject + future modal."""
    for m in _MODAL.finditer(s):
        a = m.start()
        sm = _SUBJ_BEFORE.search(s, max(0, a - 16), a)
        if sm is None:
            continue
        subj = sm.group("subj")
        if subj.lower() == "who" and not s[:sm.start()].endswith(", "):
            continue
        if m.group(0).endswith("to"):
            nxt = re.match(r"\s+([a-z]+)", s[m.end():])
            act = nxt is not None and (nxt.group(1) in _BULLET_VERBS or nxt.group(1) in _BARE_VERBS)
            if re.match(r"\s+(?:blame|be\s+\w+ed)\b", s[m.end():]) or (
                    subj.lower() not in ("i", "we", "you", "he", "she", "they") and not act):
                continue  # "I'm to send", "IT is to reset the accounts" are plans; "the GTC's to you" is not
        yield sm.start(), m.end(), subj, s[a:m.end()].strip().lower(), bool(m.group("neg"))


# ---------------------------------------------------------------------------------------------------------
# The head rules. Each is one unit: a name, a docstring, the cue words that gate it, examples it fires on
# (its own tests run them: tests/test_extract_rules.py), and a `find` that yields (head, end of the head).
# Overlaps between rules are settled by `priority` (lower first), stated on each rule, not by the order of
# code in a function. The registry is nlp/extract/registry.py.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """What every head rule reads: the sentence, its word set, its unit and the message context."""

    s: str
    words: frozenset[str]
    unit: _Unit
    ctx: _Ctx

    @property
    def bulletish(self) -> bool:
        return bool(self.unit.header or self.unit.bullet)


class HeadRule:
    """A cue that a sentence states a commitment: subject + future modal, reported promise, next-step bullet...

    `gate` is the cheap word-set test; `find` yields (head, end) pairs; `examples` are sentences (sent mail)
    the rule must fire on through the whole extractor."""

    name: str = ""
    cue: str = ""
    priority: int = 50
    examples: tuple[str, ...] = ()
    direction: str = "sent"  # the direction its examples are written in

    def gate(self, x: Sentence) -> bool:
        return True

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        raise NotImplementedError

    def head(self, start: int, verb: int, side: str, kind: str, noun_action: str = "",
             coord: bool = False) -> _Head:
        return _Head(start, verb, side, kind, noun_action, coord, rule=self.name)


class ReportedSpeech(HeadRule):
    """Reported speech of a promise: "I told her I'd send it Monday", "John said he will call you"."""

    name, cue, priority = "reported_speech", "said/told/confirmed + subject + would/will", 10
    examples = ("I told Maria I'd send the revised SOW on Monday.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_REPORTED)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _REPORTED.finditer(x.s):
            side = _subject_side(m.group("subj").lower(), x.s, m.end(), x.ctx, reported=True)
            yield self.head(m.start("subj"), m.end(), side, "reported"), m.end()


class PromisedTo(HeadRule):
    """An explicit promise verb with an infinitive: "I promised to send", "we agreed to call them Friday"."""

    name, cue, priority = "promised_to", "promised/agreed/committed to", 11
    examples = ("We agreed to send the signed order form by Friday.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_PROMISED)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _PROMISED_TO.finditer(x.s):
            side = _subject_side(m.group("subj").lower(), x.s, m.end(), x.ctx, reported=True)
            yield self.head(m.start(), m.end(), side, "reported"), m.end()


class ReaderSide(HeadRule):
    """The writer's promise phrased from the reader's side: "you'll have the quote by Friday", "expect a call
    from me Tuesday"."""

    name, cue, priority = "reader_side", "you'll have/get/hear, expect/look out for", 12
    examples = ("You'll have the pricing sheet from me by Thursday.", "Expect a call from me on Tuesday.")

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_READER) or bool((x.words & _G_YOU) and (x.words & _G_YOU_MODAL))

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        for m in _READER.finditer(s):
            lead = m.group("lead").lower()
            rest = s[m.end():m.end() + 120]
            if lead.startswith(("you", "u ")) or lead.startswith("u"):
                if re.match(r"^\s+(?:hear|expect)\b", rest, re.I) is None and re.match(
                        r"^(?:.{0,60}?)\b(?:to|from)\s+(?:us|me)\b", rest, re.I) and not re.search(
                        r"\bfrom\s+(?:me|us)\b", rest[:60], re.I):
                    continue  # "you'll get the user list to us" is their promise: a modal head covers it
                if re.match(r"^\s+to\b|^\s+(?:it|them|this|that|everything|the\s+\w+(?:\s+\w+)?)\s+(?:signed|"
                            r"countersigned|done|approved|reviewed|sorted|finali[sz]ed|executed|completed|returned|"
                            r"back\s+to\s+(?:us|me)|over\s+to\s+(?:us|me))\b", rest, re.I):
                    continue  # "you'll get it signed by Wednesday": a modal head reads it as their promise
                if "hear" in lead or re.match(r"^\s*(?:back\s+)?from\s+(?:me|us|my|our)\b", rest, re.I):
                    noun = "email"
                else:
                    noun = _noun_action(rest[:60])
            else:
                if re.match(r"^\s+(?:that|to\s+(?!hear)|you\b|it\s+to\s+(?:be|take)|delays?|some|the\s+(?:price|"
                            r"cost|market|rates?|team\s+to))", rest, re.I):
                    continue
                if m.start() > 0 and re.search(r"\b(?:i|we|they|you|he|she|don" + _AP + r"?t|not|would|to)\s*$",
                                               s[:m.start()], re.I):
                    continue  # "I expect ...", "we don't expect" - not the imperative
                noun = _noun_action(rest[:60])
            yield self.head(m.start(), m.end(), "writer", "reader", noun), m.end()


_BE_TO = frozenset({"am", "are", "is", "m", "re"})  # "we are to meet", "IT is to reset"


class SubjectModal(HeadRule):
    """A subject and a future modal: "I'll send", "we will call", "Sara is going to", "I'm to send"."""

    name, cue, priority = "subject_modal", "I/we/you/he/Name + will/'ll/shall/going to/plan to", 20
    examples = ("I'll send you the revised proposal by Thursday.", "We will call you Monday at 9:30.")

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_HEAD) or ("to" in x.words and bool(x.words & _BE_TO))

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for h_start, h_end, subj, modal, negated in _modal_heads(x.s):
            low = subj.lower()
            if negated or re.match(r"^(?:" + _AP + r"d|would)", modal):
                continue  # negated; "I'd be happy to", "we would" - hypothetical unless reported
            if low not in {"i", "we", "you", "u", "he", "she", "they", "who"} and (
                    subj in _NOT_NAMES or not subj[0].isupper()):
                continue
            side = _subject_side(low, x.s, h_end, x.ctx, reported=False)
            yield self.head(h_start, h_end, side, "modal"), h_end


class Arrival(HeadRule):
    """A deliverable's arrival stands for the writer's send: "it'll be in your inbox by noon"."""

    name, cue, priority = "arrival", "it/the X + will/should + land/arrive/be with you", 21
    examples = ("The contract will be in your inbox by noon tomorrow.",)

    def gate(self, x: Sentence) -> bool:
        w = x.words
        return (bool(w & _G_ARRIVE) or ("out" in w and "go" in w) or ("sent" in w and "be" in w)) \
            and bool(w & _G_YOU_MODAL)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _ARRIVE.finditer(x.s):
            if (m.group("subj") or "it").lower() in {"you", "i", "we", "he", "she"}:
                continue
            yield self.head(m.start(), m.start(), "writer", "arrive", "send"), m.end()


class TeamModal(HeadRule):
    """A team or role as the subject: "our support team will", "your IT lead is going to", "Kim from finance
    will"."""

    name, cue, priority = "team_modal", "our/your/their + team/role + will", 22
    examples = ("Our implementation team will send you the rollout plan on Monday.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_FUTURE)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _TEAM_HEAD.finditer(x.s):
            poss = (m.group("poss") or m.group("poss2") or "our").lower()
            if poss == "your":
                side = "reader"
            elif poss in ("their", "his", "her"):
                side = "third_theirs"
            else:
                side = "third_ours" if x.ctx.direction != "note" else "third_theirs"
            yield self.head(m.start(), m.end(), side, "modal"), m.end()


class ApostropheLessIll(HeadRule):
    """'ill' typed for "I'll" on a phone: "ill send it tmrw"."""

    name, cue, priority = "ill_typed", "ill/Ill + action verb", 23
    examples = ("ill send the deck over tmrw morning",)

    def gate(self, x: Sentence) -> bool:
        return "ill" in x.words or "il" in x.words

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _ILL.finditer(x.s):
            yield self.head(m.start(), m.end(), "writer", "modal"), m.end()


class PromisedThing(HeadRule):
    """A promised or owed deliverable: "I promised you the numbers", "I owe you a proposal"."""

    name, cue, priority = "promised_thing", "I/we + promised/owe + a deliverable", 24
    examples = ("I owe you a proposal by Friday.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_PROMISED)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _PROMISED_NP.finditer(x.s):
            yield self.head(m.start(), m.end(), "writer", "promised_np", "send"), m.end()


class NoteTodo(HeadRule):
    """A call or voicemail note's to-do: "Me to send SOW Monday", "Pat to confirm budget", "need to call him
    back Tues", "Siobhan: reviewing tmrw", "Try again Monday 9am"."""

    name, cue, priority = "note_todo", "(notes) X to <verb>, need to, Label: <verb>, imperative", 25
    examples = ("Spoke to Jo. Me to send SOW Monday.", "Left VM. need to call him back Tues 10am")
    direction = "note"

    def gate(self, x: Sentence) -> bool:
        return x.ctx.direction == "note"

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        if " to " in s:
            for m in _NOTE_TO.finditer(s):
                subj = m.group("subj").lower()
                rest = s[m.end():]
                if m.group("passive"):
                    if re.search(r"\((me|i|us|we)\)", rest[:80], re.I):
                        yield self.head(m.start(), m.start("passive"), "writer", "passive_todo"), m.end()
                    continue
                if subj in _NOTE_TO_STOP or subj.endswith("ed") or not rest[:1].islower() or not _verb_ok(rest):
                    continue  # "Spoke to Jonah", "Talked to legal"
                side = "writer" if subj in ("me", "i", "we", "us") else "other_side_writer"
                yield self.head(m.start(), m.end(), side, "note_todo"), m.end()
        for m in _NOTE_NEED.finditer(s):
            if not re.search(r"\b(?:if|in\s+case|when|whether|unless|once)\s*$", s[max(0, m.start() - 9):m.start()],
                             re.I):
                yield self.head(m.start(), m.end(), "writer", "note_todo"), m.end()
        if not x.bulletish:
            for h in _label_heads(s, x.ctx, persons_only=False):
                yield replace(h, rule=self.name), h.verb
        m2 = _NOTE_IMPERATIVE.match(s)
        if m2:
            yield self.head(m2.end(), m2.end(), "writer", "note_todo"), m2.end() + 1


class LetMe(HeadRule):
    """"Let me" + an act for the reader: "let me check with legal and get back to you"."""

    name, cue, priority = "let_me", "let me/us (not 'let me know')", 30
    examples = ("Let me confirm the dates with our trainer tomorrow.",)

    def gate(self, x: Sentence) -> bool:
        return "let" in x.words

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _LET_ME.finditer(x.s):
            if not any(h.start > m.start() for h in found):  # "let me check with legal and I'll ..." is a preamble
                yield self.head(m.start(), m.end(), "writer", "letme"), m.end()


class ImplicitSubject(HeadRule):
    """A clause that drops its subject: "Will send the figures Tuesday", "... and going to call him Friday"."""

    name, cue, priority = "implicit_subject", "clause-initial will/going to/plan to with no subject", 31
    examples = ("Thanks - will send the figures Tuesday.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_IMPLICIT)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        for m in _IMPLICIT.finditer(s):
            if not _IMPLICIT_BEFORE.search(s, max(0, m.start() - 6), m.start()) or s[m.end():].strip()[:1] == "?":
                continue
            side = "writer"
            if x.ctx.direction == "note" and _note_speaker_other(s[:m.start()], x.unit):
                side = "other_side_writer"
            coord = bool(re.search(r"(?:\band|\bthen|,)\s*$", s[:m.start()], re.I)) and bool(found)
            yield self.head(m.start(), m.end(), side, "implicit", coord=coord), m.end()


class FillerModal(HeadRule):
    """Unpunctuated handheld writing: "sorry for the delay will send u the login"."""

    name, cue, priority = "filler_modal", "thanks/ok/sorry ... + will <verb>", 32
    examples = ("ok will send u the login tmrw",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_FUTURE)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        for m in _FILLER_WILL.finditer(s):
            side = "other_side_writer" if x.ctx.direction == "note" and _note_speaker_other(s[:m.end()], x.unit) \
                else "writer"
            mod = re.match(r"\w+", s[m.end():])
            yield self.head(m.end(), m.end() + (mod.end() if mod else 0), side, "implicit"), m.end() + 4


class FutureProgressive(HeadRule):
    """The present progressive for a planned act, kept only with a future time (filter `needs_future_time`):
    "sending the deck over Thursday", "I'm calling him tomorrow"."""

    name, cue, priority = "future_progressive", "I'm/we're + sending/calling/meeting ...", 33
    examples = ("I'm sending the deck over on Thursday.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_PROGRESSIVE)

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        if re.search(r"\b(?:now|herewith|attached|below|enclosed|right\s+away|as\s+we\s+speak)\b", s, re.I):
            return
        for m in _PROGRESSIVE.finditer(s):
            subj = (m.group("subj") or "").lower()
            side = "writer" if subj in ("", "i", "we") else "third_theirs"
            if side == "third_theirs" and not re.match(r"(?:sending|emailing|calling|ringing|phoning|shipping|"
                                                       r"delivering|forwarding|sharing|getting\s+back)\b",
                                                       s[m.end():], re.I):
                continue  # "he is meeting his board next month" is news about him, not a promise to us
            if not subj and x.ctx.direction == "note" and _note_speaker_other(s[:m.start()], x.unit):
                side = "other_side_writer"
            yield self.head(m.start(), m.end(), side, "progressive"), m.end() + 1


class BarePresentPlan(HeadRule):
    """A bare present for a dated plan, kept only with a future time (filter `needs_future_time`): "i send
    the MSA mon", "we sign fri"."""

    name, cue, priority = "bare_present_plan", "I/we + bare action verb + a time word", 34
    examples = ("i send the MSA mon, we sign fri",)
    direction = "note"  # the cascade's cue-word gate keeps a sent mail's plain lines without a modal out

    def gate(self, x: Sentence) -> bool:
        w = x.words
        return x.ctx.direction != "received" and bool(w & _G_BARE) and bool(w & _BARE_VERBS) \
            and bool(w & _G_TIMEWORDS or _DIGIT.search(x.s))

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        if _HABITUAL.search(s):
            return
        for m in _BARE.finditer(s):
            a = m.start()
            if not _BARE_START.search(s[max(0, a - 8):a] if a > 8 else s[:a]) \
                    or _BARE_BLOCK.search(s, max(0, a - 12), a):
                continue
            subj = m.group("subj").lower()
            yield self.head(m.start(), m.end(), "writer" if subj in ("i", "we") else "reader", "bare"), m.end() + 1


class NextStepBullet(HeadRule):
    """A next-step list item: "Acme to confirm headcount by 12/3", "Me: send pricing Fri", "- send MSA Friday"
    under "Next steps:"."""

    name, cue, priority = "next_step_bullet", "a bullet or a line under a next-steps header", 40
    examples = ("Next steps:\n- Me: send pricing Fri\n- Dana to confirm headcount by 12/3",)

    def gate(self, x: Sentence) -> bool:
        return x.bulletish

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for h in _bullet_heads(x.s, x.unit, x.ctx):
            yield replace(h, rule=self.name), h.verb


_WILL_DO = re.compile(r"(?:^|(?<=[.!?;:]\s))\W{0,3}(?:(?:ok(?:ay)?|sure|yes|yep|yeah|absolutely|definitely|"
                      r"no\s+problem|np|got\s+it|understood|noted)\W{1,3})?will\s+do\s*(?:[.!]|$)", re.I)
_OK_WITH_US = re.compile(r"\b(?:is|are|works?|would\s+work)\s+(?:(?:ok|okay|fine|good|great|perfect)\s+)?(?:with|for)\s+"
                         r"(?:me|us)\b", re.I)
_SEE_YOU = re.compile(r"(?:^|(?<=[.!?]\s))\W{0,3}(?:(?:ok|great|perfect|thanks)\W{1,3})?see\s+(?:you|u|y'all|everyone)\s+"
                      r"(?=(?:on|at|this|next|tomorrow|tonight|then|mon|tue|wed|thu|fri|sat|sun)\w*\b)", re.I)


class Acceptance(HeadRule):
    """An acceptance of a request or an arranged time is a commitment (spec 1, 9): "Will do.", "Thursday at
    2:30 pm is OK with us.", "See you Monday at 10.". A bare "sounds good" acknowledges more often than it
    accepts an act, so it is left out (precision first)."""

    name, cue, priority = "acceptance", "will do / <time> is ok with us / see you <time>", 5
    examples = ("Will do.", "Friday at 3 is okay with us.", "See you Monday at 10.")

    def gate(self, x: Sentence) -> bool:
        w = x.words
        return bool(w & {"do", "see", "ok", "okay", "fine", "good", "works", "work", "perfect", "great"})

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        if x.ctx.direction == "note":
            return
        m = _WILL_DO.search(s)
        if m is not None:
            yield self.head(m.start(), m.start(), "writer", "acceptance", "other"), m.end()
            return
        m = _OK_WITH_US.search(s)
        if m is not None and _DAY_WORDS.search(s[:m.start()]):
            yield self.head(0, 0, "writer", "acceptance", "meet"), m.end()
            return
        m = _SEE_YOU.search(s)
        if m is not None:
            yield self.head(m.start(), m.start(), "writer", "acceptance", "meet"), m.end()


_THANKS_AGREEING = re.compile(r"\bthanks?\s+(?:you\s+)?(?:again\s+|so\s+much\s+)?(?:in\s+advance\s+)?for\s+(?:agreeing|"
                              r"offering|volunteering|your\s+willingness|being\s+willing)\s+to\s+", re.I)


class ThanksForAgreeing(HeadRule):
    """Thanking the reader for agreeing records the reader's undertaking (spec 9): "Thanks for agreeing to
    speak at the offsite" - `them`."""

    name, cue, priority = "thanks_for_agreeing", "thanks for agreeing/offering/your willingness to", 13
    examples = ("Many thanks for agreeing to host the kickoff next week.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & {"agreeing", "offering", "volunteering", "willingness", "willing"})

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _THANKS_AGREEING.finditer(x.s):
            yield self.head(m.start(), m.end(), "reader", "reported"), m.end()


_SHOULD_BE_ING = re.compile(
    r"\b(?P<subj>you|u|he|she|they|we|i|[A-Z][\w&]+|the\s+[a-z]+)\s+should\s+(?:(?:also|soon|shortly)\s+)?be\s+"
    r"(?=(?P<verb>sending|calling|emailing|getting|receiving|hearing|delivering|shipping|forwarding|contacting|"
    r"reaching\s+out|issuing|providing|posting|circulating)\b)", re.I)


class ShouldBeIng(HeadRule):
    """An expected act in progress: "the desk should be sending the confirms today" (the desk owes it); "you
    should be receiving the contract shortly" (the writer's side sends it, unless another sender is named)."""

    name, cue, priority = "should_be_ing", "X should be sending/calling; you should be receiving/hearing", 26
    examples = ("The desk should be sending the confirms today.", "You should be receiving the contract from me tomorrow.")

    def gate(self, x: Sentence) -> bool:
        return "should" in x.words

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        s = x.s
        for m in _SHOULD_BE_ING.finditer(s):
            subj, verb = m.group("subj").lower(), m.group("verb").lower()
            if subj in ("you", "u") and verb in ("receiving", "getting", "hearing"):
                rest = s[m.end():m.end() + 120]
                named = re.search(r"\bfrom\s+(?!me\b|us\b|my\b|our\b)[A-Z][a-z]+", rest)
                side = "colleague" if named else "writer"
                noun = "email" if verb == "hearing" else _noun_action(rest[:60])
                yield self.head(m.start(), m.end(), side, "reader", noun), m.end()
                continue
            if subj.startswith("the "):
                side = "third_theirs"
            elif subj[0].isupper() and subj.capitalize() in _NOT_NAMES and subj.lower() not in ("i", "we", "you"):
                continue
            else:
                side = _subject_side(subj, s, m.end(), x.ctx, reported=False)
            yield self.head(m.start(), m.end(), side, "modal"), m.end()


_ARRANGED = re.compile(
    r"\b(?:(?P<who>we|i|you|you\s+guys|you\s+all|you\s+and\s+i|[A-Z][a-z]+\s+and\s+i)\s+(?:are|am|'re|'m)\s+(?:all\s+)?"
    r"(?:set|scheduled|booked|confirmed|down)\s+(?:for|to\s+meet|to\s+talk|to\s+speak|to\s+have)|"
    r"(?P<poss>our|the|your|my)\s+(?:\w+\s+){0,2}(?:meeting|call|conference\s+call|lunch|dinner|breakfast|session|"
    r"interview|presentation|visit)\s+(?:is|has\s+been)\s+(?:set|scheduled|booked|confirmed|on|moved)\b|"
    r"\b(?P<who2>i|we)\s+(?:have|'ve)\s+(?:scheduled|set\s+up|booked|slotted|arranged|confirmed)\s+(?:you\s+)?"
    r"(?:a|an|the|our|\d+)\b)", re.I)


class ArrangedMeeting(HeadRule):
    """A meeting or call already arranged with a time is a step the writer's side will attend (spec 9): "Our
    meeting is set with Mark and you on August 28", "we are set for a conference call on Wednesday afternoon",
    "I have scheduled a meeting with him on Tuesday". Kept only with a future time (filter `needs_future_time`)."""

    name, cue, priority = "arranged_meeting", "meeting/call is set|scheduled; we are set for; I have scheduled", 27
    examples = ("Our review meeting is scheduled for March 3 at 2pm with your CFO.",
                "I think we are set for the pricing call on Thursday at 11.")

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & {"set", "scheduled", "booked", "slotted", "arranged", "confirmed"})

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _ARRANGED.finditer(x.s):
            who = (m.group("who") or m.group("who2") or "").lower()
            side = "reader" if who.startswith("you") and "i" not in who.split() else "writer"
            yield self.head(m.start(), m.start(), side, "arranged", "meet"), m.end()


_PASSIVE_FROM = re.compile(
    r"\bwill\s+be\s+(?P<verb>sent|forwarded|delivered|faxed|e-?mailed|circulated|provided|distributed|mailed|"
    r"couriered|posted)\b(?P<rest>[^.;!?]{0,80}?)\b(?:by|from)\s+(?P<doer>me|us|(?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?)\b")


class PassiveWithDoer(HeadRule):
    """A passive delivery whose doer is named is that doer's commitment (spec 9): "The opinions will be sent
    shortly under separate cover from Susan" (them); "the draft will be sent by me tomorrow" (me). Without a
    doer it stays out ("will be distributed later this week")."""

    name, cue, priority = "passive_with_doer", "will be sent/forwarded ... by/from <doer>", 19
    examples = ("The revised schedule will be faxed by Dana Ortiz on Monday.",)

    def gate(self, x: Sentence) -> bool:
        return "be" in x.words and bool(x.words & {"by", "from"})

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        for m in _PASSIVE_FROM.finditer(x.s):
            doer = m.group("doer").lower()
            if doer not in ("me", "us") and doer.capitalize() in _NOT_NAMES:
                continue
            side = "writer" if doer in ("me", "us") else "colleague"
            yield self.head(m.start(), m.start(), side, "passive_doer", "send"), m.end()


class Coordination(HeadRule):
    """A verb coordinated with a head shares its subject: "I'll send the deck Monday and call you Tuesday"."""

    name, cue, priority = "coordination", "and/then/, + action verb after a head", 90
    examples = ("I'll send the deck Monday and call you Tuesday at 10.",)

    def gate(self, x: Sentence) -> bool:
        return bool(x.words & _G_COORD) or "&" in x.s or "," in x.s

    def find(self, x: Sentence, found: Sequence[_Head]) -> Iterator[tuple[_Head, int]]:
        heads = sorted(found, key=lambda h: h.start)
        for i, h in enumerate(heads):
            nxt = heads[i + 1].start if i + 1 < len(heads) else len(x.s)
            for m in _COORD.finditer(x.s, h.verb, nxt):
                if m.start() > h.verb + 2:
                    yield _Head(m.start(), m.end(), h.side, h.kind, h.noun_action, coord=True,
                                rule=f"{h.rule}+{self.name}"), -1


def find_heads(s: str, unit: _Unit, ctx: _Ctx, rules: Sequence[HeadRule]) -> list[_Head]:
    """The heads of a sentence: every rule in priority order; a head that overlaps an earlier one is dropped
    (coordination heads are added without the overlap test: they sit inside their parent's clause)."""
    x = Sentence(s, frozenset(_WORD.findall(s.lower())), unit, ctx)
    heads: list[_Head] = []
    taken: list[tuple[int, int]] = []
    for rule in rules:
        if not rule.gate(x):
            continue
        new = list(rule.find(x, heads))
        for h, end in new:
            if end < 0:
                heads.append(h)
                continue
            if any(a <= h.start < b or a < end <= b for a, b in taken):
                continue
            taken.append((h.start, end))
            heads.append(h)
    heads.sort(key=lambda h: h.start)
    return heads


def _subject_side(subj: str, s: str, after: int, ctx: _Ctx, *, reported: bool) -> str:
    if subj in {"i", "we"}:
        return "writer"
    if subj in {"you", "u"}:
        return "reader"
    if ctx.direction == "sent" and subj[:1].isalpha() and subj.capitalize() in ctx.ours:
        return "third_ours"
    obj = s[after:after + 80]
    if re.search(r"\b(?:you|your|u)\b", obj, re.I) and ctx.direction != "note":
        return "colleague"  # "Raj will send you the spec": a named colleague owes it (spec 2: `them`)
    if subj in _OUR_DEPARTMENTS:
        return "third_ours"
    before = s[max(0, after - 120):after].lower()
    ours = [m.start() for m in re.finditer(r"\b(?:my|our)\b", before)]
    yours = [m.start() for m in re.finditer(r"\b(?:your|their)\b", before)]
    if ours and (not yours or ours[-1] > yours[-1]) and ctx.direction != "note":
        return "colleague"  # "Chris from our implementation team, who will reach out" (spec 2: `them`)
    return "third_theirs"


def _note_speaker_other(prefix: str, unit: _Unit) -> bool:
    """In a voicemail/call note, an implicit subject belongs to whoever the note reports ("VM from Pat: will
    send ..."), unless the note is about the rep's own action ("left VM, said I'd ...")."""
    p = prefix.lower()
    if re.search(r"\b(?:vm|voicemail|voice\s*mail|message|msg|call|email|text)\s+from\b|\b(?:he|she|they|"
                 r"[a-z]+)\s+(?:said|says|called|rang|mentioned|confirmed)\b|^\W*[a-z]+\s*\([^)]*\)\s*:", p):
        return not re.search(r"\b(?:i|we)\s+(?:said|told|promised)\b|\bleft\s+(?:a\s+)?(?:vm|voicemail|msg|"
                             r"message)\b", p)
    return False


def _label_heads(s: str, ctx: _Ctx, *, persons_only: bool) -> list[_Head]:
    """A call note's 'Me: ...', 'Her: ...', 'Siobhan: reviewing tmrw' - the label names who owes the step."""
    m = _TO_BULLET.match(s)
    if m is None or not re.match(r"[^:]{1,40}:\s", s[m.start("subj"):]):
        return []
    subj = m.group("subj").strip().lower()
    if subj in _NOT_NAMES_LOWER:
        return []
    rest = m.group("rest")
    side = "writer" if subj in {"me", "i", "we", "us"} else "other_side_writer"
    first = rest.split(" ", 1)[0].lower().rstrip(",.;")
    action_word = first in _BULLET_VERBS or (first.endswith("ing") and (first[:-3] in _BULLET_VERBS
                                                                       or first[:-3] + "e" in _BULLET_VERBS))
    if action_word and _verb_ok(rest) and rest[:1].islower() and (not persons_only or subj in _LABEL_PERSONS):
        return [_Head(m.start("subj"), m.start("rest"), side, "bullet")]  # not "Dan: legal stuck"
    if subj in _LABEL_PERSONS and _DAY_WORDS.search(rest) and not rest.rstrip().endswith("?"):
        return [_Head(m.start("subj"), m.start("rest"), side, "np_bullet",
                      _noun_action(rest[:60]) if side == "writer" else "other")]
    return []


def _bullet_heads(s: str, unit: _Unit, ctx: _Ctx) -> list[_Head]:
    """'Acme to confirm headcount by 12/3', 'Me: send pricing Fri', and bare verbs under 'Next steps:'."""
    if not (unit.bullet or unit.header):
        return []
    m = _TO_BULLET.match(s)
    if m:
        subj = m.group("subj").strip().lower()
        if subj in _NOT_NAMES_LOWER:
            return []
        rest = m.group("rest")
        if subj in {"me", "i", "we", "us"} or subj.startswith(("my ", "our ")) or (
                ctx.direction == "sent" and subj.split()[0].capitalize() in ctx.ours):
            side = "writer"
        elif subj in {"you", "u"} or subj.startswith("your "):
            side = "reader"
        else:
            side = "third_theirs"
        if not _verb_ok(rest):
            # "Me: SOW Monday", "AI: me - quote by Fri": a deliverable and a day under a person's label
            if subj in _LABEL_PERSONS and _DAY_WORDS.search(rest) and not rest.rstrip().endswith("?"):
                return [_Head(m.start("subj"), m.start("rest"), side, "np_bullet",
                              _noun_action(rest[:60]) if side == "writer" else "other")]
            return []
        return [_Head(m.start("subj"), m.start("rest"), side, "bullet")]
    if not unit.header:
        return []
    body = _BULLET.sub("", s, count=1)
    off = len(s) - len(body)
    first = body.strip().split(" ", 1)[0].lower() if body.strip() else ""
    is_verb = first in _BULLET_VERBS and _verb_ok(body.strip())
    if first and not is_verb and _WRITER_HEADER.search(unit.header) and not _DELIVERED.search(s) \
            and not s.rstrip().endswith("?"):
        lead = len(body) - len(body.lstrip())
        return [_Head(off + lead, off + lead, "writer", "np_bullet", _noun_action(body[:60]))]
    if first and is_verb:
        h = unit.header.lower()
        owner = re.search(r"\((me|i|us|we|you|u|them|they|[A-Z][a-z]+)\)", body)
        if owner:
            o = owner.group(1).lower()
            side = "writer" if o in ("me", "i", "us", "we") else "reader" if o in ("you", "u") else "third_theirs"
        elif re.search(r"\b(?:your|you|their|they)\b", h):
            side = "reader"
        else:
            side = "writer"
        lead = len(body) - len(body.lstrip())
        return [_Head(off + lead, off + lead, side, "bullet")]
    return []
