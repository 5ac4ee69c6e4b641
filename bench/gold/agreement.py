"""Agreement between the two independent annotation passes of the real-mail gold set (Cohen's kappa).

usage: python bench/gold/agreement.py [--labels tests/data/gold_enron_passes.jsonl]

Units are the sentences of each message (a plain splitter on the whole text: . ! ? and line breaks); a
sentence is positive for a pass when one of that pass's commitments quotes text inside it. Kappa is computed
on those binary labels over every sentence of the 640 messages (the published agreement on commitments,
0.54, is sentence-level too). Also printed: message-level kappa (does the message hold any commitment?),
and, on the sentences both passes marked, how often they agree on who owes it.
The texts are joined from ../shared at run time (the corpus may not be republished).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))
from bench.gold.texts import load_texts  # noqa: E402

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _SPLIT.finditer(text):
        if text[pos:m.start()].strip():
            out.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    return out


def marks(text: str, commitments: list[dict[str, object]]) -> dict[int, str]:
    """Sentence index -> who, for the sentences a pass's commitments cover (by their character span)."""
    spans = sentences(text)
    out: dict[int, str] = {}
    for c in commitments:
        span = c.get("span")
        if not isinstance(span, list):
            continue
        at, end = int(span[0]), int(span[1])
        for i, (a, b) in enumerate(spans):
            if a < end and at < b:
                out.setdefault(i, str(c.get("who")))
    return out


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    n = len(pairs)
    if not n:
        return 0.0
    po = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", type=Path, default=HERE / "tests" / "data" / "gold_enron_passes.jsonl")
    a = ap.parse_args()
    rows = [json.loads(line) for line in a.labels.open(encoding="utf-8") if line.strip()]
    texts = load_texts({r["id"]: r["sha256"] for r in rows})
    sent_pairs: list[tuple[bool, bool]] = []
    msg_pairs: list[tuple[bool, bool]] = []
    both = same_who = 0
    for r in rows:
        text = texts[r["id"]]
        ma, mb = marks(text, r["pass_a"]), marks(text, r["pass_b"])
        for i in range(len(sentences(text))):
            sent_pairs.append((i in ma, i in mb))
            if i in ma and i in mb:
                both += 1
                same_who += ma[i] == mb[i]
        msg_pairs.append((bool(r["pass_a"]), bool(r["pass_b"])))
    pos_a = sum(a for a, _ in sent_pairs)
    pos_b = sum(b for _, b in sent_pairs)
    print(f"messages {len(rows)}; sentences {len(sent_pairs)}; marked by pass A {pos_a}, by pass B {pos_b}, "
          f"by both {both}")
    print(f"sentence-level Cohen's kappa {kappa(sent_pairs):.3f} (published agreement on commitments: 0.54)")
    print(f"message-level Cohen's kappa {kappa(msg_pairs):.3f}")
    print(f"who agrees on sentences both marked: {same_who}/{both}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
