"""Writes of the Konfigurationsportal. Each one checks the workflow rule it owns, writes through the owning
app's service (forms.overlay_set, hub target/routing services, assistant.activation_set) and records a
versioned ``KonfigChange`` (before/after) plus an audit entry, in one transaction."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from amtsweg.assistant.services import activation_set
from amtsweg.audit.services import audit_record
from amtsweg.common import clock
from amtsweg.common.canonical import canonical_json
from amtsweg.common.hashing import token_hash
from amtsweg.forms.models import FormDefinition, Overlay
from amtsweg.forms.services import overlay_set
from amtsweg.hub.models import Product, TargetSystem
from amtsweg.hub.routing import routing_ensure
from amtsweg.hub.services.routetest import route_fingerprint, route_test_send
from amtsweg.hub.targets import target_create, target_secrets, target_update
from amtsweg.konfig.models import KonfigChange, RouteTest, ServiceSetup
from amtsweg.konfig.sample import sample_application
from amtsweg.konfig.selectors import (
    PORTAL_ADAPTERS,
    activation_of,
    definitions_offered,
    setup_leistung,
    setups_due,
    test_current,
)
from amtsweg.web import limits

Kind = KonfigChange.Kind
TESTS_PER_AUTHORITY = limits.Limit("konfig-test", "AMTSWEG_LIMIT_KONFIG_TESTS_PER_AUTHORITY", limits.HOUR)


def _actor(user) -> str:
    return f"user:{user.pk}" if user is not None else "scheduler"


def _change(*, setup: ServiceSetup, kind: str, before: dict, after: dict, user=None) -> KonfigChange:
    """The next version of the set-up's log, plus an audit entry (hash chain) with a digest of ``after``."""
    ServiceSetup.objects.select_for_update().filter(pk=setup.pk).first()
    version = (setup.changes.aggregate(v=Max("version"))["v"] or 0) + 1
    change = KonfigChange.objects.create(
        setup=setup, version=version, kind=kind, before=before, after=after, user=user, at=clock.now()
    )
    audit_record(
        event=f"konfig_{kind}",
        actor=_actor(user),
        detail={
            "authority_key": setup.authority.key,
            "leika_key": setup.definition.leika_key or getattr(setup.definition.leistung, "leika_key", ""),
            "version": version,
            "sha256": token_hash(canonical_json(after)),
        },
    )
    return change


# --- activate and configure ---------------------------------------------------------------------------


@transaction.atomic
def setup_activate(*, definition: FormDefinition, authority, user=None) -> ServiceSetup:
    """Start configuring ``definition`` for ``authority`` (idempotent). Only released services the
    authority executes can be activated."""
    if not definitions_offered(authority=authority).filter(pk=definition.pk).exists():
        raise ValidationError(f"„{definition.title}“ steht für {authority.name} nicht zur Nachnutzung bereit.")
    setup, created = ServiceSetup.objects.get_or_create(definition=definition, authority=authority)
    if created:
        _change(setup=setup, kind=Kind.ACTIVATED, before={}, after={"assistent": definition.key}, user=user)
    return setup


def _overlay_state(overlay: Overlay | None) -> dict:
    if overlay is None:
        return {"parameters": {}, "texts": {}, "disabled_fields": [], "contact": {}}
    return {
        "parameters": overlay.parameters,
        "texts": overlay.texts,
        "disabled_fields": overlay.disabled_fields,
        "contact": overlay.contact,
    }


@transaction.atomic
def setup_details_save(
    *, setup: ServiceSetup, parameters: dict, texts: dict, disabled_fields: list[str], contact: dict, user=None
) -> Overlay:
    """Local texts, fees (parameters), switched-off optional fields and contact, through ``overlay_set``
    (``OverlayInvalid`` with German messages when something does not fit the central version)."""
    before = _overlay_state(Overlay.objects.filter(definition=setup.definition, authority=setup.authority).first())
    overlay = overlay_set(
        definition=setup.definition,
        authority=setup.authority,
        parameters=parameters,
        texts={k: v for k, v in texts.items() if v.strip()},
        disabled_fields=disabled_fields,
        contact={k: v for k, v in contact.items() if v.strip()},
    )
    after = _overlay_state(overlay)
    if after != before:
        _change(setup=setup, kind=Kind.TEXTS, before=before, after=after, user=user)
    return overlay


