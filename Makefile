# CustodyWatch: `make run` to try it, `make test` for the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test venv lint test-sqlite test-postgres demo bench messages clean

$(UV):
	python3 -m pip install --user --quiet uv

venv: $(UV)
	$(UV) sync --frozen --quiet

run: demo
	scripts/run-with-witnesses $(PY) manage.py runserver $(HOST):$(PORT)

demo: venv
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo_country

lint: venv
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

test: venv lint test-sqlite test-postgres

test-sqlite: venv
	$(VENV)/bin/pytest -q -n 2 $(PYTEST_ARGS)

# The same suite on PostgreSQL, minus the browser tests (they exercise templates, not the database).
test-postgres: venv
	scripts/with-postgres $(VENV)/bin/pytest -q -n 2 -m "not browser" $(PYTEST_ARGS)

bench: venv
	$(PY) bench/run_all.py

messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l kk -l ru -l en --no-obsolete --ignore=.venv --ignore=bench
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var ledger-keys
