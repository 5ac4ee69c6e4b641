"""The extractor's lexicon: the cue patterns and word sets the rules are written in (data, not logic)."""

from __future__ import annotations

import re
from collections.abc import Sequence

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


_PROMISED_TO = re.compile(r"\b(?P<subj>i|we|he|she|they|[A-Z][a-z]{1,15})(?:" + _AP + r"(?:ve|d)|\s+have|\s+had)?\s+"
                          r"(?:promised|agreed|committed|offered)\s+to\b", re.I)


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
                     r"getting\s+back|delivering|shipping|forwarding|dropping\s+(?:by|off|in)|popping\s+(?:by|in)|"
                     r"swinging\s+by|coming\s+by|meeting\s+(?:you|u|with)|visiting\s+(?:you|u)|contacting|setting\s+up|"
                     r"scheduling|confirming|updating|replying|responding|there|with\s+you|in\s+contact|sure\s+to|"
                     r"in\s+(?:touch|contact)|submitting|providing|preparing|drafting|circulating|reviewing|"
                     r"arranging|organi[sz]ing|introducing|issuing|returning\s+(?!to\b|from\b|home\b)|signing|"
                     r"executing|filing|paying|presenting|giving\s+(?:you|u|him|her|them|the|a|an|our|my)|"
                     r"making\s+(?:the|a|an|our|my|some)|handling)\b", re.I),
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
    "run": re.compile(r"^run\s+(?:the|it|this|that|through|you|(?:\w+\s+){0,3}(?:by|past)\s+\w+)\b", re.I),
    "hold": re.compile(r"^hold\s+(?:a|the)\s+(?:call|meeting|session|demo)", re.I),
    "return": re.compile(r"^return\s+(?!to\b|from\b|home\b|on\b|in\b|next\b|after\b|by\b)(?:the|your|it|them|"
                         r"our|my|a|an|\w+s\b)", re.I),
    "use": re.compile(r"^$", re.I),
}


