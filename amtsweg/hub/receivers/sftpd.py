"""A real local SFTP server for tests: Debian's OpenSSH ``sshd`` on a free loopback port with a temporary
config, a fresh ed25519 host key and one authorised client key, logging in as the current user.

Needs the Debian package ``openssh-server`` (``/usr/sbin/sshd``). As root, sshd also needs its
privilege-separation directory ``/run/sshd``, which is created if missing (as the package's init does).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/bin/sshd")


def sshd_path() -> str | None:
    for candidate in SSHD_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("sshd")


def generate_ed25519() -> tuple[str, str]:
    """(private key in OpenSSH format, public key line 'ssh-ed25519 AAAA…')."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, public.decode("ascii")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OpenSshSftpServer:
    def __init__(self, workdir: Path, *, root: Path | None = None):
        self.workdir = Path(workdir)
        self.root = Path(root or self.workdir / "files")
        self.username = getpass.getuser()
        self.port = 0
        self.host_key_line = ""
        self.client_private_key = ""
        self.client_key_path = self.workdir / "client_ed25519"
        self.log_path = self.workdir / "sshd.log"
        self._proc: subprocess.Popen | None = None

    def start(self, *, timeout: float = 15, attempts: int = 3) -> OpenSshSftpServer:
        # The free port is picked before sshd binds it; under parallel tests another process may win.
        for attempt in range(attempts):
            try:
                return self._start(timeout=timeout)
            except RuntimeError:
                if attempt == attempts - 1 or "Address already in use" not in self.log_text():
                    raise
        raise AssertionError("unreachable")

    def _start(self, *, timeout: float) -> OpenSshSftpServer:
        sshd = sshd_path()
        if not sshd:
            raise RuntimeError("sshd fehlt (Debian-Paket openssh-server)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        host_private, self.host_key_line = generate_ed25519()
        self.client_private_key, client_public = generate_ed25519()
        host_key = self.workdir / "host_ed25519"
        host_key.write_text(host_private)
        host_key.chmod(0o600)
        self.client_key_path.write_text(self.client_private_key)
        self.client_key_path.chmod(0o600)
        authorized = self.workdir / "authorized_keys"
        authorized.write_text(client_public + "\n")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.port = _free_port()
        config = self.workdir / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {host_key}",
                    f"PidFile {self.workdir / 'sshd.pid'}",
                    f"AuthorizedKeysFile {authorized}",
                    "StrictModes no",
                    "PermitRootLogin yes",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "AllowTcpForwarding no",
                    "X11Forwarding no",
                    "LogLevel VERBOSE",
                    "Subsystem sftp internal-sftp",
                    "",
                ]
            )
        )
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self._proc = subprocess.Popen(  # noqa: S603 - fixed binary, our own temp config
            [sshd, "-D", "-e", "-f", str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"sshd beendet sich sofort: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(8).startswith(b"SSH-"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd startet nicht")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def config(self, **overrides) -> dict:
        """SFTP adapter settings for this server (key auth)."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.username,
            "private_key": self.client_private_key,
            "host_key": self.host_key_line,
            "directory": str(self.root),
            "timeout": 10,
            **overrides,
        }

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> OpenSshSftpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
