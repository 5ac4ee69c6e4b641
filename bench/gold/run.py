"""Run the real `assistant extract` command on scorer cases and return its output lines (JSON objects)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[2]
FIELDS = ("id", "text", "sent_at", "timezone", "direction")


def command() -> list[str]:
    exe = shutil.which("assistant", path=str(HERE / ".venv" / "bin")) or shutil.which("assistant")
    return [exe, "extract"] if exe else [sys.executable, "-m", "assistant", "extract"]


def extract(cases: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    inp = "".join(json.dumps({k: c[k] for k in FIELDS}) + "\n" for c in cases)
    p = subprocess.run(command(), input=inp, capture_output=True, text=True, check=True)
    out = {}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        out[o["id"]] = o.get("commitments", [])
    return out
