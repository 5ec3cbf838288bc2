#!/usr/bin/env bash
# The attack's own figures (security round 3): the cell bomb and the adversarial previews timed over HTTP
# against gunicorn (2 workers, 30 s timeout) and a Celery worker on Redis, with the demo in a fresh
# PostgreSQL database, on loopback only. Prints the figures docs/QUALITY.md records.
# Usage: loadtest/attack_figures.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${FIGURES_PORT:-8766}
DB=${FIGURES_DB:-clausier_figures}
OUT=${FIGURES_OUT:-var/figures}
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" DEBUG=True
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/6}
export AXES_ENABLED=False LOG_LEVEL=WARNING MEDIA_ROOT="$PWD/$OUT/media"
mkdir -p "$OUT"

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py load_demo >/dev/null
$BIN/python manage.py load_demo_evaluation >/dev/null

$BIN/celery -A config worker -c 1 --loglevel WARNING >"$OUT/worker.log" 2>&1 &
WORKER=$!
$BIN/gunicorn config.wsgi -b "127.0.0.1:$PORT" -w 2 --timeout 30 --log-level warning >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN $WORKER 2>/dev/null; wait $GUNICORN $WORKER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/login/" >/dev/null && break; sleep 0.2; done

$BIN/python loadtest/attack_figures.py "http://127.0.0.1:$PORT" "${1:-5}"
echo "server errors in the gunicorn log: $(grep -c 'Internal Server Error' "$OUT/gunicorn.log" || true)"
