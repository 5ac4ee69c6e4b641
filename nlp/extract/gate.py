"""The learned gate: how likely a candidate sentence states a commitment (docs/commitments.md), from a small
bag-of-n-grams classifier trained on sentences written for this project (nlp/train/train_gate.py).

The rules find candidates and say who, what and when; the gate reads the whole sentence and catches what
rules over tokens miss (a prediction phrased like a promise, a plan nobody is owed). It is loaded from the
package (nlp/models/commitment_gate), never downloaded; when it is missing the gate is off and says so once.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from typing import Any

log = logging.getLogger(__name__)

THRESHOLD = 0.4  # chosen on the tuning half of the real-mail gold set (bench/extract_quality.py prints both)


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        import spacy

        path = resources.files("nlp").joinpath("models/commitment_gate")
        return spacy.load(str(path))
    except (OSError, ValueError) as e:
        log.warning("the commitment gate model is missing (%s): reinstall follow-through-sales; extracting without it", e)
        return None


_CACHE: dict[str, float] = {}
_CACHE_MAX = 8192


def prefetch(sentences: list[str]) -> None:
    """Score many sentences in one nlp.pipe call (the tokenizer and the classifier run batched); `score` then
    answers from the cache. The extractor calls it once per batch with every sentence that holds a head."""
    nlp = _model()
    todo = [s[:2000] for s in dict.fromkeys(sentences) if s[:2000] not in _CACHE]
    if nlp is None or not todo:
        return
    if len(_CACHE) + len(todo) > _CACHE_MAX:
        _CACHE.clear()
    for text, doc in zip(todo, nlp.pipe(todo, batch_size=256), strict=True):
        _CACHE[text] = float(doc.cats.get("COMMIT", 0.0))


def score(sentence: str) -> float | None:
    """P(commitment) of one sentence, or None when the model is not available."""
    key = sentence[:2000]
    if key not in _CACHE:
        prefetch([key])
    return _CACHE.get(key)
