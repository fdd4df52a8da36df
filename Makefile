# Two commands for a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: demo serve test coverage test-unit test-integration lint bench soak clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,sandbox]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/eig demo

# Prefect server and UI on http://127.0.0.1:4200, the deployments, the automations (eig setup)
# and WORKERS workers (Ctrl-C stops); PREFECT_API_DATABASE_CONNECTION_URL: the server's database
WORKERS ?= 2
serve: $(BIN)/.installed
	$(BIN)/eig serve --workers $(WORKERS)

# Four pytest-xdist workers: two share the CPU-bound tests from the start, the real-server tests
# (mostly waiting on their Prefect servers, groups prefect-server-*) keep the other two.
# PYTEST_ARGS: more options (.ci/run adds --durations=20).
TEST_WORKERS ?= 4
PYTEST_ARGS ?=
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The suite under coverage (line coverage of the four packages, summary on the terminal)
coverage: $(BIN)/.installed
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup --cov=eig --cov=flows --cov=models \
		--cov=connectors --cov=settings --cov-report=term $(PYTEST_ARGS)

test-unit: $(BIN)/.installed
	$(BIN)/pytest -q tests/unit

test-integration: $(BIN)/.installed
	$(BIN)/pytest -q tests/integration

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(BIN)/.installed
	$(BIN)/pytest -q -s -m bench bench
	$(BIN)/python bench/assign.py
	$(BIN)/python bench/hearings.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/task_emails.py

# ~17 min: a Prefect server on PostgreSQL, two workers, a season of concurrent runs
soak: $(BIN)/.installed
	$(BIN)/python bench/soak.py

clean:
	rm -rf var .pytest_cache
