"""Static URLs memoised per process (ADR 0027): the same URLs as the storages they extend."""

import json

from django.contrib.staticfiles.storage import StaticFilesStorage
from django.test import override_settings

from amtsweg.web.staticfiles import MemoisedManifestStaticFilesStorage, MemoisedStaticFilesStorage


def test_plain_storage_gives_the_same_url_and_keeps_it(tmp_path):
    memoised = MemoisedStaticFilesStorage(location=tmp_path, base_url="/static/")
    plain = StaticFilesStorage(location=tmp_path, base_url="/static/")
    for name in ("css/amtsweg.css", "vendor/a b.js"):
        assert memoised.url(name) == plain.url(name)
        assert memoised.url(name) == plain.url(name)
    assert memoised._url_memo == {
        "css/amtsweg.css": "/static/css/amtsweg.css",
        "vendor/a b.js": "/static/vendor/a%20b.js",
    }


@override_settings(DEBUG=False)
def test_manifest_storage_gives_the_hashed_name(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/amtsweg.css": "css/amtsweg.0123abcd.css"}, "version": "1.1", "hash": "x"})
    )
    storage = MemoisedManifestStaticFilesStorage(location=tmp_path, base_url="/static/")
    assert storage.url("css/amtsweg.css") == "/static/css/amtsweg.0123abcd.css"
    assert storage.url("css/amtsweg.css") == "/static/css/amtsweg.0123abcd.css"
