"""Backup and restore as an operator runs them: ``manage.py backup``, wipe, ``manage.py restore``.

Runs the commands in subprocesses against a real SQLite file in a temporary var folder (the test
database of the other tests lives in memory); on the PostgreSQL pass against a scratch database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parents[3]


def _scratch_database() -> str | None:
    """On the PostgreSQL pass (DATABASE_URL=postgres://…): a fresh database beside it for the subprocesses."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    base, _, name = url.rpartition("/")
    scratch = f"{name.split('?')[0]}_backup_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    return f"{base}/{scratch}"


def _drop_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def instance(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(AMTSWEG_MODE="test", AMTSWEG_VAR_DIR=str(var), AMTSWEG_DATA_KEY=Fernet.generate_key().decode())
    scratch = _scratch_database()
    if scratch:
        env["DATABASE_URL"] = scratch

    def manage(*args: str, extra_env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    manage("migrate", "--noinput", "-v0")
    try:
        yield var, env, manage
    finally:
        if scratch:
            _drop_database(scratch)


def _sql(env: dict, var: Path, statement: str) -> list[tuple]:
    """One statement against the instance's database (SQLite file or the scratch PostgreSQL database)."""
    if env.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []
    with sqlite3.connect(var / "amtsweg.sqlite3") as conn:
        return conn.execute(statement).fetchall()


def _users(env: dict, var: Path) -> list[str]:
    return [row[0] for row in _sql(env, var, "SELECT username FROM auth_user ORDER BY username")]


@pytest.mark.postgres
def test_backup_and_restore_on_postgres(instance, tmp_path):
    """The same round trip with pg_dump/pg_restore (second pass of ./dev test)."""
    test_backup_wipe_restore_brings_database_and_private_files_back(instance, tmp_path)


def test_backup_wipe_restore_brings_database_and_private_files_back(instance, tmp_path):
    var, env, manage = instance
    manage(
        "createsuperuser",
        "--noinput",
        "--username",
        "sachbearbeiterin",
        "--email",
        "sb@example.org",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": "ein-langes-kennwort-42"},
    )
    receipt = var / "private" / "receipts" / "2026" / "AW-2026-TEST.pdf"
    receipt.parent.mkdir(parents=True)
    receipt.write_bytes(b"%PDF-1.7 Eingangsbestaetigung")
    upload = var / "private" / "uploads" / "1" / "nachweis.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.7 Nachweis")

    archive = tmp_path / "sicherung.tar.gz"
    out = manage("backup", "--output", str(archive)).stdout
    assert "NICHT enthalten" in out
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        content = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    database = "database.pgdump" if env.get("DATABASE_URL") else "database.sqlite3"
    assert {"manifest.json", database, "private/receipts/2026/AW-2026-TEST.pdf"} <= names
    assert env["AMTSWEG_DATA_KEY"].encode() not in content, "the data key must never be in the backup"

    # Wipe: the database loses its user, the private files are gone.
    _sql(env, var, "DELETE FROM auth_user")
    for path in (receipt, upload):
        path.unlink()
    (var / "private" / "spaeter-angelegt.txt").write_text("nicht in der Sicherung")
    assert _users(env, var) == []

    # Another data key: refused with a clear reason, nothing changed.
    other = manage("restore", str(archive), "--yes", check=False, extra_env={"AMTSWEG_DATA_KEY": "x" * 44})
    assert other.returncode != 0 and "AMTSWEG_DATA_KEY passt nicht" in other.stderr
    assert _users(env, var) == []

    manage("restore", str(archive), "--yes")
    assert _users(env, var) == ["sachbearbeiterin"]
    assert receipt.read_bytes() == b"%PDF-1.7 Eingangsbestaetigung"
    assert upload.read_bytes() == b"%PDF-1.7 Nachweis"
    assert not (var / "private" / "spaeter-angelegt.txt").exists(), "restore replaces the private files"
    manage("check")
