"""Every promise in a message: who owes it, what it is, when it is due, whether it is only a fallback for
silence (conditional) and whether it is a vague status touch.

Design (a cascade, because most sentences hold no promise and speed matters):
1. `nlp.quotes.own_text_mask` blanks quoted history, forwarded blocks, signatures and disclaimers while
   keeping offsets, so every span points into the raw body.
2. Soft line wraps are joined; hard breaks (blank lines, bullets, short lines, end punctuation) split
   the body into units. A cheap word-set test (`_has_cue`) keeps only units that can hold a promise.
3. Only those units go through spaCy: a blank `English()` tokenizer with the rule-based `sentencizer`
   (no model, nothing downloaded), batched with `nlp.pipe`.
4. In each sentence, promise heads are found by rules (subject + future modal, implicit subject, reported
   speech, reader-side phrasing, next-step bullets); each head's clause is read for negation, question,
   offer/hypothetical, statement-of-state, silence conditions, the action and its time expression.
5. Time expressions come from `nlp.when.find_times`; the one that belongs to the promise's clause wins, a
   condition's time ("If we don't speak before Friday, ...") never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from spacy.lang.en import English
from spacy.language import Language

from nlp.quotes import own_text_mask, quote_start
from nlp.when import TimeMention, find_times

__all__ = ["ExtractedCommitment", "MessageInput", "extract", "pipe", "DIRECTIONS", "ACTIONS"]

DIRECTIONS = ("sent", "received", "note")
ACTIONS = ("call", "email", "send", "meet", "follow_up", "other")
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


@dataclass(frozen=True)
class MessageInput:
    """One message for `pipe`: raw body, when it was sent, the writer's IANA zone, sent|received|note."""

    text: str
    sent_at: datetime
    timezone: str
    direction: str


# ---------------------------------------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------------------------------------

_AP = "['’]"  # apostrophes as typed
_SKIP = (
    r"(?:\s+(?:also|then|definitely|certainly|surely|just|def|defo|probably|personally|quickly|first|again|"
    r"happily|gladly|promptly|asap|now|hopefully|try\s+(?:to|and)|make\s+sure\s+(?:to|(?:that\s+)?(?:i|we)\s+)|"
    r"be\s+sure\s+to|aim\s+to|look\s+to|need\s+to|have\s+to|endeavou?r\s+to|be\s+able\s+to|get\s+(?:around\s+)?"
    r"to|do\s+my\s+best\s+to|attempt\s+to|plan\s+to|want\s+to|go\s+ahead\s+and|in\s+turn|myself|ourselves|"
    r"personally|both|all|each|once\s+again))*"
)
_NEG = re.compile(r"\b(?:not|never|no\s+longer|n[o']t)\b|n" + _AP + r"t\b", re.I)

# Subject + future modal. Group "subj" names the subject; "neg" catches won't/will not.
_HEAD = re.compile(
    r"(?<![\w'’])(?P<subj>i|we|you|u|he|she|they|(?<=,\s)who|[A-Z][a-z]{1,15})"
    r"(?:\s*" + _AP + r"(?:ll|d)\b|\s+will\b|\s+wil\b|\s+shall\b|\s+would\b"
    r"|\s+(?:am|are|is|'m|’m|'re|’re|m|r)\s+(?:going\s+to|gonna|planning\s+(?:to|on)|aiming\s+to|due\s+to|"
    r"set\s+to|about\s+to)|\s*" + _AP + r"(?:m|re|s)\s+(?:going\s+to|gonna|planning\s+(?:to|on)|aiming\s+to|"
    r"due\s+to|set\s+to)|\s+(?:plan|intend|promise|aim|undertake|expect|hope)\s+to|\s+promise\s+(?=(?:i|we)\b))"
    r"(?P<neg>\s+not\b|\s+never\b)?",
    re.I,
)
# The same heads, found fast: locate the modal (its first character is an apostrophe or a space, which
# the regex engine can skip to), then check the word before it.
_MODAL = re.compile(
    r"(?:['’](?:ll|d)\b|\s+(?:will|wil|shall|would)\b|(?:\s+(?:am|are|is|m|r)|\s*['’](?:m|re|s))\s+(?:going\s+to|"
    r"gonna|planning\s+(?:to|on)|aiming\s+to|due\s+to|set\s+to|about\s+to|to(?=\s+[a-z]))\b|\s+(?:plan|intend|promise|"
    r"aim|undertake|expect|hope)\s+to\b|\s+promise\s+(?=(?:i|we)\b))"
    r"(?P<neg>\s+not\b|\s+never\b)?",
    re.I,
)
_SUBJ_BEFORE = re.compile(r"(?:^|(?<=[^\w'’]))(?P<subj>i|we|you|u|he|she|they|who|[A-Z][a-z]{1,15})$", re.I)


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
        if m.group(0).endswith("to") and (subj.lower() not in ("i", "we", "you", "he", "she", "they")
                                          or re.match(r"\s+(?:blame|be\s+\w+ed)\b", s[m.end():])):
            continue  # "I'm to send" is a plan; "the GTC's to you" and "I'm to blame" are not
        yield sm.start(), m.end(), subj, s[a:m.end()].strip().lower(), bool(m.group("neg"))


_WONT = re.compile(r"\b(?:i|we|you|he|she|they)\s*(?:won" + _AP + r"?t|will\s+not|shall\s+not|" + _AP
                   + r"ll\s+not|ll\s+not|can" + _AP + r"?t|cannot)\b", re.I)
# Implicit subject at the start of a clause: "Will send the figures Tuesday", "going to call him Friday".
_IMPLICIT_BEFORE = re.compile(r"(?:^\W{0,2}|[:;,(\-–—•*]\s|\band\s|\bthen\s|\bso\s|\bbut\s)$", re.I)
_IMPLICIT = re.compile(
    r"\b(?P<mod>will|wil|ll|shall|gonna|going\s+to|planning\s+to|plan\s+to|promised\s+to|agreed\s+to|"
    r"intends?\s+to|aim\s+to|hope\s+to)\b(?!\s+(?:you|u|it|that|this|there|we|they|he|she|do\b))",
    re.I,
)
# Reported speech: "said I'd", "told her I would", "promised to", "she said she'll".
_REPORTED = re.compile(
    r"\b(?:said|told\s+\w+|told|promised|mentioned|confirmed|agreed|explained|let\s+\w+\s+know|advised|"
    r"indicated|replied|responded|says|tells\s+me)\s+(?:that\s+)?(?P<subj>i|we|he|she|they|[A-Z][a-z]{1,15})"
    r"(?:\s*" + _AP + r"(?:d|ll)\b|\s+would\b|\s+will\b|\s+(?:was|were|is|are)\s+going\s+to\b)",
    re.I,
)
# Present progressive for the future needs a future time to be a promise: "sending the deck over on Thursday".
_PROGRESSIVE = re.compile(
    r"(?:\b(?P<subj>i|we|he|she|they)\s*(?:" + _AP + r"m|" + _AP + r"re|" + _AP + r"s|\s+am|\s+are|\s+is|m)\s+|(?:^\s*|(?<=[,:;\-–—]\s)|(?<=^\W\s)))"
    r"(?=(?:(?:defo|def|definitely|also|still|then|just)\s+)?(?:sending|calling|emailing|shipping|sharing|ringing|phoning|meeting|dropping|circulating|forwarding|"
    r"delivering|getting\s+back|getting\s+\w+\s+(?:over|to\s+you)|popping|swinging|coming\s+by|visiting|"
    r"following\s+up|touching\s+base|checking\s+in|reaching\s+out|hosting|presenting|putting\s+together)\b)",
    re.I,
)
# Bare present for a plan, needs a future time in its clause: "i send the MSA mon", "we sign fri".
_BARE_VERBS = frozenset("""send call ring phone email e-mail share forward sign countersign get review deliver submit confirm
    book schedule set meet follow check ping circulate return provide issue draft prepare update finalise finalize pay
    approve raise process chase touch come revert reply respond go walk present demo visit host drop pop swing kick
    start launch ship courier post run do""".split())
_BARE = re.compile(
    r"\b(?P<subj>i|we|u|you)\s+(?=(?:send|call|ring|phone|email|e-mail|share|forward|sign|countersign|"
    r"get|review|deliver|submit|confirm|book|schedule|set\s+up|meet|follow\s+up|check\s+in|ping|circulate|return|"
    r"provide|issue|draft|prepare|update|finali[sz]e|pay|approve|raise|process|chase|touch\s+base|come\s+back|"
    r"revert|reply|respond|go\s+through|walk|present|demo|visit|host|drop|pop|swing|kick\s+off|start|launch|"
    r"ship|courier|post|run|do)\b)",
    re.I,
)
_BARE_START = re.compile(r"(?:^\W{0,3}|[,;:(]\s*|\s[-–—]\s|\b(?:so|ok|plan|then)\s)$", re.I)
_HABITUAL = re.compile(r"\b(?:every|each|usually|always|normally|typically|generally|often|sometimes|never|weekly|"
                       r"monthly|daily|annually|(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b", re.I)
_BARE_BLOCK = re.compile(r"\b(?:if|when|once|unless|before|after|until|till|whether|that|so|do|can|could|should|"
                         r"would|shall|may|might|must|to|let|and|but|or|then|where|how|why|what|as|while|since|because|"
                         r"cause|than|which|who|time|whenever|lest)\s*$", re.I)
