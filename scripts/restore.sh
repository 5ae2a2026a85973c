#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database, then check it.
#   scripts/restore.sh BACKUP_FILE
# DATABASE_URL names the new, empty database (createdb it first for PostgreSQL; for SQLite the
# file must not exist). CLAYWORK_FIELD_KEYS must hold the keys of the backed-up installation.
# Stop the web and the workers first; start them again after "OK".
set -euo pipefail
backup=${1:?usage: scripts/restore.sh BACKUP_FILE}
: "${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"
claywork=${CLAYWORK:-claywork}
case "$DATABASE_URL" in
  postgres://*|postgresql://*)
    pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$backup"
    ;;
  sqlite:///*)
    target="${DATABASE_URL#sqlite:///}"
    if [ -e "$target" ]; then
      echo "restore.sh: $target exists; restore into a new file" >&2
      exit 2
    fi
    sqlite3 "$backup" ".backup '$target'"
    ;;
  *)
    echo "restore.sh: unsupported DATABASE_URL (postgres:// or sqlite:///)" >&2
    exit 2
    ;;
esac
# A backup older than the code is brought forward; then the hash chain and the keys are checked.
"$claywork" migrate --noinput
"$claywork" audit-verify
"$claywork" doctor --only database,field-keys
echo "OK: restored $backup"
