"""Public, read-only pages (transparency): the phase table with exports, the map, a project."""

from __future__ import annotations

import datetime as dt
import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from amtsweg.projekte import selectors
from amtsweg.projekte.exports import table_csv, table_json, table_pdf
from amtsweg.projekte.models import Abonnement


def _stichtag(request) -> dt.date:
    value = request.GET.get("stichtag", "")
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@require_GET
def tabelle(request):
    table = selectors.phase_table(stichtag=_stichtag(request))
    return render(request, "projekte/tabelle.html", {"table": table})


@require_GET
def tabelle_export(request, fmt: str):
    table = selectors.phase_table(stichtag=_stichtag(request))
    name = f"phasentabelle-{table.stichtag:%Y-%m-%d}"
    if fmt == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        response = HttpResponse(
            json.dumps(table_json(table), ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
    elif fmt == "pdf":
        response = HttpResponse(table_pdf(table), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def landkarte(request):
    themenfeld = request.GET.get("themenfeld", "")[:200]
    query = request.GET.get("q", "").strip()[:100]
    produkt = request.GET.get("produkt", "")[:20]
    page = None
    if themenfeld or query or produkt:
        leistungen = (
            selectors.landkarte_nach_produkt(produkt)
            if produkt
            else selectors.landkarte(themenfeld=themenfeld, query=query)
        )
        page = Paginator(leistungen, 50).get_page(request.GET.get("seite"))
        stand = selectors.leistungen_stand(page.object_list)
        for leistung in page.object_list:
            leistung.projekte_stand = stand.get(leistung.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "projekte/landkarte.html",
        {
            "themenfelder": selectors.landkarte_themenfelder(),
            "themenfeld": themenfeld,
            "query": query,
            "produkt": produkt,
            "produktplan": selectors.produktplan_baum(),
            "page": page,
        },
    )


@require_GET
def detail(request, pk: int):
    projekt = selectors.projekt_detail(pk=pk)
    if projekt is None:
        raise Http404("Projekt nicht gefunden")
    return render(
        request,
        "projekte/detail.html",
        {
            "projekt": projekt,
            "phasen": selectors.projekt_phasen(projekt),
            "verlauf": selectors.projekt_verlauf(projekt),
            "stand": selectors.projekt_stand(projekt),
            "folgt": request.user.is_authenticated
            and Abonnement.objects.filter(user=request.user, projekt=projekt).exists(),
        },
    )