# Implicit subject after a filler word in unpunctuated writing: "sorry for the delay will send u the login".
_FILLER_WILL = re.compile(
    r"\b(?:thanks|thx|ok|okay|sure|yes|yep|yeah|great|noted|cool|delay|np|perfect|done|understood|apologies|"
    r"sorry|again|though|tho|well|hi\s+\w+|hey\s+\w+|morning|all)\s+(?=(?:will|ll|gonna|shall)\s+\w)",
    re.I,
)
_PROMISED_TO = re.compile(r"\b(?P<subj>i|we|he|she|they|[A-Z][a-z]{1,15})\s+(?:promised|agreed|committed|offered)"
                          r"\s+to\b", re.I)
_PROMISED_NP = re.compile(r"\b(?P<subj>i|we)\s+(?:promised|owe)\s+(?:(?:him|her|them|you)\s+)?(?=(?:the|a|an|"
                          r"my|our|some|two|three|four|five|a\s+few|\d+)\b)|\b(?P<subj2>i|we)\s+owe\s+(?:him|her|them|you)\s+"
                          r"(?!(?:one|big|lunch|dinner|a\s+(?:beer|coffee|drink|favou?r)|an\s+apology|thanks|for|on|about|from|money)\b)"
                          r"(?<!what\si\sowe\s)(?=[a-z])",
                          re.I)
# A note to self in a call log: "Try again Monday 9am.", "chase Tues".
_NOTE_IMPERATIVE = re.compile(
    r"^\W*(?:(?:plan|next|todo|to\s+do|action|next\s+steps?)\s*:\s*)?(?:need\s+to\s+|must\s+|todo:?\s+|"
    r"to\s+do:?\s+)?(?!(?:call|meeting|chat|lunch|catch[\s-]?up|spoke|talked)\s+(?:w/|(?:with|from|to)\b))(?=(?:check|reply|confirm|review|prep|prepare|draft|get\s+back|"
    r"meet|call|try|ring|send|email|e-mail|follow\s+up|"
    r"chase|ping|book|set\s+up|check\s+in|circle\s+back|touch\s+base|reach\s+out|share|forward|resend)\b)",
    re.I,
)
_NOTE_NEED = re.compile(r"\b(?:i|we)\s+(?:need|have|must|" + _AP + r"ve\s+got|got)\s+to\s+(?=[a-z])|\b(?:i|we)\s+must\s+"
                        r"(?=[a-z])", re.I)
_NOTE_TO_STOP = frozenset("""spoke went got sent wrote rang talked need needs want wants have has had going used able due
    try tried told said go come back up down out next plan plans hope hopes way time nice good great reply replied
    listen listened speak talk chat moved this that there it""".split())
_NOTE_TO = re.compile(
    r"(?:^\W*|(?<=[.;,:]\s)|(?<=\s[-–—]\s))(?P<subj>[A-Z][a-z]+|me|i|we|us|legal|finance|procurement|it|he|she|they|"
    r"(?:his|her|their)\s+\w+)\s+to\s+(?P<passive>be\s+\w+ed\b)?")
# "our support team will", "Kim from finance will", "your IT lead is going to".
_TEAM_HEAD = re.compile(
    r"\b(?P<subj>(?P<poss>(?i:our|my|the|your|their|his|her))\s+(?:[\w&-]+\s+){0,2}(?:team|engineers?|colleagues?|"
    r"manager|rep|specialist|consultant|technician|crew|csm|se|lead|counsel|department|dept|folks|people|guys|"
    r"cfo|ceo|cto|coo|cio|ciso|vp|director|boss|assistant|office|partner)|[A-Z][a-z]+\s+(?:from|in|on|at)\s+"
    r"(?P<poss2>(?i:our|my|the|your|their))?\s*[\w&-]+(?:\s+team)?)\s*(?:will|" + _AP + r"ll|is\s+going\s+to|"
    r"are\s+going\s+to|shall)\b(?!\s+(?:not|never)\b)",
)
_ILL = re.compile(r"(?:^|(?<=[\s,;:(-]))(?:ill|Ill|ILL|il)\s+(?=(?:call|send|email|ring|get|try|follow|check|have|"
                  r"give|shoot|share|let|reach|ping|touch|circle|set|book|confirm|revert|drop|phone|forward|update|review|"
                  r"look|sort|prepare|draft|put|pull|loop|do|be|make|take|pop|flick|ask|chase|sign|schedule|"
                  r"arrange|organi[sz]e|finali[sz]e|circulate|submit|return|deliver|provide|text|whatsapp)\b)")
_HEDGE_BEFORE = re.compile(r"\b(?:not\s+sure|unsure|doubt|don" + _AP + r"?t\s+think|do\s+not\s+think|unlikely|"
                           r"no\s+idea\s+(?:if|whether)|wonder(?:ing)?\s+(?:if|whether)|not\s+certain)\b[^.;!?]*$",
                           re.I)
_LET_ME = re.compile(r"\blet\s+(?:me|us)\b(?!\s+know)", re.I)
# Reader-side phrasing of the writer's own promise.
_READER = re.compile(
    r"(?P<lead>\b(?:you|u)(?:\s*" + _AP + r"ll|\s+will|\s+should|\s+can)\s+(?:have|get|receive|hear|expect|"
    r"count\s+on)\b|(?:^|(?<=[\s(,;:-]))(?:please\s+)?(?:expect|count\s+on|look\s+out\s+for|watch\s+(?:out\s+)?for|"
    r"keep\s+an\s+eye\s+(?:out\s+)?(?:for|on)|be\s+on\s+the\s+lookout\s+for)\b)",
    re.I,
)
_ARRIVE = re.compile(
    r"(?:\b(?P<subj>it|they|this|that|the\s+\w+(?:\s+\w+)?|[a-z]+)\s+|^\W{0,3})(?:will|should|'ll|’ll)\s+(?:be\s+(?:with\s+you|"
    r"in\s+your\s+(?:inbox|hands|mailbox)|on\s+your\s+desk|over\s+to\s+you|in\s+the\s+(?:post|mail)|(?:sent|shipped|"
    r"delivered|couriered|emailed)\s+(?:out\b|over\b|across\b|to\s+(?:you|u)\b))|(?:land|arrive|reach\s+you|hit\s+your\s+inbox|go\s+out|ship)\b)",
    re.I,
)
# "Next steps" bullets: "Acme to confirm headcount by 12/3", "Me: send pricing Fri", "- send MSA Friday".
_TO_BULLET = re.compile(
    r"^\W{0,4}(?:\d+[.)]\s*)?(?:(?:AI|A/I|action(?:\s+item)?|todo|to\s+do|owner)\s*[:\-–]\s*)?(?P<subj>(?:[A-Z][\w&.'’-]*|me|i|we|us|you|u|they)(?:\s+(?:and|&)\s+[A-Z][\w'’-]*|"
    r"\s+[A-Z][\w'’-]*){0,2}|(?:our|my|your|their)\s+(?:side|team|end|legal|finance)|(?:[A-Z][\w&'’-]*\s+)?team)"
    r"(?:\s*\([^()]{1,30}\))?(?:\s*(?:to|will)\s+|\s*[:\-–]\s+(?:to\s+|will\s+)?)(?P<rest>\w.*)$",
)
_HEADER_LINE = re.compile(
    r"^\W*(?:(?:agreed\s+|proposed\s+|our\s+|the\s+|recap\s+of\s+|summary\s+of\s+)?next\s+steps?|action\s+items?|"
    r"to[\s-]?dos?|actions|follow[\s-]?ups?|(?:on|from)\s+(?:my|our|your|their)\s+(?:side|end)|"
    r"(?:i|we|you)\s*(?:" + _AP + r"ll|\s+will)(?:\s+\w+){0,2}|owners?|what\s+(?:i|we|you)\s*(?:" + _AP
    + r"ll|\s+will)\s+do)\s*(?:\([^)]*\))?\s*[:\-–]?\s*$"
    r"|^.{0,60}\b(?:follow[\s-]?ups?|next\s+steps?|action\s+items?|from\s+me|from\s+us|(?:my|our)\s+(?:side|end)|"
    r"to[\s-]?dos?|owe\s+you)\b.{0,30}:\s*$",
    re.I,
)
_WRITER_HEADER = re.compile(r"\b(?:from\s+me|from\s+us|(?:my|our)\s+(?:side|end)|i\s*" + _AP + r"?ll|i\s+will|"
                            r"we\s*" + _AP + r"?ll|we\s+will|from\s+my|i\s+owe|we\s+owe|my\s+action)\b", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•·‣◦▪>]|\d{1,2}[.)]|[a-z][.)]|\(\w\))\s+")

