"""Deep content checks for uploaded files (PDF, JPEG, PNG), shared by the assistant and the hub API.

The magic number says what a file claims to be; these checks make sure it is *only* that:
- PDF: ``%PDF-`` at byte 0, parsable by pypdf, not encrypted, no active content (JavaScript,
  launch/submit/import actions, embedded files, XFA, rich media), nothing but whitespace after the
  last ``%%EOF``.
- JPEG/PNG: Pillow verifies and decodes the image (decompression bombs refused), nothing appended
  after the image's end; the image is then re-encoded, which drops metadata (EXIF with GPS
  position, comments) and anything hidden in ancillary chunks.
- Every type: no HTML/script markers anywhere in the bytes (polyglots a browser would render).

Each refusal is a ``FileRefused`` with a German message for the user.
"""

from __future__ import annotations

import io
import re
import warnings

MAX_PDF_OBJECTS = 200_000  # walking stops (and refuses) beyond this: no legitimate form attachment is that big
SIGNATURES = {"pdf": b"%PDF-", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
# What makes a browser (or a mail client) treat bytes as markup or script.
_MARKUP = re.compile(
    rb"<\s*(script|html|!doctype|body|iframe|svg|object|embed|meta|form|img\s[^>]*on\w+)|javascript:|<\?php",
    re.IGNORECASE,
)
_PDF_DANGEROUS_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia", "/Launch"}
_PDF_DANGEROUS_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/RichMediaExecute",
    "/GoToE",
    "/GoToR",
    "/Rendition",
    "/Sound",
    "/Movie",
}
_TRAILING_OK = b" \t\r\n\x00\x0c"


class FileRefused(ValueError):
    """The file is not acceptable; ``str(error)`` is the German message for the user."""


def detect_kind(data: bytes) -> str | None:
    """ "pdf", "jpeg" or "png" when the signature is at byte 0, else None."""
    return next((kind for kind, magic in SIGNATURES.items() if data.startswith(magic)), None)


def looks_like_markup(data: bytes) -> bool:
    return _MARKUP.search(data) is not None


def file_sanitize(*, kind: str, data: bytes) -> bytes:
    """Check ``data`` as ``kind``; returns the bytes to store (re-encoded for images).

    Raises FileRefused with a German message when the content is not a clean file of that type.
    """
    if detect_kind(data) != kind:
        raise FileRefused("Der Inhalt der Datei passt nicht zu ihrem Dateityp.")
    if looks_like_markup(data):
        raise FileRefused(
            "Die Datei enthält neben ihrem eigentlichen Inhalt Webseiten- oder Skriptcode und wird "
            "deshalb nicht angenommen. Bitte speichern oder scannen Sie das Dokument neu."
        )
    if kind == "pdf":
        _pdf_check(data)
        return data
    return _image_reencode(kind, data)


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_check(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(_TRAILING_OK):
        raise FileRefused("Die PDF-Datei ist unvollständig oder es wurden Daten an sie angehängt.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise FileRefused(
                    "Die PDF-Datei ist verschlüsselt oder kennwortgeschützt. Bitte laden Sie eine Fassung "
                    "ohne Kennwort hoch."
                )
            root = reader.trailer["/Root"].get_object()
            problem = _pdf_active_content(root)
    except FileRefused:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError, OSError):
        raise FileRefused("Die PDF-Datei ist beschädigt und kann nicht gelesen werden.") from None
    if problem:
        raise FileRefused(
            f"Die PDF-Datei enthält aktive Inhalte ({problem}), die wir aus Sicherheitsgründen nicht annehmen. "
            "Bitte drucken Sie das Dokument als PDF neu oder scannen Sie es ein."
        )


