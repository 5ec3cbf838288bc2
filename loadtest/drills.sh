#!/usr/bin/env bash
# Fault drills (see loadtest/drills.py): kill a worker mid-document, restart Redis during generation,
# stop PostgreSQL for a few seconds under load, fill the disk where documents are written.
# Needs root (tmpfs mount, pg_ctlcluster, redis-server); loopback only.  (make drills)
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${BIN:-.venv/bin}/python" loadtest/drills.py "$@"
