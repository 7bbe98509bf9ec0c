"""Uploaded files: recognised by content, size-limited, stored outside the web root.

The type is decided by the file's bytes (``filetype`` reads the magic numbers), never by the name
or the browser's claim, so an ``.exe`` renamed to ``.pdf`` or an HTML page named ``.png`` is refused.
Files are stored under ``settings.AMTSWEG_UPLOAD_DIR`` with a random name we choose; the user's
file name is only kept (sanitised) as a label. Beyond the magic number, ``amtsweg.common.filecheck``
parses the content (pypdf, Pillow): active PDF content and polyglots are refused, images re-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

import filetype
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext

from amtsweg.common.filecheck import FileRefused, file_sanitize
from amtsweg.common.hashing import sha512_hex
from amtsweg.forms.fields import FILE_TYPES, de_number

MB = 1024 * 1024
LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}
# filetype's extension → our type key (see amtsweg.forms.fields.FILE_TYPES)
_DETECTED = {"pdf": "pdf", "jpg": "jpeg", "png": "png"}
# Extra structural check on top of filetype: the signature must start at byte 0.
_SIGNATURES = {"pdf": b"%PDF-", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}
_UNSAFE_CHARS = re.compile(r"[^\w .()+-]", re.UNICODE)


def upload_dir() -> Path:
    return Path(getattr(settings, "AMTSWEG_UPLOAD_DIR", settings.VAR_DIR / "private" / "uploads"))


def global_max_bytes() -> int:
    return int(getattr(settings, "AMTSWEG_UPLOAD_MAX_MB", 10)) * MB


class TooLarge:
    """Placed in ``request.FILES`` instead of a file whose data exceeded the global limit."""

    def __init__(self, name: str, size: int):
        self.name = name
        self.size = size


class LimitedUploadHandler(FileUploadHandler):
    """Discards the data of a file beyond the global limit instead of aborting the request.

    Aborting (``StopUpload``) would lose every field after the file; discarding keeps them, so
    what the citizen typed on the page survives an oversized upload.
    """

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit or global_max_bytes()
        self.too_large = False
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.too_large = False
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            return None  # swallow: later handlers never see the rest
        return raw_data

    def file_complete(self, file_size):
        # Django asks every handler in order and takes the first non-None result: this handler is
        # first, so an oversized file becomes a marker and the partial data of the others is dropped.
        if self.too_large:
            return TooLarge(self.file_name, self.received)
        return None

    def upload_complete(self):
        return None


def install_upload_limit(request) -> None:
    """Put the limiting handler first; must run before ``request.POST``/``FILES`` are read."""
    request.upload_handlers.insert(0, LimitedUploadHandler(request))


def sanitize_filename(name: str, *, kind: str) -> str:
    """A safe display name: no path, no control or special characters, at most 100 characters,
    ending in the extension of the detected type."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = _UNSAFE_CHARS.sub("_", base).strip(" ._")
    suffixes = FILE_TYPES[kind][1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in suffixes:
        stem, suffix = base, suffixes[0].lstrip(".")
    stem = re.sub(r"_+", "_", stem)[:90].strip(" ._") or "datei"
    return f"{stem}.{suffix.lower()}"


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    data: bytes
    name: str
    sha512: str

    @property
    def size(self) -> int:
        return len(self.data)


def detect_kind(head: bytes) -> str | None:
    """Our type key for the content, or None if it is none of PDF, JPEG, PNG."""
    guess = filetype.guess(head[:8192]) if head else None
    kind = _DETECTED.get(guess.extension) if guess is not None else None
    if kind is None or not head.startswith(_SIGNATURES[kind]):
        return None
    return kind


def upload_check(*, field: dict, upload) -> CheckedFile | str:
    """Read and check one upload for ``field``; returns the checked file or a German message."""
    spec = field.get("file") or {}
    allowed = [t for t in (spec.get("types") or list(FILE_TYPES)) if t in FILE_TYPES]
    allowed_text = ", ".join(LABELS[t] for t in allowed)
    max_mb = spec.get("max_size_mb", 10)
    limit = min(int(max_mb * MB), global_max_bytes())
    limit_text = de_number(max_mb) if max_mb * MB <= global_max_bytes() else de_number(global_max_bytes() // MB)
    if isinstance(upload, TooLarge) or (getattr(upload, "size", 0) or 0) > limit:
        return gettext("Die Datei ist zu groß. Erlaubt sind höchstens {size} MB.").format(size=limit_text)
    data = upload.read(limit + 1)
    if len(data) > limit:
        return gettext("Die Datei ist zu groß. Erlaubt sind höchstens {size} MB.").format(size=limit_text)
    if not data:
        return gettext("Die Datei ist leer. Bitte wählen Sie eine andere Datei aus.")
    kind = detect_kind(data)
    suffix = PurePath(str(upload.name or "")).suffix.lower()
    by_name = next((t for t, (_, suffixes) in FILE_TYPES.items() if suffix in suffixes), None)
    if kind is None:
        if by_name is not None:
            return gettext(
                "Die Datei ist keine echte {type}-Datei: Ihr Inhalt passt nicht zur Dateiendung. Erlaubt sind: {types}."
            ).format(type=LABELS[by_name], types=allowed_text)
        return gettext("Dieser Dateityp ist nicht erlaubt. Erlaubt sind: {types}.").format(types=allowed_text)
    if kind not in allowed:
        return gettext("Dieser Dateityp ({type}) ist hier nicht erlaubt. Erlaubt sind: {types}.").format(
            type=LABELS[kind], types=allowed_text
        )
    if by_name is not None and by_name != kind:
        return gettext(
            "Die Datei ist keine echte {type}-Datei: Ihr Inhalt ist {content}. "
            "Bitte benennen Sie die Datei richtig oder wählen Sie eine andere."
        ).format(type=LABELS[by_name], content=LABELS[kind])
    try:
        data = file_sanitize(kind=kind, data=data)
    except FileRefused as refused:
        return str(refused)
    return CheckedFile(
        kind=kind,
        content_type=FILE_TYPES[kind][0],
        data=data,
        name=sanitize_filename(upload.name, kind=kind),
        sha512=sha512_hex(data),
    )


def file_write(*, relative: str, data: bytes) -> Path:
    path = upload_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def file_path(relative: str) -> Path:
    """Absolute path of a stored upload; refuses anything that would leave the upload directory."""
    root = upload_dir().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError("Ungültiger Speicherort.")
    return path


def file_delete(relative: str) -> None:
    try:
        path = file_path(relative)
        path.unlink(missing_ok=True)
        parent = path.parent
        if parent != upload_dir().resolve() and not any(parent.iterdir()):
            parent.rmdir()
    except (OSError, ValueError):
        pass  # already gone or never written; nothing to clean up
