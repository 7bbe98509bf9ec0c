"""Writes of the Projektlandkarte: projects, their phases (validated transitions with dated history),
Werkstätten with invitations and result documents, the seed fixture and the product plan.

Rules of the phases (OZG-Vorgehensmodell, Leitfaden 3.2/3.3): a phase may only start (in Bearbeitung) or be
finished when every earlier phase is finished or marked "nicht erforderlich"; skipping needs a reason, which
is kept in the history. "nicht erforderlich" needs a reason too; "Plan" needs a year. When the phase
"Produkt" starts, the assistants of the project's Leistungen are released for reuse (that is how the service
appears in the Konfigurationsportal's catalogue).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amtsweg.catalog.models import Leistung
from amtsweg.common.filecheck import FileRefused, file_sanitize
from amtsweg.directory.models import Authority
from amtsweg.forms.models import FormDefinition
from amtsweg.forms.services import definition_reuse_set
from amtsweg.projekte.models import (
    Einladung,
    Ergebnisdokument,
    Fussnote,
    LandkarteEintrag,
    Leistungspaket,
    Mitwirkung,
    PhasenEreignis,
    PhasenStatus,
    ProduktplanEintrag,
    Projekt,
    Werkstatt,
)
from amtsweg.projekte.phases import DONE_STATUSES, PHASE_ORDER, STARTED_STATUSES, Option, Phase, Status

DATA_DIR = Path(__file__).parent / "data"
SEED_FIXTURE = DATA_DIR / "phasentabelle_2022-10-14.json"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


# --- projects ------------------------------------------------------------------------------------------------------


def _key_for(paket: Leistungspaket, lb: str, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", f"lp{paket.number}-lb{lb or 'x'}-{title}".lower()).strip("-")[:90]
    key, n = base, 1
    while Projekt.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


@transaction.atomic
def projekt_create(
    *,
    paket: Leistungspaket,
    lb: str,
    title: str,
    leistungen: Iterable[Leistung] = (),
    note: str = "",
    options: Iterable[str] = (),
    stufe: int | None = None,
    user=None,
    key: str = "",
    date: dt.date | None = None,
) -> Projekt:
    """A new project with all phases "nicht begonnen" (recorded in the history)."""
    lb, title = lb.strip(), title.strip()
    if not title:
        raise ValidationError("Bitte geben Sie eine Bezeichnung für das Projekt an.")
    if lb and Projekt.objects.filter(paket=paket, lb=lb).exists():
        raise ValidationError(f"Die LB-Nummer {lb} ist im Leistungspaket {paket.number} bereits vergeben.")
    options = list(options)
    unknown = [o for o in options if o not in Option.values]
    if unknown:
        raise ValidationError(f"Unbekannte Umsetzungsoption: {', '.join(unknown)}.")
    position = (paket.projekte.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    projekt = Projekt.objects.create(
        key=key or _key_for(paket, lb, title),
        paket=paket,
        lb=lb,
        title=title,
        note=note.strip(),
        options=options,
        stufe=stufe,
        position=position,
    )
    projekt.leistungen.set(list(leistungen))
    date = date or timezone.localdate()
    for phase in PHASE_ORDER:
        PhasenStatus.objects.create(projekt=projekt, phase=phase, status=Status.NICHT_BEGONNEN, since=date)
        PhasenEreignis.objects.create(
            projekt=projekt, phase=phase, status=Status.NICHT_BEGONNEN, date=date, user=_user(user)
        )
    return projekt


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def phase_transition_errors(
    *, projekt: Projekt, phase: str, status: str, plan_year: int | None, reason: str
) -> list[str]:
    """German messages why this change is not allowed (empty list = allowed). Pure check, no writes."""
    errors = []
    if phase not in Phase.values:
        return [f"Unbekannte Phase „{phase}“."]
    if status not in Status.values:
        return [f"Unbekannter Status „{status}“."]
    label = Phase(phase).label
    if status == Status.PLAN and not (plan_year and 2000 <= plan_year <= 2100):
        errors.append(f"Für den Status „Plan“ der Phase {label} geben Sie bitte ein Planjahr an (z. B. 2027).")
    if status == Status.NICHT_ERFORDERLICH and not reason.strip():
        errors.append(f"Bitte begründen Sie, warum die Phase {label} nicht erforderlich ist.")
    if status in STARTED_STATUSES:
        current = dict(PhasenStatus.objects.filter(projekt=projekt).values_list("phase", "status"))
        earlier = PHASE_ORDER[: PHASE_ORDER.index(Phase(phase))]
        open_phases = [p.label for p in earlier if current.get(p.value) not in DONE_STATUSES]
        if open_phases and not reason.strip():
            errors.append(
                f"Die Phase {label} kann erst beginnen, wenn die vorherigen Phasen abgeschlossen oder als "
                f"„nicht erforderlich“ markiert sind (offen: {', '.join(open_phases)}). Bitte schließen Sie diese "
                "zuerst ab oder begründen Sie, warum sie übersprungen werden."
            )
    return errors


@transaction.atomic
def phase_set(
    *,
    projekt: Projekt,
    phase: str,
    status: str,
    plan_year: int | None = None,
    reason: str = "",
    date: dt.date | None = None,
    user=None,
) -> PhasenStatus:
    """Set the status of one phase (validated, see the module docstring); the change is kept in the history."""
    projekt = Projekt.objects.select_for_update().get(pk=projekt.pk)
    errors = phase_transition_errors(projekt=projekt, phase=phase, status=status, plan_year=plan_year, reason=reason)
    current = PhasenStatus.objects.filter(projekt=projekt, phase=phase).first()
    if date is not None and current is not None and date < current.since:
        errors.append(
            f"Das Datum {date:%d.%m.%Y} liegt vor dem letzten Eintrag dieser Phase ({current.since:%d.%m.%Y}); "
            "der Verlauf wird nur fortgeschrieben."
        )
    if errors:
        raise ValidationError(errors)
    return _phase_record(
        projekt=projekt, phase=phase, status=status, plan_year=plan_year, reason=reason, date=date, user=user
    )


def _phase_record(*, projekt, phase, status, plan_year=None, reason="", date=None, user=None) -> PhasenStatus:
    date = date or timezone.localdate()
    plan_year = plan_year if status == Status.PLAN else None
    row, _ = PhasenStatus.objects.update_or_create(
        projekt=projekt, phase=phase, defaults={"status": status, "plan_year": plan_year, "since": date}
    )
    PhasenEreignis.objects.create(
        projekt=projekt,
        phase=phase,
        status=status,
        plan_year=plan_year,
        date=date,
        reason=reason.strip(),
        user=_user(user),
    )
    if phase == Phase.PRODUKT and status in STARTED_STATUSES:
        projekt_release_assistants(projekt=projekt)
    return row


def projekt_release_assistants(*, projekt: Projekt) -> int:
    """Release the assistants of the project's Leistungen for reuse (Konfigurationsportal catalogue)."""
    definitions = FormDefinition.objects.filter(leistung__in=projekt.leistungen.all(), reusable=False)
    count = 0
    for definition in definitions:
        definition_reuse_set(definition=definition, reusable=True)
        count += 1
    return count


