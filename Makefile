# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run    build db/tracker.db from the bundled sample on first run, start the dashboard
#   make test   run the whole test suite (ruff and mypy, then both tiers; what CI runs)
# and for development:
#   make test-fast   ruff, mypy and the fast tier only (pytest -m "not slow")
#   make lint        ruff alone
#   make typecheck   mypy alone
# The recipes need a POSIX shell (sh): on Windows run make from Git Bash, MSYS2 or WSL.
PYTHON ?= python3
VENV   ?= .venv
# a virtual environment keeps its programs in bin/, or in Scripts/ on Windows
BIN     = $(VENV)/$(if $(filter Windows_NT,$(OS)),Scripts,bin)
PORT   ?= 8501
# the dashboard listens on this machine only; ADDRESS=0.0.0.0 make run serves the network (the
# Add page writes to the database and has no sign-in: put an authenticating proxy in front)
ADDRESS ?= 127.0.0.1
DB     ?= $(or $(TRACKER_DB),db/tracker.db)
SAMPLE  = tracker/data/sample
STAMP   = $(VENV)/.installed
DEV_STAMP = $(VENV)/.installed-test
LOCK    = requirements

.PHONY: run test test-fast lint typecheck venv sample bench bench-timings bench-scale bench-memory \
	clean-db screenshots lock

# runtime packages at the versions (and hashes) of the lock; `make test` adds the test tools
$(STAMP): pyproject.toml $(LOCK)/lock-pip.txt $(LOCK)/lock-runtime.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "position-tracker needs Python 3.11 or newer; this is " + sys.version.split()[0] + " (set PYTHON=python3.12 or similar)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the runtime packages pinned in $(LOCK)/lock-runtime.txt into $(VENV) (a few minutes the first time)..."
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)/lock-pip.txt
	$(BIN)/python -m pip install --require-hashes -r $(LOCK)/lock-runtime.txt
	$(BIN)/python -m pip install --no-deps -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) $(LOCK)/lock-test.txt
	@echo "Installing the test and benchmark tools pinned in $(LOCK)/lock-test.txt..."
	$(BIN)/python -m pip install --require-hashes -r $(LOCK)/lock-test.txt
	@touch $(DEV_STAMP)

# re-resolve the lock files after a change to pyproject.toml (ARGS=--upgrade to move everything on)
lock:
	PYTHON=$(PYTHON) sh $(LOCK)/update-lock.sh $(ARGS)

venv: $(STAMP)

# built under another name and renamed at the end: an interrupted first build leaves no half
# database that later runs would take for the sample
$(DB): | $(STAMP)
	@echo "Building $(DB) from the bundled sample corpus (first run only)..."
	rm -f $(DB).part $(DB).part-wal $(DB).part-shm
	$(BIN)/tracker ingest $(SAMPLE) --manifest $(SAMPLE)/manifest.csv --db $(DB).part
	@# an older build's write-ahead log beside the target would be replayed onto the new file
	rm -f $(DB)-wal $(DB)-shm
	mv $(DB).part $(DB)

sample: $(STAMP)
	$(BIN)/tracker ingest $(SAMPLE) --manifest $(SAMPLE)/manifest.csv --db $(DB)

run: $(STAMP) $(DB)
	@# an empty file (0 bytes) is no database: build the sample again
	@if [ ! -s $(DB) ]; then rm -f $(DB) $(DB)-wal $(DB)-shm && $(MAKE) --no-print-directory $(DB); fi
	TRACKER_DB=$(DB) $(BIN)/streamlit run dashboard.py --server.address $(ADDRESS) \
		--server.port $(PORT) --server.headless true

# Two workers, each taking whole test modules (their module fixtures build databases once), the
# slow modules first (tests/conftest.py orders them; --no-loadscope-reorder keeps that order).
PYTEST_PARALLEL ?= -n 2 --dist loadfile --no-loadscope-reorder
# more pytest options, e.g. make test PYTEST_ARGS="--durations=40"
PYTEST_ARGS ?=

# ruff with the rules in pyproject.toml ([tool.ruff]): the whole checkout, tests and benchmarks too
lint: $(DEV_STAMP)
	$(BIN)/python -m ruff check .

typecheck: $(DEV_STAMP)
	$(BIN)/python -m mypy

# the whole suite: both tiers (docs/testing.md says what is slow and how long each takes)
test: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -q $(PYTEST_ARGS)

# the development loop: the fast tier only
test-fast: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -q -m "not slow" $(PYTEST_ARGS)

CORPUS ?= ../shared/corpus
BENCH_DB ?= $(or $(TMPDIR),$(TEMP),/tmp)/position-tracker-bench.db

# matcher against exact baselines, then the whole UNGDC: ingest, re-match, dashboard queries,
# Any term through its index beside reading every statement; last, the speed checks that used to
# be test assertions (bench-timings)
bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_match.py --zip $(CORPUS)/ungdc/UNGDC_1946-2024.zip
	$(BIN)/python benchmarks/bench_ingest.py $(CORPUS)/ungdc/UNGDC_1946-2024.zip --keep $(BENCH_DB)
	$(BIN)/python benchmarks/accuracy.py --corpus $(CORPUS) --weak-db $(BENCH_DB)
	$(BIN)/python benchmarks/unseen.py --corpus $(CORPUS)
	$(BIN)/python benchmarks/coder_vs_gold.py --corpus $(CORPUS)
	$(BIN)/python benchmarks/bench_terms.py --db $(BENCH_DB)
	$(BIN)/python benchmarks/bench_first_chart.py --db $(DB)
	$(BIN)/python benchmarks/bench_timings.py --corpus $(CORPUS)

# reading, segmenting and resolving the whole UNGDC, and country look-ups, beside baselines
bench-timings: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_timings.py --corpus $(CORPUS)

# peak memory of single-file ingests (hostile ones included) beside a baseline; a few minutes
bench-memory: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_memory.py --corpus $(CORPUS)

# long: a corpus ten times the UNGDC, ingested slice by slice
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py $(CORPUS)/ungdc/UNGDC_1946-2024.zip --factor 10

screenshots: $(DEV_STAMP) $(DB)
	TRACKER_DB=$(DB) $(BIN)/python scripts/screenshots.py

clean-db:
	rm -f $(DB) $(DB)-wal $(DB)-shm
