"""Draw the real-mail gold sample from ../shared/data/external/enron-sent.jsonl (seeded, stratified by mailbox).

usage: python bench/gold/sample.py [--n 640] [--seed 20261202] --packets DIR
       python bench/gold/sample.py --extend --n 640 --seed 20261203 --packets DIR   (a second draw, appended)

Writes tests/data/gold_enron_sample.jsonl (ids, mailbox, half, sha256 of the text, the reference time used for
annotation - never the text: the corpus may not be republished) and, when --packets is given, annotation packets
with the texts into DIR (outside the repo).
Halves are split by mailbox: every mailbox's messages sit in one half, so tuning on one half never sees the
writers of the other.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parents[2]
CORPUS = HERE.parent / "shared" / "data" / "external" / "enron-sent.jsonl"
OUT = HERE / "tests" / "data" / "gold_enron_sample.jsonl"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reference_time(row: dict[str, object]) -> str:
    """The row's own Date header when it has one; else a working-day morning in 2001 derived from the id.

    AESLC rows carry no headers. A promise's due is relative ("by Friday"), so any fixed reference works as
    long as annotators and the extractor use the same one; it is derived from the id, so it is stable.
    """
    if row.get("sent_at"):
        return str(row["sent_at"])
    h = int(hashlib.sha256(str(row["id"]).encode()).hexdigest(), 16)
    day = datetime(2001, 1, 8, tzinfo=ZoneInfo("America/Chicago")) + timedelta(days=h % 350)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    moment = day.replace(hour=8 + (h >> 16) % 10, minute=(h >> 8) % 60)
    return moment.isoformat()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=640)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--packets", type=Path)
    ap.add_argument("--extend", action="store_true", help="draw more messages; earlier ones and halves are kept")
    a = ap.parse_args()
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8") if line.strip()]
    earlier = [json.loads(line) for line in OUT.open(encoding="utf-8")] if a.extend and OUT.exists() else []
    taken = {r["id"] for r in earlier}
    rows = [r for r in rows if r["id"] not in taken]
    by_box: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        by_box[str(r["user"])].append(r)
    rng = random.Random(a.seed)
    # proportional allocation, largest remainders, at least one per mailbox
    total = len(rows)
    quota = {b: max(1, a.n * len(v) // total) for b, v in by_box.items()}
    rest = sorted(by_box, key=lambda b: (-(a.n * len(by_box[b]) / total - quota[b]), b))
    i = 0
    while sum(quota.values()) < a.n:
        b = rest[i % len(rest)]
        if quota[b] < len(by_box[b]):
            quota[b] += 1
        i += 1
    picked: list[dict[str, object]] = []
    for b in sorted(by_box):
        picked.extend(rng.sample(sorted(by_box[b], key=lambda r: str(r["id"])), quota[b]))
    # halves by mailbox, balanced by count: shuffled, then greedy into the smaller half
    boxes = sorted(quota)
    rng.shuffle(boxes)
    boxes.sort(key=lambda b: -quota[b])
    half: dict[str, str] = {str(r["mailbox"]): str(r["half"]) for r in earlier}
    size = {"tune": 0, "test": 0}
    for b in boxes:
        if b not in half:
            h = min(size, key=lambda k: (size[k], k))
            half[b] = h
        size[half[b]] += quota[b]
    picked.sort(key=lambda r: str(r["id"]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("a" if a.extend else "w", encoding="utf-8") as f:
        for r in picked:
            f.write(json.dumps({"id": r["id"], "mailbox": r["user"], "half": half[str(r["user"])],
                                "sha256": text_hash(str(r["text"])), "sent_at": reference_time(r),
                                "timezone": r["timezone"], "direction": r["direction"]}) + "\n")
    print(f"{len(picked)} messages from {len(by_box)} mailboxes; tune {size['tune']}, test {size['test']} -> {OUT}")
    if a.packets:
        a.packets.mkdir(parents=True, exist_ok=True)
        for r in picked:
            ref = datetime.fromisoformat(reference_time(r))
            r["reference"] = f"{ref.isoformat()} ({ref:%A})"
        chunks = [picked[i::4] for i in range(4)]
        for k, chunk in enumerate(chunks, start=4 if a.extend else 0):
            with (a.packets / f"packet{k}.txt").open("w", encoding="utf-8") as f:
                for r in chunk:
                    f.write(f"===== id: {r['id']}\nsent: {r['reference']}, writer's zone {r['timezone']}\n"
                            f"subject: {r.get('subject') or ''}\n-----\n{r['text']}\n\n")
        print(f"packets -> {a.packets}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
