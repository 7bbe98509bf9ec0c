"""A test submission (``OutboundPayload.test``, ADR 0028) is marked by every adapter where the receiver looks
first; a real one carries no mark."""

from __future__ import annotations

import json

import pytest

from amtsweg.hub.adapters.base import TEST_HEADER
from amtsweg.hub.adapters.email import build_email
from amtsweg.hub.adapters.filedrop import build_manifest, plan_files
from amtsweg.hub.adapters.http import build_request
from amtsweg.hub.adapters.xdomea import build_package

MAIL = {"host": "127.0.0.1", "from_email": "portal@example.org", "to": ["post@example.org"]}


@pytest.mark.parametrize("test", [True, False])
def test_every_adapter_marks_tests_only(make_payload, test):
    payload = make_payload(test=test, vorgangsnummer="TEST-1A2B3C4D" if test else "AW-2026-000042")
    _, headers = build_request(payload=payload, config={"url": "http://127.0.0.1:9/", "secret": "s" * 16})
    assert (headers.get(TEST_HEADER) == "1") is test
    mail = build_email(payload=payload, config=MAIL)
    assert mail.subject.startswith("[TEST") is test
    assert (mail.extra_headers.get(TEST_HEADER) == "1") is test
    assert mail.body.startswith("TESTANTRAG") is test
    manifest = json.loads(build_manifest(payload=payload, files=plan_files(payload=payload)))
    assert manifest["test"] is test
    package = build_package(payload=payload, config={})
    assert (b"[TEST" in package.xml) is test
