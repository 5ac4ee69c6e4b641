# Two entry points: `make demo` and `make test`. Both create .venv and install on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint imports typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip uninstall -q -y follow-through 2>/dev/null || true  # the distribution's old name
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/assistant demo --out demo-out

lint: $(STAMP)
	$(BIN)/ruff check assistant nlp tests bench

imports: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

test: lint imports typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/when_accuracy.py
	$(BIN)/python bench/when_speed.py
	$(BIN)/python bench/extract_speed.py
	$(BIN)/python bench/extract_quality.py
	$(BIN)/python bench/quotes_compare.py
	$(BIN)/python bench/sync_speed.py
	$(BIN)/python bench/track_speed.py
	$(BIN)/python bench/imap_idle_latency.py
	$(BIN)/python bench/graph_first_sync.py

clean:
	rm -rf $(VENV) demo-out tests/artifacts
