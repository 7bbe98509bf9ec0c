"""Shared service: Pirna hands the Hundesteuer to a neighbour that accepts; Zuständigkeit follows and returns."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from amtsweg.directory.models import AuthorityMembership
from amtsweg.directory.services import membership_set
from amtsweg.jurisdiction.selectors import responsible_authority
from amtsweg.konfig.handover import handover_accept, handover_candidates, handover_decline, handover_end, handover_offer
from amtsweg.konfig.models import Handover

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(definition, pirna):
    return handover_candidates(authority=pirna, leistung=definition.leistung).first()


def test_accepted_handover_moves_zustaendigkeit_and_ending_returns_it(definition, pirna, neighbour, admin_pirna):
    leistung = definition.leistung
    assert responsible_authority(leistung=leistung, gemeinde=pirna.territory).authority == pirna
    assert neighbour.territory.ars.startswith(pirna.territory.ars[:5])  # same Kreis
    handover = handover_offer(authority=pirna, leistung=leistung, to_authority=neighbour, user=admin_pirna)
    with pytest.raises(ValidationError):
        handover_offer(authority=pirna, leistung=leistung, to_authority=neighbour)  # one open offer only
    assert responsible_authority(leistung=leistung, gemeinde=pirna.territory).authority == pirna  # only offered
    handover_accept(handover=handover)
    assert responsible_authority(leistung=leistung, gemeinde=pirna.territory).authority == neighbour
    handover_end(handover=handover)
    assert responsible_authority(leistung=leistung, gemeinde=pirna.territory).authority == pirna
    assert handover.status == Handover.Status.ENDED


def test_declined_offer_changes_nothing_and_cannot_be_accepted(definition, pirna, neighbour):
    handover = handover_offer(authority=pirna, leistung=definition.leistung, to_authority=neighbour)
    handover_decline(handover=handover)
    with pytest.raises(ValidationError):
        handover_accept(handover=handover)
    assert responsible_authority(leistung=definition.leistung, gemeinde=pirna.territory).authority == pirna


def test_only_the_receiving_admin_may_accept(client, definition, pirna, neighbour, admin_pirna, admin_freiberg):
    client.force_login(admin_pirna)
    client.post(reverse("konfig:handover_offer", args=[definition.pk]), {"behoerde": pirna.pk, "to": neighbour.pk})
    handover = Handover.objects.get(from_authority=pirna)
    accept = reverse("konfig:handover_decide", args=[handover.pk])
    assert client.post(accept, {"aktion": "annehmen"}).status_code == 403  # the offering side cannot accept
    client.force_login(admin_freiberg)
    assert client.post(accept, {"aktion": "annehmen"}).status_code == 404  # a stranger does not even see it
    membership_set(user=admin_freiberg, authority=neighbour, role=AuthorityMembership.Role.KOMMUNAL_ADMIN)
    page = client.get(reverse("konfig:catalogue") + f"?behoerde={neighbour.pk}").content.decode()
    assert "Stadtverwaltung Pirna" in page and "annehmen" in page.lower()
    assert client.post(accept, {"aktion": "annehmen"}).status_code == 302
    assert responsible_authority(leistung=definition.leistung, gemeinde=pirna.territory).authority == neighbour
