# Clausier: `make run` serves the app with a worker; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker web test lint migrations-check bench clean

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
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

migrations-check: lint

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) db.sqlite3 var media staticfiles
