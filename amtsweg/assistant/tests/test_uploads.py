"""Uploads: content-type check, size limits, private storage, authorised download, hand-over on submit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amtsweg.assistant import uploads
from amtsweg.assistant.models import Upload
from amtsweg.assistant.tests.conftest import EXE_BYTES, HTML_BYTES, PDF_BYTES, STEP_DATA, text

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    """A real (tiny) PNG: uploads are decoded and re-encoded with Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 90, 160)).save(out, format="PNG")
    return out.getvalue()


PNG_BYTES = _png()
DANGER = {**STEP_DATA["hunde"], "f-hund-0-hund_gefaehrlich": "ja"}


@pytest.fixture
def on_dogs(wizard):
    wizard.through("anliegen", "halter")
    wizard.post("hunde", DANGER)  # reveals the upload field
    return wizard


def _post_file(wizard, name: str, content: bytes, **data):
    return wizard.post("hunde", {**DANGER, **data, "f-hund-0-hund_gutachten": SimpleUploadedFile(name, content)})


def test_pdf_upload_is_stored_privately_and_downloadable_only_by_the_session(on_dogs, client, private_dirs, settings):
    response = _post_file(on_dogs, "Wesenstest 2024.PDF", PDF_BYTES)
    assert response.status_code == 302, text(response)[:2000]
    upload = Upload.objects.get()
    assert upload.name == "Wesenstest 2024.pdf" and upload.kind == "pdf" and upload.size == len(PDF_BYTES)
    stored = private_dirs / "uploads" / upload.path
    assert stored.read_bytes() == PDF_BYTES
    assert "Wesenstest" not in upload.path  # our random name on disk, not the citizen's
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    answer = on_dogs.draft.answers["hund"][0]["hund_gutachten"]
    assert answer == {"name": "Wesenstest 2024.pdf", "size": len(PDF_BYTES), "type": "pdf", "ref": upload.ref}

    url = on_dogs.url(f"datei/{upload.ref}")
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert Client().get(url).status_code == 404
    assert client.get(on_dogs.url("datei/" + "0" * 32)).status_code == 404

    page = on_dogs.get("hunde").content.decode()
    assert "Hochgeladen:" in page and f'href="{url}"' in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gutachten.pdf", EXE_BYTES, "Die Datei ist keine echte PDF-Datei"),
        ("foto.png", HTML_BYTES, "Die Datei ist keine echte PNG-Datei"),
        ("foto.jpg", PNG_BYTES, "Die Datei ist keine echte JPEG-Datei: Ihr Inhalt ist PNG"),
        ("programm.exe", EXE_BYTES, "Dieser Dateityp ist nicht erlaubt"),
        ("leer.pdf", b"", "Die Datei ist leer"),
        # Issue 8 finding 8: polyglots and active content, checked by parsing (amtsweg.common.filecheck)
        ("gutachten.pdf", PDF_BYTES + HTML_BYTES, "Webseiten- oder Skriptcode"),
        ("gutachten.pdf", b"%PDF-1.7\n<< /JS (app.alert(1)) >>\n%%EOF\n", "beschädigt"),
        ("foto.png", PNG_BYTES + HTML_BYTES, "Webseiten- oder Skriptcode"),
    ],
)
def test_disguised_or_wrong_files_are_rejected_and_input_is_kept(on_dogs, name, content, message):
    response = _post_file(on_dogs, name, content, **{"f-hund-0-hund_name": "Rex"})
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'href="#feld-hund-0-hund_gutachten"' in page
    assert 'value="Rex"' in page and 'value="Labrador"' in page
    assert on_dogs.draft.answers["hund"][0]["hund_name"] == "Rex"
    assert not Upload.objects.exists()


def test_oversized_upload_is_rejected_and_input_is_kept(on_dogs, settings):
    settings.AMTSWEG_UPLOAD_MAX_MB = 1
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = _post_file(on_dogs, "gross.pdf", big, **{"f-hund-0-hund_name": "Rex"})
    assert response.status_code == 200
    assert "Die Datei ist zu groß. Erlaubt sind höchstens 1 MB." in text(response)
    assert on_dogs.draft.answers["hund"][0]["hund_name"] == "Rex"
    assert not Upload.objects.exists()


