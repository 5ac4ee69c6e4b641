"""Syntax for candidate sentences: which clause a modal sits in, and who its subject is.

The extractor is rules over tokens; a few of its decisions turn on syntax ("if they will ...", "he said he
will ...", "the deck that we will send ...", "Legal will ..."). This module answers those two questions with a
small dependency parser of the project's own: a spaCy tagger + parser trained on the UD English Web Treebank
(``nlp/models/en_ewt_parser/``, CC BY-SA 4.0, recipe in ``nlp/train/``, figures in ``nlp/models/README.md``).

It is meant for the few candidate sentences a cheap cue matcher keeps, not for whole messages: parsing costs
about a millisecond or more per sentence (``bench/syntax_cost.py``). The model is loaded lazily from the package
directory, once per process; nothing is downloaded.

Entry points, all pure functions of their arguments:

- ``parse(sentences)`` -> one parsed ``Doc`` per sentence (batched through ``nlp.pipe``);
- ``subject_of(sent, verb_char)`` -> text of the subject of the clause the word at ``verb_char`` belongs to;
- ``clause_kind(sent, verb_char)`` -> ``main | coordinated | conditional | relative | complement | purpose |
  adverbial``;
- ``clause_of(sent, verb_char)`` -> both, with the clause head and the word governing the clause;
- ``clause_in(doc, verb_char)`` -> the same on a ``Doc`` already parsed by ``parse``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

MODEL_DIR = Path(__file__).resolve().parent / "models" / "en_ewt_parser"

ClauseKind = Literal["main", "coordinated", "conditional", "relative", "complement", "purpose", "adverbial"]

# Dependents that hang a function word or auxiliary on the verb of a clause: the clause is their head's.
_FUNCTION_DEPS = frozenset({"aux", "aux:pass", "cop", "mark", "compound:prt", "fixed"})
_SUBJECT_DEPS = ("nsubj", "nsubj:pass", "nsubj:outer")
# Words a subject phrase keeps to its right (names and numbers: "Acme Corp", "Team 2"); everything else to its
# right (relative clauses, appositions, prepositional modifiers) is not part of the short subject text.
_SUBJECT_RIGHT = frozenset({"flat", "flat:name", "compound", "fixed", "nummod", "goeswith"})
# Clause introducers, by the kind of clause they open. Multi-word ones are matched on the joined words.
_CONDITION_MARKS = frozenset({
    "if", "unless", "when", "whenever", "once", "until", "till", "provided", "providing", "assuming",
    "whether", "before", "after", "in case", "as soon as", "as long as", "so long as", "even if",
    "only if", "if and when", "in the event",
})
_PURPOSE_MARKS = frozenset({"so that", "so", "in order", "in order to", "in order that", "so as", "so as to"})
_RELATIVE_DEPS = frozenset({"acl:relcl", "acl"})
_COMPLEMENT_DEPS = frozenset({"ccomp", "xcomp", "csubj", "csubj:pass"})
_ROOT_DEPS = frozenset({"ROOT", "root", "parataxis", "list", "dep", "discourse", "vocative", "appos"})


@dataclass(frozen=True)
class Clause:
    """The clause that holds one word of a sentence.

    ``kind``: where the clause sits - ``main`` (the sentence's own clause, or a paratactic one),
    ``coordinated`` (conjoined to a main clause: "I'll call and we will send"), ``conditional`` (an adverbial
    clause opened by if/unless/when/once/until/...), ``relative`` (modifies a noun: "the deck we will send"),
    ``complement`` (object or subject of another word: "he said he will", "I think it will", "what we will
    do"), ``purpose`` ("so that we will", "in order to"), ``adverbial`` (any other adverbial clause:
    "because we will"). A clause conjoined to a non-main clause takes that clause's kind.
    ``head``: the clause's head word (the main verb, or the predicate of a copula); ``subject``: the text of
    its subject, or of the nearest conjoined/controlling clause's subject, None when there is none;
    ``governor``: the lowercased lemma-or-text of the word the clause depends on ("said", "think", "deck"),
    None for a main clause; ``marker``: the lowercased introducer ("if", "so that"), None when there is none.
    """

    kind: ClauseKind
    head: str
    subject: str | None
    governor: str | None
    marker: str | None


@functools.cache
def _nlp() -> Language:
    if not (MODEL_DIR / "config.cfg").is_file():
        raise RuntimeError(
            f"syntax model missing at {MODEL_DIR}: rebuild it with nlp/train/train_parser.sh"
        )
    return spacy.load(MODEL_DIR)


def load() -> Language:
    """The shared parser pipeline (tokenizer, tok2vec, tagger, parser), loaded on first use."""
    return _nlp()


def parse(sentences: list[str], batch_size: int = 64) -> list[Doc]:
    """Parse candidate sentences; one ``Doc`` per input string, in order."""
    return list(_nlp().pipe(sentences, batch_size=batch_size))


@functools.lru_cache(maxsize=512)
def _parse_one(sent: str) -> Doc:
    return _nlp()(sent)


def subject_of(sent: str, verb_char: int) -> str | None:
    """Text of the subject of the clause holding the word at character ``verb_char`` of ``sent``.

    ``verb_char`` is the offset of a modal or verb ("will" in "Legal will review it" -> "Legal"). An
    auxiliary's clause is its verb's; a clause without its own subject takes the one of the clause it is
    conjoined to or controlled by ("I will call and send it" -> "I" for "send"). None when there is none
    (imperatives, fragments) or the offset is outside the sentence.
    """
    clause = clause_of(sent, verb_char)
    return clause.subject if clause is not None else None


def clause_kind(sent: str, verb_char: int) -> ClauseKind:
    """Kind of the clause holding the word at ``verb_char`` (see ``Clause``); ``main`` when unknown."""
    clause = clause_of(sent, verb_char)
    return clause.kind if clause is not None else "main"


def clause_of(sent: str, verb_char: int) -> Clause | None:
    """The ``Clause`` holding the word at ``verb_char`` of ``sent``; None when the offset is outside it."""
    if not sent.strip() or not 0 <= verb_char < len(sent):
        return None
    return clause_in(_parse_one(sent), verb_char)


def clause_in(doc: Doc, verb_char: int) -> Clause | None:
    """``clause_of`` on a parsed ``Doc`` (from ``parse``), so a batch is parsed once."""
    tok = token_at(doc, verb_char)
    if tok is None:
        return None
    head = clause_head(tok)
    kind, top = _kind(head)
    governor = None if top.dep_ in _ROOT_DEPS or top.head.i == top.i else top.head
    return Clause(
        kind=kind,
        head=head.text,
        subject=_subject_text(head),
        governor=governor.lower_ if governor is not None else None,
        marker=_marker(top),
    )


def token_at(doc: Doc, char: int) -> Token | None:
    """The token covering character ``char``, else the first token after it; None past the end."""
    for tok in doc:
        if tok.idx + len(tok.text) > char:
            return tok
    return None


def clause_head(tok: Token) -> Token:
    """The head word of the clause ``tok`` belongs to: an auxiliary, copula or marker gives way to its verb."""
    seen = 0
    while tok.dep_ in _FUNCTION_DEPS and tok.head.i != tok.i and seen < 4:
        tok = tok.head
        seen += 1
    return tok


def _kind(head: Token) -> tuple[ClauseKind, Token]:
    """Kind of the clause headed by ``head``, and the clause whose attachment decided it."""
    top = head
    coordinated = False
    hops = 0
    while top.dep_ == "conj" and top.head.i != top.i and hops < 10:
        top = top.head
        coordinated = True
        hops += 1
    dep = top.dep_
    if dep in _ROOT_DEPS or top.head.i == top.i:
        return ("coordinated" if coordinated else "main"), top
    marker = _marker(top) or ""
    if marker in _PURPOSE_MARKS:
        return "purpose", top
    if marker in _CONDITION_MARKS or marker.split(" ")[0] in {"if", "unless", "when", "once"}:
        return "conditional", top
    if dep.startswith("advcl"):
        return "adverbial", top
    if dep in _RELATIVE_DEPS or dep.startswith("acl"):
        return "relative", top
    if dep in _COMPLEMENT_DEPS or dep.startswith(("ccomp", "csubj")):
        return "complement", top
    # A clause attached as a nominal (a free relative "what we will do" parsed as obj, an obl, ...) is
    # embedded: it is not the sentence's own statement.
    if dep in {"obj", "iobj", "obl", "nmod", "nsubj", "nsubj:pass", "advmod", "amod"}:
        return "complement", top
    return ("coordinated" if coordinated else "main"), top


def _marker(head: Token) -> str | None:
    """The lowercased words that introduce the clause ("if", "so that", "in order"), None if none."""
    words: list[Token] = []
    for child in head.lefts:
        if child.dep_ in {"mark", "advmod"} or (child.dep_ == "cc" and child.lower_ == "so"):
            if child.dep_ == "advmod" and child.lower_ not in {"so", "as", "once", "when", "whenever"}:
                continue
            words.append(child)
            words.extend(g for g in child.rights if g.dep_ == "fixed")
    if not words:
        return None
    words.sort(key=lambda t: t.i)
    return " ".join(t.lower_ for t in words)


def _subject_text(head: Token) -> str | None:
    tok = head
    for _ in range(6):
        subj = _own_subject(tok)
        if subj is not None:
            return _phrase(subj)
        if tok.dep_ in {"conj", "xcomp"} and tok.head.i != tok.i:
            tok = tok.head
            continue
        return None
    return None


def _own_subject(head: Token) -> Token | None:
    for dep in _SUBJECT_DEPS:
        for child in head.children:
            if child.dep_ == dep:
                return child
    return None


def _phrase(tok: Token) -> str:
    """A short text for a subject: its left modifiers and name parts, not its relative clauses."""
    start = tok.left_edge.i
    end = tok.i
    for child in tok.rights:
        if child.dep_ in _SUBJECT_RIGHT and child.i == end + 1:
            end = child.right_edge.i
    return tok.doc[start : end + 1].text

