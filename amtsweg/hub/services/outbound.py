"""The document a delivery carries: the active rule for (Leistung, system type), transformation and
validation of a message (or a depot sample) by it, the dry run, and the adapter's payload.

The transformation engines themselves are in ``amtsweg.hub.transform``; loading rules from the depot is
``amtsweg.hub.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amtsweg.common import clock
from amtsweg.hub.adapters.base import Attachment, OutboundPayload
from amtsweg.hub.models import Delivery, IntegrationRule, Message
from amtsweg.hub.services.messages import (
    _audit,
    attachment_content,
    message_data,
    message_metadata,
    message_xml,
    sha512,
)
from amtsweg.hub.transform import TransformError, jsonmap_apply, output_validate, xslt_apply


def rule_for(*, leika_key: str, type_key: str) -> IntegrationRule | None:
    """The active rule for (Leistung, system type): a Leistung-specific one wins over "*"."""
    candidates = [
        r
        for r in IntegrationRule.objects.filter(status=IntegrationRule.Status.ACTIVE, leika_key__in=[leika_key, "*"])
        if type_key in (r.system_types or [])
    ]
    candidates.sort(key=lambda r: (r.leika_key == "*", r.key))
    return candidates[0] if candidates else None


def transform_context(*, message: Message | None = None, sample: dict | None = None) -> dict:
    """{"meta": …, "data": …, "xml": bytes} for a real message or a depot sample."""
    if message is not None:
        return {
            "meta": message_metadata(message=message),
            "data": message_data(message=message),
            "xml": message_xml(message=message),
        }
    sample = sample or {}
    xml = sample.get("xml", b"")
    return {
        "meta": dict(sample.get("meta", {})),
        "data": sample.get("data", {}),
        "xml": xml.encode("utf-8") if isinstance(xml, str) else xml,
    }


def _xslt_params(meta: dict, created_at: str) -> dict[str, str]:
    keys = (
        "nachricht_id",
        "vorgangsnummer",
        "leika",
        "leistung",
        "ags",
        "ars",
        "gemeinde",
        "behoerde",
        "behoerde_name",
        "formular",
        "formularversion",
        "eingereicht_am",
        "empfangen_am",
    )
    params = {k: str(meta.get(k, "")) for k in keys}
    params["erstellt_am"] = created_at
    return params


def rule_apply(*, rule: IntegrationRule, context: dict) -> bytes:
    """Transform the context by the rule (raises TransformError)."""
    meta = context["meta"]
    created_at = meta.get("erstellt_am") or clock.now().isoformat(timespec="seconds")
    if rule.transform_kind == IntegrationRule.TransformKind.XSLT:
        if not context.get("xml"):
            raise TransformError("Die Nachricht enthält keine XML-Daten; die XSLT-Regel ist nicht anwendbar.")
        return xslt_apply(
            stylesheet=rule.transform_text, document=context["xml"], params=_xslt_params(meta, created_at)
        )
    return jsonmap_apply(
        mapping_text=rule.transform_text, context={"meta": {**meta, "erstellt_am": created_at}, "data": context["data"]}
    )


@dataclass
class DryRunResult:
    output: bytes
    content_type: str
    valid: bool
    errors: list[str] = field(default_factory=list)


def delivery_dry_run(
    *, rule: IntegrationRule, message: Message | None = None, sample: dict | None = None
) -> DryRunResult:
    """Transform and validate a message or depot sample by ``rule`` without delivering anything."""
    if (message is None) == (sample is None):
        raise ValueError("pass exactly one of message or sample")
    context = transform_context(message=message, sample=sample)
    try:
        output = rule_apply(rule=rule, context=context)
        outcome = output_validate(schema_kind=rule.schema_kind, schema_text=rule.schema_text, output=output)
    except TransformError as error:
        return DryRunResult(output=b"", content_type=rule.content_type, valid=False, errors=error.errors)
    if message is not None:
        _audit(
            "dry_run", message_id=message.id, detail={"rule": rule.key, "version": rule.version, "valid": outcome.valid}
        )
    return DryRunResult(output=output, content_type=rule.content_type, valid=outcome.valid, errors=outcome.errors)


def _audit_entry(event: str, delivery: Delivery, detail: dict) -> dict:
    return {"event": event, "message_id": str(delivery.message_id), "delivery_id": str(delivery.pk), "detail": detail}


def delivery_payload(
    *, delivery: Delivery, rule: IntegrationRule, receipt_pdf: bytes | None, audit: list | None = None
) -> OutboundPayload:
    """Transform + validate the message by ``rule`` and build the adapter's payload. The audit entries
    ("transformed", "validated") are appended to ``audit`` (written with the outcome) or, without it,
    recorded at once."""
    message = delivery.message
    context = transform_context(message=message)
    document = rule_apply(rule=rule, context=context)
    outcome = output_validate(schema_kind=rule.schema_kind, schema_text=rule.schema_text, output=document)
    if not outcome.valid:
        raise TransformError(
            f"Ausgabe der Regel {rule.key} v{rule.version} ist ungültig: " + "; ".join(outcome.errors[:3]),
            errors=outcome.errors,
        )
    entries = [
        _audit_entry("transformed", delivery, {"rule": rule.key, "version": rule.version, "sha512": sha512(document)}),
        _audit_entry("validated", delivery, {"schema_kind": rule.schema_kind, "valid": True}),
    ]
    if audit is None:
        for entry in entries:
            _audit(entry["event"], message_id=message.id, delivery_id=delivery.pk, detail=entry["detail"])
    else:
        audit.extend(entries)
    return OutboundPayload(
        message_id=str(message.id),
        delivery_id=str(delivery.pk),
        idempotency_key=delivery.idempotency_key,
        vorgangsnummer=message.vorgangsnummer,
        leika_key=message.leika_key,
        ags=message.ags,
        ars=message.ars,
        authority_key=message.authority_key,
        document=document,
        document_content_type=rule.content_type,
        document_name=rule.document_name,
        receipt_pdf=receipt_pdf,
        attachments=tuple(
            Attachment(
                name=a.name, content_type=a.content_type, content=attachment_content(attachment=a), sha512=a.sha512
            )
            for a in message.attachments.all()
        ),
        metadata=context["meta"],
    )