# Silence conditions: the promise only stands if the other side stays quiet.
_SILENCE = re.compile(
    r"\b(?:if|in\s+case|should|when|unless|assuming)\b[^.;!?]{0,60}?(?:\b(?:haven" + _AP + r"?t|have\s+not|hasn"
    + _AP + r"?t|has\s+not|don" + _AP + r"?t|do\s+not|doesn" + _AP + r"?t|didn" + _AP + r"?t|did\s+not|can" + _AP
    + r"?t|cannot|won" + _AP + r"?t|not|no|never|nothing)\b[^.;!?]{0,40}?\b(?:hear|heard|speak|spoken|connect|"
    r"connected|reach|reached|get|got|receive|received|catch|caught|talk|talked|respond|responded|reply|replied|seen|"
    r"see|had|"
    r"response|answer|answered|word|news|back|through|chance|feedback|sign|signed|come\s+through|find)"
    r"|\bmiss(?:ed)?\s+(?:you|each\s+other|me|him|her|them)|\bno\s+(?:reply|response|answer|word|news|"
    r"joy|luck)|\bnothing\s+(?:by|from|yet|comes)|\bstill\s+nothing|\bhear\s+otherwise|\b(?:you" + _AP
    + r"?re|you\s+are|he" + _AP + r"?s|she" + _AP + r"?s)\s+(?:not\s+around|busy|tied\s+up|unavailable|away|"
    r"swamped))"
    r"|\bfailing\s+(?:a|that|any|which|your|an|this|reply|response|word)\b|\bif\s+not\b|\botherwise\b|"
    r"\babsent\s+(?:a|any|your)\s+(?:reply|response|word)|\bin\s+the\s+absence\s+of\b|"
    r"\bno\s+(?:reply|response|word|news)\s+by\b|\bif\s+nothing\b|\bin\s+case\s+(?:we|i)\s+(?:miss|don)|"
    r"\bif\s+(?:i|we)\s+(?:still\s+)?(?:can" + _AP + r"?t|cannot|don" + _AP + r"?t|fail\s+to)\s+(?:reach|get\s+hold|"
    r"get\s+through|catch|connect)",
    re.I,
)
# Any subordinate condition (its time is not the promise's).
_CONDITION = re.compile(
    r"\b(?:if|unless|in\s+case|should\s+(?:i|we|you|it|that|there)\b|failing|provided(?:\s+that)?|as\s+long\s+as|"
    r"so\s+long\s+as|assuming|once|when|whenever|in\s+the\s+event|as\s+soon\s+as|(?:until|till)(?=\s+(?:i|we|you|"
    r"u|they|he|she|it|the|our|your|their|my|this|that|after|then)\b)|before\s+(?:i|we|you|"
    r"they|he|she)\b|after\s+(?:i|we|you|they|he|she)\b)\b",
    re.I,
)
# "If you'd like, I'll ..." / "if we go ahead, ..." - an offer or hypothetical, not a promise.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|should)\s+(?:you|u|they|he|she|it|that|the\s+\w+|we\s+(?:go|decide|move|proceed|get|win|close|"
    r"sign|agree|choose|want))\b(?![^,;.]{0,50}(?:\w+n" + _AP + r"t|\bnot|\bno|\bmiss|\bhaven|\bdon|\bnothing|"
    r"\bnever)\b)|\bif\s+so\b"
    r"|\bif\s+(?:it\s+)?(?:helps|useful|needed|required|necessary|interested|appropriate|you\s+like|"
    r"that\s+works)\b|\bwould\s+you\s+like\s+me\s+to\b|\bhappy\s+to\b|\bglad\s+to\b|\bif\s+you" + _AP
    + r"?d\s+like\b|\bif\s+you\s+(?:want|prefer|wish|need)\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^\W*(?:and\s+|so\s+|also\s+|but\s+)?(?:will|shall|should|would|could|can|do|does|did|is|are|may|might|"
    r"want\s+me\s+to|how\s+about|what\s+if|why\s+don" + _AP + r"?t)\s+(?:i|we|you|u|he|she|they)\b",
    re.I,
)
_DELIVERED = re.compile(
    r"\b(?:attached|enclosed|herewith|here\s+(?:is|are|'s|’s)|please\s+find|as\s+promised|i" + _AP
    + r"?ve\s+(?:sent|attached|shared|included)|below\s+(?:is|are)|just\s+sent)\b",
    re.I,
)
_OOO = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|ooo\b|on\s+(?:annual\s+|parental\s+|maternity\s+|paternity\s+|sick\s+)?"
    r"leave|on\s+vacation|on\s+holiday|away\s+from\s+(?:the\s+|my\s+)?(?:office|desk)|limited\s+access\s+to|"
    r"auto(?:matic)?[\s-]?reply|currently\s+(?:away|travelling|traveling))",
    re.I,
)
_ON_RETURN = re.compile(r"\b(?:when|once|upon|on|after)\s+(?:i|my)\s*(?:" + _AP + r"?m\s+|\s+am\s+|\s+get\s+|\s+)?"
                        r"(?:return|back|get\s+back)\b", re.I)

_VAGUE_PHRASES = re.compile(
    r"^(?:check\s+in|checking\s+in|touch\s+base|touching\s+base|circle\s+back|circling\s+back|loop\s+back|"
    r"ping|reach\s+out|reaching\s+out|be\s+in\s+touch|get\s+in\s+touch|keep\s+(?:you|u|him|her|them|y'all|"
    r"everyone)\s+(?:posted|updated|informed|in\s+the\s+loop|abreast)|catch\s+up|follow\s+up|following\s+up|"
    r"chase|nudge|stay\s+in\s+touch|be\s+back\s+in\s+touch|update\s+you\s+(?:as|when|once)|check\s+back|"
    r"reconnect|connect\s+again|connect)\b",
    re.I,
)
_PERSON_OBJ = r"(?:you|u|him|her|them|you\s+all|y'all|the\s+team|everyone|[A-Z][a-z]+)"

_STATE_VERBS = frozenset(
    """be have need want close open apply start begin launch go come take remain stay continue expire run hold
    attend cover travel fly arrive leave return head land miss wait hope assume guess think believe look appreciate
    love like bet say tell admit remember forget mean know happen seem feel cost charge increase decrease rise
    fall drop change move become get_ let see try keep do make put work help use pay owe win lose understand notice
    realize realise recall enjoy suppose wish join""".split()
)
_LIGHT_OK = {  # state-ish verbs that are promises with the right complement
    "get": re.compile(r"^get\s+(?:back|in\s+touch|(?:\w+\s+){0,5}(?:to|over\s+to|across\s+to|back\s+to)\s+"
                      r"(?:you|u|him|her|them|us|me)|you|u|him|her|them|(?:\w+\s+){0,5}(?:over|across|out|"
                      r"signed|done|sorted|finali[sz]ed|ready|sent|booked|scheduled|approved|fixed|to\s+\w+)|on\s+"
                      r"(?:a|the)\s+(?:call|phone)|hold\s+of)", re.I),
    "have": re.compile(r"^have\s+(?:(?:\w+[\s-]){0,6}(?:to|over\s+to|back\s+to|with|across\s+to)\s+(?:you|u|him|"
                       r"her|them|us|me)|(?:\w+\s+){0,5}(?:ready|done|over|back|finished|sorted|in\s+your|\w+ed\b)|an?\s+(?:\w+\s+)?"
                       r"(?:look|think|chat|word|go|call|quick)|someone|(?:(?!to\b|the\s+option|the\s+right)[\w'’]+\s+){1,4}(?:call|send|email|reach|contact|look|review|"
                       r"check|sign|get\s+back|go\s+(?:over|through))\b|"
                       r"an?\s+(?:update|answer|proposal|quote|draft|response))", re.I),
    "be": re.compile(r"^be\s+(?:sending|calling|emailing|sharing|following\s+up|reaching\s+out|in\s+touch|"
                     r"back\s+(?:to|in\s+touch)|touching\s+base|checking\s+in|circling\s+back|ringing|phoning|"
                     r"getting\s+back|delivering|shipping|forwarding|dropping|popping|swinging|coming\s+by|"
                     r"meeting|visiting|contacting|setting\s+up|scheduling|confirming|updating|replying|"
                     r"responding|there|over|with\s+you|in\s+contact|able\s+to|sure\s+to|on[\s-]?site|onsite|"
                     r"in\s+(?:touch|contact)|(?!(?:being|going|"
                     r"travell?ing|staying|working|attending|flying|leaving|taking|doing|looking|hoping|waiting|living|"
                     r"launching|closing|moving|running|using|expecting|planning|thinking|offering|charging|"
                     r"raising|increasing|starting|continuing|keeping|holding|heading|visiting\s+(?:family|"
                     r"friends))\b)\w+ing)\b", re.I),
    "come": re.compile(r"^come\s+(?:back\s+to|by|over|round|around|(?:and\s+)?(?:see|find|meet)|visit|to\s+(?:you|your))",
                       re.I),
    "let": re.compile(r"^let\s+(?:you|u|him|her|them|\w+|the\s+\w+)\s+know\b", re.I),
    "see": re.compile(r"^see\s+(?:you|u|y'all|everyone|the\s+team)\b", re.I),
    "try": re.compile(r"^try\s+(?:you|u|him|her|them|your|his|her|again|back|to\s+(?:call|reach|ring|phone|get)|"
                      r"(?:next|on|this\s+(?:morning|afternoon|evening|arvo|week)|tomorrow|tmrw|later|mon|tue|wed|thu|"
                      r"fri|sat|sun|first|around|at|after|in\s+the)\b)", re.I),
    "keep": re.compile(r"^keep\s+(?:you|u|him|her|them|everyone)\s+(?:posted|updated|informed|in\s+the\s+loop)",
                       re.I),
    "drop": re.compile(r"^drop\s+(?:you|u|him|her|them|by|in|off|it|a\s+(?:line|note|mail|email|message))",
                       re.I),
    "put": re.compile(r"^put\s+(?:together|something\s+together|it\s+together|(?:\w+\s+){0,4}in\s+the\s+"
                      r"(?:post|mail|diary|calendar))", re.I),
    "do": re.compile(r"^do\s+(?:a|the|an|our|my)\s+(?:[\w-]+\s+)?(?:call|demo|walkthrough|review|session|intro|survey|"
                     r"visit|install|installation|training|presentation|workshop|audit|assessment|set[\s-]?up|poc|pilot|"
                     r"kick[\s-]?off|onboarding|integration|migration|configuration|config|test|testing|trial|rollout|"
                     r"deployment|analysis|write[\s-]?up|summary|proposal|quote|estimate|evaluation|sizing|scoping)\b",
                     re.I),
    "make": re.compile(r"^make\s+(?:the\s+(?:intro|introduction|call|changes|edits|decision|payment)|an?\s+"
                       r"(?:intro|introduction|call|decision|payment)|contact|sure|a\s+final\s+decision)", re.I),
    "look": re.compile(r"^look\s+(?:into|at|over|through)\b", re.I),
    "work": re.compile(r"^work\s+(?:on|up|through)\b", re.I),
    "go": re.compile(r"^go\s+(?:over|through)\b", re.I),
    "pay": re.compile(r"^pay\s+(?:the|your|it|that|this|by|you|our)\b", re.I),
    "take": re.compile(r"^take\s+(?:a\s+look|care\s+of|it\s+(?:up|forward)|you\s+through|(?:it|this|that|them)\s+"
                       r"(?:to|up\s+with|forward))", re.I),
    "help": re.compile(r"^help\s+(?:you|u|set|with)\b", re.I),
    "move": re.compile(r"^move\s+(?:the|it|this|our|that)\b", re.I),
    "change": re.compile(r"^change\s+(?:the|it|this|that)\b", re.I),
    "tell": re.compile(r"^tell\s+(?:you|u|him|her|them)\s+(?:by|on|when|what|whether|if)\b", re.I),
    "run": re.compile(r"^run\s+(?:the|it|this|that|through|you)\b", re.I),
    "hold": re.compile(r"^hold\s+(?:a|the)\s+(?:call|meeting|session|demo)", re.I),
    "return": re.compile(r"^return\s+(?!to\b|from\b|home\b|on\b|in\b|next\b|after\b|by\b)(?:the|your|it|them|"
                         r"our|my|a|an|\w+s\b)", re.I),
    "use": re.compile(r"^$", re.I),
}

