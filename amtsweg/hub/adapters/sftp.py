"""SFTP adapter: the file-drop layout (``<directory>/<vorgangsnummer>/`` + manifest.json) on a remote server.

Security: the server's host key must be configured (OpenSSH public-key line); an unknown or different key
is refused BEFORE any credential is sent. Authentication by password or private key.
Each file is uploaded under a temporary name and renamed (``posix-rename@openssh.com`` where available),
the manifest last; a repeated delivery finds the manifest and does nothing.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import io
import posixpath
import socket
import stat
from collections.abc import Iterator
from typing import ClassVar

import paramiko

from amtsweg.hub.adapters.base import DeliveryError, DeliveryResult, OutboundPayload
from amtsweg.hub.adapters.filedrop import deliver_tree, is_temp_name, temp_name
from amtsweg.hub.registry import adapter_registry

# Host-key algorithms to negotiate for a configured key type, so the server presents THAT key.
_HOSTKEY_ALGORITHMS = {
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
}

SFTP_CONFIG_PROPERTIES = {
    "host": {"type": "string", "minLength": 1, "title": "Server"},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 22, "title": "Port"},
    "username": {"type": "string", "minLength": 1, "title": "Benutzername"},
    "password": {"type": "string", "title": "Passwort", "writeOnly": True},
    "private_key": {"type": "string", "title": "Privater Schlüssel (OpenSSH/PEM-Text)", "writeOnly": True},
    "private_key_path": {"type": "string", "title": "Pfad zum privaten Schlüssel"},
    "private_key_passphrase": {"type": "string", "title": "Passphrase des Schlüssels", "writeOnly": True},
    "host_key": {
        "type": "string",
        "minLength": 10,
        "title": "Host-Schlüssel des Servers",
        "description": "OpenSSH-Format, z. B. 'ssh-ed25519 AAAA…' (auch eine known_hosts-Zeile).",
    },
    "directory": {"type": "string", "default": ".", "title": "Zielordner auf dem Server"},
    "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 300, "default": 30, "title": "Zeitlimit (s)"},
}


def parse_host_key(text: str) -> paramiko.PKey:
    """Accept 'type base64 [comment]' or a known_hosts line 'host type base64'."""
    tokens = text.split()
    for i, token in enumerate(tokens[:-1]):
        if token.startswith(("ssh-", "ecdsa-", "sk-")):
            try:
                return paramiko.PKey.from_type_string(token, base64.b64decode(tokens[i + 1], validate=True))
            except (binascii.Error, ValueError, paramiko.SSHException) as exc:
                raise DeliveryError("Der konfigurierte Host-Schlüssel ist ungültig.", retryable=False) from exc
    raise DeliveryError("Der konfigurierte Host-Schlüssel ist ungültig.", retryable=False)


def load_private_key(*, text: str = "", path: str = "", passphrase: str | None = None) -> paramiko.PKey:
    if path:
        try:
            return paramiko.PKey.from_path(path, password=passphrase or None)
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise DeliveryError("Der private SFTP-Schlüssel kann nicht gelesen werden.", retryable=False) from exc
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), password=passphrase or None)
        except (paramiko.SSHException, ValueError):
            continue
    raise DeliveryError("Der private SFTP-Schlüssel kann nicht gelesen werden.", retryable=False)


@contextlib.contextmanager
def sftp_session(config: dict) -> Iterator[paramiko.SFTPClient]:
    """An authenticated SFTP session; host key checked before credentials are sent. Raises DeliveryError."""
    expected = parse_host_key(config.get("host_key", ""))
    host, port = config["host"], int(config.get("port", 22))
    timeout = float(config.get("timeout", 30))
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise DeliveryError(f"SFTP-Server {host}:{port} nicht erreichbar ({exc.__class__.__name__}).") from exc
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.handshake_timeout = timeout
        transport.get_security_options().key_types = _HOSTKEY_ALGORITHMS.get(
            expected.get_name(), (expected.get_name(),)
        )
        try:
            transport.start_client(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise DeliveryError(f"SSH-Verbindung zu {host}:{port} fehlgeschlagen ({exc.__class__.__name__}).") from exc
        remote = transport.get_remote_server_key()
        if remote.asbytes() != expected.asbytes():
            # A changed or unknown key could be a man in the middle: never send credentials; needs a human.
            raise DeliveryError(
                f"Host-Schlüssel von {host}:{port} ist unbekannt ({remote.get_name()} "
                f"{remote.fingerprint}); Zustellung abgelehnt.",
                retryable=False,
            )
        username = config["username"]
        try:
            if config.get("private_key") or config.get("private_key_path"):
                key = load_private_key(
                    text=config.get("private_key", ""),
                    path=config.get("private_key_path", ""),
                    passphrase=config.get("private_key_passphrase"),
                )
                transport.auth_publickey(username, key)
            elif config.get("password"):
                transport.auth_password(username, config["password"])
            else:
                raise DeliveryError("Weder Passwort noch Schlüssel für SFTP konfiguriert.", retryable=False)
        except paramiko.AuthenticationException as exc:
            raise DeliveryError(f"Anmeldung am SFTP-Server {host}:{port} abgelehnt.", retryable=False) from exc
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise DeliveryError(f"SSH-Anmeldung an {host}:{port} abgebrochen ({exc.__class__.__name__}).") from exc
        try:
            client = paramiko.SFTPClient.from_transport(transport)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise DeliveryError(
                f"SFTP-Subsystem auf {host}:{port} nicht verfügbar ({exc.__class__.__name__})."
            ) from exc
        client.get_channel().settimeout(timeout)
        try:
            yield client
        finally:
            client.close()
    finally:
        transport.close()


def sftp_io_error(exc: Exception, *, what: str) -> DeliveryError:
    """Permission problems need a human; timeouts and dropped connections are retried."""
    code = getattr(exc, "errno", None)
    permanent = code in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError)
    return DeliveryError(
        f"{what} ({exc.__class__.__name__}{f', errno {code}' if code else ''}).", retryable=not permanent
    )


class SftpTree:
    """TreeTarget on an SFTP server below ``root``."""

    def __init__(self, client: paramiko.SFTPClient, root: str, *, label: str = ""):
        self.client = client
        self.root = root.rstrip("/") or "/"
        self.label = label

    def _path(self, path: str) -> str:
        return posixpath.join(self.root, path) if path else self.root

    def read_bytes(self, path: str) -> bytes | None:
        try:
            with self.client.open(self._path(path), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def exists(self, path: str) -> bool:
        try:
            self.client.stat(self._path(path))
        except FileNotFoundError:
            return False
        return True

    def makedirs(self, path: str) -> None:
        full = self._path(path)
        current = "/" if full.startswith("/") else ""
        for part in (p for p in full.split("/") if p and p != "."):
            current = posixpath.join(current, part) if current else part
            try:
                attrs = self.client.stat(current)
            except FileNotFoundError:
                try:
                    self.client.mkdir(current)
                except OSError:
                    # Another worker may have created it in between; only fail if it is still missing.
                    self.client.stat(current)
                continue
            if not stat.S_ISDIR(attrs.st_mode or 0):
                raise DeliveryError(f"{current} auf dem SFTP-Server ist kein Ordner.", retryable=False)

    def write_atomic(self, path: str, data: bytes) -> None:
        final, tmp = self._path(path), self._path(temp_name(path))
        with self.client.open(tmp, "wb") as fh:
            fh.set_pipelined(True)
            fh.write(data)
        try:
            self.client.posix_rename(tmp, final)
        except OSError:
            # Servers without posix-rename@openssh.com: plain SFTP rename refuses to overwrite.
            with contextlib.suppress(FileNotFoundError):
                self.client.remove(final)
            self.client.rename(tmp, final)

    def remove_stale_temp_files(self, directory: str, *, base_name: str = "") -> None:
        for name in self.client.listdir(self._path(directory)):
            if is_temp_name(name, base_name=base_name):
                with contextlib.suppress(OSError):
                    self.client.remove(self._path(f"{directory}/{name}" if directory else name))

    def describe(self, path: str) -> str:
        return f"{self.label}{self._path(path)}"


@adapter_registry.register
class SftpAdapter:
    type_key: ClassVar[str] = "sftp"
    label: ClassVar[str] = "Dateiablage per SFTP"
    config_schema: ClassVar[dict] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "SFTP-Ablage",
        "type": "object",
        "properties": SFTP_CONFIG_PROPERTIES,
        "required": ["host", "username", "host_key"],
        "anyOf": [{"required": ["password"]}, {"required": ["private_key"]}, {"required": ["private_key_path"]}],
        "additionalProperties": False,
    }

    def deliver(self, *, payload: OutboundPayload, config: dict) -> DeliveryResult:
        with sftp_session(config) as client:
            tree = SftpTree(
                client, config.get("directory", "."), label=f"sftp://{config['host']}:{config.get('port', 22)}"
            )
            try:
                return deliver_tree(target=tree, payload=payload)
            except DeliveryError:
                raise
            except (OSError, paramiko.SSHException, EOFError) as exc:
                raise sftp_io_error(exc, what="Ablage auf dem SFTP-Server fehlgeschlagen") from exc
