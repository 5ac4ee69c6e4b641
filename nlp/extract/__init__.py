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

from nlp.extract.engine import explain, extract, pipe
from nlp.extract.model import (
    ACTIONS,
    DIRECTIONS,
    MAX_COMMITMENTS,
    ExtractedCommitment,
    MessageInput,
    SentenceTrace,
)

__all__ = ["ExtractedCommitment", "MessageInput", "SentenceTrace", "extract", "explain", "pipe", "DIRECTIONS", "ACTIONS",
           "MAX_COMMITMENTS"]
