"""The adapter interface: what the processor hands to an adapter and what it expects back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes
    sha512: str


@dataclass(frozen=True)
class OutboundPayload:
    message_id: str  # UUID of the hub message
    delivery_id: str  # UUID of this delivery (message × target)
    idempotency_key: str  # stable per delivery; targets must treat repeats as no-ops
    vorgangsnummer: str
    leika_key: str
    ags: str
    ars: str
    authority_key: str
    document: bytes  # transformed output (XML or JSON) of the integration rule
    document_content_type: str  # "application/xml" | "application/json"
    document_name: str  # e.g. "antrag.xml"
    receipt_pdf: bytes | None
    attachments: tuple[Attachment, ...] = ()
    metadata: dict = field(default_factory=dict)  # message metadata (no personal data beyond need)
    # A test submission of the Konfigurationsportal (docs/adr/0028): adapters mark it where the receiver
    # sees it first (HTTP header, mail subject, manifest) so it is never processed as a real application.
    test: bool = False


TEST_HEADER = "X-Amtsweg-Test"
TEST_SUBJECT_PREFIX = "[TEST – kein echter Antrag]"


@dataclass(frozen=True)
class DeliveryResult:
    remote_reference: str = ""  # id the target returned (if any)
    detail: str = ""  # short, no personal data


class DeliveryError(Exception):
    """A failed delivery. ``retryable=False`` (e.g. 4xx from the target) sends it to dead-letter at once.

    ``reason`` is shown to operators: readable German or English, never personal data.
    """

    def __init__(self, reason: str, *, retryable: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class DeliveryConfigurationError(DeliveryError):
    """The target's configuration cannot work (missing/invalid setting or secret): retrying cannot help,
    so the delivery goes to dead-letter at once and the operator fixes the target, then replays."""

    def __init__(self, reason: str):
        super().__init__(reason, retryable=False)


@runtime_checkable
class DeliveryAdapter(Protocol):
    type_key: ClassVar[str]  # "http" | "email" | "filedrop" | "sftp" | "xdomea"
    label: ClassVar[str]  # German label
    config_schema: ClassVar[dict]  # JSON Schema of the per-Kommune settings

    def deliver(self, *, payload: OutboundPayload, config: dict) -> DeliveryResult: ...