# --- Werkstätten ---------------------------------------------------------------------------------------------------


def werkstatt_create(*, projekt: Projekt, number: int, date: dt.date, place: str = "") -> Werkstatt:
    if number not in Werkstatt.Nummer.values:
        raise ValidationError("Es gibt die OZG-Werkstätten 1 bis 5.")
    if Werkstatt.objects.filter(projekt=projekt, number=number).exists():
        raise ValidationError(f"Die OZG-Werkstatt {number} ist für dieses Projekt bereits angelegt.")
    return Werkstatt.objects.create(projekt=projekt, number=number, date=date, place=place.strip())


def werkstatt_volunteers(*, werkstatt: Werkstatt):
    """Kommunen that offered to take part in Werkstätten for any Leistung of the project."""
    ids = Mitwirkung.objects.filter(
        leistung__in=werkstatt.projekt.leistungen.all(), art=Mitwirkung.Art.WERKSTATT
    ).values_list("authority_id", flat=True)
    return Authority.objects.filter(pk__in=ids).order_by("name")


@transaction.atomic
def werkstatt_invite(*, werkstatt: Werkstatt, authorities: Iterable[Authority] | None = None) -> list[Einladung]:
    """Invite Kommunen (default: the volunteers) once each; the members get an e-mail from the worker."""
    from amtsweg.projekte.tasks import einladung_mail_send

    targets = list(authorities) if authorities is not None else list(werkstatt_volunteers(werkstatt=werkstatt))
    if not targets:
        raise ValidationError(
            "Es gibt (noch) keine Kommunen, die an OZG-Werkstätten dieses Projekts mitwirken möchten."
        )
    created = []
    for authority in targets:
        einladung, new = Einladung.objects.get_or_create(werkstatt=werkstatt, authority=authority)
        if new:
            created.append(einladung)
            transaction.on_commit(partial(einladung_mail_send.enqueue, einladung.pk))
    return created


def einladung_answer(*, einladung: Einladung, antwort: str) -> Einladung:
    if antwort not in (Einladung.Antwort.ZUGESAGT, Einladung.Antwort.ABGESAGT):
        raise ValidationError("Bitte sagen Sie zu oder ab.")
    einladung.antwort = antwort
    einladung.save(update_fields=["antwort"])
    return einladung


def teilnahme_set(*, einladung: Einladung, teilgenommen: bool) -> Einladung:
    einladung.teilgenommen = teilgenommen
    einladung.save(update_fields=["teilgenommen"])
    return einladung


