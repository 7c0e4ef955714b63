# parcelroute: `make example` plans the shipped December month; `make test` runs the test suite.
# Both create the virtual environment .venv and install everything they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: example visits test unit lint bench bench-smoke bpplib clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## Plan the 2,000-parcel December example, print the summary and verify the plan.
example: $(STAMP)
	$(BIN)/python examples/december_parcels.py

## Schedule the family-visit example.
visits: $(STAMP)
	$(BIN)/python examples/family_visits.py

## The whole suite: lint, type check, unit and property tests, doctests, benchmark smoke run.
test: $(STAMP) lint unit bench-smoke

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests src/parcelroute --doctest-modules --ignore=src/parcelroute/__main__.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy

## A quick run of every benchmark at its smallest size, timings off (part of `make test`).
bench-smoke: $(STAMP)
	$(BIN)/python -m pytest -q benchmarks -m smoke --benchmark-disable

## The full benchmark suite (long): figures for benchmarks/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-columns=min,median,max,rounds \
		--benchmark-json=benchmarks/last-run.json

## Every BPPLIB instance through the scenario path (reads ../shared/data/bpplib in place).
bpplib: $(STAMP)
	$(BIN)/python benchmarks/run_bpplib.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .benchmarks src/*.egg-info
