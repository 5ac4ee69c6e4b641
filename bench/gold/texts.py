"""Join the gold set's ids with their texts from ../shared (the corpus may not be republished, so the repo
keeps only ids, labels and a sha256 of each text). A text whose hash differs is an error: the labels were
made on other text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "external" / "enron-sent.jsonl"


class GoldTextError(Exception):
    """The shared corpus is missing, or a text changed since it was annotated."""


def load_texts(hashes: dict[str, str], corpus: Path = CORPUS) -> dict[str, str]:
    if not corpus.exists():
        raise GoldTextError(f"{corpus} not found: the real-mail gold set joins its texts from ../shared")
    out: dict[str, str] = {}
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["id"] in hashes:
                text = row["text"]
                if hashlib.sha256(text.encode("utf-8")).hexdigest() != hashes[row["id"]]:
                    raise GoldTextError(f"{row['id']}: text differs from the one annotated (sha256 mismatch)")
                out[row["id"]] = text
    missing = set(hashes) - set(out)
    if missing:
        raise GoldTextError(f"{len(missing)} gold ids not in {corpus}, e.g. {sorted(missing)[0]}")
    return out
