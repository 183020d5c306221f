#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh:   make restore BACKUP=backups/<timestamp>
# Replaces the database's contents and the media files. Stop the web and worker processes first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && set -a && . ./.env && set +a
source="${1:?usage: restore.sh BACKUP_DIR}"
url="${DATABASE_URL:-sqlite:///$(pwd)/db.sqlite3}"
media="${MEDIA_ROOT:-$(pwd)/media}"
case "$url" in
  postgres*|postgresql*)
    pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$url" "$source/db.dump" ;;
  sqlite*)
    cp "$source/db.sqlite3" "${url#sqlite:///}" ;;
  *) echo "restore: unsupported DATABASE_URL $url" >&2; exit 2 ;;
esac
mkdir -p "$media"
find "$media" -mindepth 1 -delete
tar -C "$media" -xzf "$source/media.tar.gz"
echo "restored from $source"
