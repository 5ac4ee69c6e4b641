"""Per-commitment right/wrong on the real-mail gold set.

The gold set keeps where each commitment is stated (a character span), so a prediction is matched to an
expected commitment by who owes it and by its text overlapping that span - the annotators' action classes
and the extractor's differ at the edges ("I will talk with Mitch": call or other?), and matching by action
would count one right promise twice, as a false one and a missed one. As in ../shared/tools/score_extract.py,
predictions are first reduced to one per (who, local date). The due is judged on the matched pairs: its local
date among the expected dates (any date when the promise states none) and its clock time inside the
expected window when one is given.
"""

from __future__ import annotations

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


@dataclass
class Judged:
    predictions: list[tuple[dict[str, Any], bool]]  # (prediction, matched an expected commitment)
    missed: list[dict[str, Any]]
    found: list[tuple[dict[str, Any], dict[str, Any], bool]]  # (expected, prediction, due right)


def judge(case: dict[str, Any], preds: list[dict[str, Any]]) -> Judged:
    tz, text = case["timezone"], case["text"]
    seen, uniq = set(), []
    for p in preds:
        key = (p.get("who"), _local(p["due"], tz).date() if p.get("due") else None)
        if key not in seen:
            seen.add(key)
            uniq.append(p)
    spans = {}
    for p in uniq:
        at = text.find(p.get("text") or "\0")
        spans[id(p)] = (at, at + len(p.get("text") or "")) if at >= 0 else (-1, -1)
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