# --- route ----------------------------------------------------------------------------------------------


def setup_target(*, setup: ServiceSetup) -> TargetSystem | None:
    """The target system the portal manages for this set-up (one per set-up, changed in place)."""
    return TargetSystem.objects.filter(authority=setup.authority, key=_target_key(setup)).first()


def _target_key(setup: ServiceSetup) -> str:
    return f"konfig-{setup.definition.key}"[:64]


def _target_state(target: TargetSystem | None) -> dict:
    if target is None:
        return {}
    return {
        "name": target.name,
        "adapter": target.type_key,
        "produkt": target.product.name if target.product else "",
        "einstellungen": target.config,
    }


@transaction.atomic
def setup_route_save(
    *,
    setup: ServiceSetup,
    type_key: str,
    name: str,
    config: dict,
    secrets: dict,
    product: Product | None = None,
    user=None,
) -> TargetSystem:
    """Create or change the set-up's target and route the Leistung to it. ``secrets`` holds only newly
    entered values: stored ones stay unless replaced (also after a change of product with the same adapter)."""
    if type_key not in PORTAL_ADAPTERS:
        raise ValidationError({"type_key": ["Diese Anbindung richtet die zentrale Koordination ein."]})
    if type_key == "xdomea" and config.get("transport", "directory") != "sftp":
        raise ValidationError(
            {"transport": ["Im Konfigurationsportal ist für xdomea nur die Übertragung per SFTP an Ihr DMS möglich."]}
        )
    target = setup_target(setup=setup)
    before = _target_state(target)
    if target is None:
        target = target_create(
            authority=setup.authority,
            key=_target_key(setup),
            name=name,
            type_key=type_key,
            config=config,
            secrets=secrets,
            product=product,
        )
        secrets_changed = bool(secrets)
    else:
        if product is not None and product.adapter_types and type_key not in product.adapter_types:
            raise ValidationError({"product": f"„{product.name}“ ist nicht über „{type_key}“ anbindbar."})
        stored = target_secrets(target=target) if target.type_key == type_key else {}
        merged = {**stored, **secrets}
        secrets_changed = merged != stored or target.type_key != type_key
        target = target_update(
            target=target,
            secrets=merged,
            name=name,
            type_key=type_key,
            config=config,
            product=product,
            active=True,
        )
    routing_ensure(authority=setup.authority, target=target, leistung=setup.definition.leistung)
    after = {**_target_state(target), "geheimnisse_geaendert": secrets_changed}
    if after != {**before, "geheimnisse_geaendert": False} or secrets_changed:
        _change(setup=setup, kind=Kind.ROUTE, before=before, after=after, user=user)
    return target


# --- test, go-live, deactivate --------------------------------------------------------------------------


def setup_test_send(*, setup: ServiceSetup, user=None) -> RouteTest:
    """Send a fictitious application as a test through the configured route now; the result is stored
    with the route's fingerprint (a later route change makes it stale)."""
    if limits.limits_take((TESTS_PER_AUTHORITY, str(setup.authority_id))):
        raise ValidationError("Sie haben in der letzten Stunde zu viele Testanträge gesendet. Bitte warten Sie etwas.")
    leistung = setup_leistung(setup=setup)
    fingerprint = route_fingerprint(authority=setup.authority, leistung=leistung)
    outcomes = route_test_send(
        authority=setup.authority, leistung=leistung, sample=sample_application(setup=setup), actor=_actor(user)
    )
    rows = [{"target": o.target_name, "ok": o.ok, "text": o.text} for o in outcomes]
    if not rows:
        rows = [
            {
                "target": "",
                "ok": False,
                "text": "Es ist noch keine Weiterleitung eingerichtet. Bitte wählen Sie zuerst ein Zielsystem.",
            }
        ]
    ok = all(r["ok"] for r in rows)
    with transaction.atomic():
        test = RouteTest.objects.create(
            setup=setup, fingerprint=fingerprint, ok=ok, outcomes=rows, user=user, at=clock.now()
        )
        _change(setup=setup, kind=Kind.TEST, before={}, after={"zugestellt": ok, "ergebnisse": rows}, user=user)
    return test


