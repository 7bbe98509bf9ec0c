"""Coordinator pages of the Beteiligung (zentrale Koordination): projects from the ranking, phases,
Werkstätten with invitations and result documents, comment moderation. Thin: one service call per POST."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from amtsweg.catalog.models import Leistung
from amtsweg.projekte import beteiligung, selectors, services
from amtsweg.projekte.models import Einladung, Ergebnisdokument, Kommentar, Leistungspaket, Projekt, Werkstatt
from amtsweg.projekte.phases import PHASE_ORDER, Status
from amtsweg.projekte.views_beteiligung import MAX_UPLOAD, _refused, koordination_only


@require_POST
@koordination_only
def projekt_neu(request):
    try:
        paket = Leistungspaket.objects.filter(pk=request.POST.get("paket") or 0).first()
        if paket is None:
            raise ValidationError("Bitte wählen Sie ein Leistungspaket.")
        ids = [int(i) for i in request.POST.getlist("leistung") if i.isdigit()]
        if not ids:
            raise ValidationError("Bitte wählen Sie mindestens eine Leistung aus der Rangliste.")
        stufe = request.POST.get("stufe")
        projekt = services.projekt_create(
            paket=paket,
            lb=request.POST.get("lb", ""),
            title=request.POST.get("title", ""),
            leistungen=Leistung.objects.filter(pk__in=ids),
            options=request.POST.getlist("option"),
            stufe=int(stufe) if stufe and stufe.isdigit() else None,
            user=request.user,
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("beteiligung:ranking")
    messages.success(request, f"Das Projekt „{projekt.title}“ ist angelegt.")
    return redirect("beteiligung:projekt", pk=projekt.pk)


@require_GET
@koordination_only
def projekt(request, pk: int):
    item = selectors.projekt_detail(pk=pk)
    if item is None:
        raise Http404
    return render(
        request,
        "projekte/beteiligung/projekt.html",
        {
            "projekt": item,
            "phasen": selectors.projekt_phasen(item),
            "phase_choices": [(p.value, p.label) for p in PHASE_ORDER],
            "status_choices": Status.choices,
            "werkstatt_choices": Werkstatt.Nummer.choices,
            "dokument_arten": Ergebnisdokument.Art.choices,
            "verlauf": selectors.projekt_verlauf(item)[:20],
            "stand": selectors.projekt_stand(item),
            "koordination": True,
        },
    )


@require_POST
@koordination_only
def projekt_phase(request, pk: int):
    item = get_object_or_404(Projekt, pk=pk)
    year = request.POST.get("plan_year", "")
    try:
        services.phase_set(
            projekt=item,
            phase=request.POST.get("phase", ""),
            status=request.POST.get("status", ""),
            plan_year=int(year) if year.isdigit() else None,
            reason=request.POST.get("reason", ""),
            user=request.user,
        )
        messages.success(request, "Der Phasenstatus ist gespeichert.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("beteiligung:projekt", pk=pk)


@require_POST
@koordination_only
def werkstatt_neu(request, pk: int):
    item = get_object_or_404(Projekt, pk=pk)
    try:
        number = int(request.POST.get("number", "0") or 0)
        date = dt.date.fromisoformat(request.POST.get("date", ""))
        werkstatt = services.werkstatt_create(
            projekt=item, number=number, date=date, place=request.POST.get("place", "")
        )
        if request.POST.get("einladen"):
            invited = services.werkstatt_invite(werkstatt=werkstatt)
            messages.success(
                request, f"{werkstatt.get_number_display()} angelegt, {len(invited)} Kommune(n) eingeladen."
            )
        else:
            messages.success(request, f"{werkstatt.get_number_display()} angelegt.")
    except ValueError:
        messages.error(request, "Bitte geben Sie die Werkstatt und ein gültiges Datum an.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("beteiligung:projekt", pk=pk)


@require_POST
@koordination_only
def werkstatt_einladen(request, pk: int):
    werkstatt = get_object_or_404(Werkstatt, pk=pk)
    try:
        invited = services.werkstatt_invite(werkstatt=werkstatt)
        messages.success(request, f"{len(invited)} Kommune(n) neu eingeladen.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("beteiligung:projekt", pk=werkstatt.projekt_id)


@require_POST
@koordination_only
def dokument_hochladen(request, pk: int):
    werkstatt = get_object_or_404(Werkstatt, pk=pk)
    upload = request.FILES.get("datei")
    try:
        if upload is None:
            raise ValidationError("Bitte wählen Sie eine PDF-Datei.")
        if upload.size > MAX_UPLOAD:
            raise ValidationError("Das Dokument ist größer als 10 MB.")
        services.dokument_upload(
            werkstatt=werkstatt, art=request.POST.get("art", ""), name=upload.name, data=upload.read()
        )
        messages.success(request, "Das Dokument ist gespeichert.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("beteiligung:projekt", pk=werkstatt.projekt_id)


@require_GET
@koordination_only
def moderation(request):
    context = {"kommentare": selectors.kommentare_offen(), "koordination": True}
    return render(request, "projekte/beteiligung/moderation.html", context)


@require_POST
@koordination_only
def moderieren(request, pk: int):
    kommentar = get_object_or_404(Kommentar, pk=pk)
    try:
        beteiligung.kommentar_moderate(
            user=request.user, kommentar=kommentar, freigeben=request.POST.get("freigeben") == "1"
        )
        messages.success(request, "Der Kommentar ist moderiert.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("beteiligung:moderation")


@require_POST
@koordination_only
def teilnahme(request, pk: int):
    einladung = get_object_or_404(Einladung, pk=pk)
    services.teilnahme_set(einladung=einladung, teilgenommen=request.POST.get("teilgenommen") == "1")
    messages.success(request, f"Teilnahme von {einladung.authority.name} gespeichert.")
    return redirect("beteiligung:projekt", pk=einladung.werkstatt.projekt_id)
