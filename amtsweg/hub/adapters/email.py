"""E-mail adapter: sends the receipt PDF and the data file to a shared mailbox over SMTP.

SMTP has no idempotency of its own. The ``Message-ID`` is derived from the idempotency key, so every
attempt of one delivery carries the same Message-ID and a mailbox or ticket system can drop repeats;
``X-Amtsweg-Idempotency-Key`` carries the key itself.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from typing import ClassVar

from django.core.mail import EmailMessage, get_connection

from amtsweg.hub.adapters.base import TEST_HEADER, TEST_SUBJECT_PREFIX, DeliveryError, DeliveryResult, OutboundPayload
from amtsweg.hub.adapters.filedrop import plan_files
from amtsweg.hub.registry import adapter_registry

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

BODY_TEMPLATE = """Guten Tag,

über das Serviceportal Amtsweg ist ein neuer Antrag eingegangen.

Vorgangsnummer: {vorgangsnummer}
Leistung: {leistung}
Gemeinde (AGS): {ags}

Im Anhang finden Sie die Eingangsquittung (PDF), den Datensatz des Antrags ({document_name}){attachments_note}.

Diese Nachricht wurde automatisch vom Integrationsdienst erstellt. Bitte antworten Sie nicht auf diese E-Mail;
Rückfragen an die antragstellende Person richten Sie bitte über Ihr Fachverfahren bzw. das Serviceportal.
"""


def message_id(*, idempotency_key: str, domain: str) -> str:
    # Hashed: keys may contain characters not allowed in a msg-id; stable for every attempt.
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<amtsweg.{digest}@{domain}>"


def build_email(*, payload: OutboundPayload, config: dict) -> EmailMessage:
    leistung = payload.metadata.get("leistung_name") or payload.metadata.get("leistung") or payload.leika_key
    files = plan_files(payload=payload)
    attachment_count = sum(1 for f in files if f.role == "attachment")
    note = f" sowie {attachment_count} Anlage(n) der antragstellenden Person" if attachment_count else ""
    from_email = config["from_email"]
    domain = config.get("message_id_domain") or from_email.rpartition("@")[2] or "amtsweg.invalid"
    prefix = config.get("subject_prefix", "Neuer Antrag")
    if payload.test:
        prefix = f"{TEST_SUBJECT_PREFIX} {prefix}"
    email = EmailMessage(
        subject=f"{prefix}: {payload.vorgangsnummer} – {leistung}",
        body=BODY_TEMPLATE.format(
            vorgangsnummer=payload.vorgangsnummer,
            leistung=leistung,
            ags=payload.ags,
            document_name=files[0].path,
            attachments_note=note,
        ),
        from_email=from_email,
        to=list(config["to"]),
        cc=list(config.get("cc", [])),
        headers={
            "Message-ID": message_id(idempotency_key=payload.idempotency_key, domain=domain),
            "X-Amtsweg-Idempotency-Key": payload.idempotency_key,
            "X-Amtsweg-Message-Id": payload.message_id,
            "X-Amtsweg-Vorgangsnummer": payload.vorgangsnummer,
            **({TEST_HEADER: "1"} if payload.test else {}),
        },
    )
    if payload.test:
        email.body = "TESTANTRAG aus dem Konfigurationsportal – bitte nicht bearbeiten.\n\n" + email.body
    for planned in files:
        name = planned.path.rpartition("/")[2]
        if planned.role == "receipt":
            name = f"Quittung_{payload.vorgangsnummer}.pdf"
        email.attach(name, planned.content, planned.content_type or "application/octet-stream")
    return email


def _smtp_error(exc: Exception) -> DeliveryError:
    """4xx replies and lost connections are temporary; 5xx (rejected sender/recipient, auth) need a human."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = bool(codes) and all(400 <= code < 500 for code in codes)
        return DeliveryError(f"Empfänger abgelehnt (SMTP {', '.join(map(str, codes))}).", retryable=temporary)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        return DeliveryError(f"Mailserver lehnte ab (SMTP {code}).", retryable=not (500 <= code < 600))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError("TLS-Zertifikat des Mailservers ungültig.", retryable=False)
    return DeliveryError(f"Mailserver nicht erreichbar ({exc.__class__.__name__}).", retryable=True)


@adapter_registry.register
class EmailAdapter:
    type_key: ClassVar[str] = "email"
    label: ClassVar[str] = "Funktionspostfach (E-Mail)"
    config_schema: ClassVar[dict] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "E-Mail an ein Funktionspostfach",
        "type": "object",
        "properties": {
            "host": {"type": "string", "minLength": 1, "title": "SMTP-Server"},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 587, "title": "Port"},
            "use_tls": {"type": "boolean", "default": True, "title": "STARTTLS"},
            "use_ssl": {"type": "boolean", "default": False, "title": "SMTPS (TLS ab Verbindungsbeginn)"},
            "username": {"type": "string", "title": "Benutzername"},
            "password": {"type": "string", "title": "Passwort", "writeOnly": True},
            "timeout": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 300,
                "default": 30,
                "title": "Zeitlimit (s)",
            },
            "from_email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$", "title": "Absenderadresse"},
            "to": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
                "title": "Empfängeradressen",
            },
            "cc": {"type": "array", "items": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"}, "title": "Kopie an"},
            "subject_prefix": {"type": "string", "default": "Neuer Antrag", "title": "Betreff-Präfix"},
            "message_id_domain": {"type": "string", "title": "Domain der Message-ID (Standard: die des Absenders)"},
        },
        "required": ["host", "from_email", "to"],
        "not": {
            "properties": {"use_tls": {"const": True}, "use_ssl": {"const": True}},
            "required": ["use_tls", "use_ssl"],
        },
        "additionalProperties": False,
    }

    def deliver(self, *, payload: OutboundPayload, config: dict) -> DeliveryResult:
        email = build_email(payload=payload, config=config)
        connection = get_connection(
            backend=SMTP_BACKEND,
            host=config["host"],
            port=int(config.get("port", 587)),
            username=config.get("username") or "",
            password=config.get("password") or "",
            use_tls=bool(config.get("use_tls", True)),
            use_ssl=bool(config.get("use_ssl", False)),
            timeout=float(config.get("timeout", 30)),
            fail_silently=False,
        )
        try:
            with connection:
                sent = connection.send_messages([email])
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise _smtp_error(exc) from exc
        if sent != 1:
            raise DeliveryError("Mailserver hat die Nachricht nicht angenommen.", retryable=True)
        return DeliveryResult(
            remote_reference=email.extra_headers["Message-ID"], detail=f"an {len(email.to)} Empfänger"
        )
