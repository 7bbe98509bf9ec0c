"""Backup and restore of one Amtsweg instance: database and private files in one archive.

The archive (``.tar.gz``, mode 0600) holds ``manifest.json``, the database (SQLite: a consistent
copy made with SQLite's online backup API while the platform runs; PostgreSQL: ``pg_dump``'s
custom format) and ``private/`` (uploads, receipts, submission attachments). It never holds
AMTSWEG_DATA_KEY, which encrypts the personal data of hub messages and the target systems' secrets:
the manifest only names the keys' fingerprints, so a restore can refuse a mismatching key.
See docs/operations.md ("Backups").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class RestoreError(Exception):
    """The archive cannot be restored here (with a German reason for the operator)."""


@dataclass
class Manifest:
    format: int
    created_at: str
    engine: str
    database_file: str
    data_key_fingerprints: list[str]
    private_files: int


def data_key_fingerprints(value: str | None = None) -> list[str]:
    """Short SHA-256 fingerprints of the configured data keys (never the keys themselves)."""
    raw = settings.AMTSWEG_DATA_KEY if value is None else value
    return [hashlib.sha256(key.strip().encode()).hexdigest()[:16] for key in raw.split(",") if key.strip()]


def private_dirs() -> dict[str, Path]:
    """Archive name → folder: the private storage and, if configured elsewhere, the upload folder."""
    dirs = {"private": Path(settings.PRIVATE_STORAGE_DIR)}
    uploads = Path(settings.AMTSWEG_UPLOAD_DIR)
    if not uploads.resolve().is_relative_to(dirs["private"].resolve()):
        dirs["uploads"] = uploads
    return dirs


def _engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def _pg_command(program: str) -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = [program, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _dump_database(folder: Path) -> str:
    if _engine() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / SQLITE_FILE)
        try:
            connection.connection.backup(target)  # consistent, while others keep writing
        finally:
            target.close()
        return SQLITE_FILE
    if _engine() == "postgresql":
        args, env = _pg_command("pg_dump")
        args += ["--format=custom", "--no-owner", "--no-privileges", "--file", str(folder / PG_FILE)]
        args.append(connection.settings_dict["NAME"])
        subprocess.run(args, env=env, check=True)  # noqa: S603 - fixed program, arguments from settings
        return PG_FILE
    raise RestoreError(f"Datenbank {_engine()} wird von backup nicht unterstützt.")


def backup_create(*, output: Path) -> Manifest:
    """Write the archive to ``output`` (created with mode 0600) and return its manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="amtsweg-backup-") as tmp:
        folder = Path(tmp)
        database_file = _dump_database(folder)
        count = sum(1 for d in private_dirs().values() if d.is_dir() for p in d.rglob("*") if p.is_file())
        manifest = Manifest(
            format=FORMAT,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            engine=_engine(),
            database_file=database_file,
            data_key_fingerprints=data_key_fingerprints(),
            private_files=count,
        )
        (folder / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2))
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(folder / "manifest.json", arcname="manifest.json")
            archive.add(folder / database_file, arcname=database_file)
            for name, path in private_dirs().items():
                if path.is_dir():
                    archive.add(path, arcname=name)
    return manifest


def manifest_read(archive_path: Path) -> Manifest:
    with tarfile.open(archive_path, "r:gz") as archive:
        member = archive.extractfile("manifest.json")
        if member is None:
            raise RestoreError("Die Sicherung enthält kein manifest.json.")
        data = json.loads(member.read())
    if data.get("format") != FORMAT:
        raise RestoreError(f"Unbekanntes Sicherungsformat {data.get('format')!r}.")
    return Manifest(**data)


def _restore_database(folder: Path, manifest: Manifest) -> None:
    if manifest.engine == "sqlite":
        source = sqlite3.connect(folder / manifest.database_file)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)  # replaces every page of the live database
        finally:
            source.close()
        return
    args, env = _pg_command("pg_restore")
    args += ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    args += ["--dbname", connection.settings_dict["NAME"], str(folder / manifest.database_file)]
    connection.close()
    subprocess.run(args, env=env, check=True)  # noqa: S603 - fixed program, arguments from settings


def backup_restore(*, archive_path: Path, ignore_data_key: bool = False) -> Manifest:
    """Replace the database and the private files with the archive's. All other processes of the
    instance (web, worker, scheduler) must be stopped first."""
    manifest = manifest_read(archive_path)
    if manifest.engine != _engine():
        raise RestoreError(
            f"Die Sicherung stammt aus {manifest.engine}, konfiguriert ist {_engine()}. "
            "Bitte DATABASE_URL passend setzen."
        )
    if not ignore_data_key and manifest.data_key_fingerprints != data_key_fingerprints():
        raise RestoreError(
            "AMTSWEG_DATA_KEY passt nicht zur Sicherung (andere Schlüssel-Fingerabdrücke). Ohne den damaligen "
            "Schlüssel sind verschlüsselte Nachrichten und Zugangsdaten nicht lesbar. Bitte den Schlüssel "
            "aus der Schlüsselablage setzen (nicht Teil der Sicherung)."
        )
    with tempfile.TemporaryDirectory(prefix="amtsweg-restore-") as tmp:
        folder = Path(tmp)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(folder, filter="data")
        _restore_database(folder, manifest)
        for name, path in private_dirs().items():
            if path.exists():
                shutil.rmtree(path)
            if (folder / name).is_dir():
                shutil.copytree(folder / name, path)
    return manifest
