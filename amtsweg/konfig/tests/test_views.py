"""The portal's pages: real forms (no JSON) for configure and route, the workflow by POSTs, and isolation:
another Kommune's admin gets 404 for every id and every forged POST, citizens and case workers get nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.assistant.models import Activation
from amtsweg.forms.models import Overlay
from amtsweg.hub.models import TargetSystem
from amtsweg.hub.targets import target_secrets
from amtsweg.konfig.models import KonfigChange, ServiceSetup

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_pirna(client, admin_pirna):
    client.force_login(admin_pirna)
    return client


def test_catalogue_activate_configure_route_test_and_go_live(client_pirna, definition, pirna, mailbox):
    page = client_pirna.get(reverse("konfig:catalogue"))
    assert page.status_code == 200 and "Anmeldung zur Hundesteuer" in page.content.decode()
    assert "nicht aktiviert" in page.content.decode()
    assert "Keine Leistung passt" in client_pirna.get(reverse("konfig:catalogue") + "?q=xyzxyz").content.decode()

    response = client_pirna.post(reverse("konfig:activate", args=[definition.pk]), {"behoerde": pirna.pk})
    setup = ServiceSetup.objects.get(definition=definition, authority=pirna)
    assert response.url == reverse("konfig:setup", args=[setup.pk])

    details_url = reverse("konfig:details", args=[setup.pk])
    form = client_pirna.get(details_url).context["form"]
    fee = next(n for n, key in form.parameter_names.items() if key == "gebuehr_erster_hund")
    assert form.fields[fee].label == "Steuersatz erster Hund (€/Jahr)"  # the definition's label, not the key
    intro = next(n for n, key in form.text_keys.items() if key == "steps.hunde.intro")
    bad = client_pirna.post(details_url, {fee: "sehr teuer", "contact_email": "kein-mail"})
    assert bad.status_code == 200
    assert "Betrag in Euro" in bad.context["form"].errors[fee][0]
    assert bad.context["form"].errors["contact_email"]
    ok = client_pirna.post(
        details_url,
        {
            fee: "108,00",
            intro: "Bitte geben Sie jeden Hund einzeln an.",
            "disabled_fields": ["telefon"],
            "contact_name": "Stadt Pirna, Steueramt",
        },
    )
    assert ok.status_code == 302
    overlay = Overlay.objects.get(definition=definition, authority=pirna)
    assert overlay.parameters == {"gebuehr_erster_hund": "108.00"}
    assert overlay.texts == {"steps.hunde.intro": "Bitte geben Sie jeden Hund einzeln an."}
    preview = client_pirna.get(reverse("konfig:preview", args=[setup.pk])).content.decode()
    assert "Bitte geben Sie jeden Hund einzeln an." in preview and "108.00" in preview
    assert "Stadt Pirna, Steueramt" in preview

    route_url = reverse("konfig:route", args=[setup.pk]) + "?ziel=postfach"
    page = client_pirna.get(route_url)
    assert "Empfängeradressen" in page.content.decode()  # labels from the adapter's schema
    assert 'type="password"' in page.content.decode()
    bad = client_pirna.post(route_url, {"name": "Postfach", "host": "127.0.0.1", "from_email": "x", "to": "a@b.de"})
    assert bad.status_code == 200 and bad.context["form"].errors.get("from_email")
    saved = client_pirna.post(
        route_url,
        {
            "name": "Steueramt-Postfach",
            "host": "127.0.0.1",
            "port": str(mailbox.port),
            "from_email": "portal@pirna.example",
            "to": "steueramt@pirna.example\nkasse@pirna.example",
            "timeout": "10",
            "password": "geheim-123",
        },
    )
    assert saved.status_code == 302
    target = TargetSystem.objects.get(authority=pirna, key="konfig-hundesteuer")
    assert target.config["to"] == ["steueramt@pirna.example", "kasse@pirna.example"]
    assert "password" not in target.config and target_secrets(target=target) == {"password": "geheim-123"}
    page = client_pirna.get(route_url).content.decode()
    assert "geheim-123" not in page and "Leer lassen = unverändert" in page

    refused = client_pirna.post(reverse("konfig:golive", args=[setup.pk]), {"when": "sofort"}, follow=True)
    assert "erfolgreichen Testantrag" in refused.content.decode()
    client_pirna.post(reverse("konfig:test", args=[setup.pk]))
    assert len(mailbox.received) == 1
    page = client_pirna.get(reverse("konfig:setup", args=[setup.pk])).content.decode()
    assert "Zugestellt" in page and "Test bestanden" in page
    client_pirna.post(reverse("konfig:golive", args=[setup.pk]), {"when": "sofort"})
    assert Activation.objects.get(definition=definition, authority=pirna).live
    assert KonfigChange.objects.filter(setup=setup).count() >= 5


def test_second_kommune_admin_can_neither_see_nor_change(client, admin_freiberg, setup, definition, pirna):
    client.force_login(admin_freiberg)
    catalogue = client.get(reverse("konfig:catalogue")).content.decode()
    assert "Pirna" not in catalogue
    assert client.get(reverse("konfig:catalogue") + f"?behoerde={pirna.pk}").status_code == 404
    for name in ("setup", "details", "preview", "route"):
        assert client.get(reverse(f"konfig:{name}", args=[setup.pk])).status_code == 404, name
    for name in ("details", "route", "test", "golive", "deactivate"):
        assert client.post(reverse(f"konfig:{name}", args=[setup.pk]), {"when": "sofort"}).status_code == 404, name
    # Forged activation for another authority: refused, nothing created for Pirna by Freiberg's admin.
    assert client.post(reverse("konfig:activate", args=[definition.pk]), {"behoerde": pirna.pk}).status_code == 404
    assert not Overlay.objects.filter(authority=pirna).exists()
    assert setup.changes.count() == 1


def test_only_kommunal_admins_get_in(client, db, definition):
    from django.contrib.auth import get_user_model

    from amtsweg.demo.staff import demo_caseworker_ensure

    assert client.get(reverse("konfig:catalogue")).status_code == 302  # to the login
    demo_caseworker_ensure()
    client.force_login(get_user_model().objects.get(username="sachbearbeitung.freiberg"))
    assert client.get(reverse("konfig:catalogue")).status_code == 404


def test_no_folder_on_the_platform_server_from_the_portal(client_pirna, setup):
    from amtsweg.hub.models import Product

    product = Product.objects.create(name="Beispiel-DMS", kind=Product.Kind.DMS, adapter_types=["xdomea", "filedrop"])
    url = reverse("konfig:route", args=[setup.pk]) + f"?ziel={product.pk}"
    page = client_pirna.get(url).content.decode()
    assert "Importordner des DMS" not in page and "SFTP-Zugang zum Importordner" in page
    assert 'value="filedrop"' not in page
    # A forged POST with a local folder is refused by the service.
    response = client_pirna.post(url + "&adapter=filedrop", {"name": "x", "directory": "/etc"})
    assert not TargetSystem.objects.filter(authority=setup.authority).exists()
    assert response.status_code == 200
