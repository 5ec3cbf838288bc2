#!/usr/bin/env bash
# API fuzzing: schemathesis against our own OpenAPI schema, authenticated with a demo user's token,
# against gunicorn on loopback with a fresh PostgreSQL database (never another address). Sign-out and
# token deletion are left out: they revoke the fuzzer's own token, and every later request would be a 401
# (tests/organizations/test_tokens.py covers them).
# Every person runs against the same starting data: the database is copied from a template made after the
# demo is loaded, and restored before each person (an admin's DELETEs would otherwise leave the next
# person nothing to read). `anonymous` runs without a token.
# Usage: loadtest/fuzz.sh [max-examples per operation]   (make fuzz)
#   FUZZ_USERS="anonymous neighbour eval1 buyer curator group-admin chu-admin"  the people, in turn
#   FUZZ_PHASES=examples,coverage,fuzzing                                       schemathesis phases
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${FUZZ_PORT:-8765}
DB=${FUZZ_DB:-clausier_fuzz}
EXAMPLES=${1:-${FUZZ_EXAMPLES:-40}}
OUT=${FUZZ_OUT:-var/fuzz}
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" DEBUG=True
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/6}
export AXES_ENABLED=False LOG_LEVEL=WARNING
export MEDIA_ROOT="$PWD/$OUT/media"
mkdir -p "$OUT"

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py load_demo >/dev/null
$BIN/python manage.py load_demo_evaluation >/dev/null

# Real ids for the path parameters (random ids would only ever meet 404s): the demo evaluation's
# tender, its clauses, criteria and bids, a clause of the shared library.
$BIN/python manage.py shell -v0 -c '
from clause_library.models import Clause, Library
from scoring.models import Bid, Criterion
from documents.models import Document
from tenders.models import Tender, TenderClause
tender = Tender.objects.order_by("-pk").first()
document = Document.objects.create(tender=tender, kind="tender", format="pdf", status="failed", error="fuzz")
ids = {
    "library": Library.objects.order_by("pk").first().pk, "clause": Clause.objects.order_by("pk").first().pk,
    "tender": tender.pk, "tender_clause": TenderClause.objects.filter(tender=tender).first().pk,
    "criterion": Criterion.objects.filter(tender=tender, kind="scored", children__isnull=True).first().pk,
    "bid": Bid.objects.filter(tender=tender).first().pk, "document": document.pk,
}
rows = [
    ("^/api/v1/libraries/\\\\{id\\\\}", {"path.id": ids["library"]}),
    ("^/api/v1/clauses/\\\\{id\\\\}", {"path.id": ids["clause"], "path.number": 1}),
    ("^/api/v1/tenders/\\\\{tender_pk\\\\}/clauses/\\\\{id\\\\}", {"path.tender_pk": ids["tender"], "path.id": ids["tender_clause"]}),
    ("^/api/v1/tenders/\\\\{tender_pk\\\\}/clauses/$", {"path.tender_pk": ids["tender"]}),
    ("^/api/v1/tenders/\\\\{tender_pk\\\\}", {"path.tender_pk": ids["tender"]}),
    ("^/api/v1/tenders/\\\\{id\\\\}", {"path.id": ids["tender"]}),
    ("^/api/v1/tenders/\\\\{tender_id\\\\}", {"path.tender_id": ids["tender"]}),
    ("^/api/v1/documents/\\\\{id\\\\}", {"path.id": ids["document"]}),
    ("^/api/v1/criteria/\\\\{id\\\\}", {"path.id": ids["criterion"]}),
    ("^/api/v1/bids/\\\\{id\\\\}", {"path.id": ids["bid"]}),
    ("^/api/v1/bids/\\\\{bid_id\\\\}", {"path.bid_id": ids["bid"], "path.criterion_id": ids["criterion"]}),
]
with open("'"$OUT"'/schemathesis.toml", "w") as out:
    for regex, parameters in rows:
        values = ", ".join(f"\"{k}\" = {v}" for k, v in parameters.items())
        out.write(f"[[operations]]\ninclude-path-regex = \"{regex}\"\nparameters = {{ {values} }}\n\n")
'

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS ${DB}_template" -c "CREATE DATABASE ${DB}_template TEMPLATE $DB"
: >"$OUT/gunicorn.log"
GUNICORN=
stop_server() { if [ -n "$GUNICORN" ]; then kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true; fi; GUNICORN=; }
start_server() {
  # The demo data as loaded, whatever the previous person changed.
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB TEMPLATE ${DB}_template"
  $BIN/gunicorn config.wsgi -b "127.0.0.1:$PORT" -w 2 --timeout 60 --log-level warning >>"$OUT/gunicorn.log" 2>&1 &
  GUNICORN=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/login/" >/dev/null && break; sleep 0.2; done
}
trap 'stop_server; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS ${DB}_template"' EXIT

# Two people in turn: a hospital administrator (tenders, evaluation) and the group's curator (libraries).
STATUS=0
for FUZZ_USER in ${FUZZ_USERS:-chu-admin curator}; do
  stop_server
  start_server
  AUTH=()
  if [ "$FUZZ_USER" != anonymous ]; then
    TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/token/" -H 'Content-Type: application/json' \
      -d "{\"username\": \"$FUZZ_USER\", \"password\": \"clausier-demo\"}" \
      | $BIN/python -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    AUTH=(-H "Authorization: Token $TOKEN")
  fi
  echo "=== schemathesis as $FUZZ_USER"
  set +e
  # The schema is read as the person reads it (DEBUG is on here: it is public either way).
  $BIN/schemathesis --config-file "$OUT/schemathesis.toml" run "http://127.0.0.1:$PORT/api/schema/" \
    "${AUTH[@]}" -H "Accept-Language: fr" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --phases "${FUZZ_PHASES:-examples,coverage,fuzzing}" --max-examples "$EXAMPLES" --workers 2 \
    --exclude-path /api/v1/auth/token/ --exclude-path /api/v1/auth/logout/ \
    --exclude-path "/api/v1/auth/tokens/{token_id}/" \
    --request-timeout 30 --report ndjson --report-dir "$OUT" --seed "${FUZZ_SEED:-20261128}" \
    --continue-on-failure --suppress-health-check all 2>&1 | tee "$OUT/schemathesis-$FUZZ_USER.txt"
  RESULT=${PIPESTATUS[0]}
  set -e
  [ "$RESULT" -eq 0 ] || STATUS=$RESULT
done
echo "test cases generated: $(grep -h ' generated, ' "$OUT"/schemathesis-*.txt | tr '\n' ' ')"
$BIN/python - "$OUT" "${FUZZ_USERS:-chu-admin curator}" <<'PY'
import collections, glob, os, re, sys
users = sys.argv[2].split()
paths = sorted(glob.glob(os.path.join(sys.argv[1], "ndjson-*.ndjson")), key=os.path.getmtime)[-len(users):]
total = collections.Counter()
for user, path in zip(users, paths):
    counts = collections.Counter()
    for line in open(path):
        counts.update(re.findall(r'"status_code": ?(\d{3})', line))
    total.update(counts)
    errors = sum(n for code, n in counts.items() if code.startswith("5"))
    print(f"{user}: {sum(counts.values())} responses, 5xx: {errors}, by status: {dict(sorted(counts.items()))}")
print(f"all: {sum(total.values())} responses, by status: {dict(sorted(total.items()))}")
PY
echo "schemathesis exit status: $STATUS"
echo "server errors in the gunicorn log: $(grep -c 'Internal Server Error' "$OUT/gunicorn.log" || true)"
exit "$STATUS"
