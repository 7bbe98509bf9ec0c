"""Member and coordinator pages of the Beteiligung (``/beteiligung/``, staff area with second factor).

Thin: each POST calls one service; refusals (German ``ValidationError`` messages) are shown as messages.
Members act for their own Kommune only (the services check it again); coordinators are the Koordination (permissions).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority
from amtsweg.hub.models import Product
from amtsweg.projekte import beteiligung, ranking, selectors, services
from amtsweg.projekte.models import (
    Abonnement,
    Bewertung,
    Einladung,
    Leistungspaket,
    Mitwirkung,
    Projekt,
)
from amtsweg.projekte.phases import Option

MAX_UPLOAD = services.MAX_DOCUMENT_BYTES


def beteiligung_only(view):
    """Staff who are members of a Kommune, or the zentrale Koordination; others go to the login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (selectors.is_koordination(user) or selectors.member_authority_ids(user)):
            raise Http404("Keine Kommune zugeordnet")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def koordination_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.is_koordination(request.user):
            raise Http404("Nur für die zentrale Koordination")
        return view(request, *args, **kwargs)

    return beteiligung_only(wrapper)


def _refused(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _kommune(request) -> Authority:
    """The Kommune named in the form (the service refuses a foreign one with a clear message)."""
    authority = Authority.objects.filter(pk=request.POST.get("kommune") or 0).first()
    if authority is None:
        members = selectors.member_authorities(request.user)
        authority = members.first() if members.count() == 1 else None
    if authority is None:
        raise ValidationError("Bitte wählen Sie Ihre Kommune.")
    return authority


@require_GET
@beteiligung_only
def start(request):
    query = request.GET.get("q", "").strip()[:100]
    themenfeld = request.GET.get("themenfeld", "")[:200]
    leistungen = selectors.landkarte(themenfeld=themenfeld, query=query)
    page = Paginator(leistungen, 30).get_page(request.GET.get("seite"))
    kommunen = list(selectors.member_authorities(request.user))
    own = {
        (b.leistung_id): b.get_stufe_display()
        for b in Bewertung.objects.filter(authority__in=kommunen, leistung__in=page.object_list)
    }
    for leistung in page.object_list:
        leistung.eigene_bewertung = own.get(leistung.pk, "")  # type: ignore[attr-defined]
    return render(
        request,
        "projekte/beteiligung/start.html",
        {
            "page": page,
            "query": query,
            "themenfeld": themenfeld,
            "themenfelder": selectors.landkarte_themenfelder(),
            "kommunen": kommunen,
            "koordination": selectors.is_koordination(request.user),
            "einladungen": selectors.einladungen_fuer(request.user),
        },
    )


@require_GET
@beteiligung_only
def leistung(request, pk: int):
    item = get_object_or_404(Leistung, pk=pk)
    kommunen = list(selectors.member_authorities(request.user))
    states = [(k, selectors.kommune_state(authority=k, leistung=item)) for k in kommunen]
    product_id = request.GET.get("produkt")
    chosen = Product.objects.filter(pk=product_id).first() if product_id and product_id.isdigit() else None
    if chosen is None and states and states[0][1]["produkte"]:
        chosen = states[0][1]["produkte"][0]
    return render(
        request,
        "projekte/beteiligung/leistung.html",
        {
            "leistung": item,
            "states": states,
            "stufen": Bewertung.Stufe.choices,
            "arten": Mitwirkung.Art.choices,
            "products": Product.objects.filter(active=True).order_by("name"),
            "kinds": Product.Kind.choices,
            "verteilung": [(Bewertung.Stufe(s).label, n) for s, n in ranking.vote_distribution(item).items()],
            "mitwirkende": selectors.mitwirkende(item),
            "kommentare": selectors.kommentare(leistung=item, user=request.user),
            "projekte": selectors.leistung_projekte(item),
            "folgt": Abonnement.objects.filter(user=request.user, leistung=item).exists(),
            "chosen": chosen,
            "koordination": selectors.is_koordination(request.user),
            "matches": ranking.kommunen_matching(product=chosen, leistung=item) if chosen else None,
        },
    )


def _back(pk: int, anchor: str = ""):
    return redirect(reverse("beteiligung:leistung", args=[pk]) + anchor)


@require_POST
@beteiligung_only
def bewerten(request, pk: int):
    item = get_object_or_404(Leistung, pk=pk)
    try:
        stufe = int(request.POST.get("stufe", "0"))
        beteiligung.bewertung_set(user=request.user, authority=_kommune(request), leistung=item, stufe=stufe)
        messages.success(request, "Ihre Bewertung ist gespeichert.")
    except ValueError:
        messages.error(request, "Bitte wählen Sie niedrig, mittel, hoch oder dringend.")
    except ValidationError as error:
        _refused(request, error)
    return _back(pk, "#bewertung")


@require_POST
@beteiligung_only
def mitwirken(request, pk: int):
    item = get_object_or_404(Leistung, pk=pk)
    try:
        arten = set(request.POST.getlist("art"))
        beteiligung.mitwirkung_set(user=request.user, authority=_kommune(request), leistung=item, arten=arten)
        messages.success(request, "Ihre Mitwirkungsbereitschaft ist gespeichert. Vielen Dank!")
    except ValidationError as error:
        _refused(request, error)
    return _back(pk, "#mitwirkung")


@require_POST
@beteiligung_only
def nutzung(request, pk: int):
    item = get_object_or_404(Leistung, pk=pk)
    try:
        kommune = _kommune(request)
        if request.POST.get("neu_name", "").strip():
            beteiligung.produkt_melden(
                user=request.user,
                authority=kommune,
                leistung=item,
                name=request.POST["neu_name"],
                kind=request.POST.get("neu_art", ""),
                vendor=request.POST.get("neu_hersteller", ""),
            )
        else:
            product = Product.objects.filter(pk=request.POST.get("produkt") or 0).first()
            if product is None:
                raise ValidationError("Bitte wählen Sie ein Fachverfahren oder DMS aus dem Bestand.")
            if request.POST.get("entfernen"):
                beteiligung.nutzung_remove(user=request.user, authority=kommune, leistung=item, product=product)
            else:
                beteiligung.nutzung_add(user=request.user, authority=kommune, leistung=item, product=product)
        messages.success(request, "Ihre Angabe zu Fachverfahren und DMS ist gespeichert.")
    except ValidationError as error:
        _refused(request, error)
    return _back(pk, "#verfahren")


@require_POST
@beteiligung_only
def kommentieren(request, pk: int):
    item = get_object_or_404(Leistung, pk=pk)
    try:
        beteiligung.kommentar_submit(
            user=request.user, authority=_kommune(request), leistung=item, text=request.POST.get("text", "")
        )
        messages.success(request, "Ihr Kommentar ist eingegangen und wird nach der Freigabe für alle sichtbar.")
    except ValidationError as error:
        _refused(request, error)
    return _back(pk, "#kommentare")


@require_POST
@beteiligung_only
def folgen(request, pk: int):
    item = get_object_or_404(Leistung, pk=pk)
    follow = request.POST.get("folgen") == "1"
    try:
        beteiligung.abo_set(user=request.user, leistung=item, follow=follow)
        messages.success(
            request,
            "Sie folgen dieser Leistung und erhalten Neuigkeiten per E-Mail."
            if follow
            else "Sie folgen dieser Leistung nicht mehr.",
        )
    except ValidationError as error:
        _refused(request, error)
    return _back(pk)


@require_GET
@beteiligung_only
def rangliste(request):
    weighted = request.GET.get("gewichtet") == "1"
    return render(
        request,
        "projekte/beteiligung/ranking.html",
        {
            "rows": ranking.ranking(weighted=weighted, limit=100),
            "weighted": weighted,
            "formula": ranking.FORMULA,
            "koordination": selectors.is_koordination(request.user),
            "pakete": Leistungspaket.objects.all(),
            "options": Option.choices,
            "stufen": Projekt.Stufe.choices,
        },
    )


@require_GET
@beteiligung_only
def dokument(request, pk: int):
    item = selectors.dokument_for(user=request.user, pk=pk)
    if item is None:
        raise Http404("Dokument nicht gefunden")
    response = HttpResponse(bytes(item.data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{item.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@beteiligung_only
def einladung_antworten(request, pk: int):
    einladung = get_object_or_404(Einladung, pk=pk, authority_id__in=selectors.member_authority_ids(request.user))
    try:
        services.einladung_answer(einladung=einladung, antwort=request.POST.get("antwort", ""))
        messages.success(request, "Ihre Antwort ist gespeichert.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("beteiligung:start")


@require_POST
@beteiligung_only
def projekt_folgen(request, pk: int):
    item = get_object_or_404(Projekt, pk=pk)
    follow = request.POST.get("folgen") == "1"
    try:
        beteiligung.abo_set(user=request.user, projekt=item, follow=follow)
        messages.success(
            request,
            "Sie folgen diesem Projekt und erhalten Neuigkeiten per E-Mail."
            if follow
            else "Sie folgen diesem Projekt nicht mehr.",
        )
    except ValidationError as error:
        _refused(request, error)
    return redirect("projekte:detail", pk=pk)
