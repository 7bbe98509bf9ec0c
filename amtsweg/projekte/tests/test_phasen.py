"""Projects and their phases: validated transitions with dated history; "Produkt" releases the assistants."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from amtsweg.forms.models import FormDefinition
from amtsweg.projekte.models import Leistungspaket, PhasenEreignis
from amtsweg.projekte.phases import Phase, Status
from amtsweg.projekte.selectors import phase_table, projekt_stand
from amtsweg.projekte.services import phase_set, projekt_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def projekt(leistungen, koordination):
    paket = Leistungspaket.objects.get(number="12")
    return projekt_create(
        paket=paket, lb="20", title="Hundesteuer digital", leistungen=[leistungen["hundesteuer"]], user=koordination
    )


def test_a_new_project_starts_with_all_phases_not_begun(projekt):
    assert projekt_stand(projekt) == "nicht begonnen"
    assert PhasenEreignis.objects.filter(projekt=projekt, status=Status.NICHT_BEGONNEN).count() == 6


def test_a_phase_jump_is_refused_with_a_clear_message(projekt, koordination):
    with pytest.raises(ValidationError) as refused:
        phase_set(projekt=projekt, phase=Phase.P2, status=Status.IN_BEARBEITUNG, user=koordination)
    message = " ".join(refused.value.messages)
    assert "Die Phase 2 kann erst beginnen" in message
    assert "offen: LA, 1" in message


def test_phases_in_order_then_history_keeps_every_step(projekt, koordination):
    day = dt.date.today()
    for phase in (Phase.LA, Phase.P1):
        phase_set(projekt=projekt, phase=phase, status=Status.IN_BEARBEITUNG, date=day, user=koordination)
        phase_set(projekt=projekt, phase=phase, status=Status.ABGESCHLOSSEN, date=day, user=koordination)
    phase_set(projekt=projekt, phase=Phase.P2, status=Status.IN_BEARBEITUNG, date=day, user=koordination)
    assert projekt_stand(projekt) == "Phase 2: in Bearbeitung"
    history = list(PhasenEreignis.objects.filter(projekt=projekt, phase=Phase.LA).values_list("status", flat=True))
    assert history == [Status.NICHT_BEGONNEN, Status.IN_BEARBEITUNG, Status.ABGESCHLOSSEN]
    row = next(r for r in phase_table(stichtag=day).rows if r.projekt_id == projekt.pk)
    assert [c.status_label for c in row.cells][:3] == ["abgeschlossen", "abgeschlossen", "in Bearbeitung"]


def test_the_history_is_not_rewritten_backwards(projekt):
    with pytest.raises(ValidationError, match="liegt vor dem letzten Eintrag"):
        phase_set(projekt=projekt, phase=Phase.LA, status=Status.IN_BEARBEITUNG, date=dt.date(2020, 1, 1))


def test_skipping_with_a_reason_is_allowed_and_recorded(projekt, koordination):
    phase_set(
        projekt=projekt, phase=Phase.P1, status=Status.IN_BEARBEITUNG, reason="Leistungsanalyse liegt vom Bund vor"
    )
    assert PhasenEreignis.objects.filter(projekt=projekt, phase=Phase.P1, reason__contains="vom Bund").exists()


def test_not_required_needs_a_reason_and_plan_needs_a_year(projekt):
    with pytest.raises(ValidationError, match="Bitte begründen Sie"):
        phase_set(projekt=projekt, phase=Phase.LA, status=Status.NICHT_ERFORDERLICH)
    with pytest.raises(ValidationError, match="Planjahr"):
        phase_set(projekt=projekt, phase=Phase.P3, status=Status.PLAN)
    phase_set(projekt=projekt, phase=Phase.P3, status=Status.PLAN, plan_year=2027)
    assert phase_table(stichtag=dt.date.today()).rows[-1] is not None
    labels = {
        c.phase: c.status_label
        for r in phase_table(stichtag=dt.date.today()).rows
        if r.projekt_id == projekt.pk
        for c in r.cells
    }
    assert labels["p3"] == "Plan 2027"


def test_lb_numbers_are_unique_within_a_package(projekt):
    with pytest.raises(ValidationError, match="LB-Nummer 20 ist im Leistungspaket 12 bereits vergeben"):
        projekt_create(paket=projekt.paket, lb="20", title="Noch einmal")


def test_reaching_produkt_releases_the_assistants_of_its_leistungen(projekt, leistungen, koordination):
    definition = FormDefinition.objects.create(
        key="test-hundesteuer", title="Hundesteuer (Test)", leistung=leistungen["hundesteuer"], reusable=False
    )
    for phase in (Phase.LA, Phase.P1, Phase.P2, Phase.P3, Phase.P4):
        phase_set(projekt=projekt, phase=phase, status=Status.ABGESCHLOSSEN, reason="Test: zügig", user=koordination)
    definition.refresh_from_db()
    assert definition.reusable is False  # not before the product is there
    phase_set(projekt=projekt, phase=Phase.PRODUKT, status=Status.IN_BEARBEITUNG, user=koordination)
    definition.refresh_from_db()
    assert definition.reusable is True
