"""Accuracy of `nlp.when` against dateparser, ctparse and parsedatetime on the external time corpora.

Every resolver gets the same cases (text, reference, zone, date order) and is scored with the grain rules of
`../shared/tools/score_resolve.py`: the value is compared in the record's zone at the expected grain
(day = date; hour = date + hour; minute = date + hour + minute; time = hour + minute). Coverage = share of
cases where the resolver returned anything. For the libraries the first date each one finds is taken, as a
caller would. ctparse was trained on the two ctparse files, so its figures there are in-sample.

With --generated, the same resolvers are scored on the cases the tests generate per expression class
(tests/test_when_<class>.py `records()`: every clock notation x day word, every zone abbreviation, every numeric
date format, offsets, written-out numbers, weekdays x modifiers, day parts x day words, clock and weekday
ranges, holidays per country, same-day anchors); the
libraries get an evenly spaced sample of each class (--sample, default 150), ours every case.

usage: python bench/when_accuracy.py [--data DIR] [--only ours] [--misses] [--generated [--sample N]]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.when import resolve  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "external"
CORPORA = ["duckling", "recognizers-text", "ctparse-timeparse", "ctparse-corpus"]
Resolver = Callable[[dict[str, object]], datetime | None]


def local(value: datetime, tz: str) -> datetime:
    """The value as naive wall time in `tz` (a naive value already is)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def match(pred: datetime, exp: dict[str, str]) -> bool:
    """score_resolve.py's comparison at the expected grain."""
    g, v = exp["grain"], exp["value"]
    if g == "day":
        return pred.date().isoformat() == v[:10]
    if g == "time":
        return pred.strftime("%H:%M") == v[:5]
    e = datetime.fromisoformat(v)
    if g == "hour":
        return pred.date() == e.date() and pred.hour == e.hour
    return pred.date() == e.date() and (pred.hour, pred.minute) == (e.hour, e.minute)


def _ref(rec: dict[str, object]) -> tuple[datetime, str]:
    tz = str(rec.get("timezone") or "UTC")
    ref = datetime.fromisoformat(str(rec["reference"]))
    if ref.tzinfo is not None:
        ref = ref.astimezone(ZoneInfo(tz))
    return ref.replace(tzinfo=None), tz


def ours(rec: dict[str, object]) -> datetime | None:
    ref, tz = _ref(rec)
    order = rec.get("date_order")
    m = resolve(str(rec["text"]), ref, tz, str(order) if order else None)
    return m.value if m else None


