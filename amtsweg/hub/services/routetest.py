"""Test submissions through exactly the route real applications of (authority, Leistung) take, and the
fingerprint of that route (docs/adr/0028-konfig-test-submissions.md).

A test is not a ``Message``: no Vorgang, no number from ``cases``, no delivery row — so it can never
count as a real application, appear in an inbox or be retried. It runs the same steps as a real
delivery (active routings → targets, the active rule per target type, transformation, validation, the
adapter with the stored configuration and secrets) synchronously, with ``OutboundPayload.test`` set: the
adapters mark it for the receiver (HTTP header ``X-Amtsweg-Test``, mail subject, manifest ``"test"``,
xdomea Betreff) and its Vorgangsnummer starts with ``TEST-``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from amtsweg.audit.services import audit_record
from amtsweg.common.canonical import canonical_json
from amtsweg.common.hashing import token_hash
from amtsweg.hub import crypto
from amtsweg.hub.adapters.base import DeliveryError, OutboundPayload
from amtsweg.hub.selectors import routes_for
from amtsweg.hub.services.outbound import rule_apply, rule_for, transform_context
from amtsweg.hub.targets import target_config, target_secrets, target_send_problems
from amtsweg.hub.transform import TransformError, output_validate

if TYPE_CHECKING:
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority
    from amtsweg.hub.models import TargetSystem

TEST_NUMBER_PREFIX = "TEST-"


@dataclass(frozen=True)
class TestOutcome:
    """Result of the test send to one target: ``ok`` and a German text saying what happened / what to fix."""

    target_name: str
    type_key: str
    ok: bool
    text: str
    remote_reference: str = ""


def route_targets(*, authority: Authority, leistung: Leistung) -> list[TargetSystem]:
    """The active targets a real application of ``authority`` for ``leistung`` would be delivered to."""
    return list({r.target_id: r.target for r in routes_for(authority=authority, leistung=leistung)}.values())


def route_fingerprint(*, authority: Authority, leistung: Leistung) -> str:
    """A digest of everything that decides where and how an application goes: the routings, each target's
    adapter, settings, secrets (decrypted, so a key rotation changes nothing) and active flag. A test is
    valid only while this stays the same."""
    parts = []
    for routing in routes_for(authority=authority, leistung=leistung):
        target = routing.target
        try:
            secrets = token_hash(canonical_json(target_secrets(target=target)))
        except crypto.DecryptionFailed:
            secrets = "undecryptable"
        parts.append(
            {
                "routing": routing.pk,
                "leistung": routing.leistung_id,
                "target": target.pk,
                "type": target.type_key,
                "config": target.config,
                "secrets": secrets,
                "active": target.active,
            }
        )
    return token_hash(canonical_json({"authority": authority.pk, "leistung": leistung.pk, "routes": parts}))


def route_test_send(
    *, authority: Authority, leistung: Leistung, sample: dict, actor: str = "system"
) -> list[TestOutcome]:
    """Send the ``sample`` application (``{"meta", "data", "xml"}``) as a test to every target of the route.

    Empty list = no route. Each outcome says in plain German whether it was delivered or what to fix."""
    outcomes = []
    test_id = str(uuid.uuid4())
    number = TEST_NUMBER_PREFIX + test_id[:8].upper()
    context = transform_context(sample=sample)
    context["meta"] = {**context["meta"], "vorgangsnummer": number, "nachricht_id": test_id, "test": True}
    for target in route_targets(authority=authority, leistung=leistung):
        outcomes.append(_send_one(target=target, leistung=leistung, context=context, test_id=test_id, number=number))
    audit_record(
        event="route_test",
        message_id=test_id,
        actor=actor[:100],
        detail={
            "authority_key": authority.key,
            "leika_key": leistung.leika_key,
            "count": len(outcomes),
            "valid": bool(outcomes) and all(o.ok for o in outcomes),
        },
    )
    return outcomes


def _send_one(*, target: TargetSystem, leistung: Leistung, context: dict, test_id: str, number: str) -> TestOutcome:
    from amtsweg.hub.registry import adapter_registry

    def failed(text: str) -> TestOutcome:
        return TestOutcome(target_name=target.name, type_key=target.type_key, ok=False, text=text)

    try:
        problems = target_send_problems(target=target)
    except crypto.DecryptionFailed:
        return failed("Die gespeicherten Zugangsdaten lassen sich nicht lesen. Bitte geben Sie sie neu ein.")
    if problems:
        return failed("Die Einstellungen des Zielsystems sind unvollständig: " + " ".join(problems))
    rule = rule_for(leika_key=leistung.leika_key, type_key=target.type_key)
    if rule is None:
        return failed(
            f"Für diese Leistung gibt es keine Umwandlungsregel an ein Zielsystem der Art „{target.type_key}“. "
            "Bitte wählen Sie eine andere Anbindung oder wenden Sie sich an die zentrale Koordination."
        )
    try:
        document = rule_apply(rule=rule, context=context)
        validation = output_validate(schema_kind=rule.schema_kind, schema_text=rule.schema_text, output=document)
    except TransformError as error:
        return failed(f"Der Beispielantrag ließ sich nicht umwandeln ({error.reason[:200]}).")
    if not validation.valid:
        return failed("Der umgewandelte Beispielantrag ist ungültig: " + "; ".join(validation.errors[:3]))
    payload = OutboundPayload(
        message_id=test_id,
        delivery_id=str(uuid.uuid4()),
        idempotency_key=f"amtsweg-test-{test_id}-{target.pk}",
        vorgangsnummer=number,
        leika_key=leistung.leika_key,
        ags=str(context["meta"].get("ags", "")),
        ars=str(context["meta"].get("ars", "")),
        authority_key=target.authority.key,
        document=document,
        document_content_type=rule.content_type,
        document_name=rule.document_name,
        receipt_pdf=None,
        metadata=context["meta"],
        test=True,
    )
    try:
        adapter = adapter_registry.get(target.type_key)
        result = adapter.deliver(payload=payload, config=target_config(target=target))
    except DeliveryError as error:
        return failed(_explain(error, target))
    except (KeyError, LookupError):
        return failed("Die Einstellungen des Zielsystems sind unvollständig. Bitte prüfen Sie alle Pflichtangaben.")
    except Exception as error:  # noqa: BLE001 - shown to the admin, never a traceback or personal data
        return failed(f"Unerwarteter Fehler beim Senden ({type(error).__name__}). Bitte versuchen Sie es erneut.")
    return TestOutcome(
        target_name=target.name,
        type_key=target.type_key,
        ok=True,
        text=f"Der Testantrag {number} wurde an „{target.name}“ zugestellt.",
        remote_reference=(result.remote_reference or "")[:200],
    )


def _explain(error: DeliveryError, target: TargetSystem) -> str:
    """The adapter's reason plus what the admin can do about it."""
    reason = error.reason[:300]
    if "HTTP 401" in reason or "HTTP 403" in reason or "SMTP 535" in reason:
        hint = "Bitte prüfen Sie die Zugangsdaten (Geheimnis, Passwort)."
    elif "HTTP 404" in reason or "HTTP 405" in reason or "Ungültige Adresse" in reason:
        hint = "Bitte prüfen Sie die Adresse (URL) des Zielsystems."
    elif any(word in reason for word in ("nicht erreichbar", "Verbindung", "Zeitüberschreitung")):
        hint = "Bitte prüfen Sie Adresse und Port und ob das Zielsystem läuft und von der Plattform erreichbar ist."
    elif "abgelehnt" in reason:
        hint = "Bitte prüfen Sie die Empfängeradressen und die Berechtigungen beim Zielsystem."
    else:
        hint = "Bitte prüfen Sie die Einstellungen des Zielsystems."
    return f"Nicht zugestellt an „{target.name}“: {reason} {hint}"
