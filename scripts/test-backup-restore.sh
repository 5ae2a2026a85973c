#!/usr/bin/env bash
# Proves docs/operations.md's backup and restore: back up a live installation with
# scripts/backup.sh, restore it with scripts/restore.sh into a new database, and check that
# the audit chain, the sealed text and the counts came back; then that the same backup with
# the wrong field keys is refused by `claywork doctor`. SQLite always; PostgreSQL too when
# PG_URL (default postgres://postgres@127.0.0.1:5432) answers.
#   scripts/test-backup-restore.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CLAYWORK="$root/.venv/bin/claywork"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keys="k1:Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE"
wrong="k1:d3Jvbmcta2V5LWZvci10aGUtcmVzdG9yZS10ZXN0ISE"
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}

fingerprint() {
  # Counts and the opened text of every journal entry and safety plan, hashed: equal after a
  # restore only if every row came back and the keys still open them.
  "$CLAYWORK" shell -c '
import hashlib
from claywork.journal.models import Entry
from claywork.crisis.models import SafetyPlanVersion
from claywork.audit.models import AuditEvent
text = "".join(e.title + e.body for e in Entry.objects.order_by("pk"))
text += "".join(str(v.content()) for v in SafetyPlanVersion.objects.order_by("pk"))
print(Entry.objects.count(), SafetyPlanVersion.objects.count(), AuditEvent.objects.count(),
      hashlib.sha256(text.encode()).hexdigest()[:16])'
}

round_trip() {
  local name=$1 source_url=$2 target_url=$3
  export CLAYWORK_VAR_DIR="$work/$name-var" CLAYWORK_DEMO=1 CLAYWORK_FIELD_KEYS="$keys"
  export DATABASE_URL="$source_url"
  "$CLAYWORK" migrate --noinput >/dev/null
  "$CLAYWORK" seed-demo >/dev/null
  "$CLAYWORK" export fhir --patient maya@clayhill.example >/dev/null  # an audit event more
  local before after
  before="$(fingerprint 2>/dev/null | tail -1) $("$CLAYWORK" audit-verify)"
  backup=$("$root/scripts/backup.sh" "$work/$name-backups")
  DATABASE_URL="$target_url" "$root/scripts/restore.sh" "$backup" >/dev/null
  after="$(DATABASE_URL="$target_url" fingerprint 2>/dev/null | tail -1) $(DATABASE_URL="$target_url" "$CLAYWORK" audit-verify)"
  if [ "$before" != "$after" ]; then
    echo "FAIL $name: before [$before] after [$after]"; exit 1
  fi
  if DATABASE_URL="$target_url" CLAYWORK_FIELD_KEYS="$wrong" "$CLAYWORK" doctor --only field-keys >"$work/wrong.txt"; then
    echo "FAIL $name: doctor accepted the wrong field keys"; exit 1
  fi
  grep -q "wrong key" "$work/wrong.txt"
  echo "PASS $name: restored [$after]; the wrong key is refused"
}

round_trip sqlite "sqlite:///$work/source.sqlite3" "sqlite:///$work/restored.sqlite3"
if "$root/.venv/bin/python" "$root/scripts/pg_ready.py" "$pg/postgres" 2>/dev/null; then
  for db in wt18_backup_source wt18_backup_restored; do
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  done
  round_trip postgresql "$pg/wt18_backup_source" "$pg/wt18_backup_restored"
  for db in wt18_backup_source wt18_backup_restored; do
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db"
  done
else
  echo "SKIPPED postgresql: nothing answers at $pg"
fi
