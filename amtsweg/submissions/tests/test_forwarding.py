"""The citizen reads what really happened: "eingegangen", then the forwarding state from the hub's
deliveries (wird weitergeleitet / übermittelt am … / gestört), on the page and in the htmx partial."""

import pytest
from django.utils import timezone

from amtsweg.hub.models import Delivery, Routing, TargetSystem
from amtsweg.hub.routing import routing_create
from amtsweg.hub.services import delivery_process
from amtsweg.hub.targets import target_create
from amtsweg.submissions.access import SESSION_KEY
from amtsweg.submissions.receipt import receipt_html

PENDING = "Er wird an Stadtverwaltung Dresden weitergeleitet."
DISTURBED = "Die Weiterleitung ist gestört – wir kümmern uns darum. Sie müssen nichts tun."


@pytest.fixture
def dresden_authority(db):
    from amtsweg.directory.models import Authority

    return Authority.objects.get(key="gem-14612000")


@pytest.fixture
def routed(dresden_authority, tmp_path):
    target = target_create(
        authority=dresden_authority,
        key="ablage",
        name="Dateiablage",
        type_key="filedrop",
        config={"directory": str(tmp_path / "ablage")},
        wants_receipt=False,
    )
    return routing_create(authority=dresden_authority, target=target)


def _page(client, submission, suffix="bestaetigung/"):
    session = client.session
    session[SESSION_KEY] = [submission.vorgangsnummer]
    session.save()
    response = client.get(f"/antraege/{submission.vorgangsnummer}/{suffix}")
    assert response.status_code == 200
    return response.content.decode()


def test_pending_forwarding_polls_and_offers_a_link_without_javascript(client, submit, routed):
    submission = submit()
    html = _page(client, submission)
    assert "Ihr Antrag ist eingegangen" in html and PENDING in html
    assert "übergeben" not in html and "übermittelt am" not in html
    number = submission.vorgangsnummer
    assert f'hx-get="/antraege/{number}/weiterleitung/"' in html and 'hx-trigger="every 5s"' in html
    assert f'href="/antraege/{number}/bestaetigung/">Status aktualisieren</a>' in html
    partial = _page(client, submission, "weiterleitung/")
    assert PENDING in partial and "hx-trigger" in partial


def test_after_delivery_the_page_says_when_it_was_transmitted(client, submit, routed):
    submission = submit()
    delivery = Delivery.objects.get(message__vorgang__submission=submission)
    assert delivery_process(delivery_id=delivery.pk) == "delivered"  # the real file drop adapter
    delivery.refresh_from_db()
    at = timezone.localtime(delivery.delivered_at)
    expected = f"Er wurde an Stadtverwaltung Dresden übermittelt am {at:%d.%m.%Y}, {at:%H:%M} Uhr."
    html = _page(client, submission)
    assert "Ihr Antrag ist eingegangen" in html and expected in html and PENDING not in html
    partial = _page(client, submission, "weiterleitung/")
    assert expected in partial and "hx-trigger" not in partial  # polling stops


def test_without_route_or_with_a_dead_delivery_the_page_says_it_is_disturbed(client, submit, dresden_authority):
    unrouted = submit()
    html = _page(client, unrouted)
    assert "Ihr Antrag ist eingegangen" in html and DISTURBED in html and 'hx-trigger="every 5s"' not in html

    # A target stored past the checks with a broken configuration: dead at once, disturbed for the citizen.
    target = TargetSystem.objects.create(
        authority=dresden_authority, key="kaputt", name="Kaputt", type_key="filedrop", config={}, wants_receipt=False
    )
    Routing.objects.create(authority=dresden_authority, target=target)
    submission = submit()
    assert PENDING in _page(client, submission)
    delivery = Delivery.objects.get(message__vorgang__submission=submission)
    assert delivery_process(delivery_id=delivery.pk) == "dead"
    assert DISTURBED in _page(client, submission, "weiterleitung/")


def test_forwarding_partial_is_private(client, submit, routed):
    submission = submit()
    assert client.get(f"/antraege/{submission.vorgangsnummer}/weiterleitung/").status_code == 404


def test_receipt_says_received_and_being_forwarded_never_transmitted(submit, routed):
    submission = submit()
    html = receipt_html(submission=submission)
    assert "ist bei uns eingegangen" in html and "Er wird an Stadtverwaltung Dresden weitergeleitet" in html
    assert "übermittelt" not in html and "übergeben" not in html
