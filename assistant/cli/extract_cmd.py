"""`assistant extract`: JSON Lines in, JSON Lines out (the contract in DEVELOPERS.md).

In:  {"id", "text", "sent_at" (ISO 8601 with offset), "timezone", "direction": "sent"|"received"|"note"}
Out: {"id", "commitments": [{"who", "action", "due", "due_has_time", "conditional", "vague", "text", "rule",
     "confidence"}]}  (`rule` names the head rule that found it; `confidence` is calibrated, 0-1)
With --explain: for each message, per candidate sentence, which rule fired and which filter rejected it
(plain text for a person, not the contract).
One output line per input line, same order. A bad line gets {"id", "error"} on stdout and a message on
stderr; the others are still processed; the exit code is 0.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

import click

if TYPE_CHECKING:  # (nlp.extract loads spaCy: only this command imports it, when it runs)
    from nlp.extract import ExtractedCommitment, MessageInput, SentenceTrace


def _parse(line: str) -> tuple[Any, MessageInput | None, str | None]:
    """(id, message, error) of one input line; never raises."""
    from nlp.extract import DIRECTIONS, MessageInput

    try:
        obj = json.loads(line)
    except ValueError as e:
        return None, None, f"not JSON: {e}"
    if not isinstance(obj, dict):
        return None, None, "expected a JSON object"
    ident = obj.get("id")
    text = obj.get("text")
    if not isinstance(text, str):
        return ident, None, "missing or non-string 'text'"
    tz = obj.get("timezone")
    if not isinstance(tz, str):
        return ident, None, "missing 'timezone' (an IANA name such as America/New_York)"
    try:
        ZoneInfo(tz)
    except Exception:
        return ident, None, f"unknown timezone {tz!r}: use an IANA name such as America/New_York"
    raw = obj.get("sent_at")
    if not isinstance(raw, str):
        return ident, None, "missing 'sent_at' (ISO 8601 with offset, e.g. 2026-11-02T09:00:00-05:00)"
    try:
        sent_at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return ident, None, f"bad 'sent_at' {raw!r}: write ISO 8601 with offset, e.g. 2026-11-02T09:00:00-05:00"
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=ZoneInfo(tz))
    direction = obj.get("direction")
    if direction not in DIRECTIONS:
        return ident, None, f"bad 'direction' {direction!r}: one of {', '.join(DIRECTIONS)}"
    return ident, MessageInput(text, sent_at, tz, str(direction)), None


def commitment_json(c: ExtractedCommitment) -> dict[str, Any]:
    return {
        "who": c.who,
        "action": c.action,
        "due": c.due.isoformat() if c.due else None,
        "due_has_time": c.due_has_time,
        "conditional": c.conditional,
        "vague": c.vague,
        "text": c.text,
        "rule": c.rule,
        "confidence": c.confidence,
    }


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO, batch_size: int = 64) -> int:
    """Stream stdin to stdout in batches; returns the number of bad lines."""
    from nlp.extract import pipe

    bad = 0
    lines = (ln for ln in stdin if ln.strip())

    def batches() -> Iterator[list[tuple[Any, MessageInput | None, str | None]]]:
        chunk: list[tuple[Any, MessageInput | None, str | None]] = []
        for ln in lines:
            chunk.append(_parse(ln))
            if len(chunk) >= batch_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    for n, chunk in enumerate(batches()):
        good = [m for _, m, _ in chunk if m is not None]
        results: Iterator[list[ExtractedCommitment] | None]
        try:
            results = iter(list(pipe(good, batch_size=batch_size)))
        except Exception as e:  # one poisoned message must not lose the batch: retry one by one
            results = iter(_one_by_one(good, stderr, e))
        for i, (ident, msg, err) in enumerate(chunk):
            if msg is None:
                bad += 1
                stderr.write(f"extract: line {n * batch_size + i + 1} (id {ident!r}): {err}\n")
                stdout.write(json.dumps({"id": ident, "error": err}) + "\n")
                continue
            found = next(results)
            if found is None:
                bad += 1
                stdout.write(json.dumps({"id": ident, "error": "extraction failed"}) + "\n")
                continue
            stdout.write(json.dumps({"id": ident, "commitments": [commitment_json(c) for c in found]}) + "\n")
        stdout.flush()
    return bad


def _one_by_one(good: list[MessageInput], stderr: TextIO, first: Exception) -> list[list[ExtractedCommitment] | None]:
    from nlp.extract import pipe

    out: list[list[ExtractedCommitment] | None] = []
    for m in good:
        try:
            out.append(next(pipe([m])))
        except Exception as e:
            stderr.write(f"extract: a message failed ({type(e).__name__}: {e}); please report it\n")
            out.append(None)
    return out


def explain_text(ident: Any, found: list[ExtractedCommitment], trace: list[SentenceTrace]) -> str:
    """The --explain report of one message: each candidate sentence, what fired and what rejected it."""
    lines = [f"== {ident}"]
    for st in trace:
        lines.append(f"  sentence @{st.start}: {st.text.strip()[:160]!r}")
        for rule, clause in st.kept:
            lines.append(f"    + {rule}: {clause.strip()[:100]!r}")
        for rule, flt, clause in st.rejected:
            lines.append(f"    - {rule} rejected by {flt}: {clause.strip()[:100]!r}")
    if not trace:
        lines.append("  no sentence holds a promise cue")
    for c in found:
        due = c.due.isoformat() if c.due else "no due"
        lines.append(f"  => {c.who} {c.action} ({due}{', conditional' if c.conditional else ''}"
                     f"{', vague' if c.vague else ''}) rule={c.rule} confidence={c.confidence:.2f}: {c.text[:100]!r}")
    return "\n".join(lines) + "\n"


def run_explain(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from nlp.extract import explain

    bad = 0
    for n, line in enumerate(ln for ln in stdin if ln.strip()):
        ident, msg, err = _parse(line)
        if msg is None:
            bad += 1
            stderr.write(f"extract: line {n + 1} (id {ident!r}): {err}\n")
            continue
        found, trace = explain(msg)
        stdout.write(explain_text(ident, found, trace))
    return bad


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""

    @group.command("extract")
    @click.option("--batch-size", default=64, show_default=True, help="Messages per spaCy batch.")
    @click.option("--explain", is_flag=True, help="Per sentence, print which rule fired and which filter rejected it.")
    def extract_command(batch_size: int, explain: bool) -> None:
        """Read messages as JSON Lines on stdin; print each one's commitments as JSON Lines."""
        if explain:
            run_explain(sys.stdin, sys.stdout, sys.stderr)
            return
        run(sys.stdin, sys.stdout, sys.stderr, batch_size=max(1, batch_size))