_ACTION_RULES: Sequence[tuple[str, re.Pattern[str]]] = [
    ("call", re.compile(
        r"^(?:(?:be\s+)?(?:call|calling|ring|ringing|phone|phoning|dial|buzz|tele?phone|skype|zoom)\b|"
        r"give\s+(?:you|u|him|her|them|\w+)\s+(?:a\s+|another\s+|one\s+more\s+)?(?:quick\s+)?(?:call|ring|buzz|"
        r"bell|tinkle|shout|phone\s+call)|try\s+(?:you|u|him|her|them|your|his|her|again|back|to\s+(?:call|reach|"
        r"ring|phone)|(?:next|on|this\s+(?:morning|afternoon|evening|arvo|week)|tomorrow|tmrw|later|mon|tue|wed|"
        r"thu|fri|sat|sun|first|around|at|after|in\s+the)\b)|(?:follow\s+up|check\s+in|reach\s+out)\s+by\s+(?:phone|telephone)|"
        r"get\s+on\s+(?:a|the)\s+(?:call|phone)|have\s+(?:someone|\w+)\s+call|(?:be\s+)?(?:give|giving)\s+"
        r"(?:you|u)\s+a\s+call|touch\s+base\s+by\s+phone|hop\s+on\s+a\s+call)", re.I)),
    ("meet", re.compile(
        r"^(?:(?:be\s+)?(?:meet|meeting)\b|(?:set|setting)\s+up\s+(?:(?:a|an|the|some|our)\s+)?(?:\w+\s+){0,2}(?:call|"
        r"meeting|demo|session|time|workshop|review|walkthrough|zoom|teams|chat|visit|catch[\s-]?up)|"
        r"(?:schedule|book|arrange|organi[sz]e|host|run|hold|set)\s+(?:(?:a|an|the|some|our|up)\s+)?(?:[\w-]+\s+){0,2}"
        r"(?:call|meeting|demo|session|time|workshop|review|walkthrough|visit|catch[\s-]?up|lunch|coffee)|"
        r"(?:swing|stop|drop|pop|come|call)\s+(?:by|in|round|around|over)\b|visit|see\s+(?:you|u|y'all|everyone)|"
        r"demo\b|walk\s+(?:you|u|them|him|her)\s+through|get\s+together|sit\s+down|do\s+(?:a|the|an)\s+(?:\w+\s+)?"
        r"(?:demo|walkthrough|session|survey|visit|workshop)|come\s+(?:and\s+)?(?:see|find|meet)|be\s+on[\s-]?site|be\s+onsite|be\s+there)", re.I)),
    ("email", re.compile(
        r"^(?:(?:be\s+)?(?:e-?mail|e-?mailing|mail|reply|replying|respond|responding|revert|reverting|write|"
        r"message|text|whatsapp|confirm|confirming|update\s+(?:you|u|him|her|them|everyone|the\s+team)|updating\s+"
        r"(?:you|u)|answer|advise|inform|notify|feed\s+back)\b|"
        r"(?:be\s+)?(?:get|getting|come|coming)\s+back\s+to|(?:be\s+)?back\s+to\s+(?:you|u)|let\s+(?:you|u|him|"
        r"her|them|\w+|the\s+\w+)\s+know|drop\s+(?:you|u|him|her|them)\s+(?:a|an)\s+(?:line|note|mail|e-?mail|"
        r"message|text)|(?:follow\s+up|reach\s+out)\s+by\s+e-?mail|tell\s+(?:you|u|him|her|them)|"
        r"give\s+(?:you|u)\s+(?:an?\s+)?(?:update|answer|heads[\s-]up|feedback|decision|response)|get\s+an?\s+"
        r"(?:answer|response|update)\s+to)", re.I)),
    ("send", re.compile(
        r"^(?:(?:be\s+)?(?:send|sned|snd|sending|share|sharing|forward|forwarding|deliver|delivering|ship|shipping|submit|"
        r"submitting|circulate|provide|upload|courier|post|dispatch|fax|attach|table|issue|release|resend|"
        r"re-send|return)\b|shoot|fire|pass\s+(?:along|on|it|this|that|them)|get\s+(?:[\w'’]+[\s-]){0,6}?(?:to|over|"
        r"across|back\s+to)\s+(?:you|u|him|her|them|us|me)|get\s+(?:you|u|him|her|them)\b|get\s+(?:\w+\s+){0,5}"
        r"(?:over|across|out)|have\s+(?:\w+[\s-]){0,6}(?:to|over|back|with|across)\b|put\s+together|put\s+"
        r"(?:\w+\s+){0,4}in\s+the\s+(?:post|mail)|prepare|draft|write\s+up|pull\s+together|compile|produce|"
        r"follow\s+up\s+with\s+(?!you\b|u\b|him\b|her\b|them\b|everyone\b|[A-Z][a-z]+\b)\w|drop\s+(?:it|them|"
        r"\w+)\s+(?:off|in\s+the\s+post)|make\s+(?:the\s+)?(?:intro|introduction)|introduce|send\s+across|"
        r"revert\s+with|get\s+back\s+to\s+(?:you|u)\s+with\s+(?:the|a|an|our|my|some)\b|turn\s+(?:it|them|this|that|"
        r"these|those)\s+around)", re.I)),
    ("follow_up", _VAGUE_PHRASES),
]
_NOUN_ACTION = [  # for reader-side phrasing: "expect a call from me"
    ("meet", re.compile(r"\b(?:invite|invitation|meeting|calendar|visit|set\s+up|schedule|book|demo|workshop)\b",
                        re.I)),
    ("call", re.compile(r"\b(?:call|ring|buzz|phone\s+call|bell)\b", re.I)),
    ("email", re.compile(r"\b(?:e-?mail|reply|response|answer|note|line|update|word|message|hear|feedback)\b",
                         re.I)),
]

# The cascade's cheap first stage: a unit/sentence can only hold a promise if it has one of these words.
# A set lookup over `[a-z]+` words is far cheaper than any alternation regex over every character.
_CUE_WORDS = frozenset(
    """ll will wil shall going gonna plan planning intend intends intending expect count said told promised promise
    agreed committed let look watch eye next action todo todos aim aiming due undertake sending calling emailing
    meeting ringing shipping sharing ill owe inbox desk says tells should""".split()
)
_WORD = re.compile(r"[a-z]+")


def _has_cue(text: str) -> bool:
    return not _CUE_WORDS.isdisjoint(_WORD.findall(text.lower()))


# ---------------------------------------------------------------------------------------------------------
# spaCy: blank English tokenizer + rule-based sentencizer, built once.
# ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _nlp() -> Language:
    nlp = English()
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_CHARS * 2
    return nlp


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def extract(text: str, *, sent_at: datetime, timezone: str, direction: str) -> list[ExtractedCommitment]:
    """Every promise in one raw message body (quotes and signatures are stripped here)."""
    return next(pipe([MessageInput(text, sent_at, timezone, direction)]))


def pipe(messages: Iterable[MessageInput], batch_size: int = 64) -> Iterator[list[ExtractedCommitment]]:
    """The promises of each message, in input order; candidate units of a batch go through spaCy together."""
    batch: list[MessageInput] = []
    for message in messages:
        batch.append(message)
        if len(batch) >= batch_size:
            yield from _run_batch(batch)
            batch = []
    if batch:
        yield from _run_batch(batch)


