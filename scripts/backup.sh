#!/usr/bin/env bash
# Back up Claywork's database into DEST_DIR (docs/operations.md, "Backups and restore").
#   scripts/backup.sh DEST_DIR
# Reads DATABASE_URL from the environment. PostgreSQL: pg_dump's custom format, consistent
# while Claywork runs. SQLite: sqlite3's online .backup, consistent with WAL. The field keys
# are NOT in the backup: back up /etc/claywork/field-keys.env separately, elsewhere.
set -euo pipefail
dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?set DATABASE_URL as Claywork has it}"
mkdir -p "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
case "$DATABASE_URL" in
  postgres://*|postgresql://*)
    out="$dest/claywork-$stamp.pgdump"
    pg_dump --format=custom --no-owner --no-privileges --file "$out" "$DATABASE_URL"
    ;;
  sqlite:///*)
    out="$dest/claywork-$stamp.sqlite3"
    sqlite3 "${DATABASE_URL#sqlite:///}" ".backup '$out'"
    ;;
  *)
    echo "backup.sh: unsupported DATABASE_URL (postgres:// or sqlite:///)" >&2
    exit 2
    ;;
esac
chmod 600 "$out"
echo "$out"
