# Clausier: `make run` serves the app with a worker; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker web test lint migrations-check bench clean fuzz load drills hostile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Install, migrate, load the demo organisations and the default library, then serve
# on http://$(HOST):$(PORT) with a Celery worker beside it (SQLite, filesystem broker).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0 || true
	$(BIN)/python manage.py load_demo
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 & \
	  WORKER=$$!; trap "kill $$WORKER" EXIT INT TERM; \
	  EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

migrations-check: lint

bench: install
	$(BIN)/python -m bench

# Proof under load, faults and hostile input (docs/QUALITY.md). All of them use 127.0.0.1 only,
# PostgreSQL and Redis running locally, and a database of their own (dropped and recreated).
hostile: install
	$(BIN)/python -m pytest -q tests/hostile

fuzz: install
	loadtest/fuzz.sh $(FUZZ_EXAMPLES)

load: install
	loadtest/run.sh

drills: install
	loadtest/drills.sh

clean:
	rm -rf $(VENV) db.sqlite3 var media staticfiles