def _pdf_active_content(root) -> str | None:
    """Walk every object reachable from the catalog; name the first active content found."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ident = (node.idnum, node.generation)
            if ident in seen:
                continue
            seen.add(ident)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return "zu viele Objekte"
        if isinstance(node, DictionaryObject):  # also covers streams' dictionaries
            for key in node:
                if key in _PDF_DANGEROUS_KEYS:
                    return _pdf_label(key)
            action = node.get("/S")
            if action in _PDF_DANGEROUS_ACTIONS:
                return _pdf_label(action)
            if "/OpenAction" in node and isinstance(node["/OpenAction"], DictionaryObject | IndirectObject):
                target = node["/OpenAction"].get_object()
                if isinstance(target, DictionaryObject) and target.get("/S") not in (None, "/GoTo"):
                    return "automatische Aktion beim Öffnen"
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def _pdf_label(name: str) -> str:
    return {
        "/JS": "JavaScript",
        "/JavaScript": "JavaScript",
        "/EmbeddedFiles": "eingebettete Dateien",
        "/EmbeddedFile": "eingebettete Dateien",
        "/XFA": "XFA-Formular",
        "/RichMedia": "Multimedia",
        "/Launch": "Programmstart",
        "/SubmitForm": "Formularversand",
        "/ImportData": "Datenimport",
    }.get(name, "Aktion " + name.lstrip("/"))


# --- images -------------------------------------------------------------------------------------


def _image_end(kind: str, data: bytes) -> int:
    if kind == "png":
        index = data.rfind(b"IEND")
        return -1 if index < 0 else index + 8  # chunk type + CRC
    index = data.rfind(b"\xff\xd9")
    return -1 if index < 0 else index + 2


def _image_reencode(kind: str, data: bytes) -> bytes:
    from PIL import Image, ImageOps

    end = _image_end(kind, data)
    if end < 0 or data[end:].strip(_TRAILING_OK):
        raise FileRefused("Die Bilddatei ist unvollständig oder es wurden Daten an sie angehängt.")
    expected = {"jpeg": "JPEG", "png": "PNG"}[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != expected:
                    raise FileRefused("Der Inhalt der Datei passt nicht zu ihrem Dateityp.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image: Image.Image = ImageOps.exif_transpose(opened)  # keep the visible orientation, drop EXIF
                out = io.BytesIO()
                if kind == "jpeg":
                    if image.mode not in ("RGB", "L", "CMYK"):
                        image = image.convert("RGB")
                    image.save(out, format="JPEG", quality=92, optimize=True)
                else:
                    image.save(out, format="PNG", optimize=True)
    except FileRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused("Das Bild ist zu groß (zu viele Bildpunkte).") from None
    except (OSError, ValueError, SyntaxError, Image.UnidentifiedImageError):
        raise FileRefused("Die Bilddatei ist beschädigt und kann nicht gelesen werden.") from None
    return out.getvalue()


# --- attachments of other systems (hub API) ------------------------------------------------------

_CLAIMED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
    ".pdf": "pdf",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
}


def attachment_sanitize(*, name: str, content_type: str, data: bytes) -> bytes:
    """Check an attachment whose type is only claimed (name, MIME type); returns the bytes to keep.

    PDF, JPEG and PNG (by claim or by content) get the full check and must be what they claim.
    Other types pass unchanged unless they are HTML or claim to be.
    """
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = {_CLAIMED[c] for c in (mime, suffix) if c in _CLAIMED}
    actual = detect_kind(data)
    if len(claimed) > 1 or (claimed and actual not in claimed):
        raise FileRefused(f"Die Anlage „{name}“ ist nicht, was Dateiname oder MIME-Typ angeben (Inhalt geprüft).")
    kind = actual or (claimed.pop() if claimed else None)
    if kind is not None:
        try:
            return file_sanitize(kind=kind, data=data)
        except FileRefused as refused:
            raise FileRefused(f"Die Anlage „{name}“ wird nicht angenommen: {refused}") from None
    if "html" in mime or "javascript" in mime or looks_like_markup(data[:4096]):
        raise FileRefused(f"Die Anlage „{name}“ enthält Webseiten- oder Skriptcode und wird nicht angenommen.")
    return data
