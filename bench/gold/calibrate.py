"""Calibrate `confidence` on the TUNING half of the real-mail gold set (never the test half).

usage: python bench/gold/calibrate.py
Runs the real `assistant extract` on the tuning half, judges every commitment right or wrong (bench/gold/
match.py), and writes nlp/data/extract_calibration.json: for each key from specific to general - (rule family,
dated, who), (rule family, dated), (rule family) - the share right, smoothed toward its parent with a prior of
PRIOR commitments, so a cell seen a few times does not claim certainty.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))
from bench.gold.cases import cases  # noqa: E402
from bench.gold.match import judge  # noqa: E402
from bench.gold.run import extract  # noqa: E402

OUT = HERE / "nlp" / "data" / "extract_calibration.json"
PRIOR = 4.0


def keys(p: dict[str, object]) -> list[str]:
    family = str(p.get("rule") or "").split("+", 1)[0]
    dated = "dated" if p.get("due") else "undated"
    return [family, f"{family}|{dated}", f"{family}|{dated}|{p.get('who')}"]


def main() -> int:
    tune = cases("tune")
    preds = extract(tune)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    for c in tune:
        for p, ok in judge(c, preds.get(c["id"], [])).predictions:
            total[0] += ok
            total[1] += 1
            for k in keys(p):
                counts[k][0] += ok
                counts[k][1] += 1
    base = (total[0] + 1) / (total[1] + 2)
    cells: dict[str, float] = {}
    for k in sorted(counts, key=lambda k: k.count("|")):
        parent = cells.get(k.rsplit("|", 1)[0], base) if "|" in k else base
        right, n = counts[k]
        cells[k] = round((right + PRIOR * parent) / (n + PRIOR), 3)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"source": "tuning half of tests/data/gold_enron.jsonl", "judged": total[1],
                               "right": total[0], "default": round(base, 3), "prior": PRIOR, "cells": cells},
                              indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{total[1]} commitments judged on the tuning half, {total[0]} right; {len(cells)} cells -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
