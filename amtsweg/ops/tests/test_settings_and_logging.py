import logging
import os
import subprocess
import sys
from pathlib import Path

from amtsweg.ops.logging import StripQueryString

ROOT = Path(__file__).resolve().parents[3]


def _check(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AMTSWEG_MODE"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_missing_secret():
    result = _check({"AMTSWEG_MODE": "production", "DJANGO_ALLOWED_HOSTS": "amtsweg.example"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_debug():
    result = _check({"AMTSWEG_MODE": "production", "DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must not be on" in result.stderr


def test_production_starts_when_configured():
    result = _check(
        {"AMTSWEG_MODE": "production", "DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "amtsweg.example"}
    )
    assert result.returncode == 0, result.stderr


def test_query_strings_are_stripped_from_log_records():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /suche/?q=Hund&ort=Leipzig HTTP/1.1", 200, 5),
        None,
    )
    StripQueryString().filter(record)
    message = record.getMessage()
    assert "Hund" not in message and "Leipzig" not in message
    assert "GET /suche/?…" in message


def test_draft_tokens_in_paths_are_masked():
    token = "Zq3xV0sK9mT2bW7yL1nR5cH8dF4gJ6pA"
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /antrag/hund/14522180/{token}/halter/ HTTP/1.1", 200, 5),
        None,
    )
    StripQueryString().filter(record)
    message = record.getMessage()
    assert token not in message
    assert "/antrag/hund/14522180/…/halter/" in message
