"""Withdrawal ("Antrag zurückziehen", issue 10 §5): confirmation, status, event, refusals in German."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.audit.models import AuditEntry
from amtsweg.cases.models import CaseEvent, CaseStatus
from amtsweg.cases.services import bescheid_issue, vorgang_close

pytestmark = pytest.mark.django_db


def _url(number: str) -> str:
    return reverse("postfach:withdraw", kwargs={"number": number})


def test_confirmation_page_then_withdrawal(client, own_case, erika):
    client.force_login(erika)
    detail = client.get(reverse("postfach:detail", kwargs={"number": own_case.vorgangsnummer})).content.decode()
    assert _url(own_case.vorgangsnummer) in detail
    page = client.get(_url(own_case.vorgangsnummer))
    assert page.status_code == 200
    assert "Antrag endgültig zurückziehen" in page.content.decode()
    # Without the confirmation nothing happens.
    refused = client.post(_url(own_case.vorgangsnummer), {"reason": "Umzug"})
    assert refused.status_code == 400
    assert "Bitte bestätigen Sie" in refused.content.decode()
    own_case.vorgang.refresh_from_db()
    assert own_case.vorgang.status == CaseStatus.EINGEGANGEN

    done = client.post(_url(own_case.vorgangsnummer), {"reason": "Umzug", "confirm": "on"}, follow=True)
    assert "Ihr Antrag wurde zurückgezogen" in done.content.decode()
    assert "zurückgezogen" in done.content.decode()
    own_case.vorgang.refresh_from_db()
    assert own_case.vorgang.status == CaseStatus.ZURUECKGEZOGEN
    event = CaseEvent.objects.get(vorgang=own_case.vorgang, kind=CaseEvent.Kind.RUECKNAHME)
    assert event.payload["text"] == "Umzug" and event.payload["delivered"] is False
    assert AuditEntry.objects.filter(event="application_withdrawn").exists()
    # Withdrawn is final: no second withdrawal, no reply, no link any more.
    again = client.post(_url(own_case.vorgangsnummer), {"confirm": "on"})
    assert again.status_code == 409
    assert "nicht mehr zurückgezogen" in again.content.decode()
    detail = client.get(reverse("postfach:detail", kwargs={"number": own_case.vorgangsnummer})).content.decode()
    assert _url(own_case.vorgangsnummer) not in detail


@pytest.mark.parametrize("decide", ["bescheid", "close"])
def test_refused_after_bescheid_or_closure(client, own_case, erika, decide):
    if decide == "bescheid":
        bescheid_issue(vorgang=own_case.vorgang, actor=erika, text="Festgesetzt.")
    else:
        vorgang_close(vorgang=own_case.vorgang, actor=erika)
    client.force_login(erika)
    response = client.post(_url(own_case.vorgangsnummer), {"confirm": "on"})
    assert response.status_code == 409
    assert "bereits entschieden" in response.content.decode()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.RUECKNAHME).exists()


def test_leistung_may_forbid_withdrawal(client, own_case, erika, leistung):
    leistung.withdrawal_allowed = False
    leistung.save(update_fields=["withdrawal_allowed"])
    client.force_login(erika)
    response = client.post(_url(own_case.vorgangsnummer), {"confirm": "on"})
    assert response.status_code == 409
    assert "nicht online zurückziehen" in response.content.decode()
    own_case.vorgang.refresh_from_db()
    assert own_case.vorgang.status == CaseStatus.EINGEGANGEN


def test_other_citizen_gets_404(client, own_case, max_):
    client.force_login(max_)
    assert client.get(_url(own_case.vorgangsnummer)).status_code == 404
    assert client.post(_url(own_case.vorgangsnummer), {"confirm": "on"}).status_code == 404


def test_inbox_shows_the_withdrawal(client, own_case, erika):
    from django.contrib.auth import get_user_model

    from amtsweg.directory.services import membership_set

    client.force_login(erika)
    client.post(_url(own_case.vorgangsnummer), {"confirm": "on", "reason": "Hund abgegeben"})
    worker = get_user_model().objects.create_user(username="sb", password="x" * 16, is_staff=True)
    membership_set(user=worker, authority=own_case.vorgang.authority, role="sachbearbeitung")
    client.force_login(worker)
    page = client.get(reverse("inbox:case", kwargs={"number": own_case.vorgangsnummer})).content.decode()
    assert "zurückgezogen" in page
    assert "Rücknahme des Antrags" in page and "Hund abgegeben" in page


def test_fachverfahren_reads_the_withdrawal_on_the_return_channel(client, own_case, erika):
    from django.core.cache import cache

    from amtsweg.apiclients.services import api_client_create
    from amtsweg.hub.tests.test_api import ALL_SCOPES, Caller

    client.force_login(erika)
    client.post(_url(own_case.vorgangsnummer), {"confirm": "on", "reason": "Umzug"})
    client.logout()
    cache.clear()  # the hub API's throttle counts in the default cache
    _api_client, token = api_client_create(name="Fachverfahren", scopes=ALL_SCOPES, authority=own_case.authority)
    response = Caller(client, token).get(f"/vorgaenge/{own_case.vorgangsnummer}/status/")
    assert response.status_code == 200
    [event] = [e for e in response.json()["events"] if e["kind"] == "ruecknahme"]
    assert event["payload"]["status"] == "zurueckgezogen" and event["payload"]["text"] == "Umzug"


def test_no_reply_after_withdrawal(client, own_case, erika):
    client.force_login(erika)
    client.post(_url(own_case.vorgangsnummer), {"confirm": "on"})
    detail = reverse("postfach:detail", kwargs={"number": own_case.vorgangsnummer})
    assert "Dieser Antrag ist zurückgezogen" in client.get(detail).content.decode()
    response = client.post(detail, {"text": "Doch noch eine Frage."})
    assert response.status_code == 400
    assert "zurückgezogen. Antworten sind nicht mehr möglich" in response.content.decode()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ANTWORT).exists()
