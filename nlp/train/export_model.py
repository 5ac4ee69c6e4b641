"""Write the best training checkpoint as the shipped pipeline: nlp.to_disk only (no optimizer state).

usage: python nlp/train/export_model.py CHECKPOINT_DIR OUT_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import spacy


def main() -> int:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    nlp = spacy.load(src)
    perf = nlp.meta.get("performance", {})
    nlp.meta.update({
        "name": "ewt_parser",
        "version": "0.1.0",
        "description": "Tagger + dependency parser trained on UD English EWT v2.15 (CC BY-SA 4.0); "
                       "recipe: nlp/train/train_parser.sh.",
        "license": "CC BY-SA 4.0",
        "sources": [{"name": "UD English EWT v2.15", "url": "https://github.com/UniversalDependencies/UD_English-EWT",
                     "license": "CC BY-SA 4.0"}],
        # dev scores of the chosen checkpoint; the per-label table is dropped to keep the meta short
        "performance": {k: v for k, v in perf.items() if k in {"tag_acc", "dep_uas", "dep_las", "sents_f"}},
    })
    for key in ("train", "dev"):  # local training paths, meaningless in the shipped copy
        nlp.config["paths"][key] = None
    if out.exists():
        shutil.rmtree(out)
    nlp.to_disk(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
