# parcelroute: `make example` plans the shipped December month; `make test` runs the test suite.
# Both create the virtual environment .venv and install everything they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: example visits test unit lint bench bench-smoke profile report bpplib constraints clean

## The environment: parcelroute and its development tools at the versions of constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade -c constraints.txt pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@# pip byte-compiles what it installs, but not an editable install's sources: compile them once, so
	@# that each command does not compile them again at start-up where PYTHONDONTWRITEBYTECODE is set.
	$(BIN)/python -m compileall -q src
	@touch $(STAMP)

## Plan the 2,000-parcel December example, print the summary and verify the plan.
example: $(STAMP)
	$(BIN)/python examples/december_parcels.py

## Schedule the family-visit example.
visits: $(STAMP)
	$(BIN)/python examples/family_visits.py

## The whole suite: lint, type check, unit and property tests, doctests, benchmark smoke run.
test: $(STAMP) lint unit bench-smoke

## The unit, property and doc tests on TEST_WORKERS processes (pytest-xdist), then the few whose
## outcome depends on the CPU time a time limit gives (marked `serial`) alone.
TEST_WORKERS ?= 2
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not serial" tests src/parcelroute \
		--doctest-modules --ignore=src/parcelroute/__main__.py
	$(BIN)/python -m pytest -q -m serial tests

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy

## A quick run of every benchmark at its smallest size, timings off (part of `make test`).
bench-smoke: $(STAMP)
	$(BIN)/python -m pytest -q benchmarks -m smoke --benchmark-disable

## The full benchmark suite (long, ~10-15 min on 2 cores): every workload at its target size with the
## target's wall budget as time limit, the direct CP-SAT baseline beside it, then the size profile; rewrites
## the measured tables of benchmarks/RESULTS.md (between its marker comments). BENCH_ARGS goes to pytest
## (e.g. BENCH_ARGS='-k 2k-parcels'), PROFILE_ARGS to the profile (e.g. PROFILE_ARGS='--sizes 2000').
## The tables are written even when a case fails; the exit status is then non-zero.
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -m "not smoke" --benchmark-only \
		--benchmark-columns=min,median,max,rounds --benchmark-json=benchmarks/last-run.json $(BENCH_ARGS); \
	rc=$$?; \
	$(BIN)/python benchmarks/profile_sizes.py $(PROFILE_ARGS) || rc=1; \
	$(BIN)/python benchmarks/report.py || rc=1; \
	exit $$rc

## Time and memory profile of the parcel solve at 2,000 / 20,000 / 200,000 parcels (~4 min), each in fresh
## processes; rewrites its table in benchmarks/RESULTS.md (and the target table, if a suite run exists).
profile: $(STAMP)
	$(BIN)/python benchmarks/profile_sizes.py $(PROFILE_ARGS)
	@if [ -f benchmarks/last-run.json ]; then $(BIN)/python benchmarks/report.py; fi

## Rewrite the target and baseline tables of benchmarks/RESULTS.md from benchmarks/last-run.json.
report: $(STAMP)
	$(BIN)/python benchmarks/report.py

## Every BPPLIB instance through the scenario path (reads ../shared/data/bpplib in place).
bpplib: $(STAMP)
	$(BIN)/python benchmarks/run_bpplib.py

## Rewrite constraints.txt with the newest versions pip finds for pyproject.toml's ranges (in a fresh
## environment under .constraints-venv); then run `make clean test` before committing the new file.
constraints:
	rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/python -m pip install --quiet --upgrade pip
	.constraints-venv/bin/python -m pip install --quiet -e ".[dev]"
	{ sed -n '/^#/p' constraints.txt; \
	  .constraints-venv/bin/python -m pip --version | awk '{print "pip==" $$2}'; \
	  .constraints-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .constraints-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .benchmarks src/*.egg-info
