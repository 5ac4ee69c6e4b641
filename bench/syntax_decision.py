"""Rules over tokens or a dependency parse? The extractor measured both ways on the TUNING half of the real-mail
gold set (issue 10, item 4): precision, recall, F1, due right and the CPU time of the whole extraction.

usage: python bench/syntax_decision.py
"With the parse" adds filters.ParsedEmbedding (nlp/syntax.py, a tagger + parser trained here on UD EWT) as the
last filter, run only on candidates every other filter kept. The choice recorded in the README follows from these
figures; bench/syntax_cost.py has the parser's own accuracy and cost.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
from assistant.cli.extract_cmd import commitment_json  # noqa: E402
from bench.gold.cases import cases  # noqa: E402
from bench.gold.match import figures, judge  # noqa: E402
from nlp.extract import MessageInput, engine, filters, pipe  # noqa: E402


def run(rows: list[dict[str, object]]) -> tuple[dict[str, float], float]:
    inputs = [MessageInput(str(c["text"]), datetime.fromisoformat(str(c["sent_at"])), str(c["timezone"]),
                           str(c["direction"])) for c in rows]
    start = time.process_time()
    out = list(pipe(inputs))
    cpu = time.process_time() - start
    return figures([judge(c, [commitment_json(x) for x in o]) for c, o in zip(rows, out, strict=True)]), cpu


def main() -> int:
    rows = cases("tune")
    run(rows[:20])  # warm the rule pipeline
    base, cpu0 = run(rows)
    engine.TIMED_FILTERS = (*engine.TIMED_FILTERS, filters.ParsedEmbedding())  # the extractor's own loop
    from nlp import syntax

    syntax.load()  # the model's load time is not the per-candidate cost
    parsed, cpu1 = run(rows)
    for name, f, cpu in (("rules over tokens", base, cpu0), ("with the parse", parsed, cpu1)):
        print(f"{name:18} precision {f['precision']:.3f} recall {f['recall']:.3f} f1 {f['f1']:.3f} "
              f"due right {f['due_right']:.3f}; {cpu:.2f} CPU s for {len(rows)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
