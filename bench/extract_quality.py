"""Quality of `assistant extract`: the project's scorer on the shared dev set and on our own suite.

usage: python bench/extract_quality.py [--show-misses]
Runs ../shared/tools/score_extract.py (when present) through the real CLI on
../shared/data/commitments-dev.jsonl and tests/data/extract_cases.jsonl and prints both summaries.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SCORER = HERE.parent / "shared" / "tools" / "score_extract.py"
SETS = [("shared dev", HERE.parent / "shared" / "data" / "commitments-dev.jsonl"),
        ("own suite", HERE / "tests" / "data" / "extract_cases.jsonl")]


def main() -> int:
    if not SCORER.exists():
        print(f"extract_quality: scorer {SCORER} not found; tests/test_extract_suite.py scores the own suite")
        return 1
    exe = shutil.which("assistant", path=str(HERE / ".venv" / "bin")) or "assistant"
    extra = ["--show-misses"] if "--show-misses" in sys.argv else []
    for name, path in SETS:
        if not path.exists():
            print(f"{name}: {path} not found")
            continue
        p = subprocess.run([sys.executable, str(SCORER), str(path), "--cmd", f"{exe} extract", *extra],
                           capture_output=True, text=True)
        print(f"== {name} ({path.name})")
        print(p.stdout.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
