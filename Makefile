# Two commands for a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: demo serve test test-unit test-integration lint bench soak clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/eig demo

# Prefect server and UI on http://127.0.0.1:4200, the deployments, the automations (eig setup)
# and WORKERS workers (Ctrl-C stops); PREFECT_API_DATABASE_CONNECTION_URL: the server's database
WORKERS ?= 2
serve: $(BIN)/.installed
	$(BIN)/eig serve --workers $(WORKERS)

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-unit: $(BIN)/.installed
	$(BIN)/pytest -q tests/unit

test-integration: $(BIN)/.installed
	$(BIN)/pytest -q tests/integration

lint: $(BIN)/.installed
	$(BIN)/ruff check .

bench: $(BIN)/.installed
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/task_emails.py

# ~17 min: a Prefect server on PostgreSQL, two workers, a season of concurrent runs
soak: $(BIN)/.installed
	$(BIN)/python bench/soak.py

clean:
	rm -rf var .pytest_cache
