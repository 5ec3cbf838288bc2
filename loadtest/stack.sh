# Shared by the shell load run (run.sh, sourced): a fresh PostgreSQL database with the demo data, gunicorn
# (4 workers) on loopback, two Celery workers on Redis and Celery beat (the requeue schedule, every
# REQUEUE_EVERY_SECONDS). Only 127.0.0.1 is ever used. The drills (drills.py) start the same stack.
BIN=${BIN:-.venv/bin}
PORT=${LOAD_PORT:-8766}
DB=${LOAD_DB:-clausier_load}
OUT=${LOAD_OUT:-var/load}
HOST="http://127.0.0.1:$PORT"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" DEBUG=True
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/7}
export AXES_ENABLED=True LOG_LEVEL=${LOG_LEVEL:-WARNING} DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60}
export MEDIA_ROOT=${MEDIA_ROOT:-$PWD/$OUT/media}
# The beat schedule's frequency and the grace before a running job no worker holds is taken back.
export REQUEUE_EVERY_SECONDS=${REQUEUE_EVERY_SECONDS:-10} REQUEUE_RUNNING_GRACE_SECONDS=${REQUEUE_RUNNING_GRACE_SECONDS:-60}
# Every simulated person signs in from 127.0.0.1: lift the per-address sign-in throttle for the load run.
export SIGNIN_RATE_PER_IP=${SIGNIN_RATE_PER_IP:-100000/min}
PIDS=()

stack_prepare() {
  mkdir -p "$OUT" "$MEDIA_ROOT"
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  $BIN/python manage.py migrate --noinput -v0
  $BIN/python manage.py load_demo >/dev/null
  $BIN/python manage.py load_demo_evaluation >/dev/null
  redis-cli -n "${CELERY_BROKER_URL##*/}" flushdb >/dev/null
  # API tokens made beforehand: 50 sign-ins at once would meet the token endpoint's throttle.
  $BIN/python manage.py shell -v0 -c '
import json
from django.contrib.auth import get_user_model
from organizations.tokens import issue
users = get_user_model().objects.filter(username__in=["buyer", "chu-admin", "eval1", "eval2", "curator"])
print(json.dumps({u.username: issue(u)[1] for u in users}))' >"$OUT/tokens.json"
}

start_web() {
  $BIN/gunicorn config.wsgi -b "127.0.0.1:$PORT" -w 4 --timeout 60 --graceful-timeout 5 \
    --access-logfile "$OUT/access.log" --access-logformat '%(s)s %(m)s %(U)s %(M)s' >>"$OUT/gunicorn.log" 2>&1 &
  WEB_PID=$!
  PIDS+=("$WEB_PID")
  for _ in $(seq 100); do curl -fs "$HOST/login/" >/dev/null && return 0; sleep 0.2; done
  echo "gunicorn did not start" >&2; return 1
}

start_worker() {  # start_worker NAME; renders run at a lower CPU priority than the web (people wait on it)
  nice -n "${WORKER_NICE:-10}" $BIN/celery -A config worker -n "$1@%h" -Q celery,probes --concurrency 1 --loglevel WARNING >>"$OUT/$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  eval "${1^^}_PID=$pid"
}

start_beat() {  # a process of its own, as in production (README)
  mkdir -p "$OUT/celery"
  $BIN/celery -A config beat --schedule "$OUT/celery/beat-schedule" --loglevel WARNING >>"$OUT/beat.log" 2>&1 &
  BEAT_PID=$!
  PIDS+=("$BEAT_PID")
}

stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  PIDS=()
}

sql() { psql -qtA -h 127.0.0.1 -U postgres "$DB" -c "$1"; }
