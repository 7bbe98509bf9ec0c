"""Writes of the Beteiligung: ratings, willingness, product usage, comments (with moderation) and follows.

Every write is refused unless the user is a member of the Kommune it is for (``selectors.member_authority_ids``);
the messages are German and say what to do. Comments are plain text: markup is refused on input and
everything is escaped on output (docs/adr/0030-beteiligung-comments-plain-text.md).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority
from amtsweg.hub.models import Product
from amtsweg.projekte.models import (
    Abonnement,
    Bewertung,
    BewertungsVerlauf,
    Kommentar,
    Mitwirkung,
    ProduktNutzung,
    Projekt,
)
from amtsweg.projekte.selectors import is_koordination, member_authority_ids

MAX_COMMENT = 2000
# Anything a browser or mail client could take for markup: a tag start, a comment, a script URL.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[a-zA-Z]|<!--|javascript\s*:|&#?\w+;", re.IGNORECASE)


def _member_check(user, authority: Authority) -> None:
    if authority.pk not in member_authority_ids(user):
        raise ValidationError(
            f"Sie können nur für Ihre eigene Kommune handeln; für „{authority.name}“ sind Sie nicht "
            "als Mitarbeiterin oder Mitarbeiter eingetragen."
        )


@transaction.atomic
def bewertung_set(*, user, authority: Authority, leistung: Leistung, stufe: int) -> Bewertung:
    """Rate (or re-rate) a Leistung for the user's Kommune; each change is kept in the history."""
    _member_check(user, authority)
    if stufe not in Bewertung.Stufe.values:
        raise ValidationError("Bitte wählen Sie niedrig, mittel, hoch oder dringend.")
    bewertung, _ = Bewertung.objects.update_or_create(authority=authority, leistung=leistung, defaults={"stufe": stufe})
    BewertungsVerlauf.objects.create(authority=authority, leistung=leistung, stufe=stufe, user=user)
    return bewertung


@transaction.atomic
def mitwirkung_set(*, user, authority: Authority, leistung: Leistung, arten: set[str]) -> list[str]:
    """Replace the Kommune's offers of help for this Leistung with ``arten``."""
    _member_check(user, authority)
    unknown = set(arten) - set(Mitwirkung.Art.values)
    if unknown:
        raise ValidationError("Unbekannte Art der Mitwirkung.")
    Mitwirkung.objects.filter(authority=authority, leistung=leistung).exclude(art__in=arten).delete()
    for art in arten:
        Mitwirkung.objects.get_or_create(authority=authority, leistung=leistung, art=art)
    return sorted(arten)


def nutzung_add(*, user, authority: Authority, leistung: Leistung, product: Product) -> ProduktNutzung:
    """The Kommune uses ``product`` (shared inventory, hub.Product) for this Leistung."""
    _member_check(user, authority)
    if not product.active:
        raise ValidationError("Dieses Produkt ist im Bestand nicht mehr aktiv.")
    nutzung, _ = ProduktNutzung.objects.get_or_create(authority=authority, leistung=leistung, product=product)
    return nutzung


@transaction.atomic
def produkt_melden(
    *, user, authority: Authority, leistung: Leistung, name: str, kind: str, vendor: str = ""
) -> ProduktNutzung:
    """Report a product that is not in the inventory yet: it joins the ONE shared inventory (``hub.Product``),
    so the Konfigurationsportal offers it as a target too, and the usage is recorded."""
    _member_check(user, authority)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ValidationError("Bitte geben Sie den Namen des Fachverfahrens oder DMS an (höchstens 200 Zeichen).")
    if kind not in Product.Kind.values:
        raise ValidationError("Bitte wählen Sie die Art des Produkts.")
    if _MARKUP.search(name) or _MARKUP.search(vendor):
        raise ValidationError("Bitte geben Sie Name und Hersteller als reinen Text an.")
    product = Product.objects.filter(name__iexact=name).first()
    if product is None:
        product = Product.objects.create(name=name, kind=kind, vendor=" ".join(vendor.split())[:200])
    return nutzung_add(user=user, authority=authority, leistung=leistung, product=product)


def nutzung_remove(*, user, authority: Authority, leistung: Leistung, product: Product) -> None:
    _member_check(user, authority)
    ProduktNutzung.objects.filter(authority=authority, leistung=leistung, product=product).delete()


def kommentar_errors(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return ["Bitte schreiben Sie einen Kommentar."]
    if len(text) > MAX_COMMENT:
        return [f"Ein Kommentar darf höchstens {MAX_COMMENT} Zeichen lang sein."]
    if _MARKUP.search(text):
        return [
            "Bitte schreiben Sie Ihren Kommentar als reinen Text: HTML, Skripte und Zeichen-Codes wie „<b>“, "
            "„<script>“ oder „&amp;“ werden nicht angenommen."
        ]
    return []


def kommentar_submit(
    *, user, authority: Authority, text: str, leistung: Leistung | None = None, projekt: Projekt | None = None
) -> Kommentar:
    """A comment on a Leistung or a project; visible to others after the coordination has released it."""
    _member_check(user, authority)
    if (leistung is None) == (projekt is None):
        raise ValidationError("Ein Kommentar gehört zu genau einer Leistung oder einem Projekt.")
    errors = kommentar_errors(text)
    if errors:
        raise ValidationError(errors)
    return Kommentar.objects.create(
        leistung=leistung, projekt=projekt, authority=authority, author=user, text=text.strip()
    )


def kommentar_moderate(*, user, kommentar: Kommentar, freigeben: bool) -> Kommentar:
    if not is_koordination(user):
        raise ValidationError("Nur die zentrale Koordination gibt Kommentare frei.")
    kommentar.status = Kommentar.Status.FREIGEGEBEN if freigeben else Kommentar.Status.ABGELEHNT
    kommentar.moderated = timezone.now()
    kommentar.save(update_fields=["status", "moderated"])
    return kommentar


def abo_set(*, user, follow: bool, leistung: Leistung | None = None, projekt: Projekt | None = None) -> bool:
    """Follow (or stop following) a Leistung or project; the digest reports what happens from now on."""
    if (leistung is None) == (projekt is None):
        raise ValidationError("Sie können einer Leistung oder einem Projekt folgen.")
    if not (user.is_authenticated and user.email):
        raise ValidationError("Für die Benachrichtigung braucht Ihr Konto eine E-Mail-Adresse.")
    lookup = {"user": user, "leistung": leistung, "projekt": projekt}
    if follow:
        Abonnement.objects.get_or_create(**lookup, defaults={"since": timezone.now()})
    else:
        Abonnement.objects.filter(**lookup).delete()
    return follow
