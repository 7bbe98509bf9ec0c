"""HSTS outside local modes: one year, including subdomains (issue 8, finding 12); Django's deploy check agrees."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {"AMTSWEG_MODE": "production", "DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "amtsweg.example"}


def _manage(*args: str, env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AMTSWEG_MODE"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_deploy_check_has_no_hsts_warnings():
    result = _manage("check", "--deploy", env_overrides=PRODUCTION)
    output = result.stdout + result.stderr
    # W004: no HSTS at all; W005: HSTS without includeSubDomains.
    assert "security.W004" not in output and "security.W005" not in output, output


def test_hsts_header_in_production_and_not_locally():
    code = (
        "from django.test import Client; "
        "r = Client().get('/health/live', secure=True, HTTP_HOST='amtsweg.example'); "
        "print(r.headers.get('Strict-Transport-Security'))"
    )
    production = _manage("shell", "-c", code, env_overrides=PRODUCTION)
    assert production.stdout.strip().splitlines()[-1] == "max-age=31536000; includeSubDomains", production.stderr
    local = _manage("shell", "-c", code, env_overrides={"AMTSWEG_MODE": "test"})
    assert local.stdout.strip().splitlines()[-1] == "None", local.stderr
