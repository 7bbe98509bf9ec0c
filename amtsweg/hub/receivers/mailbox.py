"""Local SMTP mailbox (aiosmtpd) for tests and the demo: keeps every received e-mail and, like a
mailbox with duplicate suppression, the unique ones by ``Message-ID``.

Fault injection: ``fail_next(n, code=451)`` answers DATA with a temporary (4xx) or permanent (5xx) error,
``reject_recipients`` answers RCPT with 550 for the listed addresses.
"""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class MailboxHandler:
    received: list[ReceivedMail] = field(default_factory=list)
    unique: dict[str, ReceivedMail] = field(default_factory=dict)
    reject_recipients: set[str] = field(default_factory=set)
    _faults: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if address.lower() in self.reject_recipients:
            return "550 5.1.1 Empfänger unbekannt"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            return f"{fault} {'4.3.0 Vorübergehend' if fault < 500 else '5.7.1 Dauerhaft'} abgelehnt (Test)"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, raw)
        with self._lock:
            self.received.append(mail)
            self.unique.setdefault(str(message.get("Message-ID", "")) or f"#{len(self.received)}", mail)
        return "250 Nachricht angenommen"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class LocalMailbox:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port or free_port(host)
        self.handler = MailboxHandler()
        self._controller: Controller | None = None

    def start(self) -> LocalMailbox:
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, n: int = 1, *, code: int = 451) -> None:
        with self.handler._lock:
            self.handler._faults.extend([code] * n)

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    @property
    def unique(self) -> dict[str, ReceivedMail]:
        return self.handler.unique

    def __enter__(self) -> LocalMailbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