# Task complements of verbs that usually name a state (issue 10's missed task verbs, written from the class):
# "I'll do the financial ratios", "I'll work with Sara on it", "we'll start on the audit Monday", "I'll continue
# to check it", "I'll be ready with the numbers", "I'll put it on the agenda", "I'll leave a copy for you", "I'll take
# over the file", "I'll help him with the model", "I'll come to the 2pm", "I'll cover for him Friday".
_TASK_COMPLEMENTS = {
    "do": r"^do\s*(?:[.!,;]|$)|^do\s+(?:it|this|that|so|the\s+[\w-]+|a\s+[\w-]+|an\s+[\w-]+|some\s+[\w-]+|my\s+[\w-]+|our\s+[\w-]+|"
          r"(?:a\s+)?(?:quick|final|full|first)\s+[\w-]+)\b(?!\s+(?:way|thing)\b)",
    "work": r"^work\s+(?:\w+ly\s+)?(?:with|it\s+out|out\s+the|on\s+it)\b",
    "start": r"^start\s+(?:on|the|work|working|putting|pulling|looking|drafting|preparing|reviewing|setting|"
             r"the\s+process)\b",
    "continue": r"^continue\s+(?:to\s+(?!be\b|have\b)\w+|working|looking|pushing|chasing|checking|following|"
                r"talking|discussing|meeting|with\s+the)\b",
    "be": r"^be\s+ready\s+(?:with|to\s+\w+|for\s+(?:you|the\s+call|the\s+meeting)|by)\b",
    "put": r"^put\s+(?:(?:it|this|that|them|you|him|her|\w+)\s+){1,3}(?:on\s+the\s+(?:agenda|list|calendar)|in\s+touch|"
           r"through|in\s+(?:the\s+)?(?:system|order|request))",
    "leave": r"^leave\s+(?:(?:a|the|some|my|an)\s+)?(?:[\w-]+\s+){0,2}(?:for|with)\s+(?:you|u|him|her|them|[A-Z]\w+)\b",
    "take": r"^take\s+(?:over|the\s+lead|ownership|charge|(?:it|this|that|them)\s+(?:from\s+here|over)|the\s+"
            r"(?:\w+\s+)?(?:call|meeting|action|item))\b",
    "help": r"^help\s+(?:you|u|him|her|them|[A-Z]\w+|out)\s*(?:with|set|get|out|on|to|$)",
    "come": r"^come\s+to\s+(?:the|your|our|his|her)\s+[\w:-]+",
    "cover": r"^cover\s+(?:for\s+\w+|the\s+(?:desk|call|meeting|shift|session|phones?)|it|that|this)\b",
    "keep": r"^keep\s+(?:you|u|him|her|them|everyone|everybody|all\s+of\s+you|the\s+team|us)\s+(?:apprised|advised|"
            r"abreast|up\s+to\s+date)",
    "attend": r"^attend\s*(?:the|a|an|our|your|this|for|on|tomorrow|[.!,;]|$)",
    "open": r"^open\s+(?:(?:it|them|this|that|these|those|[A-Z][\w&.]*(?:\s+[A-Z][\w&.]*){0,4})\s+)?up\b|"
            r"^open\s+[A-Z][\w&.]*(?:\s+[A-Z][\w&.]*){0,4}\s+(?:to|for)\b",
    "pay": r"^pay\s+(?:[A-Z][\w&]+|him|her|them)\b",
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
        r"^(?:(?:be\s+)?(?:meet|meeting|attend|attending)\b|(?:set|setting)\s+up\s+(?:(?:a|an|the|some|our)\s+)?(?:\w+\s+){0,2}(?:call|"
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
    meeting ringing shipping sharing ill owe inbox desk says tells should see ok okay meet scheduled slotted booked set arranged
    agreeing offering volunteering willingness willing hope hoping""".split()
)


_WORD = re.compile(r"[a-z]+")


def _has_cue(text: str) -> bool:
    return not _CUE_WORDS.isdisjoint(_WORD.findall(text.lower()))


_INNER_STOP = re.compile(r"[.!?;\n…](?=.*\w)", re.S)  # sentence punctuation before the last word


_ROUGH_SPLIT = re.compile(r"(?<=[.!?])(?=\s+\S)")


_SOFT_END = re.compile(r"[.!?:;)]\s*$")


_BULLET_START = frozenset("-*•·‣◦▪>(0123456789")


_INLINE_LIST = re.compile(r"\b(?:next\s+steps?|action\s+items?|to[\s-]?dos?|actions)\s*:\s*", re.I)


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


_NOT_NAMES = frozenset(
    """It This That There The These Those Which What Who Where When Why How Everything Nothing Something Anything
    Pricing Price Prices Rates Rate Payment Delivery Shipping Invoice Invoices Contract Order Project Team
    Office Offices Meeting Call Webinar Session Training Product Service System Update
    Release Version Migration Renewal Discount Offer Proposal Quote Deck Demo Report Account Site Store Bank
    Market Markets Law Policy Rule Rules Tax Weather Traffic Someone Somebody Everyone Everybody Anyone Nobody
    Each All Both Either Neither One Today Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Please Thanks Hi Hello Dear Hopefully Maybe Perhaps Also And But So Then Otherwise If Unless Once Yes No Ok
    Okay Sure Great Sounds Fine Well Just Note Btw Ps Re Fw Fwd Subject Sent From To Cc Which Whoever Time
    Things Thing Stuff Work Shipment Package Parcel Documents Document Files File Link Links Prices""".split()
)


_OUR_DEPARTMENTS = frozenset({"engineering", "support", "product", "billing", "implementation", "onboarding",
                              "accounts", "ops", "operations", "dev", "devs", "solutions"})


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


_OK_TAIL = re.compile(r"\bif\s+(?:that|this|it)(?:" + _AP + r"s|\s+is)?\s+(?:still\s+)?(?:ok|okay|alright|all\s+right|"
                      r"fine|good|works|suits|convenient)\b[^?]*\?$|\bif\s+that\s+(?:works|suits)\b[^?]*\?$", re.I)


_SKIP_LEAD = re.compile(r"^" + _SKIP.replace(r"(?:\s+", r"(?:\s*", 1), re.I)


_TO_LEAD = re.compile(r"^(?:to|and|&|then)\s+", re.I)


_COND_STOP = re.compile(
    r"[,;]|\s[-–—]\s|\s+(?:and\s+(?:i|we)\b|then\b)|\s+and\s+(?:then\s+)?(?=(?:let\s+(?:you|u)\s+know|call|send|"
    r"email|get\s+back|get\s+(?:you|u)|confirm|share)\b)", re.I)


_WEEKDAY = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.I)


_EVENT_COND = re.compile(r"^(?:when|once|as\s+soon\s+as|after|until|till)\b", re.I)


for _verb, _extra in _TASK_COMPLEMENTS.items():
    _old = _LIGHT_OK.get(_verb)
    _LIGHT_OK[_verb] = re.compile(f"(?:{_old.pattern})|(?:{_extra})" if _old else _extra, re.I)
