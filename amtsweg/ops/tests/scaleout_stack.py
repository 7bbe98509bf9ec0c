"""The scale-out stack on loopback: Debian's nginx in front of several gunicorn web processes, plus task
workers, all on one PostgreSQL database. Shared by the scale-out test (test_postgres_scaleout.py) and the
benchmark (benchmarks/scaleout.py); this module holds no tests and imports no Django at module level.

nginx runs as the current user from a temporary prefix with the site rendered from deploy/nginx/
(``nginx_conf.render_test_site``), so the test exercises the limits, headers, timeouts and static-file rules
an operator deploys, only without TLS.

Every process starts in its own session (process group); ``stop()`` terminates the groups, waits, and
kills what is left, also when start-up failed half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import types
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from amtsweg.ops.tests.nginx_conf import nginx_path, render_test_site

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_command() -> list[str]:
    """The task worker, as ``./dev start`` runs it (heartbeat and automatic takeover)."""
    return [
        sys.executable,
        "manage.py",
        "worker",
        "--queue-name",
        "*",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.1",
    ]


def gunicorn_command(*, port: int, workers: int, threads: int) -> list[str]:
    """One web process with the production configuration (amtsweg/gunicorn_conf.py, as ``./dev start``
    and deploy/systemd run it); only the address and the process/thread counts differ."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:amtsweg.gunicorn_conf",
        "amtsweg.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


# --- the world: a route and an API client ----------------------------------------------------------------

HUNDESTEUER = "99102013000000"
DRESDEN = "14612000"


def scaleout_world(*, receiver_url: str, secret: str, rate: str = "") -> str:
    """Route Hundesteuer in Dresden to the Fachverfahren at ``receiver_url``; returns an API token that may
    submit applications. Needs the reference data (loaded if missing)."""
    from django.core.management import call_command

    from amtsweg.apiclients.services import api_client_create
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.selectors import gemeinde_by_ags
    from amtsweg.hub.rules import rules_load
    from amtsweg.hub.tests.test_e2e_hub_support import http_target
    from amtsweg.jurisdiction.selectors import responsible_authority

    if not Leistung.objects.filter(leika_key=HUNDESTEUER).exists():  # e.g. flushed by an earlier PostgreSQL test
        with open(os.devnull, "w") as quiet:
            call_command("bootstrap", "--reference-only", verbosity=0, stdout=quiet)

    rules_load()
    leistung = Leistung.objects.filter(leika_key=HUNDESTEUER).order_by("pk").first()
    authority = responsible_authority(leistung=leistung, gemeinde=gemeinde_by_ags(ags=DRESDEN)).authority
    target = types.SimpleNamespace(url=receiver_url)
    http_target(authority=authority, receiver=target, key="scaleout-fv", secret=secret, timeout=30)
    _client, token = api_client_create(name="Externes Portal (Lasttest)", scopes=["submissions:write"], rate=rate)
    return token


def antrag_body(index: int) -> bytes:
    return json.dumps(
        {
            "leika_key": HUNDESTEUER,
            "ags": DRESDEN,
            "data": {"anlass": "anmeldung", "hund": [{"hund_name": f"Bello {index}", "hund_rasse": "Labrador"}]},
        }
    ).encode()


# --- processes ----------------------------------------------------------------------------------------------


class ProcessGroup:
    """Child processes, each in its own session with a log file in ``log_dir``; ``stop()`` ends them all."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: list = []

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def spawn(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_path(name), "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def spawn_nginx(self, conf: Path, env: dict) -> subprocess.Popen:
        prefix = conf.parent
        command = [nginx_path(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        return self.spawn("nginx", command, env)

    def wait_http(self, url: str, *, deadline: float, context=None) -> None:
        """Until ``url`` answers 200 (bounded by ``deadline``, a time.monotonic() value)."""
        while True:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=5, context=context) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer from {url} in time\n{self.logs_tail()}")
            time.sleep(0.1)

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"processes ended: {dead}\n{self.logs_tail()}")

    def logs_tail(self, chars: int = 2000) -> str:
        parts = []
        for name in self.processes:
            path = self.log_path(name)
            text = path.read_text(errors="replace")[-chars:] if path.exists() else ""
            parts.append(f"--- {name} ---\n{text}")
            if name == "nginx":
                errors = Path(self.processes[name].args[2]) / "error.log"
                if errors.exists():
                    parts.append(f"--- nginx error.log ---\n{errors.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)

    def stop(self, *, timeout: float = 20) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Also whatever the group leader left behind (e.g. gunicorn's workers after a hard kill).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.wait(timeout=10)
        for log in self._logs:
            log.close()
        self._logs.clear()


# --- the stack ------------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """nginx + ``web`` gunicorn instances + ``workers`` task workers against ``database_url``."""

    database_url: str
    base_dir: Path  # temp dir: nginx prefix, logs, the processes' AMTSWEG_VAR_DIR
    static_root: Path
    web: int = 2
    workers: int = 2
    gunicorn_workers: int = 2
    gunicorn_threads: int = 4
    env: dict = field(default_factory=dict)
    port: int = 0
    web_ports: list[int] = field(default_factory=list)
    group: ProcessGroup | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def process_env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "AMTSWEG_MODE": os.environ.get("AMTSWEG_MODE", "test"),
            "AMTSWEG_VAR_DIR": str(self.base_dir / "var"),
            "AMTSWEG_LOG_LEVEL": "WARNING",
            **self.env,
        }

    def start(self, *, timeout: float = 90) -> Stack:
        if nginx_path() is None:
            raise RuntimeError("nginx fehlt: Debian-Paket nginx installieren (./dev test tut das)")
        (self.base_dir / "var").mkdir(parents=True, exist_ok=True)
        self.group = ProcessGroup(self.base_dir / "logs")
        env = self.process_env()
        try:
            for index in range(self.web):
                port = free_port()
                self.web_ports.append(port)
                command = gunicorn_command(port=port, workers=self.gunicorn_workers, threads=self.gunicorn_threads)
                self.group.spawn(f"web{index + 1}", command, env)
            for index in range(self.workers):
                self.group.spawn(f"worker{index + 1}", worker_command(), env)
            self.port = free_port()
            conf = render_test_site(
                prefix=self.base_dir / "nginx",
                port=self.port,
                backends=[f"127.0.0.1:{port}" for port in self.web_ports],
                static_root=self.static_root,
            )
            self.group.spawn_nginx(conf, env)
            deadline = time.monotonic() + timeout
            for port in self.web_ports:
                self.group.wait_http(f"http://127.0.0.1:{port}/health/live", deadline=deadline)
            self.group.wait_http(f"{self.url}/health/live", deadline=deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def access_log(self, name: str) -> str:
        """The log of process ``name`` (gunicorn writes its access log there)."""
        return self.group.log_path(name).read_text(errors="replace")

    def check_alive(self) -> None:
        self.group.check_alive()

    def logs_tail(self, chars: int = 2000) -> str:
        return self.group.logs_tail(chars) if self.group else ""

    def stop(self) -> None:
        if self.group is not None:
            self.group.stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
