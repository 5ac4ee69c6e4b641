"""Calibrate `confidence` on the TUNING half of the real-mail gold set (never the test half).

usage: python bench/gold/calibrate.py
Extracts the tuning half (nlp.extract.pipe, the code `assistant extract` runs), judges every commitment right or
wrong (bench/gold/match.py), and writes nlp/data/extract_calibration.json: for each cell of
nlp.extract.confidence.keys - gate band, then rule family, then dated - the share right, smoothed toward its
parent cell with a prior of PRIOR commitments, so a cell seen a few times does not claim certainty.
Run it after any change to the rules or the gate; bench/extract_quality.py then prints the calibration table of
both halves through the real command.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))
from assistant.cli.extract_cmd import commitment_json  # noqa: E402
from bench.gold.cases import cases  # noqa: E402
from bench.gold.match import judge  # noqa: E402
from nlp.extract import MessageInput, pipe  # noqa: E402
from nlp.extract.confidence import keys  # noqa: E402

OUT = HERE / "nlp" / "data" / "extract_calibration.json"
PRIOR = 4.0


def main() -> int:
    tune = cases("tune")
    inputs = [MessageInput(c["text"], datetime.fromisoformat(c["sent_at"]), c["timezone"], c["direction"])
              for c in tune]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    for case, found in zip(tune, pipe(inputs), strict=True):
        as_json = [commitment_json(c) for c in found]
        by_json = {id(j): c for j, c in zip(as_json, found, strict=True)}
        for p, ok in judge(case, as_json).predictions:
            total[0] += ok
            total[1] += 1
            for k in keys(by_json[id(p)]):
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
