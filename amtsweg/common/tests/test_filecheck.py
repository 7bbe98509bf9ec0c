"""Deep upload checks with real files made here: clean ones pass, polyglots and active content do not."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from amtsweg.common.filecheck import FileRefused, file_sanitize

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _pdf(build=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image(fmt: str, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def _refused(kind: str, data: bytes) -> str:
    with pytest.raises(FileRefused) as error:
        file_sanitize(kind=kind, data=data)
    return str(error.value)


def test_clean_pdf_passes_unchanged():
    data = _pdf()
    assert file_sanitize(kind="pdf", data=data) == data


@pytest.mark.parametrize(
    ("build", "label"),
    [
        (lambda w: _page_action(w, "/JavaScript", "/JS"), "JavaScript"),
        (lambda w: _page_action(w, "/SubmitForm", "/F"), "Formularversand"),
        (lambda w: w.add_attachment("payload.exe", b"MZ\x90\x00"), "eingebettete Dateien"),
    ],
)
def test_pdf_with_active_content_is_refused(build, label):
    assert label in _refused("pdf", _pdf(build))


def _page_action(writer, kind: str, key: str) -> None:
    """A page-open action (``/AA /O``) of the given type, as malicious PDFs carry them."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    action = DictionaryObject({NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject("app.alert(1)")})
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})


def test_pdf_with_launch_open_action_is_refused():
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def launch(writer):
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    assert "aktive Inhalte" in _refused("pdf", _pdf(launch))


def test_encrypted_pdf_is_refused():
    assert "verschlüsselt" in _refused("pdf", _pdf(lambda w: w.encrypt("geheim")))


def test_pdf_polyglots_are_refused():
    clean = _pdf()
    assert "angehängt" in _refused("pdf", clean + b"\n" + b"A" * 64)  # data after %%EOF
    assert "Skriptcode" in _refused("pdf", clean + HTML)  # HTML after the PDF
    assert "Skriptcode" in _refused("pdf", clean.replace(b"%PDF-1.3\n", b"%PDF-1.3\n%" + HTML + b"\n", 1))
    assert "passt nicht" in _refused("pdf", HTML + clean)  # HTML before: signature not at byte 0


def test_unparsable_pdf_is_refused():
    assert "beschädigt" in _refused("pdf", b"%PDF-1.7\nnothing here at all\n%%EOF\n")


@pytest.mark.parametrize(("kind", "fmt"), [("jpeg", "JPEG"), ("png", "PNG")])
def test_images_are_reencoded_without_metadata(kind, fmt):
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x8825] = {2: (51.0, 3.0, 0.0)}  # GPS latitude
    data = _image(fmt, exif=exif.tobytes())
    assert b"Kamerahersteller" in data
    clean = file_sanitize(kind=kind, data=data)
    assert b"Kamerahersteller" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == fmt and image.size == (40, 30)
        assert not image.getexif()


@pytest.mark.parametrize(("kind", "fmt"), [("jpeg", "JPEG"), ("png", "PNG")])
def test_image_polyglots_are_refused(kind, fmt):
    data = _image(fmt)
    assert "angehängt" in _refused(kind, data + b"PK\x03\x04" + b"\x01" * 40)  # appended archive
    assert "Skriptcode" in _refused(kind, data + HTML)
    if kind == "png":  # HTML hidden in a text chunk inside an otherwise valid image
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", HTML.decode())
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, format="PNG", pnginfo=info)
        assert "Skriptcode" in _refused(kind, out.getvalue())


def test_truncated_and_mislabelled_images_are_refused():
    png = _image("PNG")
    assert _refused("png", png[: len(png) // 2])
    assert "passt nicht" in _refused("jpeg", png)


def test_reencoded_pdf_check_does_not_break_a_pdf_reader():
    data = file_sanitize(kind="pdf", data=_pdf())
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