def _golive_refusal(setup: ServiceSetup) -> str:
    if test_current(setup=setup) is None:
        return (
            "Online schalten ist erst nach einem erfolgreichen Testantrag über die aktuelle Weiterleitung möglich. "
            "Bitte senden Sie einen Testantrag."
        )
    return ""


@transaction.atomic
def setup_golive_plan(*, setup: ServiceSetup, at: datetime | None = None, user=None) -> ServiceSetup:
    """Go online at ``at`` (the scheduler's ``konfig_golive_due`` switches it on), or now with ``at=None``
    or a time already passed. Refused (``ValidationError``) without a successful test on the current route."""
    refusal = _golive_refusal(setup)
    if refusal:
        raise ValidationError(refusal)
    before = {"geplant_ab": setup.golive_at.isoformat() if setup.golive_at else None}
    now = clock.now()
    if at is None or at <= now:
        _golive(setup=setup, at=now, user=user)
        return setup
    setup.golive_at, setup.golive_problem = at, ""
    setup.save(update_fields=["golive_at", "golive_problem", "updated_at"])
    _change(setup=setup, kind=Kind.GOLIVE_PLANNED, before=before, after={"geplant_ab": at.isoformat()}, user=user)
    return setup


def _golive(*, setup: ServiceSetup, at: datetime, user=None) -> None:
    activation_set(definition=setup.definition, authority=setup.authority, live=True, at=at)
    setup.golive_at, setup.golive_problem = None, ""
    setup.save(update_fields=["golive_at", "golive_problem", "updated_at"])
    _change(
        setup=setup, kind=Kind.ONLINE, before={"online": False}, after={"online": True, "ab": at.isoformat()}, user=user
    )


@transaction.atomic
def setup_deactivate(*, setup: ServiceSetup, user=None) -> ServiceSetup:
    """Take the service offline (through ``activation_set``) and drop a planned go-live."""
    activation = activation_of(setup=setup)
    was_live = bool(activation and activation.live)
    if was_live:
        activation_set(definition=setup.definition, authority=setup.authority, live=False)
    planned = setup.golive_at
    setup.golive_at = None
    setup.save(update_fields=["golive_at", "updated_at"])
    _change(
        setup=setup,
        kind=Kind.DEACTIVATED,
        before={"online": was_live, "geplant_ab": planned.isoformat() if planned else None},
        after={"online": False, "geplant_ab": None},
        user=user,
    )
    return setup


def golive_due(*, now: datetime | None = None) -> tuple[int, int]:
    """Switch on every set-up whose planned date has come (scheduler job ``konfig_golive_due``). One whose
    route changed since its test (or that fails otherwise) stays offline with a reason for the admin.
    Returns (switched on, refused)."""
    now = now or clock.now()
    done = refused = 0
    for setup in setups_due(now=now):
        planned = setup.golive_at
        if planned is None:  # never: setups_due selects planned set-ups
            continue
        with transaction.atomic():
            problem = _golive_refusal(setup)
            if not problem:
                try:
                    _golive(setup=setup, at=planned, user=None)
                    done += 1
                    continue
                except ValidationError as error:
                    problem = " ".join(error.messages)
            setup.golive_at, setup.golive_problem = None, problem[:500]
            setup.save(update_fields=["golive_at", "golive_problem", "updated_at"])
            _change(
                setup=setup,
                kind=Kind.GOLIVE_FAILED,
                before={"geplant_ab": planned.isoformat()},
                after={"online": False, "grund": problem[:500]},
            )
            refused += 1
    return done, refused