# ---------------------------------------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------------------------------------


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


def _run_batch(batch: list[MessageInput]) -> Iterator[list[ExtractedCommitment]]:
    units: list[_Unit] = []
    ctxs: list[_Ctx | None] = []
    for i, m in enumerate(batch):
        ctx = _context(m)
        ctxs.append(ctx)
        if ctx is None:
            continue
        own = own_text_mask(m.text[:MAX_CHARS])
        units.extend(u for u in _split_inline_lists(_units(i, own))
                     if u.header or u.bullet or ctx.direction == "note" or _has_cue(u.text))
    results: list[list[ExtractedCommitment]] = [[] for _ in batch]
    # Second stage: rough sentence pieces without a cue word never reach spaCy.
    segments: list[tuple[_Unit, int, str]] = []
    known_heads: dict[tuple[int, int], tuple[str, list[_Head]]] = {}
    for unit in units:
        ctx = ctxs[unit.msg]
        if unit.header or unit.bullet or (ctx is not None and ctx.direction == "note"):
            segments.append((unit, 0, unit.text))
            continue
        pos = 0
        pieces = _ROUGH_SPLIT.split(unit.text)
        for piece in pieces:
            if ctx is not None and (len(pieces) == 1 or _has_cue(piece)):
                heads = _find_heads(piece, unit, ctx)
                if heads:
                    segments.append((unit, pos, piece))
                    known_heads[(id(unit), pos)] = (piece, heads)
            pos += len(piece)
    # Third stage: spaCy's sentencizer segments the pieces the rough splitter could not settle (sentence
    # punctuation inside them, or whole bullet/note units); a piece with none is one sentence as it stands.
    unsure = [i for i, (_, _, t) in enumerate(segments) if _INNER_STOP.search(t)]
    docs = dict(zip(unsure, _nlp().pipe(segments[i][2] for i in unsure), strict=True))
    times_of: dict[int, _LazyTimes] = {}
    for i, (unit, seg_off, seg_text) in enumerate(segments):
        ctx = ctxs[unit.msg]
        assert ctx is not None
        unit_times = times_of.setdefault(id(unit), _LazyTimes(unit.text, ctx))
        doc = docs.get(i)
        spans = [(sent.start_char, sent.text) for sent in doc.sents] if doc is not None else [(0, seg_text)]
        for start_char, s_text in spans:
            if not s_text.strip():
                continue
            off = seg_off + start_char
            known = known_heads.get((id(unit), off))
            reuse = known[1] if known is not None and known[0] == s_text else None
            results[unit.msg].extend(_sentence(s_text, off, unit, ctx, unit_times, reuse))
    for r in results:
        yield _dedupe(r)


def _context(m: MessageInput) -> _Ctx | None:
    """Validated message context; None means 'nothing to extract' (never raise on bad input)."""
    if not isinstance(m.text, str) or not m.text.strip():
        return None
    try:
        zone = ZoneInfo(m.timezone)
    except Exception:
        zone = ZoneInfo("UTC")
    sent_at = m.sent_at
    if not isinstance(sent_at, datetime):
        return None
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=zone)
    direction = m.direction if m.direction in DIRECTIONS else "sent"
    head = m.text[:MAX_CHARS]
    return _Ctx(sent_at.astimezone(zone), zone, direction, head[:2000], head)


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


_INNER_STOP = re.compile(r"[.!?;\n…](?=.*\w)", re.S)  # sentence punctuation before the last word
_ROUGH_SPLIT = re.compile(r"(?<=[.!?])(?=\s+\S)")
_SOFT_END = re.compile(r"[.!?:;)]\s*$")


def _units(msg: int, own: str) -> list[_Unit]:
    """Split the own text into hard-broken units; soft wraps (long line, no end punctuation, next line goes
    on in lower case) are joined by turning the newline into a space, which keeps every offset."""
    out: list[_Unit] = []
    header = ""
    items = 0
    cur_start = -1
    cur_parts: list[str] = []
    cur_bullet = False
    pos = 0
    for ln in own.split("\n"):
        start, pos = pos, pos + len(ln) + 1
        stripped = ln.strip()
        if not stripped:
            if cur_start >= 0:
                out.append(_Unit(msg, cur_start, " ".join(cur_parts), header, cur_bullet))
                cur_start, cur_parts, cur_bullet = -1, [], False
            if items:
                header, items = "", 0  # a blank line after the list's items ends the list
            continue
        is_bullet = (stripped[0] in _BULLET_START or stripped[1:2] in (".", ")")) and bool(_BULLET.match(ln))
        if (cur_start >= 0 and not is_bullet and len(cur_parts[-1].strip()) >= 45
                and not _SOFT_END.search(cur_parts[-1])):
            cur_parts.append(ln)
            continue
        if cur_start >= 0:
            out.append(_Unit(msg, cur_start, " ".join(cur_parts), header, cur_bullet))
        if len(stripped) < 80 and (len(stripped) < 45 or stripped[-1] in ":-–") and _HEADER_LINE.match(stripped):
            header, items = stripped, 0
            cur_start, cur_parts, cur_bullet = -1, [], False
            continue
        items += 1
        if header and not is_bullet and len(stripped) > 80 and not _TO_BULLET.match(stripped):
            header = ""
        cur_start, cur_parts, cur_bullet = start, [ln], is_bullet
    if cur_start >= 0:
        out.append(_Unit(msg, cur_start, " ".join(cur_parts), header, cur_bullet))
    return out


_BULLET_START = frozenset("-*•·‣◦▪>(0123456789")


_INLINE_LIST = re.compile(r"\b(?:next\s+steps?|action\s+items?|to[\s-]?dos?|actions)\s*:\s*", re.I)


def _split_inline_lists(units: Iterable[_Unit]) -> Iterator[_Unit]:
    """'Next steps: send pricing (me) Fri; Nina to confirm budget owner by 11/20.' -> one bullet per item."""
    for u in units:
        low = u.text.lower() if ":" in u.text else ""
        m = _INLINE_LIST.search(u.text) if low and ("step" in low or "item" in low or "do" in low
                                                     or "action" in low) else None
        if m is None or m.end() >= len(u.text):
            yield u
            continue
        if m.start() > 0:
            yield _Unit(u.msg, u.start, u.text[:m.start()], u.header, u.bullet)
        pos = m.end()
        for part in re.split(r"(;\s*|\s*[•·]\s*)", u.text[m.end():]):
            if part.strip() and not re.fullmatch(r";\s*|\s*[•·]\s*", part):
                yield _Unit(u.msg, u.start + pos, part, "next steps:", True)
            pos += len(part)


@dataclass(frozen=True)
class _Head:
    start: int  # where the promise clause starts (subject or cue)
    verb: int  # where the verb phrase starts
    side: str  # "writer" | "reader" | "third_ours" | "third_theirs" | "other_side"
    kind: str  # "modal" | "implicit" | "reported" | "reader" | "arrive" | "bullet" | "letme"
    noun_action: str = ""  # for reader-side phrasing: the action named by the noun
    coord: bool = False  # a coordinated verb sharing the previous head's subject ("... and call you Tuesday")


class _LazyTimes:
    """Time mentions of a unit, resolved only when a sentence of it holds a promise head."""

    def __init__(self, text: str, ctx: _Ctx) -> None:
        self.text = text
        self.ctx = ctx
        self._times: list[TimeMention] | None = None

    def get(self) -> list[TimeMention]:
        if self._times is None:
            self._times = _times(self.text, self.ctx)
        return self._times


_DAY_WORDS = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun|today|tomorrow|tmrw|tmr|2morrow|tonight|yesterday|jan|feb|mar|apr|may|jun|"
    r"jul|aug|sep|oct|nov|dec|next|this|week|weekend|month|morning|afternoon|evening|eod|cob|eow|day)|\d+\s*/\s*\d+"
    r"|\d+(?:st|nd|rd|th)\b",
    re.I,
)


_ANAPHOR = re.compile(r"(?<!\bby\s)\b(?:then|that\s+day|that\s+time|at\s+that\s+point)\b\s*[.!]?\s*$", re.I)
# A day named relative to one said earlier: "the demo is Thursday ... I'll send the dial-in the day before".
_REL_DAY = re.compile(r"\bthe\s+(?:day|night|morning|evening|afternoon)\s+(?P<dir>before|after|of)\b|\bon\s+the\s+day\b|"
                      r"\b(?:right|straight|just|soon|shortly)\s+after(?:wards)?\b|\bafterwards\b|\bafter\s+that\b",
                      re.I)


def _relative_day(s: str, head_start: int, verb: int, clause_end: int, prior: list[TimeMention]) -> TimeMention | None:
    """The day an anaphoric phrase points at, from the last future day named before the promise."""
    m = _REL_DAY.search(s, verb, clause_end)
    if m is None:
        return None
    days = [t for t in prior if t.start < head_start and not t.is_past]
    if not days:
        return None
    base = days[-1]
    shift = {"before": -1, "after": 1}.get((m.group("dir") or "").lower(), 0)
    value = base.value.replace(hour=0, minute=0) + timedelta(days=shift)
    return replace(base, value=value, grain="day", has_time=False)


def _combine_day(chosen: TimeMention, times: list[TimeMention], s_off: int) -> TimeMention:
    """'Let's talk Friday - I'll call you at 11': a bare clock time takes the day named just before it."""
    if chosen.grain not in ("minute", "hour") or _DAY_WORDS.search(chosen.text):
        return chosen
    days = [t for t in times if t.end <= chosen.start and chosen.start - t.end < 200 and t.grain == "day"
            and not t.is_past and not t.has_time]
    if not days:
        return chosen
    day = days[-1].value
    value = chosen.value.replace(year=day.year, month=day.month, day=day.day)
    return replace(chosen, value=value)


