#!/usr/bin/env bash
# Restore a backup made by backup.sh into the databases and buckets the LMS_* settings name.
#
#   deploy/scripts/restore.sh /var/backups/kentbilim/20261127T020000Z
#
# Stop every Kentbilim role first (the data services stay up): a restore replaces each database
# whole, inside one transaction, and running processes would write into it halfway.
# A database that does not exist is created; one that exists is emptied and refilled. Buckets are
# created if missing and every saved object is written back (objects newer than the backup stay).
# After a restore, start the roles again: relays send what the restored outboxes hold, consumers'
# inboxes drop what they had already applied (deploy/README.md, "Backup and restore").
set -euo pipefail

src="${1:?usage: restore.sh BACKUP_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="${PG_BIN:+$PG_BIN/}"
python="${PYTHON:-python3}"

if [ ! -f "$src/BACKUP_INFO" ]; then
    echo "restore: $src has no BACKUP_INFO: not a complete backup made by backup.sh" >&2
    exit 2
fi

libpq_url() {
    printf '%s' "${1/postgresql+asyncpg:\/\//postgresql://}"
}

# Check the object backup before touching any database, so a damaged backup changes nothing.
"$python" "$here/s3_mirror.py" verify --src "$src/s3"
for service in courses progress certificates notifications; do
    dump="$src/postgres/$service.dump"
    [ -f "$dump" ] || { echo "restore: $dump is missing" >&2; exit 2; }
    "${bin}pg_restore" --list "$dump" > /dev/null \
        || { echo "restore: $dump is damaged (pg_restore cannot read it)" >&2; exit 2; }
done

for service in courses progress certificates notifications; do
    var="LMS_$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
    url="$(libpq_url "${!var:?$var is not set: export the services configuration first}")"
    path="${url%%\?*}"
    query=""
    case "$url" in *\?*) query="?${url#*\?}" ;; esac
    name="${path##*/}"
    admin="${path%/*}/postgres$query"
    # psql interpolates :'name' / :"name" (quoted literal / identifier) only in its input, not in -c.
    exists="$(echo "SELECT 1 FROM pg_database WHERE datname = :'name'" \
        | "${bin}psql" --no-psqlrc -tA -v ON_ERROR_STOP=1 -v name="$name" -d "$admin")"
    if [ "$exists" != "1" ]; then
        echo 'CREATE DATABASE :"name"' | "${bin}psql" --no-psqlrc -q -v ON_ERROR_STOP=1 -v name="$name" -d "$admin"
        echo "postgres: created database $name"
    fi
    "${bin}pg_restore" --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
        --dbname "$url" "$src/postgres/$service.dump"
    echo "postgres: $service restored into $name"
done

"$python" "$here/s3_mirror.py" restore --src "$src/s3"
echo "restore complete from $src"
