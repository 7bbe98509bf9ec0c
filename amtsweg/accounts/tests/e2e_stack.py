"""Two real servers for the accounts browser tests: Amtsweg and a local OpenID Connect provider.

The provider is a second Django process (settings in ``oidc_provider/``) with its own SQLite file and
signing key, its test users and Amtsweg's client registration; Amtsweg is configured for it through
AMTSWEG_OIDC_PROVIDERS like any real provider. Amtsweg's mail goes to an aiosmtpd server on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from amtsweg.demo.tests.conftest import BASE_DIR, E2EStack, MailCollector, _free_port, _manage, _wait_until_up

PROVIDER_ID = "testid"
PROVIDER_NAME = "Test-ID (lokal)"
PROVIDER_PASSWORD = "idp-Passwort-fuer-Tests"
CLIENT_ID = "amtsweg-test"
CLIENT_SECRET = "amtsweg-test-secret-0123456789"


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _start(args: list[str], env: dict, log: Path, url: str) -> subprocess.Popen:
    log_file = log.open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, *args], cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, text=True
    )
    _wait_until_up(url, process, log)
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class AccountsStack:
    """Context manager: provider + Amtsweg (+ SMTP) running; ``stack`` is the E2EStack of Amtsweg."""

    def __init__(self, work: Path):
        self.work = work
        self.processes: list[subprocess.Popen] = []
        self.smtp = None

    def __enter__(self) -> E2EStack:
        from aiosmtpd.controller import Controller

        rp_port, idp_port = _free_port(), _free_port()
        rp_url, idp_url = f"http://127.0.0.1:{rp_port}", f"http://127.0.0.1:{idp_port}"
        base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
        # Server-to-server calls (token, JWKS, userinfo) stay on loopback, whatever proxy the machine has.
        base_env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"})

        idp_env = {
            **base_env,
            "DJANGO_SETTINGS_MODULE": "amtsweg.accounts.tests.oidc_provider.settings",
            "OIDC_PROVIDER_DB": str(self.work / "idp.sqlite3"),
            "OIDC_PROVIDER_KEY": _private_key_pem(),
        }
        callback = f"{rp_url}/konto/oidc/{PROVIDER_ID}/login/callback/"
        setup = ["-m", "amtsweg.accounts.tests.oidc_provider.setup", callback, CLIENT_ID, CLIENT_SECRET]
        subprocess.run([sys.executable, *setup, PROVIDER_PASSWORD], cwd=BASE_DIR, env=idp_env, check=True)  # noqa: S603
        self.processes.append(
            _start(
                ["-m", "django", "runserver", f"127.0.0.1:{idp_port}", "--noreload"],
                idp_env,
                self.work / "idp.log",
                idp_url + "/.well-known/openid-configuration",
            )
        )

        mailbox = MailCollector()
        self.smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
        self.smtp.start()
        var_dir = self.work / "var"
        var_dir.mkdir()
        provider = {
            "id": PROVIDER_ID,
            "name": PROVIDER_NAME,
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "server_url": idp_url,
        }
        env = {
            **base_env,
            "AMTSWEG_MODE": "test",
            "AMTSWEG_VAR_DIR": str(var_dir),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
            "AMTSWEG_OIDC_PROVIDERS": json.dumps([provider]),
        }
        _manage("migrate", "--noinput", env=env)
        _manage("bootstrap", env=env)  # reference data and the demo assistants
        _manage("collectstatic", "--noinput", env=env)
        self.processes.append(
            _start(
                ["manage.py", "runserver", f"127.0.0.1:{rp_port}", "--noreload", "--insecure"],
                env,
                var_dir / "runserver.log",
                rp_url + "/",
            )
        )
        return E2EStack(base_url=rp_url, env=env, mailbox=mailbox, var_dir=var_dir, extra={"idp_url": idp_url})

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            _stop(process)
        if self.smtp is not None:
            self.smtp.stop()
