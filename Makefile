# Paths and settings live here and in pipeline/config.py; outputs/ is always regenerable.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TEST_STAMP  := $(VENV)/.test-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
# make bench SIZES=100,1000 limits the corpus sizes
SIZES  ?= 100,1000,10000

.DEFAULT_GOAL := help
.PHONY: help install extract test evaluate evaluate-dev evaluate-heldout bench report browser clean

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# the extras: dask for the Dask executor's test, psutil for the benchmark
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	@touch $(TEST_STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@touch $(BENCH_STAMP)

## install: create .venv and install the project with its pinned dependencies
install: $(STAMP)

## extract: run every stage over seeds/ and write the tables to outputs/
extract: $(STAMP)
	$(BIN)/python -m pipeline extract --seeds seeds --out outputs

## test: run the test suite, gold comparison included
test: $(TEST_STAMP) browser
	$(BIN)/python -m pytest -q

## evaluate: print precision, recall and F1 per table against tests/gold
evaluate: $(STAMP)
	$(BIN)/python -m pipeline.evaluate --gold tests/gold --out outputs

## evaluate-dev: extract and score the development set tests/dev (error analysis allowed, see its README)
evaluate-dev: $(STAMP)
	$(BIN)/python -m pipeline extract --seeds tests/dev/seeds --out outputs/dev
	$(BIN)/python -m pipeline.evaluate --gold tests/dev/gold --out outputs/dev
	$(BIN)/python -m pipeline.evaluate --baseline spacy --seeds tests/dev/seeds --gold tests/dev/gold --out outputs/dev

## evaluate-heldout: extract and score the held-out set tests/heldout (read the figures only, never its errors)
evaluate-heldout: $(STAMP)
	$(BIN)/python -m pipeline extract --seeds tests/heldout/seeds --out outputs/heldout
	$(BIN)/python -m pipeline.evaluate --gold tests/heldout/gold --out outputs/heldout
	$(BIN)/python -m pipeline.evaluate --baseline spacy --seeds tests/heldout/seeds --gold tests/heldout/gold --out outputs/heldout

## bench: pipeline vs bare nlp.pipe on 100, 1,000, 10,000 articles, into outputs/bench.json (SIZES=100,1000 to limit)
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --sizes $(SIZES) --out outputs

## report: write outputs/report.html, one self-contained page of the extracted tables
report: extract
	$(BIN)/python -m pipeline.report --out outputs

## browser: install Debian's chromium when missing (the report test opens the page in it)
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

## clean: remove generated tables (not the virtual environment)
clean:
	rm -rf outputs
