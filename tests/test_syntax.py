"""nlp.syntax: subject and clause kind of a modal, from the shipped EWT parser (sentences written for this test)."""

from __future__ import annotations

from typing import get_args

import pytest

from nlp import syntax


def at(sent: str, word: str, nth: int = 0) -> int:
    """Character offset of the ``nth`` occurrence of ``word`` in ``sent``."""
    start = -1
    for _ in range(nth + 1):
        start = sent.index(word, start + 1)
    return start


@pytest.mark.parametrize(
    ("sent", "word", "subject"),
    [
        ("I will send the revised quote tomorrow morning.", "will", "I"),
        ("We'll get back to you about the pricing next week.", "'ll", "We"),
        ("Contoso will ship the replacement units on Monday.", "will", "Contoso"),
        ("The team will review your proposal before the call.", "will", "The team"),
        ("Legal will look at the amended contract this afternoon.", "will", "Legal"),
        ("IT will reset your password after lunch.", "will", "IT"),
        ("My assistant is going to book the conference room.", "going", "My assistant"),
        ("The new laptops will be delivered to your office.", "will", "The new laptops"),
    ],
)
def test_subject_of_the_modal(sent: str, word: str, subject: str) -> None:
    assert syntax.subject_of(sent, at(sent, word)) == subject


def test_a_verb_conjoined_to_a_clause_shares_its_subject() -> None:
    sent = "I will call the supplier and confirm the delivery date."
    assert syntax.subject_of(sent, at(sent, "confirm")) == "I"


def test_no_subject_in_an_imperative_or_outside_the_sentence() -> None:
    sent = "Please send me the signed copy by Friday."
    assert syntax.subject_of(sent, at(sent, "send")) is None
    assert syntax.subject_of(sent, len(sent) + 5) is None
    assert syntax.subject_of("", 0) is None


@pytest.mark.parametrize(
    ("sent", "word", "nth", "kind"),
    [
        ("I will send you the signed agreement tomorrow.", "will", 0, "main"),
        ("If the budget will be approved in March, we can start in April.", "will", 0, "conditional"),
        ("If the budget will be approved in March, we will start in April.", "will", 1, "main"),
        ("Unless the client will pay upfront, we need a deposit.", "will", 0, "conditional"),
        ("The samples that we will ship next week are the blue ones.", "will", 0, "relative"),
        ("Maria said she will handle the invoice herself.", "will", 0, "complement"),
        ("I think the price will go up after the summer.", "will", 0, "complement"),
        ("I am sending the file now so that you will have it before the meeting.", "will", 0, "purpose"),
        ("I will call the client and we will update the forecast together.", "will", 1, "coordinated"),
        ("We cannot meet on Tuesday because I will be in Denver.", "will", 0, "adverbial"),
    ],
)
def test_clause_kind_of_the_modal(sent: str, word: str, nth: int, kind: str) -> None:
    assert syntax.clause_kind(sent, at(sent, word, nth)) == kind


def test_clause_names_its_governor_and_marker() -> None:
    sent = "Maria said she will handle the invoice herself."
    clause = syntax.clause_of(sent, at(sent, "will"))
    assert clause is not None
    assert (clause.kind, clause.head, clause.subject, clause.governor) == ("complement", "handle", "she", "said")
    cond = "If the budget will be approved in March, we can start in April."
    clause = syntax.clause_of(cond, at(cond, "will"))
    assert clause is not None and clause.marker == "if"


def test_unknown_offset_is_main_and_kinds_are_closed() -> None:
    assert syntax.clause_kind("Thanks.", 400) == "main"
    sents = ["I will call you.", "He said he will call you."]
    kinds = {syntax.clause_kind(s, at(s, "will", s.count("will") - 1)) for s in sents}
    assert kinds <= set(get_args(syntax.ClauseKind))


def test_parse_batch_matches_single_sentences() -> None:
    sents = [
        "Our lawyers will send the redlines on Monday.",
        "She told me that they will renew the contract.",
        "",
    ]
    docs = syntax.parse(sents)
    assert [d.text for d in docs] == sents
    for sent, doc in zip(sents[:2], docs[:2], strict=True):
        char = at(sent, "will")
        assert syntax.clause_in(doc, char) == syntax.clause_of(sent, char)
    assert syntax.clause_in(docs[2], 0) is None


def test_the_model_is_loaded_once_from_the_package() -> None:
    assert syntax.MODEL_DIR.is_dir()
    assert syntax.load() is syntax.load()
    assert {"tagger", "parser"} <= set(syntax.load().pipe_names)