def make_dateparser() -> Resolver:
    import dateparser
    from dateparser.search import search_dates

    def run(rec: dict[str, object]) -> datetime | None:
        ref, _ = _ref(rec)
        settings: dict[str, object] = {"RELATIVE_BASE": ref, "PREFER_DATES_FROM": "future",
                                       "RETURN_AS_TIMEZONE_AWARE": False}
        if rec.get("date_order"):
            settings["DATE_ORDER"] = rec["date_order"]
        text = str(rec["text"])
        value = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
        if value is None:
            found = search_dates(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
            value = found[0][1] if found else None
        return value

    return run


def make_ctparse() -> Resolver:
    from ctparse import ctparse

    def run(rec: dict[str, object]) -> datetime | None:
        ref, _ = _ref(rec)
        r = ctparse(str(rec["text"]), ts=ref, timeout=1.0)
        if r is None or r.resolution is None:
            return None
        t = r.resolution
        if hasattr(t, "t_from"):
            t = t.t_from if t.t_from is not None else t.t_to
            if t is None:
                return None
        try:
            return datetime(t.year or ref.year, t.month or ref.month, t.day or ref.day, t.hour or 0, t.minute or 0)
        except (TypeError, ValueError):
            return None

    return run


def make_parsedatetime() -> Resolver:
    import parsedatetime

    cal = parsedatetime.Calendar(version=parsedatetime.VERSION_CONTEXT_STYLE)

    def run(rec: dict[str, object]) -> datetime | None:
        ref, _ = _ref(rec)
        found = cal.nlp(str(rec["text"]), sourceTime=ref)
        if found:
            return found[0][0]  # type: ignore[no-any-return]
        value, ctx = cal.parseDT(str(rec["text"]), sourceTime=ref)
        return value if ctx.hasDateOrTime else None  # type: ignore[no-any-return]

    return run


def score(records: list[dict[str, object]], fn: Resolver, misses: bool = False) -> tuple[float, float, float]:
    ok = covered = 0
    start = time.perf_counter()
    for rec in records:
        try:
            value = fn(rec)
        except Exception:  # a library crashing on a case counts as no answer
            value = None
        good = False
        if value is not None:
            covered += 1
            good = match(local(value, str(rec.get("timezone") or "UTC")), rec["expected"])  # type: ignore[arg-type]
        ok += good
        if misses and not good:
            print("  MISS", rec["id"], repr(str(rec["text"])[:60]), rec["expected"], value)
    n = len(records) or 1
    return ok / n, covered / n, (time.perf_counter() - start) / n * 1000


GENERATED = ["clocks", "zones", "numeric_dates", "written_dates", "numbers", "offsets", "relative", "dayparts",
             "ranges", "holidays", "now_words"]


def generated_table(resolvers: dict[str, Callable[[], Resolver]], sample: int, misses: bool) -> None:
    """Accuracy per expression class on the generated cases of tests/test_when_<class>.py."""
    import importlib

    classes = {c: importlib.import_module(f"tests.test_when_{c}").records() for c in GENERATED}
    print("Generated cases per class (ours: every case; libraries: an evenly spaced sample of at most "
          f"{sample}), accuracy at the expected grain, coverage in brackets, n = "
          + ", ".join(f"{c} {len(r)}" for c, r in classes.items()))
    print()
    print("| resolver | " + " | ".join(GENERATED) + " |")
    print("| --- | " + " | ".join("---" for _ in GENERATED) + " |")
    for name, factory in resolvers.items():
        try:
            fn = factory()
        except ImportError as e:
            print(f"{name}: not installed ({e})", file=sys.stderr)
            continue
        cells = []
        for c in GENERATED:
            recs = classes[c]
            if "ours" not in name and len(recs) > sample:
                step = len(recs) / sample
                recs = [recs[int(i * step)] for i in range(sample)]
            acc, cov, _ = score(recs, fn, misses and "ours" in name)
            cells.append(f"{acc:.3f} ({cov:.2f})")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--only", choices=["ours", "dateparser", "ctparse", "parsedatetime"])
    ap.add_argument("--misses", action="store_true", help="print our misses")
    ap.add_argument("--generated", action="store_true", help="score the generated cases per expression class")
    ap.add_argument("--sample", type=int, default=150, help="generated cases per class given to each library")
    a = ap.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    resolvers: dict[str, Callable[[], Resolver]] = {
        "nlp.when (ours)": lambda: ours,
        "dateparser": make_dateparser,
        "ctparse": make_ctparse,
        "parsedatetime": make_parsedatetime,
    }
    if a.only:
        resolvers = {k: v for k, v in resolvers.items() if k.startswith(a.only) or (a.only == "ours" and "ours" in k)}
    if a.generated:
        generated_table(resolvers, a.sample, a.misses)
        return 0
    table: dict[str, dict[str, tuple[float, float, float]]] = {}
    for name, factory in resolvers.items():
        try:
            fn = factory()
        except ImportError as e:
            print(f"{name}: not installed ({e}); pip install '.[bench]'", file=sys.stderr)
            continue
        for corpus in CORPORA:
            path = a.data / f"{corpus}.jsonl"
            records = [json.loads(line) for line in path.open() if line.strip()]
            table.setdefault(name, {})[corpus] = score(records, fn, a.misses and "ours" in name)
    print("Accuracy at the expected grain (coverage in brackets), n = "
          + ", ".join(f"{c} {sum(1 for _ in (a.data / f'{c}.jsonl').open())}" for c in CORPORA))
    print()
    print("| resolver | " + " | ".join(CORPORA) + " | ms/case |")
    print("| --- | " + " | ".join("---" for _ in CORPORA) + " | --- |")
    for name, row in table.items():
        cells = [f"{row[c][0]:.3f} ({row[c][1]:.2f})" for c in CORPORA if c in row]
        ms = sum(row[c][2] for c in row) / max(len(row), 1)
        print(f"| {name} | " + " | ".join(cells) + f" | {ms:.2f} |")
    print()
    print("ctparse was trained on ctparse-timeparse and ctparse-corpus: its figures there are in-sample.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
