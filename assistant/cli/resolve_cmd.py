"""`assistant resolve`: JSON Lines in, one resolved time per line out (the scorer's contract).

In: {"id", "text", "reference", "timezone"[, "date_order"]}. Out: {"id", "value", "grain"} with value ISO 8601
with offset (or null). A bad line gets {"id", "error"} on stdout and a message on stderr; the rest go on."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click


def _parse_reference(raw: Any) -> datetime:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("reference must be an ISO 8601 string")
    return datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))


def resolve_line(line: str) -> dict[str, Any]:
    """One input line -> one output object (an error object when the line is bad)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return {"id": None, "error": f"not JSON: {e.msg} at column {e.colno}"}
    if not isinstance(obj, dict):
        return {"id": None, "error": "each line must be a JSON object"}
    rid = obj.get("id")
    missing = [k for k in ("text", "reference", "timezone") if k not in obj]
    if missing:
        return {"id": rid, "error": f"missing key(s): {', '.join(missing)}"}
    text, zone, order = obj["text"], obj["timezone"], obj.get("date_order")
    if not isinstance(text, str):
        return {"id": rid, "error": "text must be a string"}
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return {"id": rid, "error": f"unknown timezone {zone!r}: use an IANA name like Europe/London"}
    if order is not None and str(order).upper() not in ("MDY", "DMY"):
        return {"id": rid, "error": f"date_order must be MDY or DMY, not {order!r}"}
    try:
        reference = _parse_reference(obj["reference"])
    except ValueError:
        return {"id": rid, "error": f"bad reference {obj['reference']!r}: write ISO 8601 like 2026-11-20T09:00"}
    from nlp.when import resolve  # (loaded by this command only, not by `assistant watch`)

    mention = resolve(text, reference, str(zone), str(order).upper() if order else None)
    if mention is None:
        return {"id": rid, "value": None, "grain": None}
    return {"id": rid, "value": mention.value.isoformat(), "grain": mention.grain}


def run(inp: TextIO, out: TextIO, err: TextIO) -> int:
    """Answer every non-blank line of `inp`, in order. Returns the number of bad lines."""
    bad = 0
    for n, line in enumerate(inp, 1):
        if not line.strip():
            continue
        answer = resolve_line(line)
        if "error" in answer:
            bad += 1
            print(f"line {n}: {answer['error']}", file=err)
        out.write(json.dumps(answer) + "\n")
        out.flush()  # a caller may feed one line and wait for its answer
    return bad


def register(group: click.Group) -> None:
    """Add `resolve` to `group`."""

    @group.command("resolve")
    def resolve_command() -> None:
        """Resolve time expressions: JSON Lines {"id","text","reference","timezone"} on stdin."""
        run(sys.stdin, sys.stdout, sys.stderr)
