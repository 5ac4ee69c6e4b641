"""The real-mail gold set as scorer cases (../shared/tools/score_extract.py format), texts joined at run time.

`cases(half)` gives {"id", "text", "sent_at", "timezone", "direction", "expected"} rows for "tune", "test" or
"all". The annotation's single action becomes the list of extractor actions that name the same act (the
annotators' classes and the extractor's differ at the edges: "I'll let you know" is email to one and
follow_up to the other); `vague` is scored only where the adjudication applied the final wording of the spec.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.gold.texts import load_texts

GOLD = Path(__file__).resolve().parents[2] / "tests" / "data" / "gold_enron.jsonl"
SAME_ACT = {
    "call": ["call"],
    "email": ["email", "follow_up"],
    "follow_up": ["follow_up", "email", "call"],
    "send": ["send", "other"],
    "meet": ["meet"],
    "other": ["other", "send", "follow_up", "email"],
}


def rows(half: str = "all", gold: Path = GOLD) -> list[dict[str, Any]]:
    out = [json.loads(line) for line in gold.open(encoding="utf-8") if line.strip()]
    return [r for r in out if half == "all" or r["half"] == half]


def cases(half: str = "all", gold: Path = GOLD) -> list[dict[str, Any]]:
    picked = rows(half, gold)
    texts = load_texts({r["id"]: r["sha256"] for r in picked})
    out = []
    for r in picked:
        expected = []
        for c in r["commitments"]:
            expected.append({
                "who": [c["who"]], "action": SAME_ACT.get(c["action"], [c["action"]]), "date": c["date"],
                "time": c.get("time"), "conditional": c.get("conditional"),
                "vague": c.get("vague") if "adjudicated" in r else None, "span": c["span"],
            })
        out.append({"id": r["id"], "text": texts[r["id"]], "sent_at": r["sent_at"], "timezone": r["timezone"],
                    "direction": r["direction"], "expected": expected})
    return out
