"""HTTP adapter: POSTs the document (or a multipart form with document, receipt and attachments) to a
Fachverfahren, signed with HMAC-SHA256.

Signature scheme (documented in docs/hub/adapters.md)::

    X-Amtsweg-Timestamp: <unix seconds>
    X-Amtsweg-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body bytes)>

The timestamp is part of the signed string, so a recorded request cannot be replayed later with a fresh
timestamp; the receiver rejects timestamps outside its tolerance and dedups by ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import ssl
import threading
import time
from typing import ClassVar

import httpx

from amtsweg.hub.adapters.base import TEST_HEADER, DeliveryError, DeliveryResult, OutboundPayload
from amtsweg.hub.adapters.filedrop import plan_files
from amtsweg.hub.registry import adapter_registry

SIGNATURE_HEADER = "X-Amtsweg-Signature"
TIMESTAMP_HEADER = "X-Amtsweg-Timestamp"
REFERENCE_HEADERS = ("X-Reference-Id", "Location")
USER_AGENT = "Amtsweg-Integrationsdienst/1"
RETRYABLE_STATUS = {408, 425, 429}


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>." + body``; the receiver recomputes it the same way."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature or "")


def encode_multipart(*, payload: OutboundPayload) -> tuple[bytes, str]:
    """multipart/form-data with the parts ``metadata`` (JSON), ``document``, ``receipt``, ``attachment``.

    Built by hand (not by the HTTP client) because the exact bytes must be known to sign them.
    """
    boundary = "amtsweg-" + secrets.token_hex(16)
    metadata = {
        "message_id": payload.message_id,
        "delivery_id": payload.delivery_id,
        "vorgangsnummer": payload.vorgangsnummer,
        "leika_key": payload.leika_key,
        "ags": payload.ags,
        "ars": payload.ars,
        "authority_key": payload.authority_key,
    }
    parts = [("metadata", "metadata.json", "application/json", json.dumps(metadata).encode("utf-8"))]
    for planned in plan_files(payload=payload):
        filename = planned.path.rpartition("/")[2]
        parts.append((planned.role, filename, planned.content_type or "application/octet-stream", planned.content))
    out = bytearray()
    for field, filename, content_type, content in parts:
        out += f"--{boundary}\r\n".encode("ascii")
        # Names went through safe_name (no quotes/CR/LF), so they are safe in the header.
        out += f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode()
        out += f"Content-Type: {content_type}\r\n\r\n".encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode("ascii")
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def build_request(*, payload: OutboundPayload, config: dict, now: float | None = None) -> tuple[bytes, dict]:
    """Body and headers of the request (separate from sending, so tests and the dry run can inspect it)."""
    if config.get("mode", "body") == "multipart":
        body, content_type = encode_multipart(payload=payload)
    else:
        body, content_type = payload.document, payload.document_content_type
    timestamp = str(int(now if now is not None else time.time()))
    headers = {
        **{str(k): str(v) for k, v in (config.get("headers") or {}).items()},
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "Idempotency-Key": payload.idempotency_key,
        "X-Amtsweg-Message-Id": payload.message_id,
        "X-Amtsweg-Delivery-Id": payload.delivery_id,
        "X-Amtsweg-Vorgangsnummer": payload.vorgangsnummer,
        "X-Amtsweg-Leika-Key": payload.leika_key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret=config["secret"], timestamp=timestamp, body=body),
    }
    if payload.test:
        headers[TEST_HEADER] = "1"
    return body, headers


def ssl_context(config: dict) -> ssl.SSLContext:
    """Server verification (system CAs or ``ca_file``) plus an optional client certificate (mutual TLS)."""
    try:
        context = ssl.create_default_context(cafile=config.get("ca_file") or None)
        if config.get("client_cert"):
            context.load_cert_chain(config["client_cert"], config.get("client_key") or None)
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(
            f"TLS-Zertifikate der Konfiguration nicht lesbar ({exc.__class__.__name__}).", retryable=False
        ) from exc
    return context


_clients: dict[tuple, httpx.Client] = {}
_clients_lock = threading.Lock()
MAX_CLIENTS = 32


def _mtime(path: str | None) -> float:
    try:
        return os.stat(path).st_mtime if path else 0.0
    except OSError:
        return -1.0


def client_for(config: dict) -> httpx.Client:
    """A pooled client per TLS setup: building one (SSL context, CA bundle) costs ~50 ms, far more than a
    delivery, and pooling keeps connections alive. Certificate file changes (rotation) give a new client."""
    https = config.get("url", "").startswith("https:")
    files = (config.get("ca_file"), config.get("client_cert"), config.get("client_key")) if https else ()
    key = (https, files, tuple(_mtime(f) for f in files))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if len(_clients) >= MAX_CLIENTS:
                _clients.pop(next(iter(_clients))).close()
            client = httpx.Client(verify=ssl_context(config) if https else False, follow_redirects=False)
            _clients[key] = client
        return client


def remote_reference(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])[:200]
    for header in REFERENCE_HEADERS:
        if response.headers.get(header):
            return response.headers[header][:200]
    return ""


def classify(response: httpx.Response) -> DeliveryResult:
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult(remote_reference=remote_reference(response), detail=f"HTTP {status}")
    if status == 409:
        # The receiver already processed this idempotency key: the earlier attempt got through.
        return DeliveryResult(remote_reference=remote_reference(response), detail="HTTP 409: bereits verarbeitet")
    # Only status and reason phrase: a response body may echo personal data.
    reason = f"Zielsystem antwortete HTTP {status} {response.reason_phrase}".strip()
    if status in RETRYABLE_STATUS or status >= 500:
        raise DeliveryError(reason, retryable=True)
    raise DeliveryError(reason, retryable=False)


@adapter_registry.register
class HttpAdapter:
    type_key: ClassVar[str] = "http"
    label: ClassVar[str] = "Fachverfahren (HTTP)"
    config_schema: ClassVar[dict] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Fachverfahren über HTTP",
        "type": "object",
        "properties": {
            "url": {"type": "string", "pattern": "^https?://", "title": "Adresse (URL) des Fachverfahrens"},
            "secret": {"type": "string", "minLength": 16, "title": "Gemeinsames Geheimnis (HMAC)", "writeOnly": True},
            "mode": {
                "type": "string",
                "enum": ["body", "multipart"],
                "default": "body",
                "title": "Format",
                "description": "body: nur das Dokument (JSON/XML); multipart: Dokument, Quittung und Anlagen.",
            },
            "timeout": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 300,
                "default": 10,
                "title": "Zeitlimit (s)",
            },
            "ca_file": {"type": "string", "title": "CA-Zertifikat(e) zur Prüfung des Servers (PEM-Pfad)"},
            "client_cert": {"type": "string", "title": "Client-Zertifikat (PEM-Pfad)"},
            "client_key": {"type": "string", "title": "Schlüssel des Client-Zertifikats (PEM-Pfad)"},
            "headers": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "title": "Zusätzliche Kopfzeilen",
            },
        },
        "required": ["url", "secret"],
        "dependentRequired": {"client_key": ["client_cert"]},
        "additionalProperties": False,
    }

    def deliver(self, *, payload: OutboundPayload, config: dict) -> DeliveryResult:
        body, headers = build_request(payload=payload, config=config)
        timeout = float(config.get("timeout", 10))
        try:
            response = client_for(config).post(config["url"], content=body, headers=headers, timeout=timeout)
        except httpx.LocalProtocolError as exc:
            # We could not even form a valid request (e.g. a header value): retrying cannot help.
            raise DeliveryError(f"Ungültige Anfrage ({exc.__class__.__name__}).", retryable=False) from exc
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"Zeitüberschreitung nach {timeout:g} s ({exc.__class__.__name__}).") from exc
        except httpx.TransportError as exc:
            raise DeliveryError(f"Verbindung zum Zielsystem fehlgeschlagen ({exc.__class__.__name__}).") from exc
        except httpx.InvalidURL as exc:
            raise DeliveryError("Ungültige Adresse (URL) des Zielsystems.", retryable=False) from exc
        return classify(response)
