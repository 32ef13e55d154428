# Shujiao: `make demo` runs the exchange on its embedded defaults; `make test` runs the suite
# against real services (PostgreSQL, OpenSearch, localstripe) that it installs and starts itself.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Test processes (pytest-xdist); `make test PYTEST_WORKERS=0` runs the suite in one process.
PYTEST_WORKERS ?= 2

.PHONY: demo test install install-test translations messages services services-down lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations

# Compiled catalogues (.mo) are build products: made here, never committed. So is the
# Traditional Chinese catalogue (zh_Hant), converted from the Simplified one (tools/hant.py).
translations: $(VENV)/.installed
	$(PY) tools/hant.py
	$(BIN)/pybabel compile --use-fuzzy -d market/translations

# The translations template, extracted from the code and pages (a test fails when it is stale).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o market/translations/messages.pot .

demo: install
	$(PY) tools/services.py fonts
	$(BIN)/shujiao demo

services: install-test
	$(PY) tools/services.py install
	$(PY) tools/services.py up

services-down:
	$(PY) tools/services.py down

# Starts the services, runs the whole suite, and stops what it started whatever the outcome.
test: install-test
	$(PY) tools/services.py install
	$(PY) tools/services.py up
	rm -rf build/screenshots
	set -a; . ./.services/env; set +a; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); status=$$?; \
	$(PY) tools/services.py down; exit $$status

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) tools/deadcode.py

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	$(PY) tools/services.py install
	SHUJIAO_PG_DURABLE=1 $(PY) tools/services.py up
	set -a; . ./.services/env; set +a; \
	$(PY) bench/ledger.py; status=$$?; \
	$(PY) tools/services.py down; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
