# `make run` and `make test` work on a fresh machine with Python 3.11, Node.js and npm.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format fuzz bench chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The task worker (background jobs: the forecast's refits) runs beside the server and stops
# with it.
run: $(VENV)/.installed node_modules/.installed
	$(BIN)/salestrack migrate --noinput -v0
	$(BIN)/salestrack demo --if-empty
	$(BIN)/salestrack collectstatic --noinput -v0
	$(BIN)/salestrack forecast calibrate
	$(BIN)/salestrack db_worker --interval 5 & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/salestrack serve --host $(HOST) --port $(PORT)

# Debian's Chromium drives the browser tests; Playwright cannot download its own here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: $(VENV)/.installed node_modules/.installed chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The long API fuzz: 200 examples per operation and role, a random seed, and the stateful
# phase; minutes, never part of `make test` (docs/reliability.md).
fuzz: $(VENV)/.installed
	FUZZ=1 $(BIN)/pytest tests/test_api_fuzz.py -p no:randomly

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks on a generated organisation; never part of `make test`. See docs/benchmarks.md.
#   make bench SIZE=large                     SQLite in var/bench-large/
#   make bench SIZE=large BENCH_DIR=var/bench-pg DATABASE_URL=postgres://postgres@127.0.0.1:5432/large
SIZE ?= medium
BENCH_DIR ?= var/bench-$(SIZE)
BENCH_ENV = SALESTRACK_DATA_DIR=$(BENCH_DIR)

$(BENCH_DIR)/.generated-$(SIZE):
	mkdir -p $(BENCH_DIR)
	$(BENCH_ENV) $(BIN)/salestrack migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/salestrack generate --size $(SIZE)
	touch $@

bench: $(VENV)/.installed node_modules/.installed $(BENCH_DIR)/.generated-$(SIZE)
	$(BENCH_ENV) $(BIN)/salestrack bench --json $(BENCH_DIR)/bench.json
	$(BENCH_ENV) $(BIN)/salestrack load --json $(BENCH_DIR)/load.json

clean:
	rm -rf $(VENV) node_modules var
