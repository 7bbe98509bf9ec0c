"""The public roll-out monitor (``/rollout/``), its downloads and the Kurzstatus. Thin: figures come from
``selectors`` / ``coverage``, the report from ``report``, publishing from ``services``."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from amtsweg.directory.permissions import is_koordination

from . import coverage, mapping, opendata, reifegrad, report, selectors, services
from .coverage import SACHSEN
from .models import KurzstatusPublication


def _stichtag(request) -> tuple[date, str]:
    """The as-of date from ``?stichtag=`` (today if missing); a German error text if it was unusable."""
    value = request.GET.get("stichtag", "")
    if value:
        try:
            return date.fromisoformat(value), ""
        except ValueError:
            return timezone.localdate(), "Bitte geben Sie den Stichtag als Datum an (TT.MM.JJJJ); gezeigt wird heute."
    return timezone.localdate(), ""


def _gebiet(request) -> str:
    gebiet = request.GET.get("gebiet", SACHSEN)
    return gebiet if selectors.area_known(gebiet) else SACHSEN


def _sort_links(*, sort: str, descending: bool, stichtag: date, gebiet: str) -> list[dict]:
    """Column headers that sort without JavaScript: a link per column, toggling the direction."""
    links = []
    for key, label in selectors.SORTS.items():
        active = key == sort
        # Names ascend first, figures descend first; the active column flips.
        desc = (not descending) if active else key != "name"
        links.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "aria_sort": ("descending" if descending else "ascending") if active else "none",
                "href": f"?stichtag={stichtag.isoformat()}&gebiet={gebiet}&sortierung={key}"
                f"&richtung={'ab' if desc else 'auf'}",
            }
        )
    return links


@require_GET
def monitor(request):
    stichtag, error = _stichtag(request)
    gebiet = _gebiet(request)
    sort = request.GET.get("sortierung", selectors.DEFAULT_SORT)
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    descending = request.GET.get("richtung", "ab" if sort != "name" else "auf") != "auf"
    rows = selectors.rollout_table(stichtag=stichtag, gebiet=gebiet, sort=sort, descending=descending)
    area_names = dict(selectors.areas())
    context = {
        "stichtag": stichtag,
        "stichtag_error": error,
        "gebiet": gebiet,
        "gebiet_name": area_names.get(gebiet, "Sachsen"),
        "areas": selectors.areas(),
        "rows": rows,
        "footnotes": [r for r in rows if r.footnote_no],
        "sort_links": _sort_links(sort=sort, descending=descending, stichtag=stichtag, gebiet=gebiet),
        "query": f"stichtag={stichtag.isoformat()}&gebiet={gebiet}",
        "map": mapping.overview_map(stichtag=stichtag),
    }
    return render(request, "rollout/monitor.html", context)


@require_GET
def leistung(request, leika: str):
    found = selectors.leistung_by_leika(leika=leika)
    if found is None:
        raise Http404("Diese Leistung ist nicht im Leistungskatalog.")
    stichtag, error = _stichtag(request)
    index = coverage.current()
    result = coverage.coverage_for(leistung=found, stichtag=stichtag, index=index)
    history = selectors.history(leistung_id=found.pk, stichtag=stichtag)
    context = {
        "leistung": found,
        "title": selectors.leistung_title(found),
        "stichtag": stichtag,
        "stichtag_error": error,
        "land": result.land,
        "kreise": result.kreise,
        "history": history,
        "chart": mapping.history_chart(history),
        "verfuegbar_seit": coverage.first_offered(leistung_id=found.pk, index=index),
        "kreis_map": mapping.kreis_map(result),
        "gemeinde_map": mapping.gemeinde_map(result),
        "query": f"stichtag={stichtag.isoformat()}",
        "reifegrad": reifegrad.assess(leistung=found, stichtag=stichtag),
    }
    return render(request, "rollout/leistung.html", context)


def _download(content: str | bytes, *, filename: str, content_type: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@require_GET
def table_download(request, fmt: str):
    stichtag, _ = _stichtag(request)
    gebiet = _gebiet(request)
    rows = selectors.rollout_table(stichtag=stichtag, gebiet=gebiet)
    name = f"abdeckung-{gebiet}-{stichtag.isoformat()}"
    if fmt == "json":
        data = opendata.table_json(rows=rows, stichtag=stichtag, gebiet=gebiet)
        return _download(
            json.dumps(data, ensure_ascii=False, indent=1),
            filename=f"{name}.json",
            content_type="application/json; charset=utf-8",
        )
    return _download(opendata.table_csv(rows), filename=f"{name}.csv", content_type="text/csv; charset=utf-8")


@require_GET
def adoption_download(request):
    stichtag = None
    if request.GET.get("stichtag"):
        stichtag, _ = _stichtag(request)
    records = selectors.adoption_rows(stichtag=stichtag)
    suffix = f"-{stichtag.isoformat()}" if stichtag else ""
    return _download(
        opendata.adoption_csv(records), filename=f"angebote{suffix}.csv", content_type="text/csv; charset=utf-8"
    )


@require_GET
def kurzstatus(request):
    stichtag, error = _stichtag(request)
    context = report.kurzstatus_context(stichtag=stichtag)
    context.update(
        stichtag_error=error,
        query=f"stichtag={stichtag.isoformat()}",
        publications=KurzstatusPublication.objects.only("pk", "stichtag", "published_at")[:20],
        may_publish=is_koordination(request.user),
    )
    return render(request, "rollout/kurzstatus.html", context)


@require_GET
def kurzstatus_file(request, fmt: str):
    stichtag, _ = _stichtag(request)
    name = f"kurzstatus-{stichtag.isoformat()}"
    if fmt == "pdf":
        return _download(
            report.kurzstatus_pdf(stichtag=stichtag), filename=f"{name}.pdf", content_type="application/pdf"
        )
    return _download(
        report.kurzstatus_csv(stichtag=stichtag), filename=f"{name}.csv", content_type="text/csv; charset=utf-8"
    )


@require_POST
@user_passes_test(is_koordination)  # publishing speaks for the platform: zentrale Koordination only
def kurzstatus_publish(request):
    value = request.POST.get("stichtag", "")
    try:
        stichtag = date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        messages.error(request, "Bitte geben Sie den Stichtag als Datum an.")
        return redirect("rollout:kurzstatus")
    publication = services.kurzstatus_publish(stichtag=stichtag, user=request.user)
    messages.success(request, f"Der Kurzstatus zum {publication.stichtag:%d.%m.%Y} ist veröffentlicht.")
    return redirect(f"{reverse('rollout:kurzstatus')}?stichtag={stichtag.isoformat()}")


@require_GET
def publication_file(request, pk: int, fmt: str):
    publication = get_object_or_404(KurzstatusPublication, pk=pk)
    name = f"kurzstatus-{publication.stichtag.isoformat()}-veroeffentlicht-{publication.pk}"
    if fmt == "pdf":
        return _download(bytes(publication.pdf), filename=f"{name}.pdf", content_type="application/pdf")
    if fmt == "csv":
        return _download(publication.csv, filename=f"{name}.csv", content_type="text/csv; charset=utf-8")
    return _download(publication.html, filename=f"{name}.html", content_type="text/html; charset=utf-8")


@require_GET
def reifegrad_download(request, leika: str):
    found = selectors.leistung_by_leika(leika=leika)
    if found is None:
        raise Http404("Diese Leistung ist nicht im Leistungskatalog.")
    stichtag, _ = _stichtag(request)
    summary = reifegrad.assess(leistung=found, stichtag=stichtag)
    return _download(
        opendata.reifegrad_csv(leika=leika, summary=summary),
        filename=f"reifegrad-{leika}-{stichtag.isoformat()}.csv",
        content_type="text/csv; charset=utf-8",
    )
