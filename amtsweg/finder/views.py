"""Citizen-facing pages: search, place choice, Leistung with responsible authority, browsing by topic.

Views stay thin: validation in forms, reads in selectors; every bad input ends in a German
message on the page, never in an exception.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template import engines
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from amtsweg.catalog import selectors as catalog_selectors
from amtsweg.catalog.models import Lebenslage
from amtsweg.finder import search
from amtsweg.jurisdiction.selectors import reference_snapshot, reference_stamp, responsible_authority
from amtsweg.web.fragments import fragment_key

from .forms import PlaceForm, SearchForm
from .fragments import leistung_text_html
from .page_cache import page_get, page_key, page_store
from .selectors import (
    AGS_RE,
    authority_contact,
    leistung_results,
    online_offers_at,
    place_suggestions,
    resolve_place,
)

RESULTS_PER_PAGE = 10
RESULTS_MAX = 100
LEISTUNGEN_PER_PAGE = 20
# Shown as quick links on the start page.
POPULAR_SEARCHES = [
    "Hund anmelden",
    "Wunschkennzeichen",
    "Umzug",
    "Personalausweis",
    "Baugenehmigung",
    "Gewerbe anmelden",
]


def _ags_param(request) -> str:
    """A valid-looking AGS from ?ort= to carry along while browsing, else ''."""
    ort = request.GET.get("ort", "").strip()
    return ort if AGS_RE.match(ort) else ""


def _render_start(request, form: SearchForm):
    return render(request, "finder/start.html", {"form": form, "popular": POPULAR_SEARCHES})


@require_GET
def start(request):
    return _render_start(request, SearchForm())


@require_GET
def search_results(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _render_start(request, form)
    query, ort = form.cleaned_data["q"], form.cleaned_data["ort"]

    place = resolve_place(text=ort) if ort else None
    if place is not None and place.ambiguous:
        return render(request, "finder/place_choice.html", {"form": form, "place": place, "query": query})
    if place is not None and not place.found:
        form.add_error("ort", place.message)
        return _render_start(request, form)

    gemeinde = place.gemeinde if place else None
    try:
        results = leistung_results(query=query, gemeinde=gemeinde, limit=RESULTS_MAX)
    except search.QueryError as exc:
        form.add_error("q", str(exc))
        return _render_start(request, form)

    page = Paginator(results.items, RESULTS_PER_PAGE).get_page(request.GET.get("seite"))
    return render(
        request,
        "finder/results.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "gemeinde": gemeinde,
            "total": results.total,
            "capped": results.capped,
        },
    )


def _stammtext_sections(leistung) -> list[tuple[str, str]]:
    return [
        (gettext("Beschreibung"), leistung.description),
        (gettext("Erforderliche Unterlagen"), leistung.required_documents),
        (gettext("Kosten"), leistung.fees),
        (gettext("Fristen"), leistung.deadlines),
        (gettext("Bearbeitungsdauer"), leistung.processing_time),
    ]


def _row(obj) -> tuple:
    """Every stored value of a model instance: what a fragment rendered from it may show."""
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def _leistung_page_key(*, leistung, resolution, online) -> str:
    """Key of the Leistung page's cached fragments (ADR 0027): the catalogue rows the page shows, and for a
    place its Gemeinde, the reference data's stamp (authority, contact, Zuständigkeit) and the online offer."""
    lebenslage = leistung.ozg.lebenslage
    rows = (_row(leistung), _row(leistung.ozg), _row(lebenslage), _row(lebenslage.themenfeld))
    if resolution is None:
        place = None
    else:
        # The stamp of the snapshot the answer was read from, else (answers without one) the current one.
        stamp = resolution.snap.stamp if resolution.snap is not None else reference_stamp()
        place = (resolution.gemeinde.pk, stamp, online)
    return fragment_key("leistung_page", rows, place)


@lru_cache(maxsize=1)
def _offer_template():
    # The assistant's box through its template tag: the finder does not import the assistant (ADR 0014).
    return engines["django"].from_string("{% load assistant_tags %}{% assistant_offer leistung resolution %}")


@require_GET
def leistung_detail(request, slug: str):
    leistung = catalog_selectors.leistung_by_slug(slug=slug)
    if leistung is None:
        raise Http404
    place_form = PlaceForm(request.GET if "ort" in request.GET else None)
    place = resolution = online = None
    if place_form.is_bound and place_form.is_valid():
        snap = reference_snapshot()  # checked once for the place and the Zuständigkeit
        place = resolve_place(text=place_form.cleaned_data["ort"], snap=snap)
        if place.found:
            resolution = responsible_authority(leistung=leistung, gemeinde=place.gemeinde, snap=snap)
            online = online_offers_at(gemeinde=place.gemeinde).get(leistung.pk)
        elif not place.ambiguous:
            place_form.add_error("ort", place.message)
    fragments = _leistung_page_key(leistung=leistung, resolution=resolution, online=online)
    offer_html = _offer_template().render({"leistung": leistung, "resolution": resolution})
    key = page_key(request, fragments, offer_html)
    cached = page_get(key)
    if cached is not None:
        return cached
    response = render(
        request,
        "finder/leistung.html",
        {
            "leistung": leistung,
            "offer_html": offer_html,
            # A callable: the template calls it only when the cached fragment holding it is missing.
            "leistung_text": lambda: leistung_text_html(
                sections=_stammtext_sections(leistung),
                legal_items=catalog_selectors.legal_basis_items(leistung=leistung),
            ),
            "page_key": fragments,
            "place_form": place_form,
            "place": place,
            "resolution": resolution,
            # None: no online application at the place, so the page says how to reach the authority.
            "online": online,
            "contact": authority_contact(authority=resolution.authority) if resolution else None,
        },
    )
    page_store(request, key, response)
    return response


@require_GET
def place_suggest(request):
    """htmx autocomplete: the options of the place listbox (an HTML fragment)."""
    text = request.GET.get("q", request.GET.get("ort", ""))[:100]
    hits = place_suggestions(text=text)
    return render(request, "finder/partials/place_options.html", {"hits": hits})


@require_GET
def themen(request):
    return render(
        request,
        "finder/themen.html",
        {"themenfelder": catalog_selectors.themenfelder_with_lebenslagen(), "ags": _ags_param(request)},
    )


@require_GET
def lebenslage_detail(request, themenfeld_slug: str, lebenslage_slug: str):
    lebenslage = get_object_or_404(
        Lebenslage.objects.select_related("themenfeld"), slug=lebenslage_slug, themenfeld__slug=themenfeld_slug
    )
    leistungen = catalog_selectors.leistungen_for_lebenslage(lebenslage=lebenslage)
    page = Paginator(leistungen, LEISTUNGEN_PER_PAGE).get_page(request.GET.get("seite"))
    return render(
        request,
        "finder/lebenslage.html",
        {"lebenslage": lebenslage, "page": page, "ags": _ags_param(request)},
    )
