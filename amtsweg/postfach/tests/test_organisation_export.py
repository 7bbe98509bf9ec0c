"""Applying for an Organisationskonto (members read, applicant or Inhaber withdraw) and the data export
of Vorgänge and drafts (issue 10 §2, §8)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from amtsweg.accounts.models import Membership, Organisation, Role
from amtsweg.cases.models import CaseStatus
from amtsweg.cases.services import nachforderung_request

pytestmark = pytest.mark.django_db


def _user(name):
    return get_user_model().objects.create_user(username=name, email=f"{name}@example.org", password="x" * 16)


@pytest.fixture
def firma(erika):
    organisation = Organisation.objects.create(name="Muster GmbH", register_court="Amtsgericht Dresden")
    Membership.objects.create(organisation=organisation, user=erika, role=Role.BEARBEITER)
    return organisation


@pytest.fixture
def owner(firma):
    user = _user("inhaberin")
    Membership.objects.create(organisation=firma, user=user, role=Role.INHABER)
    return user


@pytest.fixture
def colleague(firma):
    user = _user("kollege")
    Membership.objects.create(organisation=firma, user=user, role=Role.BEARBEITER)
    return user


@pytest.fixture
def org_case(submit, erika, firma):
    return submit(applicant=erika, organisation=firma)


def test_members_see_the_organisations_case_outsiders_do_not(client, org_case, colleague, owner, max_):
    detail = reverse("postfach:detail", kwargs={"number": org_case.vorgangsnummer})
    for member in (colleague, owner):
        client.force_login(member)
        assert org_case.vorgangsnummer in client.get(reverse("postfach:list")).content.decode()
        page = client.get(detail)
        assert page.status_code == 200 and "Muster GmbH" in page.content.decode()
    client.force_login(max_)
    assert org_case.vorgangsnummer not in client.get(reverse("postfach:list")).content.decode()
    assert client.get(detail).status_code == 404


def test_bearbeiter_reads_but_only_applicant_or_inhaber_withdraws(client, org_case, colleague, owner):
    url = reverse("postfach:withdraw", kwargs={"number": org_case.vorgangsnummer})
    client.force_login(colleague)
    detail = client.get(reverse("postfach:detail", kwargs={"number": org_case.vorgangsnummer})).content.decode()
    assert url not in detail
    refused = client.post(url, {"confirm": "on"})
    assert refused.status_code == 409
    assert "Inhaberin bzw. der Inhaber" in refused.content.decode()
    org_case.vorgang.refresh_from_db()
    assert org_case.vorgang.status == CaseStatus.EINGEGANGEN
    client.force_login(owner)
    assert client.post(url, {"confirm": "on"}).status_code == 302
    org_case.vorgang.refresh_from_db()
    assert org_case.vorgang.status == CaseStatus.ZURUECKGEZOGEN


def test_leaving_the_organisation_ends_the_access(client, org_case, colleague, firma):
    Membership.objects.filter(user=colleague, organisation=firma).delete()
    client.force_login(colleague)
    assert client.get(reverse("postfach:detail", kwargs={"number": org_case.vorgangsnummer})).status_code == 404


def test_data_export_contains_vorgaenge_and_drafts_without_internal_data(client, own_case, erika):
    from amtsweg.directory.services import membership_set

    worker = get_user_model().objects.create_user(username="sb.intern", password="x" * 16, is_staff=True)
    membership_set(user=worker, authority=own_case.vorgang.authority, role="sachbearbeitung")
    nachforderung_request(
        vorgang=own_case.vorgang, actor=worker, text="Bitte Nachweis einreichen.", due_date=None, documents=["Nachweis"]
    )
    client.force_login(erika)
    response = client.post(reverse("accounts:data_export"))
    data = json.loads(response.content)
    [antrag] = data["antraege"]
    assert antrag["vorgangsnummer"] == own_case.vorgangsnummer
    assert antrag["status"] == "Unterlagen nachgefordert"
    assert antrag["leistung"] and antrag["zustaendige_stelle"] == own_case.vorgang.authority.name
    [event] = antrag["verlauf"]
    assert event["text"] == "Bitte Nachweis einreichen." and event["angeforderte_unterlagen"] == ["Nachweis"]
    raw = response.content.decode()
    # Who worked the case stays internal.
    assert "sb.intern" not in raw and f"user:{worker.pk}" not in raw
    assert data["begonnene_antraege"] == []
