#!/usr/bin/env bash
# Rebuild nlp/models/en_ewt_parser/ (spaCy tagger + dependency parser) from the UD English Web Treebank.
#
#   nlp/train/train_parser.sh [EWT_DIR] [WORK_DIR]
#
# EWT_DIR defaults to ../shared/data/ud-english-ewt (UD_English-EWT v2.15, CC BY-SA 4.0, see its README).
# WORK_DIR (converted corpora, training checkpoints) defaults to build/ewt-parser and is not committed.
# Offline, CPU only, one thread; 800 steps of 1,000 words (about 4 epochs), about 28 minutes on a shared
# 2-core machine. The result is written with nlp.to_disk from the best checkpoint only (no optimizer state),
# so the shipped model stays small (8 MB).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ewt="${1:-$repo/../shared/data/ud-english-ewt}"
work="${2:-$repo/build/ewt-parser}"
py="${PYTHON:-$repo/.venv/bin/python}"
out="$repo/nlp/models/en_ewt_parser"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

mkdir -p "$work/corpus"
for split in train dev; do
    "$py" -m spacy convert "$ewt/en_ewt-ud-$split.conllu" "$work/corpus" --converter conllu --n-sents 10
done
# Dev (not test) chooses the best checkpoint; test is only for reporting (bench/syntax_cost.py).
"$py" -m spacy train "$here/config.cfg" --output "$work/out" \
    --paths.train "$work/corpus/en_ewt-ud-train.spacy" --paths.dev "$work/corpus/en_ewt-ud-dev.spacy" \
    --system.seed 0
"$py" "$here/export_model.py" "$work/out/model-best" "$out"
du -sh "$out"