def _sentence(s: str, s_off: int, unit: _Unit, ctx: _Ctx, unit_times: _LazyTimes,
              known_heads: list[_Head] | None = None) -> list[ExtractedCommitment]:
    base = unit.start + s_off
    if known_heads is not None:
        heads = known_heads
    else:
        if not (unit.header or unit.bullet or ctx.direction == "note" or _has_cue(s)):
            return []
        heads = _find_heads(s, unit, ctx)
    if not heads:
        return []
    times: list[TimeMention] | None = None
    out: list[ExtractedCommitment] = []
    coords: list[bool] = []
    for idx, head in enumerate(heads):
        clause_end = heads[idx + 1].start if idx + 1 < len(heads) else len(s)
        clause_end = _clause_end(s, head.verb, clause_end)
        clause = s[head.start:clause_end]
        vp = s[head.verb:clause_end].strip()
        if not _is_promise(s, head, clause, vp, ctx, unit):
            continue
        if _OOO.search(clause) and ctx.ooo:
            continue  # "I'm on leave next week but Fran will cover"
        action, vague = _action(vp, head)
        if action is None:
            continue
        restates = head.kind == "reader" and bool(out) and bool(
            re.match(r"^\s*(?:it|them|this|that|these|those)\b", s[head.verb:]))
        if times is None:
            all_times = unit_times.get()
            times = [replace(t, start=t.start - s_off, end=t.end - s_off) for t in all_times
                     if s_off <= t.start < s_off + len(s)]
            earlier = [replace(t, start=t.start - s_off, end=t.end - s_off) for t in all_times if t.start < s_off]
        prev_end = heads[idx - 1].start if idx > 0 else 0
        mention = _pick_time(s, times, head, clause_end, prev_end, first=idx == 0)
        if mention is None and _ANAPHOR.search(s, head.verb, clause_end):
            prior = [t for t in earlier + times if t.start < head.start and not t.is_past]
            mention = prior[-1] if prior else None
        if mention is None:
            mention = _relative_day(s, head.start, head.verb, clause_end, earlier + times)
        if mention is None:
            mention = _condition_time(s, times, head, clause_end, prev_end)
        if mention is not None:
            usable_before = [t for t in earlier + times if t.start < mention.start]
            mention = _combine_day(mention, usable_before, s_off)
        if head.kind == "arrive" and mention is None and re.search(r"\bshould\b", s[head.start:head.start + 40], re.I):
            continue
        if head.kind == "bare" and (mention is None or mention.is_past or mention.value.date() < ctx.sent_at.date()
                                    or (mention.has_time and mention.value <= ctx.sent_at)):
            continue  # "we sign contracts in person" is a fact; "we sign fri" is a plan
        if head.kind == "progressive" and (mention is None or mention.value <= ctx.sent_at + timedelta(minutes=30)):
            continue  # "I'm sending the proposal" is news, not a promise, unless a later time is named
        after_word = mention is not None and mention.start >= 0 and bool(
            re.search(r"\bafter\s+$", s[max(0, mention.start - 8):mention.start], re.I))
        due, has_time = _due(mention, ctx, after_word)
        conditional = _conditional(s, head, clause_end)
        if conditional and due is not None and mention is not None:
            due = _after_condition(s, times, head, clause_end, mention, due)
        who = _who(head.side, ctx)
        if who is None:
            continue
        if restates:
            if out[-1].due is None and due is not None:
                out[-1] = replace(out[-1], due=due, due_has_time=has_time)
            continue
        t_start, t_end = _trim(s, 0 if idx == 0 else head.start, clause_end if idx + 1 < len(heads) else len(s))
        out.append(ExtractedCommitment(
            who=who, action=action, due=due, due_has_time=has_time, conditional=conditional,
            vague=vague, text=s[t_start:t_end], start=base + t_start, end=base + t_end,
        ))
        coords.append(head.coord)
    return _share_times(out, coords)


def _share_times(items: list[ExtractedCommitment], coords: list[bool]) -> list[ExtractedCommitment]:
    """Coordinated verbs share one time when only one of them states it ("I'll book a room and send the
    invite for Tuesday")."""
    if not any(coords):
        return items
    out = list(items)
    for i in range(len(out)):
        group_next = i + 1 < len(out) and coords[i + 1]
        if out[i].due is None:
            donor = None
            if coords[i] and i > 0 and out[i - 1].due is not None:
                donor = out[i - 1]
            elif group_next and out[i + 1].due is not None:
                donor = out[i + 1]
            if donor is not None:
                out[i] = replace(out[i], due=donor.due, due_has_time=donor.due_has_time)
    return out


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (s[a].isspace() or s[a] in "-*•·>"):
        a += 1
    while b > a and s[b - 1].isspace():
        b -= 1
    return a, b


_COORD = re.compile(
    r"(?:,\s*|\s+)(?:and|&|then|plus|n|,)\s+(?:then\s+|also\s+|will\s+|" + _AP + r"ll\s+)?(?=(?:call|ring|phone|"
    r"send|email|e-mail|share|forward|follow\s+up|touch\s+base|check\s+in|circle\s+back|set\s+up|schedule|book|"
    r"get\s+back|get\s+(?:it|them|this|that)\s+(?:back|over|to|signed|done)|get\s+(?:you|u)\b|let\s+(?:you|u|him|"
    r"her|them)\s+know|loop\s+in|confirm|meet|give\s+(?:you|u|him|her|them)\s+a|revert|come\s+back|"
    r"have\s+(?:it|them|this|that|something|the|an?|our|my)\b|discuss|review|update|provide|deliver|submit|"
    r"circulate|return|sign|finali[sz]e|prepare|draft|arrange|organi[sz]e|pull\s+together|put\s+together|walk|"
    r"shoot|drop|pop|try|reach\s+out|loop\s+back|ping|chase|present|host|introduce|intro|issue|raise|ship|"
    r"courier|post|take\s+(?:it|this|that|them)\s+to|run\s+(?:it|this|that|them)\s+(?:by|past)|"
    r"check\s+back|get\s+(?:something|an?\s+\w+)\s+(?:over|to|across)|turn\s+(?:it|them|this|that)\s+around)\b)"
    r"|(?:,\s*|\s+(?:and|&|then|n)\s+)(?=(?:sending|calling|ringing|emailing|sharing|reverting|reviewing|forwarding|"
    r"following\s+up|getting\s+back|signing|confirming|booking|scheduling|circulating|delivering|submitting|"
    r"chasing)\b)",
    re.I,
)


_G_REPORTED = frozenset("said told promised mentioned confirmed agreed explained let advised indicated replied "
                        "responded says tells".split())
_G_PROMISED = frozenset("promised agreed committed offered owe".split())
_G_READER = frozenset("expect count look watch eye lookout".split())
_G_YOU = frozenset("you u".split())
_G_YOU_MODAL = frozenset("ll will should can".split())
_G_HEAD = frozenset("ll d will wil shall would going gonna planning aiming due set about plan intend promise aim "
                    "undertake expect hope".split())
_G_ARRIVE = frozenset("land arrive reach hit inbox desk hands post mail over mailbox with ship shipped delivered "
                      "couriered".split())
_G_FUTURE = frozenset("will ll shall going gonna".split())
_G_IMPLICIT = frozenset("will wil ll shall gonna going planning plan promised agreed intend intends aim hope".split())
_G_PROGRESSIVE = frozenset("sending calling emailing shipping sharing ringing phoning meeting dropping circulating "
                           "forwarding delivering getting popping swinging coming visiting following touching "
                           "checking reaching hosting presenting putting".split())
_G_COORD = frozenset("and then plus".split())
_G_BARE = frozenset("i we u you".split())
_DIGIT = re.compile(r"\d")
_G_TIMEWORDS = frozenset("""mon monday tue tues tuesday wed weds wednesday thu thur thurs thursday fri friday sat saturday
    sun sunday today tomorrow tmrw tmr tmrow morrow tonight eod cob eow week weekend month morning afternoon evening
    arvo noon am pm jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august
    september october november december next""".split())


