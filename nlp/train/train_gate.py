"""Train the commitment gate: a small bag-of-n-grams text classifier that reads a candidate sentence the rules
found and says how likely it states a commitment under docs/commitments.md.

usage: python nlp/train/train_gate.py [--data nlp/train/commitment_sentences.jsonl] [--out nlp/models/commitment_gate]

Data: nlp/train/commitment_sentences.jsonl - sentences written for this project (two writers working apart from
each other and from every evaluation set, each told the spec's classes and to vary writers, styles and
structure; labelled against the spec). Licence: the project's own. No corpus text is in it.
The model is spaCy's TextCatBOW (unigrams to trigrams, no vectors): about 1 MB, thousands of sentences a second,
trained here in seconds; it is shipped in the repo and loaded from disk, never downloaded. Deterministic: a
fixed seed and a fixed number of epochs.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import spacy
from spacy.pipeline import TextCategorizer
from spacy.training import Example
from spacy.util import fix_random_seed  # type: ignore[attr-defined]

HERE = Path(__file__).resolve().parent
DATA = HERE / "commitment_sentences.jsonl"
OUT = HERE.parent / "models" / "commitment_gate"
EPOCHS = 12


def text_of(row: dict[str, str]) -> str:
    return row["text"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    rows = [json.loads(line) for line in a.data.open(encoding="utf-8") if line.strip()]
    fix_random_seed(20261202)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 3,
        "no_output_layer": False, "length": 262144}})
    assert isinstance(textcat, TextCategorizer)
    textcat.add_label("COMMIT")
    textcat.add_label("NONE")
    examples = [Example.from_dict(nlp.make_doc(text_of(r)), {"cats": {
        "COMMIT": float(r["label"] == "commitment"), "NONE": float(r["label"] != "commitment")}}) for r in rows]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(7)
    for epoch in range(EPOCHS):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for i in range(0, len(examples), 16):
            nlp.update(examples[i:i + 16], sgd=optimizer, losses=losses, drop=0.2)
        print(f"epoch {epoch + 1}: loss {losses.get('textcat', 0.0):.3f}")
    a.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(a.out)
    print(f"{len(rows)} sentences -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
