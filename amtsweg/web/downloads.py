"""Serving a citizen's or an authority's private file: one place for the headers every such answer needs."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse


def private_file(
    handle: IO[bytes], *, name: str, content_type: str | None = None, sandbox: bool = False
) -> FileResponse:
    """An attachment download nobody may cache; ``sandbox`` for files uploaded by citizens, so a browser
    opening one directly runs nothing from it. Without ``content_type`` it is guessed from ``name``."""
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    if sandbox:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
