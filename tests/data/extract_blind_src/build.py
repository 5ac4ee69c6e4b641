"""Build tests/data/extract_blind.jsonl from the hand-labelled blind cases here.

Same format as tests/data/extract_src/ (see build.py there). These cases were written before the extractor's
rules were read, to measure how it generalises; do not tune a rule to one of them.
"""
import importlib.util
import json
import pathlib

HERE = pathlib.Path(__file__).parent
_spec = importlib.util.spec_from_file_location("extract_src_build", HERE.parent / "extract_src" / "build.py")
assert _spec is not None and _spec.loader is not None
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)


def main():
    out = HERE.parent / "extract_blind.jsonl"
    cases = [c for p in sorted(HERE.glob("*.txt")) for c in _build.parse(p)]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with out.open("w") as f:
        for c in cases:
            f.write(json.dumps({k: c[k] for k in ("id", "direction", "sent_at", "timezone", "text", "expected")}) + "\n")
    print(f"{len(cases)} cases, {sum(len(c['expected']) for c in cases)} expected promises -> {out}")


if __name__ == "__main__":
    main()
