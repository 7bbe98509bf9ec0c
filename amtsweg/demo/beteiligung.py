"""Demo Beteiligung: a member of Stadtverwaltung Freiberg (``beteiligung.freiberg``) and a few ratings,
offers and product usages of demo Kommunen, so the Beteiligung and the ranking are not empty.

The password comes from ``AMTSWEG_DEMO_BETEILIGUNG_PASSWORD`` or is generated and shown once by ``bootstrap``.
"""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority, AuthorityMembership
from amtsweg.directory.services import membership_set
from amtsweg.hub.models import Product
from amtsweg.projekte.beteiligung import bewertung_set, mitwirkung_set, nutzung_add
from amtsweg.projekte.models import Bewertung

MEMBER_USERNAME = "beteiligung.freiberg"
MEMBER_AUTHORITY_KEY = "gem-14522180"  # Stadtverwaltung Freiberg
PASSWORD_ENV = "AMTSWEG_DEMO_BETEILIGUNG_PASSWORD"  # noqa: S105 - the variable's name, not a password
DEMO_PRODUCTS = [
    ("Veranlagung Kommunalsteuern (Demo)", Product.Kind.FACHVERFAHREN),
    ("E-Akte Kommune (Demo)", Product.Kind.DMS),
]
# (authority key, LeiKa key, rating); Kommunen other than Freiberg rate through demo members of their own.
DEMO_RATINGS = [
    ("gem-14522180", "99102013000000", Bewertung.Stufe.DRINGEND),  # Freiberg: Hundesteuer
    ("gem-14522180", "99093003000000", Bewertung.Stufe.HOCH),  # Freiberg: Baumfällgenehmigung
    ("gem-14612000", "99102013000000", Bewertung.Stufe.HOCH),  # Dresden: Hundesteuer
    ("gem-14612000", "99089017000000", Bewertung.Stufe.MITTEL),  # Dresden: Fundsachen
    ("gem-14511000", "99093003000000", Bewertung.Stufe.DRINGEND),  # Chemnitz: Baumfällgenehmigung
]


def _member(username: str, authority: Authority, password: str | None = None):
    users = get_user_model()
    user = users.objects.filter(username=username).first()
    if user is None:
        user = users.objects.create_user(
            username=username,
            password=password,
            is_staff=True,
            email=f"{username}@localhost",
            first_name="Demo",
            last_name=f"Beteiligung {authority.name}",
        )
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    membership_set(user=user, authority=authority, role=AuthorityMembership.Role.KOMMUNAL_ADMIN)
    return user


def beteiligung_demo_ensure() -> dict:
    authority = Authority.objects.filter(key=MEMBER_AUTHORITY_KEY).first()
    if authority is None:
        return {"skipped": "Stadtverwaltung Freiberg fehlt", "password": None, "ratings": 0}
    generated = None
    if not get_user_model().objects.filter(username=MEMBER_USERNAME).exists():
        password = os.environ.get(PASSWORD_ENV) or ""
        if not password:
            password = generated = secrets.token_urlsafe(16)
        _member(MEMBER_USERNAME, authority, password)
    products = [Product.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in DEMO_PRODUCTS]
    done = 0
    for key, leika_key, stufe in DEMO_RATINGS:
        kommune = Authority.objects.filter(key=key).first()
        leistung = Leistung.objects.filter(leika_key=leika_key).first()
        if (
            kommune is None
            or leistung is None
            or Bewertung.objects.filter(authority=kommune, leistung=leistung).exists()
        ):
            continue
        user = _member(f"beteiligung.demo.{key}", kommune)
        bewertung_set(user=user, authority=kommune, leistung=leistung, stufe=stufe)
        if stufe == Bewertung.Stufe.DRINGEND:
            mitwirkung_set(user=user, authority=kommune, leistung=leistung, arten={"werkstatt"})
        nutzung_add(user=user, authority=kommune, leistung=leistung, product=products[0])
        done += 1
    return {"password": generated, "ratings": done}
