#!/usr/bin/env bash
# Load test: 50 simulated people for LOAD_TIME (default 5m) against gunicorn (4 workers) on loopback,
# PostgreSQL, Redis, two Celery workers and Celery beat. Starts everything, runs locust headless, stops everything,
# prints errors, median and p95 per flow, and documents produced per minute.  (make load)
# Latencies are the steady state: locust resets its stats once all users are spawned (the sign-in storm
# of the ramp-up is left out of the table); the HTTP status counts and 5xx come from gunicorn's access
# log and cover the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
source loadtest/stack.sh
USERS=${LOAD_USERS:-50}
RUN_TIME=${LOAD_TIME:-5m}

stack_prepare
: >"$OUT/access.log"
trap stop_all EXIT
start_web
start_worker worker1
start_worker worker2
start_beat
BEFORE=$(sql "select count(*) from tenders_document where status = 'done'")
STARTED=$(date +%s)
LOAD_EVALUATION_TENDER=$(sql "select id from tenders_tender where status = 'published' order by id limit 1") \
LOAD_TOKENS="$OUT/tokens.json" LOAD_DOCUMENTS_OUT="$OUT/documents.json" \
  $BIN/locust -f loadtest/locustfile.py --headless --host "$HOST" -u "$USERS" -r 5 --run-time "$RUN_TIME" \
  --stop-timeout 30 --reset-stats --csv "$OUT/locust" --only-summary >"$OUT/locust.txt" 2>&1 || true
ENDED=$(date +%s)
sleep 5  # documents already queued finish or not; counted either way below
DONE=$(( $(sql "select count(*) from tenders_document where status = 'done'") - BEFORE ))
FAILED=$(sql "select count(*) from tenders_document where status = 'failed'")
PENDING=$(sql "select count(*) from tenders_document where status in ('queued', 'running')")
stop_all
trap - EXIT
$BIN/python loadtest/report.py "$OUT/locust_stats.csv" "$OUT/access.log" \
  --documents "$DONE" --failed-documents "$FAILED" --pending-documents "$PENDING" --seconds $((ENDED - STARTED)) \
  --users "$USERS"
