# Clausier: `make run` serves the app with a worker; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The make targets are development tools: DEBUG on unless the environment says otherwise (config/settings.py
# defaults to DEBUG off and then refuses the development secret key; production runs gunicorn, README).
DEBUG ?= True
export DEBUG
# Links in e-mails (invitations, password reset) point at the address `make run` serves.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

.PHONY: install install-runtime run worker web test lint migrations-check bench clean fuzz load drills hostile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What the app needs to run (make run); the test and lint tools come on top (make install).
install-runtime: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt

install: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Install, migrate, load the demo organisations and the default library, then serve
# on http://$(HOST):$(PORT) with a Celery worker beside it (SQLite, filesystem broker). E-mails
# (invitations, sent by the worker) are printed in the terminal unless EMAIL_BACKEND says otherwise.
# Celery beat runs beside them (its schedule file in var/celery/): the stale-document and
# stale-probe requeues every REQUEUE_EVERY_SECONDS. A separate process, as in production (README):
# a worker with an embedded beat (-B) hangs on shutdown with the filesystem broker.
run: install-runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0 || true
	$(BIN)/python manage.py load_demo
	export EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}; \
	  $(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 -Q celery,probes & WORKER=$$!; \
	  $(BIN)/celery -A config beat --loglevel=INFO & BEAT=$$!; \
	  trap "kill $$WORKER $$BEAT" EXIT INT TERM; \
	  FRIENDLY_404=$${FRIENDLY_404:-True} \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

# In parallel (pytest-xdist): one process per core, each with its own test database and Redis broker
# database (tests/parallel.py); a test file stays on one process, so its module-scoped fixtures (a
# browser, a rendered report) are made once. `make test PYTEST_WORKERS=0` runs in one process;
# PYTEST_ARGS adds options or narrows the run (`make test PYTEST_ARGS="tests/scoring -x"`).
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The complexity budget (tools/complexity.py, radon): no function above 30, at most 10 at 21 or more.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python tools/complexity.py
	$(BIN)/python manage.py makemigrations --check --dry-run

migrations-check: lint

bench: install
	$(BIN)/python -m bench

# Proof under load, faults and hostile input (docs/QUALITY.md). All of them use 127.0.0.1 only,
# PostgreSQL and Redis running locally, and a database of their own (dropped and recreated).
hostile: install
	$(BIN)/python -m pytest -q tests/hostile

fuzz: install
	BIN=$(BIN) loadtest/fuzz.sh $(FUZZ_EXAMPLES)

load: install
	BIN=$(BIN) loadtest/run.sh

drills: install
	BIN=$(BIN) loadtest/drills.sh

clean:
	rm -rf $(VENV) db.sqlite3 var media staticfiles
