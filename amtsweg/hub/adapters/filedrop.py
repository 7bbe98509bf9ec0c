"""File drop adapter: writes each delivery into ``<directory>/<vorgangsnummer>/``.

Layout of a delivered folder::

    <vorgangsnummer>/
        antrag.xml            the document (name from the integration rule)
        quittung.pdf          the receipt, if the message has one
        anlagen/<name>        the attachments (names made safe and unique)
        manifest.json         written LAST: sizes and SHA-512 of every file, ids, idempotency key

Every file is written to a temporary name, fsynced and renamed, so a reader never sees a half-written
file; the manifest appears only when everything else is complete, so consumers wait for it. A repeated
delivery with the same idempotency key finds the completed manifest and does nothing.

The tree logic is shared with the SFTP and xdomea adapters through the small ``TreeTarget`` protocol.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import ClassVar, Protocol

from amtsweg.hub.adapters.base import DeliveryError, DeliveryResult, OutboundPayload
from amtsweg.hub.registry import adapter_registry

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
RECEIPT_NAME = "quittung.pdf"
ATTACHMENT_DIR = "anlagen"
TEMP_MARKER = ".tmp-"

_UNSAFE = re.compile(r"[^A-Za-z0-9._\-äöüÄÖÜß]+")


def safe_name(name: str, *, fallback: str = "datei") -> str:
    """A single path component without directories, control characters or leading dots."""
    name = PurePosixPath(str(name).replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip("._ ")
    return (name or fallback)[:120]


@dataclass(frozen=True)
class PlannedFile:
    path: str  # POSIX path relative to the delivery folder
    role: str  # "document" | "receipt" | "attachment" | "package"
    content_type: str
    content: bytes

    @property
    def sha512(self) -> str:
        return hashlib.sha512(self.content).hexdigest()


def plan_files(*, payload: OutboundPayload) -> list[PlannedFile]:
    """The files of one delivery with safe, unique names; checks attachment hashes against the message."""
    files = [
        PlannedFile(
            path=safe_name(payload.document_name, fallback="antrag.dat"),
            role="document",
            content_type=payload.document_content_type,
            content=payload.document,
        )
    ]
    if files[0].path in (MANIFEST_NAME, RECEIPT_NAME, ATTACHMENT_DIR):
        files[0] = PlannedFile(f"daten-{files[0].path}", "document", files[0].content_type, files[0].content)
    if payload.receipt_pdf:
        files.append(PlannedFile(RECEIPT_NAME, "receipt", "application/pdf", payload.receipt_pdf))
    used: set[str] = set()
    for index, attachment in enumerate(payload.attachments, start=1):
        computed = hashlib.sha512(attachment.content).hexdigest()
        if attachment.sha512 and attachment.sha512.lower() != computed:
            # The message was changed after it was hashed: never deliver it silently.
            raise DeliveryError(f"Prüfsumme der Anlage Nr. {index} stimmt nicht.", retryable=False)
        name = safe_name(attachment.name, fallback=f"anlage-{index}")
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
        used.add(candidate.lower())
        files.append(
            PlannedFile(f"{ATTACHMENT_DIR}/{candidate}", "attachment", attachment.content_type, attachment.content)
        )
    return files


def build_manifest(*, payload: OutboundPayload, files: list[PlannedFile]) -> bytes:
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "idempotency_key": payload.idempotency_key,
        "message_id": payload.message_id,
        "delivery_id": payload.delivery_id,
        "vorgangsnummer": payload.vorgangsnummer,
        "test": payload.test,
        "leika_key": payload.leika_key,
        "ags": payload.ags,
        "ars": payload.ars,
        "authority_key": payload.authority_key,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": [
            {"path": f.path, "role": f.role, "content_type": f.content_type, "size": len(f.content), "sha512": f.sha512}
            for f in files
        ],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")


class TreeTarget(Protocol):
    """Minimal file operations the tree delivery needs; paths are POSIX strings below the target root."""

    def read_bytes(self, path: str) -> bytes | None: ...
    def makedirs(self, path: str) -> None: ...
    def write_atomic(self, path: str, data: bytes) -> None: ...
    def exists(self, path: str) -> bool: ...
    def remove_stale_temp_files(self, directory: str, *, base_name: str = "") -> None: ...
    def describe(self, path: str) -> str: ...


def folder_name(payload: OutboundPayload) -> str:
    name = safe_name(payload.vorgangsnummer, fallback="")
    if not name:
        raise DeliveryError("Die Nachricht hat keine gültige Vorgangsnummer.", retryable=False)
    return name


def read_manifest(target: TreeTarget, path: str) -> dict | None:
    raw = target.read_bytes(path)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None  # a foreign or damaged file: treated as "not complete", rewritten below
    return data if isinstance(data, dict) else None


def deliver_tree(*, target: TreeTarget, payload: OutboundPayload) -> DeliveryResult:
    """Write document, receipt, attachments and finally manifest.json into ``<root>/<vorgangsnummer>/``."""
    folder = folder_name(payload)
    manifest_path = f"{folder}/{MANIFEST_NAME}"
    existing = read_manifest(target, manifest_path)
    if existing is not None:
        if existing.get("idempotency_key") == payload.idempotency_key:
            return DeliveryResult(
                remote_reference=target.describe(folder), detail="bereits zugestellt (Manifest vorhanden)"
            )
        raise DeliveryError(
            f"Im Zielordner {folder} liegt bereits eine andere Zustellung (anderer Idempotenzschlüssel).",
            retryable=False,
        )
    files = plan_files(payload=payload)
    target.makedirs(folder)
    target.remove_stale_temp_files(folder)
    if any(f.role == "attachment" for f in files):
        target.makedirs(f"{folder}/{ATTACHMENT_DIR}")
        target.remove_stale_temp_files(f"{folder}/{ATTACHMENT_DIR}")
    for planned in files:
        target.write_atomic(f"{folder}/{planned.path}", planned.content)
    target.write_atomic(manifest_path, build_manifest(payload=payload, files=files))
    return DeliveryResult(remote_reference=target.describe(folder), detail=f"{len(files)} Dateien abgelegt")


def temp_name(path: str) -> str:
    parent, _, name = path.rpartition("/")
    tmp = f".{name}{TEMP_MARKER}{secrets.token_hex(6)}"
    return f"{parent}/{tmp}" if parent else tmp


def is_temp_name(name: str, *, base_name: str = "") -> bool:
    """A temp file left by a crashed attempt (optionally only those of ``base_name``)."""
    if base_name:
        return name.startswith(f".{base_name}{TEMP_MARKER}")
    return name.startswith(".") and TEMP_MARKER in name


class LocalTree:
    """TreeTarget on the local file system (fsync of file and directory before/after the rename)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, path: str) -> Path:
        return self.root.joinpath(*PurePosixPath(path).parts)

    def read_bytes(self, path: str) -> bytes | None:
        try:
            return self._path(path).read_bytes()
        except FileNotFoundError:
            return None

    def makedirs(self, path: str) -> None:
        self._path(path).mkdir(parents=True, exist_ok=True)

    def write_atomic(self, path: str, data: bytes) -> None:
        final = self._path(path)
        tmp = self._path(temp_name(path))
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        _fsync_dir(final.parent)

    def exists(self, path: str) -> bool:
        return self._path(path).exists()

    def remove_stale_temp_files(self, directory: str, *, base_name: str = "") -> None:
        for entry in self._path(directory).iterdir():
            if entry.is_file() and is_temp_name(entry.name, base_name=base_name):
                entry.unlink(missing_ok=True)

    def describe(self, path: str) -> str:
        return str(self._path(path))


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable (otherwise a power cut can lose the new directory entry).
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def local_os_error(exc: OSError, *, what: str) -> DeliveryError:
    """Classify local file-system errors: permission/config problems need a human, the rest may pass."""
    permanent = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG}
    retryable = exc.errno not in permanent
    return DeliveryError(f"{what}: {exc.strerror or exc.__class__.__name__} (errno {exc.errno})", retryable=retryable)


