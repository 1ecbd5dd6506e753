# Paths and settings live here and in pipeline/config.py; outputs/ is always regenerable.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install extract test evaluate clean

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## install: create .venv and install the project with its pinned dependencies
install: $(STAMP)

## extract: run every stage over seeds/ and write the tables to outputs/
extract: $(STAMP)
	$(BIN)/python -m pipeline extract --seeds seeds --out outputs

## test: run the test suite, gold comparison included
test: $(STAMP)
	$(BIN)/python -m pytest -q

## evaluate: print precision, recall and F1 per table against tests/gold
evaluate: $(STAMP)
	$(BIN)/python -m pipeline.evaluate --gold tests/gold --out outputs

## clean: remove generated tables (not the virtual environment)
clean:
	rm -rf outputs
