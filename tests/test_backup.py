"""`make backup` / `make restore`: a round trip of the database and the media files."""

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _run(script: str, *args: str, env: dict) -> str:
    result = subprocess.run(
        [str(REPO / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def _media(tmp_path) -> Path:
    media = tmp_path / "media"
    (media / "photos" / "ab").mkdir(parents=True)
    (media / "photos" / "ab" / "original.jpg").write_bytes(b"\xff\xd8original\xff\xd9")
    return media


def test_backup_and_restore_round_trip_on_sqlite(tmp_path):
    db = tmp_path / "portal.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("create table cases (title text)")
        conn.execute("insert into cases values ('口袋公园')")
    media = _media(tmp_path)
    env = {"DATABASE_URL": f"sqlite:///{db}", "MEDIA_ROOT": str(media)}

    backup = _run("backup.sh", str(tmp_path / "backup"), env=env)
    with sqlite3.connect(db) as conn:  # then things go wrong
        conn.execute("delete from cases")
    (media / "photos" / "ab" / "original.jpg").unlink()
    (media / "stray.txt").write_text("x")
    _run("restore.sh", backup, env=env)

    with sqlite3.connect(db) as conn:
        assert conn.execute("select title from cases").fetchall() == [("口袋公园",)]
    assert (media / "photos" / "ab" / "original.jpg").read_bytes() == b"\xff\xd8original\xff\xd9"
    assert not (media / "stray.txt").exists()


@pytest.mark.skipif(
    not ON_POSTGRES and os.environ.get("CI") != "true",
    reason="DATABASE_URL is not PostgreSQL (CI runs this on PostgreSQL)",
)
def test_backup_and_restore_round_trip_on_postgresql(tmp_path):
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"backup_check_{os.getpid()}"
    admin = f"{base}/postgres"
    psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(
        [
            *psql,
            admin,
            "-c",
            f'DROP DATABASE IF EXISTS "{name}"',
            "-c",
            f'CREATE DATABASE "{name}"',
        ],
        check=True,
    )
    url = f"{base}/{name}"
    try:
        subprocess.run(
            [
                *psql,
                url,
                "-c",
                "create table cases (title text)",
                "-c",
                "insert into cases values ('口袋公园'), ('一张清单')",
            ],
            check=True,
        )
        media = _media(tmp_path)
        env = {"DATABASE_URL": url, "MEDIA_ROOT": str(media)}

        backup = _run("backup.sh", str(tmp_path / "backup"), env=env)
        subprocess.run([*psql, url, "-c", "delete from cases"], check=True)
        (media / "photos" / "ab" / "original.jpg").unlink()
        _run("restore.sh", backup, env=env)

        rows = subprocess.run(
            [*psql, "-tA", url, "-c", "select title from cases order by 1"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        assert rows == ["一张清单", "口袋公园"]
        assert (media / "photos" / "ab" / "original.jpg").exists()
    finally:
        subprocess.run([*psql, admin, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=False)
