"""Demo setup of the Integrationsdienst: the fictitious "Demobehörde Amtsweg" with a demo Fachverfahren
and a demo DMS, plus target systems and routings for the Kommunen of the five demo assistants
(amtsweg/demo/forms.py). Demo data only: nothing here is a real endpoint. Idempotent.
"""

from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django.db import transaction

from amtsweg.hub.models import TargetSystem
from amtsweg.hub.routing import routing_ensure
from amtsweg.hub.rules import rules_load
from amtsweg.hub.targets import target_ensure

DEMO_AUTHORITY_KEY = "demobehoerde"
DEFAULT_FACHVERFAHREN_URL = "http://127.0.0.1:8001/antraege"


def demo_fachverfahren_url() -> str:
    return getattr(settings, "AMTSWEG_DEMO_FACHVERFAHREN_URL", None) or os.environ.get(
        "AMTSWEG_DEMO_FACHVERFAHREN_URL", DEFAULT_FACHVERFAHREN_URL
    )


def demo_hmac_secret() -> str:
    """The demo Fachverfahren's HMAC key (derived, local only; the demo receiver uses the same)."""
    return hashlib.sha256(f"amtsweg-demo-fachverfahren:{settings.SECRET_KEY}".encode()).hexdigest()


def _mailbox(authority) -> tuple[dict, dict]:
    return (
        {
            "host": settings.EMAIL_HOST,
            "port": int(settings.EMAIL_PORT),
            "use_tls": False,
            "use_ssl": False,
            "from_email": "integrationsdienst@amtsweg.localhost",
            "to": [f"poststelle@{authority.key}.demo.amtsweg.localhost"],
            "subject_prefix": "Neuer Antrag (Demo)",
        },
        {},
    )


def _fachverfahren(authority) -> tuple[dict, dict]:
    return {"url": demo_fachverfahren_url(), "mode": "multipart"}, {"secret": demo_hmac_secret()}


def _dms(authority) -> tuple[dict, dict]:
    return {
        "transport": "directory",
        "directory": str(settings.VAR_DIR / "demo-dms" / authority.key),
        "sender_name": "Amtsweg Integrationsdienst",
        "recipient_name": authority.name,
    }, {}


def _filedrop(authority) -> tuple[dict, dict]:
    return {"directory": str(settings.VAR_DIR / "demo-ablage" / authority.key)}, {}


SYSTEMS = {
    "fachverfahren": ("Demo-Fachverfahren", "http", _fachverfahren),
    "postfach": ("Funktionspostfach (Demo)", "email", _mailbox),
    "dms": ("Demo-DMS (xdomea)", "xdomea", _dms),
    "ablage": ("Dateiablage (Demo)", "filedrop", _filedrop),
}
# Authority → target systems, all Leistungen. Differing per Kommune on purpose: the same rules serve all (N+M).
# Every authority with a demo activation (amtsweg/demo/forms.py) is here: an activation without a
# valid route cannot go live (amtsweg.assistant.services.activation_set).
DEMO_ROUTING = {
    DEMO_AUTHORITY_KEY: ["fachverfahren", "dms"],
    "gem-14522180": ["fachverfahren", "postfach"],  # Freiberg
    "gem-14511000": ["dms", "ablage"],  # Chemnitz
    "gem-14612000": ["postfach"],  # Dresden
    "lra-14522": ["postfach"],  # Landratsamt Mittelsachsen
    "lra-14625": ["postfach"],  # Landratsamt Bautzen
    "gem-14522080": ["fachverfahren"],  # Döbeln
    "gem-14522140": ["postfach"],  # Flöha
    "gem-14627140": ["ablage"],  # Meißen
    "gem-14523320": ["dms"],  # Plauen
    "gem-14524330": ["fachverfahren", "ablage"],  # Zwickau
    "gem-14626110": ["postfach", "dms"],  # Görlitz
    "gem-14713000": ["fachverfahren", "dms"],  # Leipzig
    "lra-14729": ["postfach"],  # Landratsamt Landkreis Leipzig
}


def _demo_authority():
    from amtsweg.directory.models import Authority, Territory

    # Seated (fictitiously) in Freiberg, but serving no Gemeinde: it never changes who is responsible.
    freiberg = Territory.objects.filter(kind=Territory.Kind.GEMEINDE, ags="14522180", valid_until__isnull=True).first()
    if freiberg is None:
        return None
    authority, _ = Authority.objects.get_or_create(
        key=DEMO_AUTHORITY_KEY,
        defaults={
            "name": "Demobehörde Amtsweg",
            "kind": Authority.Kind.SONSTIGE,
            "territory": freiberg,
            "city": "Freiberg (fiktiv)",
            "email": "demobehoerde@amtsweg.localhost",
            "generated": False,
        },
    )
    return authority


def target_system_ensure(*, authority, key: str, name: str, type_key: str, config: dict, secrets: dict) -> TargetSystem:
    """Create or update one target system (config and secrets replaced), validated against its adapter's schema."""
    return target_ensure(authority=authority, key=key, name=name, type_key=type_key, config=config, secrets=secrets)


def hub_demo_routing_ensure() -> dict:
    """Create the Demobehörde and the demo targets/routings (no rules). Idempotent; returns counts.

    Also called by ``amtsweg.demo.forms.demo_forms_ensure`` before it activates the assistants,
    so every demo activation has its route when it goes live.
    """
    from amtsweg.directory.models import Authority

    result = {"zielsysteme": 0, "weiterleitungen": 0, "fehlende_behoerden": []}
    with transaction.atomic():
        _demo_authority()
        for authority_key, system_keys in DEMO_ROUTING.items():
            authority = Authority.objects.filter(key=authority_key).first()
            if authority is None:
                result["fehlende_behoerden"].append(authority_key)
                continue
            for system_key in system_keys:
                name, type_key, make = SYSTEMS[system_key]
                config, secrets = make(authority)
                target = target_system_ensure(
                    authority=authority, key=system_key, name=name, type_key=type_key, config=config, secrets=secrets
                )
                result["zielsysteme"] += 1
                _, created = routing_ensure(authority=authority, leistung=None, target=target)
                result["weiterleitungen"] += int(created)
    return result


def hub_demo_ensure() -> dict:
    """Load the rules, create the Demobehörde and the demo targets/routings. Returns counts for the dev log.

    Call from the bootstrap in demo mode: ``from amtsweg.demo.hub import hub_demo_ensure; hub_demo_ensure()``.
    """
    return {"regeln": rules_load(), **hub_demo_routing_ensure()}
