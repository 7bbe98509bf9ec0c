"""Demo/test Fachverfahren: a small threaded HTTP(S) server on loopback that accepts signed deliveries.

* verifies ``X-Amtsweg-Signature`` (HMAC-SHA256 over ``"<X-Amtsweg-Timestamp>." + body``) and the
  timestamp's age; bad signature → 401
* records every accepted ``Idempotency-Key`` durably in SQLite (survives restarts): a new key → 201
  ``{"id": "FV-000001"}``, a known key → 409 with the same id (the hub counts that as delivered)
* fault injection for tests: ``fail_next(n, status=503)``, ``hang_next(n, seconds)``, and ``stop()`` /
  ``start()`` on the same port (down/up)
* optional TLS with required client certificates (mutual TLS)

Run for the demo::

    python -m amtsweg.hub.receivers.fachverfahren --port 8001 --secret <secret> \
        --store var/demo-fachverfahren.sqlite3

Stdlib only, on purpose: it plays a third-party system and re-implements the documented signature scheme.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 64 * 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    message_id TEXT,
    vorgangsnummer TEXT,
    content_type TEXT,
    size INTEGER,
    body_sha256 TEXT,
    client_subject TEXT,
    body BLOB
)
"""


def expected_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    return (
        "sha256="
        + hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    receiver: FachverfahrenReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body in one segment: avoids the Nagle/delayed-ACK stall of two small writes.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        if self.server.receiver.verbose:
            super().log_message(format, *args)

    def _json(self, status: int, data: dict, headers: dict | None = None) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        # One request per connection: a stopped receiver must really be down for fault tests, and no
        # idle keep-alive handler thread may keep answering after stop().
        self.close_connection = True
        self.send_response(status)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # The client may have given up (e.g. its timeout); the delivery is recorded regardless.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self):
        receiver = self.server.receiver
        if self.path == "/health":
            return self._json(200, {"status": "ok"})
        if self.path.rstrip("/") == "/antraege":
            return self._json(200, {"antraege": receiver.accepted()})
        return self._json(404, {"error": "nicht gefunden"})

    def do_POST(self):
        receiver = self.server.receiver
        if self.path.split("?")[0].rstrip("/") != "/antraege":
            self.close_connection = True
            return self._json(404, {"error": "nicht gefunden"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._json(413, {"error": "zu groß"})
        body = self.rfile.read(length)
        receiver.requests += 1
        injected = receiver._take_fault()
        if injected is not None:
            kind, value = injected
            if kind == "fail":
                return self._json(int(value), {"error": "simulierter Fehler"})  # fail_next() queues an HTTP status
            time.sleep(value)  # "hang": the client may time out, but the request is still processed
        timestamp = self.headers.get("X-Amtsweg-Timestamp", "")
        signature = self.headers.get("X-Amtsweg-Signature", "")
        good = expected_signature(secret=receiver.secret, timestamp=timestamp, body=body)
        if not (timestamp.isdigit() and hmac.compare_digest(good, signature)):
            receiver.rejected_signatures += 1
            return self._json(401, {"error": "Signatur ungültig"})
        if receiver.tolerance and abs(time.time() - int(timestamp)) > receiver.tolerance:
            receiver.rejected_signatures += 1
            return self._json(401, {"error": "Zeitstempel außerhalb der Toleranz"})
        key = self.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self._json(400, {"error": "Idempotency-Key fehlt"})
        subject = ""
        if hasattr(self.connection, "getpeercert"):
            cert = self.connection.getpeercert() or {}
            subject = ",".join("=".join(pair) for rdn in cert.get("subject", ()) for pair in rdn)
        ref, created = receiver._record(
            key=key,
            message_id=self.headers.get("X-Amtsweg-Message-Id", ""),
            vorgangsnummer=self.headers.get("X-Amtsweg-Vorgangsnummer", ""),
            content_type=self.headers.get("Content-Type", ""),
            body=body,
            client_subject=subject,
        )
        if created:
            return self._json(201, {"id": ref, "status": "angenommen"}, {"Location": f"/antraege/{ref}"})
        return self._json(409, {"id": ref, "status": "bereits verarbeitet"})


class FachverfahrenReceiver:
    def __init__(
        self,
        *,
        secret: str,
        store_path: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        tolerance: int = 300,
        ssl_context: ssl.SSLContext | None = None,
        verbose: bool = False,
    ):
        self.secret = secret
        self.store_path = Path(store_path)
        self.host = host
        self.port = port
        self.tolerance = tolerance
        self.ssl_context = ssl_context
        self.verbose = verbose
        self.requests = 0
        self.rejected_signatures = 0
        self._faults: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.store_path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            # WAL + synchronous=NORMAL: survives a crash of this process, fast enough for benchmarks.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)

    # --- store -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction (committed on success), always closed."""
        db = sqlite3.connect(self.store_path, timeout=30)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous=NORMAL")
            with db:
                yield db
        finally:
            db.close()

    def _record(self, *, key, message_id, vorgangsnummer, content_type, body, client_subject) -> tuple[str, bool]:
        with self._lock, self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (idempotency_key, received_at, message_id, vorgangsnummer,"
                " content_type, size, body_sha256, client_subject, body) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    message_id,
                    vorgangsnummer,
                    content_type,
                    len(body),
                    hashlib.sha256(body).hexdigest(),
                    client_subject,
                    body,
                ),
            )
            created = cursor.rowcount == 1
            seq = db.execute("SELECT seq FROM deliveries WHERE idempotency_key = ?", (key,)).fetchone()[0]
        return f"FV-{seq:06d}", created

    def accepted(self) -> list[dict]:
        """Accepted deliveries without bodies (what the demo shows)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT seq, idempotency_key, received_at, message_id, vorgangsnummer, content_type, size,"
                " body_sha256, client_subject FROM deliveries ORDER BY seq"
            ).fetchall()
        return [{"id": f"FV-{row['seq']:06d}", **{k: v for k, v in dict(row).items() if k != "seq"}} for row in rows]

    def body(self, idempotency_key: str) -> bytes | None:
        with self._db() as db:
            row = db.execute("SELECT body FROM deliveries WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
        return bytes(row[0]) if row else None

    # --- fault injection ---------------------------------------------------------------------------
    def fail_next(self, n: int = 1, *, status: int = 503) -> None:
        with self._lock:
            self._faults.extend([("fail", status)] * n)

    def hang_next(self, n: int = 1, *, seconds: float = 2.0) -> None:
        with self._lock:
            self._faults.extend([("hang", seconds)] * n)

    def _take_fault(self) -> tuple[str, float] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # --- lifecycle ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}/antraege"

    def _make_server(self) -> _Server:
        server = _Server((self.host, self.port), _Handler)
        server.receiver = self
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        return server

    def start(self) -> FachverfahrenReceiver:
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fachverfahren", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (the store and the port number stay, so ``start()`` brings it back up)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def serve_forever(self) -> None:
        self._server = self._make_server()
        self._server.serve_forever()

    def __enter__(self) -> FachverfahrenReceiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def server_ssl_context(*, cert: str, key: str, client_ca: str | None = None) -> ssl.SSLContext:
    """TLS for the receiver; with ``client_ca`` every client must present a certificate signed by it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Demo-Fachverfahren (Empfänger des Integrationsdienstes)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret", default=os.environ.get("AMTSWEG_DEMO_FV_SECRET", ""))
    parser.add_argument("--store", default="var/demo-fachverfahren.sqlite3")
    parser.add_argument("--tolerance", type=int, default=300, help="max. Alter des Zeitstempels in s (0 = aus)")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca", help="CA für Client-Zertifikate (erzwingt mTLS)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if len(args.secret) < 16:
        parser.error("--secret (oder AMTSWEG_DEMO_FV_SECRET) muss mindestens 16 Zeichen haben")
    context = None
    if args.tls_cert:
        context = server_ssl_context(cert=args.tls_cert, key=args.tls_key or args.tls_cert, client_ca=args.client_ca)
    receiver = FachverfahrenReceiver(
        secret=args.secret,
        store_path=args.store,
        host=args.host,
        port=args.port,
        tolerance=args.tolerance,
        ssl_context=context,
        verbose=args.verbose,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Demo-Fachverfahren lauscht auf {receiver.url.rsplit('/', 1)[0]} (Speicher: {args.store})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        receiver.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