def _find_heads(s: str, unit: _Unit, ctx: _Ctx) -> list[_Head]:
    heads: list[_Head] = []
    taken: list[tuple[int, int]] = []
    words = frozenset(_WORD.findall(s.lower()))
    bulletish = bool(unit.header or unit.bullet)

    def add(h: _Head, end: int) -> None:
        for a, b in taken:
            if a <= h.start < b or a < end <= b:
                return
        taken.append((h.start, end))
        heads.append(h)

    for m in _REPORTED.finditer(s) if words & _G_REPORTED else ():
        subj = m.group("subj").lower()
        side = _subject_side(subj, s, m.end(), ctx, reported=True)
        add(_Head(m.start("subj"), m.end(), side, "reported"), m.end())
    for m in _PROMISED_TO.finditer(s) if words & _G_PROMISED else ():
        subj = m.group("subj").lower()
        add(_Head(m.start(), m.end(), _subject_side(subj, s, m.end(), ctx, reported=True), "reported"), m.end())
    for m in _READER.finditer(s) if (words & _G_READER) or ((words & _G_YOU) and (words & _G_YOU_MODAL)) else ():
        lead = m.group("lead").lower()
        rest = s[m.end():m.end() + 120]
        if lead.startswith(("you", "u ")) or lead.startswith("u"):
            if re.match(r"^\s+(?:hear|expect)\b", rest, re.I) is None and re.match(
                    r"^(?:.{0,60}?)\b(?:to|from)\s+(?:us|me)\b", rest, re.I) and not re.search(
                    r"\bfrom\s+(?:me|us)\b", rest[:60], re.I):
                continue  # "you'll get the user list to us" is their promise: a modal head covers it
            if re.match(r"^\s+to\b|^\s+(?:it|them|this|that|everything|the\s+\w+(?:\s+\w+)?)\s+(?:signed|countersigned|"
                        r"done|approved|reviewed|sorted|finali[sz]ed|executed|completed|returned|back\s+to\s+(?:us|me)|"
                        r"over\s+to\s+(?:us|me))\b", rest, re.I):
                continue  # "you'll get it signed by Wednesday": a modal head reads it as their promise
            if "hear" in lead or re.match(r"^\s*(?:back\s+)?from\s+(?:me|us|my|our)\b", rest, re.I):
                noun = "email"
            else:
                noun = _noun_action(rest[:60])
        else:
            if re.match(r"^\s+(?:that|to\s+(?!hear)|you\b|it\s+to\s+(?:be|take)|delays?|some|the\s+(?:price|cost|"
                        r"market|rates?|team\s+to))", rest, re.I):
                continue
            if m.start() > 0 and re.search(r"\b(?:i|we|they|you|he|she|don" + _AP + r"?t|not|would|to)\s*$",
                                           s[:m.start()], re.I):
                continue  # "I expect ...", "we don't expect" - not the imperative
            noun = _noun_action(rest[:60])
        add(_Head(m.start(), m.end(), "writer", "reader", noun), m.end())
    for h_start, h_end, subj, modal, negated in _modal_heads(s) if words & _G_HEAD else ():
        low = subj.lower()
        if negated:
            continue
        if re.match(r"^(?:" + _AP + r"d|would)", modal):
            continue  # "I'd be happy to", "we would" - hypothetical unless reported (handled above)
        if low not in {"i", "we", "you", "u", "he", "she", "they", "who"}:
            if subj in _NOT_NAMES or not subj[0].isupper():
                continue
        side = _subject_side(low, s, h_end, ctx, reported=False)
        add(_Head(h_start, h_end, side, "modal"), h_end)
    arrive_cue = bool(words & _G_ARRIVE) or ("out" in words and "go" in words) or ("sent" in words and "be" in words)
    for m in _ARRIVE.finditer(s) if arrive_cue and (words & _G_YOU_MODAL) else ():
        subj = (m.group("subj") or "it").lower()
        if subj in {"you", "i", "we", "he", "she"}:
            continue
        add(_Head(m.start(), m.start(), "writer", "arrive", "send"), m.end())
    for m in _TEAM_HEAD.finditer(s) if words & _G_FUTURE else ():
        poss = (m.group("poss") or m.group("poss2") or "our").lower()
        if poss in ("your",):
            side = "reader"
        elif poss in ("their", "his", "her"):
            side = "third_theirs"
        else:
            side = "third_ours" if ctx.direction != "note" else "third_theirs"
        add(_Head(m.start(), m.end(), side, "modal"), m.end())
    for m in _ILL.finditer(s) if 'ill' in words or 'il' in words else ():
        add(_Head(m.start(), m.end(), "writer", "modal"), m.end())
    for m in _PROMISED_NP.finditer(s) if words & _G_PROMISED else ():
        add(_Head(m.start(), m.end(), "writer", "promised_np", "send"), m.end())
    if ctx.direction == "note" and " to " in s:
        for m in _NOTE_TO.finditer(s):
            subj = m.group("subj").lower()
            rest = s[m.end():]
            if m.group("passive"):
                owner = re.search(r"\((me|i|us|we)\)", rest[:80], re.I)
                if owner:
                    add(_Head(m.start(), m.start("passive"), "writer", "passive_todo"), m.end())
                continue
            if subj in _NOTE_TO_STOP or subj.endswith("ed") or not rest[:1].islower() or not _verb_ok(rest):
                continue  # "Spoke to Jonah", "Talked to legal"
            side = "writer" if subj in ("me", "i", "we", "us") else "other_side_writer"
            add(_Head(m.start(), m.end(), side, "note_todo"), m.end())
    if ctx.direction == "note":
        for m in _NOTE_NEED.finditer(s):
            if not re.search(r"\b(?:if|in\s+case|when|whether|unless|once)\s*$", s[max(0, m.start() - 9):m.start()], re.I):
                add(_Head(m.start(), m.end(), "writer", "note_todo"), m.end())
        if not bulletish:
            for h in _label_heads(s, ctx, persons_only=False):
                add(h, h.verb)
        m2 = _NOTE_IMPERATIVE.match(s)
        if m2:
            add(_Head(m2.end(), m2.end(), "writer", "note_todo"), m2.end() + 1)
    for m in _LET_ME.finditer(s):
        if not any(h.start > m.start() for h in heads):  # "let me check with legal and I'll ..." is a preamble
            add(_Head(m.start(), m.end(), "writer", "letme"), m.end())
    for m in _IMPLICIT.finditer(s) if words & _G_IMPLICIT else ():
        if not _IMPLICIT_BEFORE.search(s, max(0, m.start() - 6), m.start()):
            continue
        side = "writer"
        if ctx.direction == "note" and _note_speaker_other(s[:m.start()], unit):
            side = "other_side_writer"
        elif ctx.direction == "received":
            side = "writer"
        if s[m.end():].strip()[:1] == "?":
            continue
        coord = bool(re.search(r"(?:\band|\bthen|,)\s*$", s[:m.start()], re.I)) and bool(heads)
        add(_Head(m.start(), m.end(), side, "implicit", coord=coord), m.end())
    for m in _FILLER_WILL.finditer(s) if words & _G_FUTURE else ():
        side = "other_side_writer" if ctx.direction == "note" and _note_speaker_other(s[:m.end()], unit) \
            else "writer"
        mod = re.match(r"\w+", s[m.end():])
        add(_Head(m.end(), m.end() + (mod.end() if mod else 0), side, "implicit"), m.end() + 4)
    for m in _PROGRESSIVE.finditer(s) if words & _G_PROGRESSIVE else ():
        if re.search(r"\b(?:now|herewith|attached|below|enclosed|right\s+away|as\s+we\s+speak)\b", s, re.I):
            continue
        subj = (m.group("subj") or "").lower()
        side = "writer" if subj in ("", "i", "we") else "third_theirs"
        if side == "third_theirs" and not re.match(r"(?:sending|emailing|calling|ringing|phoning|shipping|delivering|"
                                                   r"forwarding|sharing|getting\s+back)\b", s[m.end():], re.I):
            continue  # "he is meeting his board next month" is news about him, not a promise to us
        if not subj and ctx.direction == "note" and _note_speaker_other(s[:m.start()], unit):
            side = "other_side_writer"
        add(_Head(m.start(), m.end(), side, "progressive"), m.end() + 1)
    if ctx.direction != "received" and words & _G_BARE and words & _BARE_VERBS \
            and (words & _G_TIMEWORDS or _DIGIT.search(s)):
        for m in _BARE.finditer(s):
            a = m.start()
            if not _BARE_START.search(s[max(0, a - 8):a] if a > 8 else s[:a]) \
                    or _BARE_BLOCK.search(s, max(0, a - 12), a) or _HABITUAL.search(s):
                continue
            subj = m.group("subj").lower()
            add(_Head(m.start(), m.end(), "writer" if subj in ("i", "we") else "reader", "bare"), m.end() + 1)
    bullet_heads = _bullet_heads(s, unit, ctx) if bulletish else []
    for h in bullet_heads:
        add(h, h.verb)
    heads.sort(key=lambda h: h.start)
    # Coordinated verbs with the same subject: "I'll send the deck Monday and call you Tuesday".
    extra: list[_Head] = []
    for i, h in enumerate(heads if words & _G_COORD or "&" in s or "," in s else ()):
        nxt = heads[i + 1].start if i + 1 < len(heads) else len(s)
        for m in _COORD.finditer(s, h.verb, nxt):
            if m.start() <= h.verb + 2:
                continue
            extra.append(_Head(m.start(), m.end(), h.side, h.kind, h.noun_action, coord=True))
    if extra:
        heads = sorted(heads + extra, key=lambda h: h.start)
    return heads


_NOT_NAMES = frozenset(
    """It This That There The These Those Which What Who Where When Why How Everything Nothing Something Anything
    Pricing Price Prices Rates Rate Payment Delivery Shipping Invoice Invoices Contract Order Project Team Legal
    Finance Procurement Office Offices Meeting Call Webinar Session Training Product Service System Update
    Release Version Migration Renewal Discount Offer Proposal Quote Deck Demo Report Account Site Store Bank
    Market Markets Law Policy Rule Rules Tax Weather Traffic Someone Somebody Everyone Everybody Anyone Nobody
    Each All Both Either Neither One Today Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Please Thanks Hi Hello Dear Hopefully Maybe Perhaps Also And But So Then Otherwise If Unless Once Yes No Ok
    Okay Sure Great Sounds Fine Well Just Note Btw Ps Re Fw Fwd Subject Sent From To Cc Which Whoever Time
    Things Thing Stuff Work Shipment Package Parcel Documents Document Files File Link Links Prices""".split()
)


