"""Dump every `nlp.when.find_times` result (repr of each mention) over the Enron sent messages, the time
corpora and the commitments dev set, each text at its own moment of writing and at three fixed ones (a DST
change in New York, New Year's Eve in London, a Sydney afternoon), so a change meant to keep behaviour can be
proven byte-identical: dump before, dump after, `cmp` the two files.

usage: python bench/when_dump.py OUT_FILE [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.when import find_times  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
CORPORA = ("enron-sent", "duckling", "recognizers-text", "ctparse-timeparse", "ctparse-corpus")
FIXED = ((datetime(2026, 3, 8, 1, 30), "America/New_York"), (datetime(2026, 12, 31, 23, 10), "Europe/London"),
         (datetime(2027, 2, 26, 15, 45), "Australia/Sydney"))


def records(data: Path) -> Iterator[tuple[str, str, datetime, str]]:
    """(id, text, reference, zone) of every text with its own moment of writing."""
    paths = [data / "external" / f"{c}.jsonl" for c in CORPORA] + [data / "commitments-dev.jsonl"]
    for path in paths:
        for n, line in enumerate(path.open()):
            if not line.strip():
                continue
            r = json.loads(line)
            when = r.get("reference") or r.get("sent_at")
            ref = datetime.fromisoformat(when) if when else datetime(2001, 5, 15, 10, 0)
            yield f"{path.stem}:{r.get('id', n)}", r["text"], ref, r.get("timezone") or "America/Chicago"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    a = ap.parse_args()
    n = 0
    with a.out.open("w") as f:
        for rid, text, ref, tz in records(a.data):
            for r, z in ((ref, tz), *FIXED):
                f.write(f"{rid} {r.isoformat()} {z}\n")
                for m in find_times(text, r, z):
                    f.write(repr(m) + "\n")
                    n += 1
    print(f"{n} mentions written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
