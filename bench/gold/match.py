"""Per-commitment right/wrong on the real-mail gold set.

The gold set keeps where each commitment is stated (a character span), so a prediction is matched to an
expected commitment by who owes it and by its text overlapping that span - the annotators' action classes
and the extractor's differ at the edges ("I will talk with Mitch": call or other?), and matching by action
would count one right promise twice, as a false one and a missed one. As in ../shared/tools/score_extract.py,
predictions are first reduced to one per (who, local date) - here among adjacent pieces of text, so that two
undated promises in two sentences stay two (the scorer would keep one per message). The due is judged on the matched pairs: its local
date among the expected dates (any date when the promise states none) and its clock time inside the
expected window when one is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def _local(due: str, tz: str) -> datetime:
    d = datetime.fromisoformat(due.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=ZoneInfo(tz))
    return d.astimezone(ZoneInfo(tz))


def due_right(e: dict[str, Any], p: dict[str, Any], tz: str) -> bool:
    if e["date"] != "any":
        if not p.get("due") or _local(p["due"], tz).date().isoformat() not in e["date"]:
            return False
    if e.get("time"):
        if not p.get("due") or not p.get("due_has_time", True):
            return False
        hm = _local(p["due"], tz).strftime("%H:%M")
        return bool(e["time"][0] <= hm <= e["time"][1])
    return True


def _locate(text: str, quote: str) -> tuple[int, int]:
    """Where a prediction's text sits in the message: the extractor joins soft-wrapped lines (a newline and
    the next line's indent become one space), so whitespace runs match any whitespace."""
    words = quote.split()
    if not words:
        return -1, -1
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else (-1, -1)


@dataclass
class Judged:
    predictions: list[tuple[dict[str, Any], bool]]  # (prediction, matched an expected commitment)
    missed: list[dict[str, Any]]
    found: list[tuple[dict[str, Any], dict[str, Any], bool]]  # (expected, prediction, due right)


def judge(case: dict[str, Any], preds: list[dict[str, Any]]) -> Judged:
    tz, text = case["timezone"], case["text"]
    # one commitment per (who, local date) within one stretch of text: a promise split in two is not a
    # second false one, but two undated promises in two sentences are two
    uniq: list[dict[str, Any]] = []
    spans: dict[int, tuple[int, int]] = {}
    for p in preds:
        span = _locate(text, str(p.get("text") or ""))
        key = (p.get("who"), _local(p["due"], tz).date() if p.get("due") else None)
        if any((q.get("who"), _local(q["due"], tz).date() if q.get("due") else None) == key
               and spans[id(q)][0] <= span[1] + 1 and span[0] <= spans[id(q)][1] + 1 for q in uniq):
            continue
        spans[id(p)] = span
        uniq.append(p)
    free = list(uniq)
    out = Judged([], [], [])
    matched: set[int] = set()
    for e in case["expected"]:
        a, b = e["span"]
        hits = [p for p in free if p.get("who") in e["who"] and spans[id(p)][0] < b and a < spans[id(p)][1]]
        if not hits:
            out.missed.append(e)
            continue
        hit = next((p for p in hits if due_right(e, p, tz)), hits[0])
        free.remove(hit)
        matched.add(id(hit))
        out.found.append((e, hit, due_right(e, hit, tz)))
    out.predictions = [(p, id(p) in matched) for p in uniq]
    return out


def figures(judged: list[Judged]) -> dict[str, float]:
    tp = sum(len(j.found) for j in judged)
    n_pred = sum(len(j.predictions) for j in judged)
    n_exp = tp + sum(len(j.missed) for j in judged)
    due = sum(ok for j in judged for _, _, ok in j.found)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_exp if n_exp else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"tp": tp, "predicted": n_pred, "expected": n_exp, "precision": prec, "recall": rec, "f1": f1,
            "due_right": due / n_exp if n_exp else 0.0, "due_right_found": due / tp if tp else 0.0}
