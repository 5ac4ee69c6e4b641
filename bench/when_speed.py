"""Speed of `nlp.when.find_times` over the 8,583 real Enron sent messages, on one core, next to
`dateparser.search.search_dates` over the same texts (a sample: dateparser is slow).

Rows without `sent_at` (the AESLC bodies) use a fixed reference. Prints messages/s, mentions found and peak
RSS (resource.getrusage, in MB). CPU time (time.process_time) is reported next to wall time, because the
machine may be shared.

usage: python bench/when_speed.py [--data FILE] [--dateparser-sample N]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.when import find_times  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "external" / "enron-sent.jsonl"
FIXED_REFERENCE = datetime(2001, 5, 15, 10, 0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def load(path: Path) -> list[tuple[str, datetime, str]]:
    rows = []
    for line in path.open():
        if not line.strip():
            continue
        r = json.loads(line)
        ref = datetime.fromisoformat(r["sent_at"]) if r.get("sent_at") else FIXED_REFERENCE
        rows.append((r["text"], ref, r.get("timezone") or "America/Chicago"))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--dateparser-sample", type=int, default=300, help="messages given to dateparser (0 = skip)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus for nlp.when (best is kept)")
    a = ap.parse_args()
    rows = load(a.data)
    rss_before = peak_rss_mb()
    best_wall = best_cpu = float("inf")
    mentions = 0
    for _ in range(max(1, a.repeat)):
        wall, cpu = time.perf_counter(), time.process_time()
        mentions = 0
        for text, ref, tz in rows:
            mentions += len(find_times(text, ref, tz))
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    ours_rss = peak_rss_mb()
    print(f"messages: {len(rows)} ({sum(len(t) for t, _, _ in rows) / len(rows):.0f} characters on average)")
    print()
    print("| resolver | messages | messages/s (wall) | messages/s (CPU) | mentions | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| nlp.when.find_times | {len(rows)} | {len(rows) / best_wall:,.0f} | {len(rows) / best_cpu:,.0f} "
          f"| {mentions} | {ours_rss:.0f} MB (process at start {rss_before:.0f} MB) |")
    if a.dateparser_sample > 0:
        logging.disable(logging.WARNING)
        warnings.filterwarnings("ignore")
        from dateparser.search import search_dates

        step = max(1, len(rows) // a.dateparser_sample)
        sample = rows[::step][: a.dateparser_sample]
        wall, cpu = time.perf_counter(), time.process_time()
        found = 0
        for text, ref, _ in sample:
            res = search_dates(text, languages=["en"], settings={"RELATIVE_BASE": ref.replace(tzinfo=None)})
            found += len(res or [])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"| dateparser.search.search_dates | {len(sample)} (every {step}th) | {len(sample) / wall:,.1f} "
              f"| {len(sample) / cpu:,.1f} | {found} | {peak_rss_mb():.0f} MB (after both) |")
    print()
    print("Aim (issue 12): at least 2,500 messages/s for nlp.when on one core, under 50 MB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