def test_field_size_limit_applies(on_dogs, version):
    from amtsweg.forms.engine import form_from_document

    form = form_from_document(document=version.document)
    spec = {**form.fields["hund_gutachten"].field, "file": {"types": ["pdf"], "max_size_mb": 0.001}}
    result = uploads.upload_check(field=spec, upload=SimpleUploadedFile("a.pdf", PDF_BYTES + b"x" * 2000))
    assert result == "Die Datei ist zu groß. Erlaubt sind höchstens 0,001 MB."
    assert "Dieser Dateityp (PNG) ist hier nicht erlaubt" in uploads.upload_check(
        field=spec, upload=SimpleUploadedFile("a.png", PNG_BYTES)
    )


def test_request_far_above_the_limit_gets_a_clear_page(on_dogs, settings):
    settings.AMTSWEG_UPLOAD_MAX_MB = 1
    response = on_dogs.client.post(on_dogs.url("hunde"), {"aktion": "weiter"}, CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert "Die Datei ist zu groß" in text(response)
    assert on_dogs.draft.answers["hund"][0]["hund_name"] == "Bello"  # saved data untouched


def test_replacing_and_removing_a_file_deletes_the_old_one(on_dogs, private_dirs):
    _post_file(on_dogs, "a.pdf", PDF_BYTES)
    first = Upload.objects.get()
    on_dogs.get("hunde")
    _post_file(on_dogs, "b.png", PNG_BYTES)
    second = Upload.objects.get()
    assert second.pk != first.pk and not (private_dirs / "uploads" / first.path).exists()
    response = on_dogs.post("hunde", DANGER, action="datei-entfernen:hund[0].hund_gutachten")
    assert response.status_code == 200
    assert not Upload.objects.exists()
    assert on_dogs.draft.answers["hund"][0].get("hund_gutachten") is None


def test_upload_is_handed_to_the_submission(on_dogs, client):
    from amtsweg.submissions.models import Submission

    _post_file(on_dogs, "Wesenstest.pdf", PDF_BYTES)
    on_dogs.through("befreiung", "zahlung")
    response = client.post(on_dogs.url("antrag-pruefen"), {"wahrheit": "ja", "datenschutz": "ja"})
    assert response.status_code == 302, text(response)[:3000]
    submission = Submission.objects.get()
    attachment = submission.attachments.get()
    assert attachment.field_path == "hund[0].hund_gutachten"
    assert attachment.name == "Wesenstest.pdf" and attachment.size == len(PDF_BYTES)
    assert attachment.file.read() == PDF_BYTES
    assert not Upload.objects.exists()  # the draft keeps no copy


def test_sanitize_filename():
    assert uploads.sanitize_filename("../../etc/passwd", kind="pdf") == "passwd.pdf"
    assert uploads.sanitize_filename("C:\\Users\\x\\Befund.PDF", kind="pdf") == "Befund.pdf"
    assert uploads.sanitize_filename("<script>.png", kind="png") == "script.png"
    assert uploads.sanitize_filename("a\x00b.pdf", kind="pdf") == "ab.pdf"
    assert uploads.sanitize_filename("Gutachten.exe", kind="pdf") == "Gutachten.exe.pdf"
    assert uploads.sanitize_filename("Ärztliches Attest.jpeg", kind="jpeg") == "Ärztliches Attest.jpeg"
    assert uploads.sanitize_filename("", kind="png") == "datei.png"


def test_detect_kind_by_content():
    assert uploads.detect_kind(PDF_BYTES) == "pdf"
    assert uploads.detect_kind(PNG_BYTES) == "png"
    assert uploads.detect_kind(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20) == "jpeg"
    assert uploads.detect_kind(EXE_BYTES) is None
    assert uploads.detect_kind(HTML_BYTES) is None
    assert uploads.detect_kind(b"xx%PDF-1.4") is None  # the signature must start the file


def test_file_path_refuses_to_leave_the_upload_dir():
    with pytest.raises(ValueError):
        uploads.file_path("../../etc/passwd")
