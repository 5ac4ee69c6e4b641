"""Quality of `assistant extract`, through the real command: the shared dev cases, our two hand-written sets,
and both halves of the real-mail gold set (tests/data/gold_enron.jsonl; texts joined from ../shared).

usage: python bench/extract_quality.py [--show-misses]
Per set: precision, recall, F1 and due right from ../shared/tools/score_extract.py. For the gold halves also
the calibration table (confidence bucket -> share right) and the precision among commitments with confidence
>= 0.8. Aims on the held-out (test) half: precision >= 0.90, recall >= 0.80, due right >= 0.85, precision >=
0.97 at confidence >= 0.8; hand-written sets F1 >= 0.95. `confidence` is calibrated on the tuning half only
(bench/gold/calibrate.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
from bench.gold.cases import cases  # noqa: E402
from bench.gold.match import figures, judge  # noqa: E402
from bench.gold.run import command, extract  # noqa: E402
from bench.gold.texts import GoldTextError  # noqa: E402

SCORER = HERE.parent / "shared" / "tools" / "score_extract.py"
FILES = [("shared dev", HERE.parent / "shared" / "data" / "commitments-dev.jsonl"),
         ("own suite", HERE / "tests" / "data" / "extract_cases.jsonl"),
         ("own blind set", HERE / "tests" / "data" / "extract_blind.jsonl")]
BUCKETS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]


def score(name: str, path: Path, extra: list[str]) -> None:
    p = subprocess.run([sys.executable, str(SCORER), str(path), "--cmd", " ".join(command()), *extra],
                       capture_output=True, text=True)
    print(f"== {name} ({path.name})")
    print(p.stdout.rstrip())


def gold(rows: list[dict[str, Any]], show: bool) -> None:
    preds = extract(rows)
    js = [judge(c, preds.get(c["id"], [])) for c in rows]
    f = figures(js)
    print(f"   matched by span (bench/gold/match.py): predicted {f['predicted']}, expected {f['expected']}, "
          f"right {f['tp']}")
    print(f"   precision {f['precision']:.3f} recall {f['recall']:.3f} f1 {f['f1']:.3f} due right "
          f"{f['due_right']:.3f} (of found: {f['due_right_found']:.3f})")
    judged = [(p, ok) for j in js for p, ok in j.predictions]
    print("   confidence bucket -> share right (n)")
    for lo, hi in BUCKETS:
        inside = [ok for p, ok in judged if lo <= float(p.get("confidence", 0)) < hi]
        share = f"{sum(inside) / len(inside):.2f}" if inside else "  - "
        print(f"   [{lo:.1f}, {min(hi, 1.0):.1f}) -> {share} ({len(inside)})")
    high = [ok for p, ok in judged if float(p.get("confidence", 0)) >= 0.8]
    if high:
        print(f"   precision at confidence >= 0.8: {sum(high) / len(high):.3f} ({len(high)} commitments)")
    else:
        print("   precision at confidence >= 0.8: no commitment reaches 0.8")
    by_rule: dict[str, list[bool]] = {}
    for p, ok in judged:
        by_rule.setdefault(str(p.get("rule", "")).split("+")[0], []).append(ok)
    print("   by rule: " + ", ".join(f"{r} {sum(v)}/{len(v)}" for r, v in sorted(by_rule.items())))
    if show:
        for c, j in zip(rows, js, strict=True):
            for p, ok in j.predictions:
                if not ok:
                    print(f"   FALSE {c['id']}: {p.get('who')} [{p.get('rule')}] {p.get('text', '')[:120]!r}")
            for e in j.missed:
                a, b = e["span"]
                print(f"   MISS  {c['id']}: {e['who'][0]} {c['text'][a:b][:120]!r}")
            for e, p, ok in j.found:
                if not ok:
                    print(f"   DUE   {c['id']}: expected {e['date']} {e.get('time')} got {p.get('due')}: "
                          f"{p.get('text', '')[:80]!r}")


def main() -> int:
    if not SCORER.exists():
        print(f"extract_quality: scorer {SCORER} not found")
        return 1
    extra = ["--show-misses"] if "--show-misses" in sys.argv else []
    for name, path in FILES:
        if path.exists():
            score(name, path, extra)
    for half in ("tune", "test"):
        try:
            rows = cases(half)
        except GoldTextError as e:
            print(f"== real-mail gold, {half} half: {e}")
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write("".join(json.dumps(r) + "\n" for r in rows))
        label = "tuning" if half == "tune" else "held-out"
        score(f"real-mail gold, {label} half ({len(rows)} messages)", Path(f.name), [])
        gold(rows, bool(extra) and half == "tune")
        Path(f.name).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
