#!/usr/bin/env bash
# Back up the database and the media files into backups/<timestamp>/ (or $1).
#   make backup                      PostgreSQL: pg_dump custom format; SQLite: a file copy
# Reads DATABASE_URL and MEDIA_ROOT like the portal (defaults: db.sqlite3, ./media).
# With MEDIA_STORAGE=s3 the media are in a bucket, not under MEDIA_ROOT: back the bucket up with
# the store's own tools (versioning, mc mirror, aws s3 sync) at the time of the dump (README).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
target="${1:-backups/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$target"
url="${DATABASE_URL:-sqlite:///$(pwd)/db.sqlite3}"
media="${MEDIA_ROOT:-$(pwd)/media}"
case "$url" in
  postgres*|postgresql*)
    pg_dump --format=custom --no-owner --dbname="$url" --file="$target/db.dump" ;;
  sqlite*)
    python3 - "$url" "$target/db.sqlite3" <<'PY'
import sqlite3, sys
src = sys.argv[1].split("sqlite:///", 1)[1]
with sqlite3.connect(src) as a, sqlite3.connect(sys.argv[2]) as b:
    a.backup(b)
PY
    ;;
  *) echo "backup: unsupported DATABASE_URL $url" >&2; exit 2 ;;
esac
if [ -d "$media" ]; then tar -C "$media" -czf "$target/media.tar.gz" .; else tar -czf "$target/media.tar.gz" -T /dev/null; fi
echo "$target"
