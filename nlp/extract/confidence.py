"""How sure the extractor is of one commitment: a probability calibrated on the tuning half of the real-mail
gold set (bench/gold/calibrate.py writes nlp/data/extract_calibration.json).

The table is keyed from specific to general - (gate band, rule family, dated), (gate band, rule family), (gate
band), then the default - where the gate band is how sure the learned gate (nlp/extract/gate.py) is of the
sentence; each cell holds the share of the tuning half's commitments with those features that were right,
smoothed toward its parent cell (so a rule seen three times does not claim 1.0). Of the commitments given 0.9, about 90% are
right on the tuning half; bench/extract_quality.py prints the table on both halves."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from nlp.extract.model import ExtractedCommitment

DEFAULT = 0.5  # no calibration table shipped: the tests and the benchmark say so


def band(p: float | None) -> str:
    if p is None:
        return "nogate"
    return "gate_hi" if p >= 0.8 else "gate_mid" if p >= 0.5 else "gate_lo"


def features(c: ExtractedCommitment, kind: str = "") -> tuple[str, str, str]:
    """The calibration key of a commitment, general to specific: gate band, rule family, dated or not."""
    family = c.rule.split("+", 1)[0] or kind
    return band(c.gate), family, "dated" if c.due is not None else "undated"


def keys(c: ExtractedCommitment, kind: str = "") -> list[str]:
    """Every cell a commitment falls in, general to specific."""
    f = features(c, kind)
    return ["|".join(f[:n]) for n in range(1, len(f) + 1)]


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
    for k in reversed(keys(c, kind)):
        if k in cells:
            return round(float(cells[k]), 3)
    return round(float(table().get("default", DEFAULT)), 3)
