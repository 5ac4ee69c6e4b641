"""The hand-written case suite (tests/data/extract_cases.jsonl, the scorer's schema) must stay above a bar.

Scored in-process with the same rules as the project's scorer (../shared/tools/score_extract.py, which
bench/extract_quality.py runs through the CLI): one prediction per (who, local date); a match needs the
same who and date (or any action-compatible prediction when the date is `any`); due right = date and, when
given, the time window."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nlp.extract import ExtractedCommitment, MessageInput, pipe

CASES = Path(__file__).parent / "data" / "extract_cases.jsonl"
MIN_F1 = 0.90
MIN_DUE = 0.85


def score(cases: list[dict[str, Any]]) -> tuple[float, float, list[str]]:
    msgs = [MessageInput(c["text"], datetime.fromisoformat(c["sent_at"]), c["timezone"], c["direction"]) for c in cases]
    tp = fp = fn = due_ok = 0
    misses: list[str] = []
    for c, found in zip(cases, pipe(msgs), strict=True):
        tz = ZoneInfo(c["timezone"])
        preds: list[ExtractedCommitment] = []
        seen: set[tuple[str, Any]] = set()
        for p in found:
            key = (p.who, p.due.astimezone(tz).date() if p.due else None)
            if key not in seen:
                seen.add(key)
                preds.append(p)
        for e in c["expected"]:
            hit = None
            for p in preds:
                day = p.due.astimezone(tz).date().isoformat() if p.due else None
                date_ok = e["date"] == "any" or day in e["date"]
                if p.who in e["who"] and date_ok and (e["date"] != "any" or p.action in e["action"]):
                    hit = p
                    break
            if hit is None:
                fn += 1
                misses.append(f"MISS {c['id']} {e}")
                continue
            preds.remove(hit)
            tp += 1
            if not e.get("time"):
                due_ok += 1
            elif hit.due is not None and hit.due_has_time:
                hm = hit.due.astimezone(tz).strftime("%H:%M")
                due_ok += e["time"][0] <= hm <= e["time"][1]
        fp += len(preds)
        misses.extend(f"FALSE {c['id']} {p.text!r}" for p in preds)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f1, due_ok / max(1, tp + fn), misses


def test_suite_is_big_and_varied() -> None:
    cases = [json.loads(x) for x in CASES.read_text().splitlines() if x.strip()]
    assert len(cases) >= 400
    assert {c["direction"] for c in cases} == {"sent", "received", "note"}
    assert sum(1 for c in cases if not c["expected"]) >= 100  # non-promises are measured too


def test_suite_scores_above_the_bar() -> None:
    cases = [json.loads(x) for x in CASES.read_text().splitlines() if x.strip()]
    f1, due, misses = score(cases)
    assert f1 >= MIN_F1 and due >= MIN_DUE, f"f1={f1:.3f} due={due:.3f}\n" + "\n".join(misses[:40])
