#!/usr/bin/env bash
# Back up Kentbilim: the three PostgreSQL databases (pg_dump, custom format) and both buckets.
#
#   deploy/scripts/backup.sh /var/backups/kentbilim/$(date -u +%Y%m%dT%H%M%SZ)
#
# Reads the services' own configuration: LMS_{COURSES,PROGRESS,CERTIFICATES}_DATABASE_URL and LMS_S3_*
# (with Compose: `set -a; . deploy/compose/.env; set +a` plus the URLs compose.yaml builds).
# PG_BIN may name the folder of pg_dump/pg_restore/psql (same major version as the server or newer);
# PYTHON the interpreter that has the minio SDK and lms_shared (default: python3).
# Safe while the services run: each database is dumped from one consistent snapshot. The databases are
# dumped one after the other, so they may be a few seconds apart; the outbox and inbox make that
# harmless (see deploy/README.md, "Backup and restore").
set -euo pipefail

dest="${1:?usage: backup.sh DEST_DIR (a new or empty folder)}"
here="$(cd "$(dirname "$0")" && pwd)"
pg_dump="${PG_BIN:+$PG_BIN/}pg_dump"
python="${PYTHON:-python3}"

if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
    echo "backup: $dest is not empty; give a new folder per backup" >&2
    exit 2
fi
mkdir -p "$dest/postgres" "$dest/s3"

libpq_url() {
    # SQLAlchemy's driver suffix means nothing to libpq: postgresql+asyncpg:// -> postgresql://
    printf '%s' "${1/postgresql+asyncpg:\/\//postgresql://}"
}

for service in courses progress certificates notifications; do
    var="LMS_$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
    url="${!var:?$var is not set: export the services configuration first}"
    "$pg_dump" --format=custom --no-owner --no-privileges --compress=6 \
        --file "$dest/postgres/$service.dump" "$(libpq_url "$url")"
    echo "postgres: $service saved ($(du -h "$dest/postgres/$service.dump" | cut -f1))"
done

"$python" "$here/s3_mirror.py" backup --dest "$dest/s3"

{
    echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "pg_dump=$("$pg_dump" --version)"
    echo "databases=courses progress certificates notifications"
} > "$dest/BACKUP_INFO"
echo "backup complete: $dest"
