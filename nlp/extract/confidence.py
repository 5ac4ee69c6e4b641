"""How sure the extractor is of one commitment: a probability calibrated on the tuning half of the real-mail
gold set (bench/gold/calibrate.py writes nlp/data/extract_calibration.json).

The table is keyed from specific to general - (rule, dated, who), then (rule,), then the default - and each
cell holds the share of the tuning half's commitments with those features that were right, smoothed toward
its parent cell (so a rule seen three times does not claim 1.0). Of the commitments given 0.9, about 90% are
right on the tuning half; bench/extract_quality.py prints the table on both halves."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from nlp.extract.model import ExtractedCommitment

DEFAULT = 0.5  # no calibration table shipped: the tests and the benchmark say so


def features(c: ExtractedCommitment, kind: str) -> tuple[str, str, str]:
    """The calibration key of a commitment: its rule's family, whether it is dated, and who owes it."""
    family = c.rule.split("+", 1)[0] or kind
    return family, "dated" if c.due is not None else "undated", c.who


def key(parts: tuple[str, ...]) -> str:
    return "|".join(parts)


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    try:
        text = resources.files("nlp").joinpath("data/extract_calibration.json").read_text(encoding="utf-8")
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def confidence(c: ExtractedCommitment, kind: str) -> float:
    cells: dict[str, float] = table().get("cells", {})
    family, dated, who = features(c, kind)
    for k in (key((family, dated, who)), key((family, dated)), key((family,))):
        if k in cells:
            return round(float(cells[k]), 3)
    return round(float(table().get("default", DEFAULT)), 3)
