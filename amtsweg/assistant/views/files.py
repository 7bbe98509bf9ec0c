"""A draft's uploaded file, downloaded by the citizen who uploaded it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from amtsweg.assistant import selectors, uploads
from amtsweg.assistant.views.base import load
from amtsweg.web.downloads import private_file


@require_GET
def upload_download(request: HttpRequest, key: str, ags: str, token: str, ref: str):
    ctx = load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        if ctx.status_code in (404, 410):
            raise Http404("Datei nicht gefunden")
        return ctx
    upload = selectors.upload_get(draft=ctx.draft, ref=ref)
    if upload is None:
        raise Http404("Datei nicht gefunden")
    try:
        handle = uploads.file_path(upload.path).open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("Datei nicht gefunden") from exc
    return private_file(handle, name=upload.name, content_type=upload.content_type, sandbox=True)