def dokument_upload(*, werkstatt: Werkstatt, art: str, name: str, data: bytes) -> Ergebnisdokument:
    """A result document (Steckbrief, Fachkonzept, …) as PDF, checked by content (common.filecheck)."""
    if art not in Ergebnisdokument.Art.values:
        raise ValidationError("Bitte wählen Sie die Art des Dokuments.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError("Das Dokument ist größer als 10 MB.")
    try:
        data = file_sanitize(kind="pdf", data=data)
    except FileRefused as refused:
        raise ValidationError(f"Bitte laden Sie das Dokument als PDF hoch. {refused}") from None
    safe_name = re.sub(r"[^\w.\- ]+", "_", Path(name).name)[:150] or "dokument.pdf"
    if not safe_name.lower().endswith(".pdf"):
        safe_name += ".pdf"
    return Ergebnisdokument.objects.create(
        werkstatt=werkstatt, art=art, name=safe_name, content_type="application/pdf", data=data
    )


# --- seed fixture and product plan -----------------------------------------------------------------------------------


def _status(value: str) -> tuple[str, int | None]:
    if value.startswith("plan:"):
        return Status.PLAN, int(value.split(":", 1)[1])
    return Status(value), None


@transaction.atomic
def phasentabelle_load(*, path: Path = SEED_FIXTURE) -> dict:
    """Load the projects of the newsletter's phase table (idempotent: projects found by key are left alone,
    so later changes made in the portal survive a new bootstrap)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    stichtag = dt.date.fromisoformat(data["stichtag"])
    fussnoten = {}
    for number, text in data["fussnoten"].items():
        fussnoten[int(number)], _ = Fussnote.objects.get_or_create(number=int(number), defaults={"text": text})
    created = 0
    for paket_data in data["pakete"]:
        paket, _ = Leistungspaket.objects.get_or_create(number=paket_data["lp"], defaults={"name": paket_data["name"]})
        for position, item in enumerate(paket_data["projekte"], start=1):
            if Projekt.objects.filter(key=item["key"]).exists():
                continue
            projekt = Projekt.objects.create(
                key=item["key"],
                paket=paket,
                lb=item["lb"],
                title=item["bezeichnung"],
                note=item.get("zusatz", ""),
                options=item.get("optionen", []),
                position=position,
            )
            projekt.fussnoten.set([fussnoten[n] for n in item.get("fussnoten", [])])
            covered = list(Leistung.objects.filter(leika_key__in=item.get("leika", [])))
            projekt.leistungen.set(covered)
            for leistung in covered:  # a municipal OZG project's Leistung is municipally relevant by definition
                LandkarteEintrag.objects.get_or_create(leistung=leistung, defaults={"relevant": True})
            for phase in PHASE_ORDER:
                status, year = _status(item["phasen"][phase.value])
                # Entered from the published table: its state is the record, no transition rules apply.
                PhasenStatus.objects.create(projekt=projekt, phase=phase, status=status, plan_year=year, since=stichtag)
                PhasenEreignis.objects.create(
                    projekt=projekt,
                    phase=phase,
                    status=status,
                    plan_year=year,
                    date=stichtag,
                    reason=f"Übernommen aus: {data['quelle']}, Stand {stichtag:%d.%m.%Y}",
                )
            created += 1
    return {"projekte": created, "stichtag": stichtag}


# The Leitfaden's example of the KGSt product plan (8.2.1); the rest is entered by the coordinator.
PRODUKTPLAN_BEISPIEL = [
    ("12", "Sicherheit und Ordnung, Einwohnerservice", ProduktplanEintrag.Ebene.HAUPTPRODUKTBEREICH, None),
    ("124", "Einwohnerservice", ProduktplanEintrag.Ebene.PRODUKTBEREICH, "12"),
    ("124.01", "Melde-, Pass- und Ausweisangelegenheiten", ProduktplanEintrag.Ebene.PRODUKTGRUPPE, "124"),
    ("124.01.01", "Melderegister", ProduktplanEintrag.Ebene.PRODUKT, "124.01"),
]


def produktplan_ensure() -> int:
    created = 0
    for number, name, ebene, parent in PRODUKTPLAN_BEISPIEL:
        _, new = ProduktplanEintrag.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "ebene": ebene,
                "parent": ProduktplanEintrag.objects.get(number=parent) if parent else None,
            },
        )
        created += new
    return created


def produktplan_entry_save(*, number: str, name: str, ebene: str, parent: ProduktplanEintrag | None):
    order = list(ProduktplanEintrag.Ebene.values)
    if ebene not in order:
        raise ValidationError("Unbekannte Ebene des Produktplans.")
    expected_parent = order[order.index(ebene) - 1] if order.index(ebene) else None
    if (parent.ebene if parent else None) != expected_parent:
        raise ValidationError(
            "Die Ebenen des Produktplans folgen aufeinander: Hauptproduktbereich > Produktbereich > "
            "Produktgruppe > Produkt."
        )
    entry, _ = ProduktplanEintrag.objects.update_or_create(
        number=number.strip(), defaults={"name": name.strip(), "ebene": ebene, "parent": parent}
    )
    return entry
