"""Fixtures for the end-to-end browser tests: a real server with real data, and Debian's Chromium.

The server runs in a subprocess against its own SQLite database in a temporary
directory, prepared by the same commands the platform uses (migrate, bootstrap with
the demo content incl. the five application assistants, collectstatic). Test mode keeps
DEBUG off, so the 404 page is the real one. Its mail goes through real SMTP to a local
aiosmtpd server that keeps every message for the tests (resume links, confirmations).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60  # seconds; only a safety net against a server that never comes up


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(*args: str, env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runserver exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (local test server)
                return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error status
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"Server at {url} did not answer within {SERVER_START_TIMEOUT} s")


class MailCollector:
    """aiosmtpd handler that keeps every received message (envelope: mail_from, rcpt_tos, content)."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m.rcpt_tos]


@dataclass
class E2EStack:
    """The running server, the environment its commands use, and the mailbox its mail goes to."""

    base_url: str
    env: dict
    mailbox: MailCollector
    var_dir: Path
    extra: dict = field(default_factory=dict)

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database (e.g. the task worker)."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory):
    """A running Amtsweg with Saxony's reference data and the demo assistants, plus its SMTP mailbox."""
    from aiosmtpd.controller import Controller

    mailbox = MailCollector()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = {
        **os.environ,
        "AMTSWEG_MODE": "test",
        "AMTSWEG_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_USE_SSL": "false",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage("migrate", "--noinput", env=env)
    # Full bootstrap: reference data plus demo content (the five assistants and their activations).
    # It prints a one-time admin password, which the tests ignore.
    _manage("bootstrap", env=env)
    _manage("collectstatic", "--noinput", env=env)
    port = _free_port()
    # The request log goes to a file: a pipe nobody reads would fill up and block the server.
    log = var_dir / "runserver.log"
    log_file = log.open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=BASE_DIR,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url + "/", process, log)
        yield E2EStack(base_url=base_url, env=env, mailbox=mailbox, var_dir=var_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()
        smtp.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def e2e_server(e2e_stack):
    """Base URL of the running Amtsweg (session-scoped)."""
    return e2e_stack.base_url