def _subject_side(subj: str, s: str, after: int, ctx: _Ctx, *, reported: bool) -> str:
    if subj in {"i", "we"}:
        return "writer"
    if subj in {"you", "u"}:
        return "reader"
    if ctx.direction == "sent" and subj[:1].isalpha() and subj.capitalize() in ctx.ours:
        return "third_ours"
    obj = s[after:after + 80]
    if re.search(r"\b(?:you|your|u)\b", obj, re.I) and ctx.direction != "note":
        return "third_ours"  # "Raj will send you the spec" - a colleague of the writer
    if subj in _OUR_DEPARTMENTS:
        return "third_ours"
    before = s[max(0, after - 120):after].lower()
    ours = [m.start() for m in re.finditer(r"\b(?:my|our)\b", before)]
    yours = [m.start() for m in re.finditer(r"\b(?:your|their)\b", before)]
    if ours and (not yours or ours[-1] > yours[-1]) and ctx.direction != "note":
        return "third_ours"  # "Chris from our implementation team, who will reach out"
    return "third_theirs"


_OUR_DEPARTMENTS = frozenset({"engineering", "support", "product", "billing", "implementation", "onboarding",
                              "accounts", "ops", "operations", "dev", "devs", "solutions"})


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


# Bare verbs that open a next-step bullet ("- send MSA Friday"); a capitalised noun ("Pricing for 250 seats")
# is not one of them.
_LABEL_PERSONS = frozenset("me i we us you u her him she he them they".split())
_BULLET_VERBS = frozenset(
    """call ring phone send share email e-mail forward deliver ship provide submit circulate review sign confirm
    book schedule set arrange organise organize loop finalise finalize prepare draft update check follow circle
    touch ping reach meet demo introduce get have pull run raise issue order approve complete chase try resend
    reply respond revert return walk present host visit agree decide align escalate draft compile collect""".split()
)
_NOT_NAMES_LOWER = frozenset(w.lower() for w in _NOT_NAMES) | {"need", "want", "how", "plan", "going"}


def _verb_ok(vp: str) -> bool:
    """The verb phrase starts with a verb that can carry a promise (an action, not a state)."""
    return _classify(vp)[0] is not None


def _clause_end(s: str, verb: int, limit: int) -> int:
    """The promise clause ends at the next sentence-internal break that starts a new thought."""
    m = re.compile(r"\s+[-–—]\s+(?=(?:does|would|is|will|let|please|pls|hope|thanks|any|sound)\b)|;\s+|\s+but\s+",
                   re.I).search(s, verb, limit)
    return m.start() if m else limit


_OK_TAIL = re.compile(r"\bif\s+(?:that|this|it)(?:" + _AP + r"s|\s+is)?\s+(?:still\s+)?(?:ok|okay|alright|all\s+right|"
                      r"fine|good|works|suits|convenient)\b[^?]*\?$|\bif\s+that\s+(?:works|suits)\b[^?]*\?$", re.I)


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


_SKIP_LEAD = re.compile(r"^" + _SKIP.replace(r"(?:\s+", r"(?:\s*", 1), re.I)
_TO_LEAD = re.compile(r"^(?:to|and|&|then)\s+", re.I)


def _classify(vp: str) -> tuple[str | None, bool]:
    """(action, vague) of a verb phrase; action None when the verb names a state, not something to do."""
    v = _SKIP_LEAD.sub("", vp.strip(), count=1).strip()
    v = _TO_LEAD.sub("", v)
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
    if head.kind in ("reader", "arrive", "promised_np", "np_bullet"):
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


def _times(s: str, ctx: _Ctx) -> list[TimeMention]:
    try:
        return list(find_times(s, ctx.sent_at, str(ctx.zone.key)))
    except Exception:  # a resolver failure must never lose the promise itself
        return []


_COND_STOP = re.compile(
    r"[,;]|\s[-–—]\s|\s+(?:and\s+(?:i|we)\b|then\b)|\s+and\s+(?:then\s+)?(?=(?:let\s+(?:you|u)\s+know|call|send|"
    r"email|get\s+back|get\s+(?:you|u)|confirm|share)\b)", re.I)


def _condition_spans(s: str, head: _Head, clause_end: int) -> list[tuple[int, int]]:
    """Character spans of subordinate conditions around the promise: their times are not the promise's."""
    spans: list[tuple[int, int]] = []
    for m in _CONDITION.finditer(s):
        a = m.start()
        if a < head.start:
            # A leading condition runs to the next comma or to the head.
            comma = s.find(",", m.end(), head.start)
            b = comma if comma >= 0 else head.start
        else:
            stop = _COND_STOP.search(s, m.end(), len(s))
            b = stop.start() if stop else len(s)
        spans.append((a, b))
    return spans


def _pick_time(s: str, times: list[TimeMention], head: _Head, clause_end: int, prev_end: int,
               *, first: bool) -> TimeMention | None:
    if not times:
        return None
    conds = _condition_spans(s, head, clause_end)

    def usable(t: TimeMention) -> bool:
        # Conditions are judged here, on this promise's clause (`_condition_spans`), not by the resolver's
        # sentence-level `is_conditional_ref`: "I'll check whether ... and let you know by Friday" is due Friday.
        if t.is_past:
            return False
        return not any(a <= t.start < b for a, b in conds)

    after = [t for t in times if head.start <= t.start < clause_end and usable(t)]
    if len(after) > 1 and re.fullmatch(r"[QH][1-4]", after[0].text.strip(), re.I):
        after = after[1:]  # "send the order form w/ Q4 discount - Mon 11/2"
    if after:
        return after[0]
    if not first or head.kind == "arrive":
        return None  # the text before this head belongs to the previous promise (or to a past delivery)
    before = [t for t in times if prev_end <= t.start < head.start and usable(t)]
    if before:
        return before[-1]
    return None


def _due(mention: TimeMention | None, ctx: _Ctx, after_word: bool = False) -> tuple[datetime | None, bool]:
    if mention is None:
        return None, False
    value = mention.value
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.zone)
    value = value.astimezone(ctx.zone)
    if mention.has_time or mention.grain in ("hour", "minute"):  # a day-part ("tomorrow afternoon") is a time
        if value < ctx.sent_at:
            if value.date() == ctx.sent_at.date() or value > ctx.sent_at - timedelta(hours=1):
                return ctx.sent_at, True
            return None, False
        return value, True
    day = value.date()
    if mention.is_after and mention.grain == "day" and after_word:
        day += timedelta(days=1)  # "after Thanksgiving", "after the 15th": the next day
    for hour in _DATE_ONLY_HOURS:
        cand = datetime.combine(day, time(hour, 0 if hour == 17 else 59), tzinfo=ctx.zone)
        if cand >= ctx.sent_at:
            return cand, False
    return None, False


_WEEKDAY = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.I)


def _after_condition(s: str, times: list[TimeMention], head: _Head, clause_end: int, mention: TimeMention,
                     due: datetime) -> datetime:
    """A fallback falls after the silence it waits for: "If I don't hear back by next Wednesday, I'll call
    you Thursday" (said on a Wednesday) means the Thursday after next Wednesday, not tomorrow."""
    if not _WEEKDAY.search(mention.text) or re.search(r"\d", mention.text.split(" at ")[0]):
        return due  # only a bare weekday is ambiguous by a week
    bounds = [t.value for t in times if t is not mention and not t.is_past
              and any(a <= t.start < b for a, b in _condition_spans(s, head, clause_end))]
    if not bounds:
        return due
    limit = max(bounds).astimezone(due.tzinfo).date()
    while due.date() <= limit:
        due += timedelta(days=7)
    return due


_EVENT_COND = re.compile(r"^(?:when|once|as\s+soon\s+as|after|until|till)\b", re.I)


def _condition_time(s: str, times: list[TimeMention], head: _Head, clause_end: int,
                    prev_end: int) -> TimeMention | None:
    """A promise with no time of its own takes the time of the condition it waits for: a silence
    ("if nothing by Friday, I'll send the invite") or an event ("I'll circle back when I'm back on Monday")."""
    best: TimeMention | None = None
    if not times or not any(t.start < head.start or t.start >= head.verb for t in times):
        return None
    for a, b in _condition_spans(s, head, clause_end):
        if (a < prev_end and not head.coord) or a >= max(clause_end, head.start):
            continue
        span = s[a:b]
        if not (_EVENT_COND.match(span) or _SILENCE.search(span)):
            continue
        inside = [t for t in times if a <= t.start < b and not t.is_past]
        if inside:
            best = inside[-1]
    return best


def _conditional(s: str, head: _Head, clause_end: int) -> bool:
    for m in _SILENCE.finditer(s):
        if m.start() < clause_end:
            return True
    return False


def _who(side: str, ctx: _Ctx) -> str | None:
    """Map who-said-it to the rep's point of view: `me` is the rep, `them` the other party."""
    writer_is_rep = ctx.direction in ("sent", "note")
    if side in ("writer", "third_ours"):
        return "me" if writer_is_rep else "them"
    if side == "other_side_writer":
        return "them"
    if side == "reader":
        return "them" if writer_is_rep else "me"
    return "them"


def _dedupe(items: list[ExtractedCommitment]) -> list[ExtractedCommitment]:
    seen: set[tuple[str, str, datetime | None, int]] = set()
    out: list[ExtractedCommitment] = []
    for c in items:
        key = (c.who, c.action, c.due, c.start)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