def prepare_local_root(config: dict) -> Path:
    root = Path(config["directory"])
    if not root.is_absolute():
        raise DeliveryError("Der Zielordner muss ein absoluter Pfad sein.", retryable=False)
    if not root.is_dir():
        if not config.get("create_directory", True):
            raise DeliveryError(f"Zielordner {root} existiert nicht.", retryable=False)
        root.mkdir(parents=True, exist_ok=True)
    return root


@adapter_registry.register
class FileDropAdapter:
    type_key: ClassVar[str] = "filedrop"
    label: ClassVar[str] = "Dateiablage (Verzeichnis)"
    config_schema: ClassVar[dict] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Dateiablage",
        "type": "object",
        "properties": {
            "directory": {
                "type": "string",
                "pattern": "^/",
                "title": "Zielordner (absoluter Pfad)",
                "description": "Je Vorgang entsteht darin ein Unterordner <Vorgangsnummer>/ mit manifest.json.",
            },
            "create_directory": {"type": "boolean", "default": True, "title": "Zielordner bei Bedarf anlegen"},
        },
        "required": ["directory"],
        "additionalProperties": False,
    }

    def deliver(self, *, payload: OutboundPayload, config: dict) -> DeliveryResult:
        try:
            root = prepare_local_root(config)
            return deliver_tree(target=LocalTree(root), payload=payload)
        except OSError as exc:
            raise local_os_error(exc, what="Ablage im Zielordner fehlgeschlagen") from exc
