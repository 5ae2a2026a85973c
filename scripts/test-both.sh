#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL, side by side. The two runs share
# nothing (SQLite test files carry the process id, PostgreSQL gets its own test database,
# live servers pick free ports), and running them together roughly halves CI's wall time on
# a 2-core machine because much of each run waits on the database or the browser. Each run's
# output goes to its own log, printed whole when both are done, with the 30 slowest tests of
# each (to see what makes CI long); the exit status is non-zero
# if either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
LOGS=var/test-logs
mkdir -p "$LOGS"

"$BIN/pytest" -p no:cacheprovider --durations=30 >"$LOGS/sqlite.log" 2>&1 &
sqlite_pid=$!
if "$BIN/python" scripts/pg_ready.py "$PG_URL"; then
  DATABASE_URL="$PG_URL" "$BIN/pytest" -p no:cacheprovider --durations=30 >"$LOGS/postgres.log" 2>&1 &
  postgres_pid=$!
else
  postgres_pid=""
fi

wait "$sqlite_pid"; sqlite_status=$?
echo "== SQLite (exit $sqlite_status) =="
cat "$LOGS/sqlite.log"
if [ -n "$postgres_pid" ]; then
  wait "$postgres_pid"; postgres_status=$?
  echo "== PostgreSQL at $PG_URL (exit $postgres_status) =="
  cat "$LOGS/postgres.log"
else
  postgres_status=0
  echo "SKIPPED: the PostgreSQL run (nothing answers at $PG_URL)"
fi
[ "$sqlite_status" -eq 0 ] && [ "$postgres_status" -eq 0 ]
