# CustodyWatch: `make run` to try it, `make test` for the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= --durations=15

.PHONY: run dev static test venv lint test-sqlite test-postgres demo demo-terminals bench messages clean

$(UV):
	PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --user --quiet uv  # Debian's python3 refuses pip otherwise (PEP 668)

venv: $(UV)
	$(UV) sync --frozen --quiet

# As in production: gunicorn with several workers, DEBUG off, static files from the app, the job
# worker and scheduler, two witnesses. Only TLS is left out (on a server the reverse proxy adds it),
# so cookies and redirects are told they travel over plain HTTP on this machine, and mail, with no
# mail server here, is written to the job worker's log (var/log/worker.log) instead of sent.
LOCAL_HTTP := ALLOWED_HOSTS=$(HOST),localhost,127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0 \
	EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
run: demo static
	$(LOCAL_HTTP) GUNICORN_BIND=$(HOST):$(PORT) scripts/run-with-witnesses $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py

# Development: Django's runserver with DEBUG (reloads on change, shows tracebacks).
dev: demo
	DEBUG=1 scripts/run-with-witnesses $(PY) manage.py runserver $(HOST):$(PORT)

static: venv
	$(PY) manage.py collectstatic --no-input --verbosity 0

demo: venv
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo_country
	$(PY) manage.py load_standards
	$(PY) manage.py load_demo_complaints
	$(PY) manage.py load_custody_demo

# Two complaint terminals (real agents) against the server under gunicorn, end to end:
# files a complaint on each kiosk and follows it to the officer. ARGS=--keep leaves them running.
demo-terminals: venv
	$(PY) scripts/demo_terminals.py --check $(ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

test: venv lint test-sqlite test-postgres

# Each test worker, and each server, job worker and agent a test starts, imports Django and the
# project afresh: the bytecode Python compiles is kept (even where the environment says
# PYTHONDONTWRITEBYTECODE), or every one of those processes spends seconds compiling it again.
TEST_ENV := PYTHONDONTWRITEBYTECODE=

test-sqlite: venv
	$(TEST_ENV) $(VENV)/bin/pytest -q -n 2 $(PYTEST_ARGS)

# The same suite on PostgreSQL, minus the browser tests (they exercise templates, not the database).
test-postgres: venv
	$(TEST_ENV) PG_FSYNC=off scripts/with-postgres $(VENV)/bin/pytest -q -n 2 -m "not browser" $(PYTEST_ARGS)

bench: venv
	$(PY) bench/run_all.py

messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l kk -l ru --no-obsolete --no-location --ignore=.venv --ignore=bench --ignore=packages
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=packages

clean:
	rm -rf $(VENV) var ledger-keys
