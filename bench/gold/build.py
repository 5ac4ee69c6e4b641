"""Build the real-mail gold set from the two annotation passes and the adjudication of their disagreements.

usage: python bench/gold/build.py --passes DIR --adjudicated FILE [FILE ...]

Writes tests/data/gold_enron_passes.jsonl (both passes, for the agreement figure) and tests/data/gold_enron.jsonl
(the settled labels). Both keep character spans into the text, never the text itself: the corpus may not be
republished; bench/gold/texts.py joins the texts from ../shared at run time and checks their sha256.
Where the passes agree (same sentences, who, dates, time and condition), pass A's labels are kept; where they
disagree, the adjudicated labels (decided against docs/commitments.md) are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))
from bench.gold.texts import load_texts  # noqa: E402

DATA = HERE / "tests" / "data"


def to_spans(text: str, commitments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in commitments:
        quote = c.get("text") or ""
        at = text.find(quote)
        if not quote or at < 0:
            raise SystemExit(f"a label quotes text not in its message: {quote[:60]!r}")
        d = {k: v for k, v in c.items() if k not in ("text", "due_text")}
        d["span"] = [at, at + len(quote)]
        due = c.get("due_text")
        if due:
            dat = text.find(due)
            d["due_span"] = [dat, dat + len(due)] if dat >= 0 else None
        out.append(d)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", type=Path, required=True)
    ap.add_argument("--adjudicated", type=Path, nargs="+", required=True)
    a = ap.parse_args()
    sample = {r["id"]: r for r in map(json.loads, (DATA / "gold_enron_sample.jsonl").open(encoding="utf-8"))}
    texts = load_texts({i: r["sha256"] for i, r in sample.items()})
    passes: dict[str, dict[str, list[dict[str, Any]]]] = {"a": {}, "b": {}}
    for p in ("a", "b"):
        for f in sorted(a.passes.glob(f"pass{p.upper()}_packet*.jsonl")):
            for line in f.open(encoding="utf-8"):
                r = json.loads(line)
                passes[p][r["id"]] = r["commitments"]
    adjudicated = {r["id"]: r for f in a.adjudicated for r in map(json.loads, f.open(encoding="utf-8"))}
    with (DATA / "gold_enron_passes.jsonl").open("w", encoding="utf-8") as f:
        for i in sorted(sample):
            f.write(json.dumps({"id": i, "sha256": sample[i]["sha256"],
                                "pass_a": to_spans(texts[i], passes["a"][i]),
                                "pass_b": to_spans(texts[i], passes["b"][i])}) + "\n")
    n = 0
    with (DATA / "gold_enron.jsonl").open("w", encoding="utf-8") as f:
        for i in sorted(sample):
            settled = adjudicated[i]["commitments"] if i in adjudicated else passes["a"][i]
            row = dict(sample[i])
            row["commitments"] = to_spans(texts[i], settled)
            if i in adjudicated:
                row["adjudicated"] = adjudicated[i].get("note", "")
            n += len(settled)
            f.write(json.dumps(row) + "\n")
    print(f"{len(sample)} messages, {n} commitments, {len(adjudicated)} adjudicated -> {DATA / 'gold_enron.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
