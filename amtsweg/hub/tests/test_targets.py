"""Target configuration is validated where it is entered (services, admin) and checked again when sending:
a configuration error goes to dead-letter at once with a readable reason, not through 20 retries."""

import pytest
from django.core.exceptions import ValidationError

from amtsweg.hub import crypto
from amtsweg.hub.adapters.base import DeliveryConfigurationError
from amtsweg.hub.models import Delivery, Routing, TargetSystem
from amtsweg.hub.registry import adapter_registry
from amtsweg.hub.services import delivery_process
from amtsweg.hub.targets import config_problems, secret_looking, target_create, target_update

SECRET = "demo-geheimnis-0123456789"


def _messages(error: ValidationError) -> str:
    return " ".join(text for texts in error.message_dict.values() for text in texts)


def test_unknown_and_missing_keys_are_named_in_german(dresden_authority):
    with pytest.raises(ValidationError) as caught:
        target_create(
            authority=dresden_authority, key="fv", name="FV", type_key="http", config={"URL": "http://127.0.0.1:9/"}
        )
    text = _messages(caught.value)
    assert "Unbekannter Schlüssel „URL“" in text and "Pflichtangabe „url“ fehlt" in text
    assert "Geheimnis „secret“ fehlt" in text and "caught" not in text
    assert not TargetSystem.objects.filter(authority=dresden_authority, key="fv").exists()


@pytest.mark.parametrize(
    "config",
    [
        {"url": "http://127.0.0.1:9/", "secret": SECRET},
        {"url": "http://127.0.0.1:9/", "Password": "x"},
        {"url": "http://127.0.0.1:9/", "client_secret": "x"},
        {"url": "http://127.0.0.1:9/", "headers": {"X-Api-Key": "x"}},
        {"url": "http://127.0.0.1:9/", "headers": {"Authorization": "Bearer x"}},
    ],
)
def test_a_secret_in_the_plain_settings_is_refused(dresden_authority, config):
    with pytest.raises(ValidationError) as caught:
        target_create(
            authority=dresden_authority,
            key="fv",
            name="FV",
            type_key="http",
            config=config,
            secrets={"secret": SECRET},
        )
    assert "Geheimnisse gehören in das verschlüsselte Feld" in caught.value.message_dict["config"][0]


def test_secret_names_are_recognised_but_paths_to_them_are_not():
    for key in ("secret", "PASSWORT", "Kennwort", "token", "api_key", "apiKey", "private_key", "client_secret"):
        assert secret_looking(key), key
    for key in ("private_key_path", "client_key", "url", "host_key", "directory", "monkey", "token_url"):
        assert not secret_looking(key), key


def test_nested_secrets_are_merged_and_validated(dresden_authority):
    sftp = {"host": "127.0.0.1", "username": "dms", "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"}
    assert (
        config_problems(
            type_key="xdomea", settings={"transport": "sftp", "sftp": sftp}, secrets={"sftp": {"password": "pw"}}
        )
        == {}
    )
    problems = config_problems(
        type_key="xdomea", settings={"transport": "sftp", "sftp": {**sftp, "password": "pw"}}, secrets={}
    )
    assert "„sftp.password“ sieht nach einem Geheimnis aus" in problems["config"][0]
    assert (
        "kein Geheimnis" in config_problems(type_key="filedrop", settings={}, secrets={"directory": "/x"})["secrets"][0]
    )


def test_valid_target_is_created_with_encrypted_secrets_and_update_keeps_them(dresden_authority):
    target = target_create(
        authority=dresden_authority,
        key="fv",
        name="FV",
        type_key="http",
        config={"url": "http://127.0.0.1:9/"},
        secrets={"secret": SECRET},
    )
    assert crypto.decrypt_json(target.secrets_encrypted) == {"secret": SECRET} and "secret" not in target.config
    target_update(target=target, config={"url": "http://127.0.0.1:9/neu", "mode": "multipart"})
    target.refresh_from_db()
    assert target.config["mode"] == "multipart" and crypto.decrypt_json(target.secrets_encrypted) == {"secret": SECRET}
    with pytest.raises(ValidationError):
        target_update(target=target, config={"url": "ftp://falsch"})
    target.refresh_from_db()
    assert target.config["url"] == "http://127.0.0.1:9/neu"


def test_admin_refuses_invalid_configuration_and_secret_in_settings(admin_client, dresden_authority):
    url = "/admin/hub/targetsystem/add/"
    base = {"authority": dresden_authority.pk, "key": "fv", "name": "FV", "type_key": "http", "active": "on"}
    response = admin_client.post(url, {**base, "config": '{"URL": "http://127.0.0.1:9/"}', "secrets": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "Unbekannter Schlüssel „URL“" in html and "„secret“ fehlt" in html
    response = admin_client.post(
        url, {**base, "config": f'{{"url": "http://127.0.0.1:9/", "secret": "{SECRET}"}}', "secrets": ""}
    )
    assert "Geheimnisse gehören in das verschlüsselte Feld" in response.content.decode()
    assert not TargetSystem.objects.filter(key="fv").exists()

    response = admin_client.post(
        url, {**base, "config": '{"url": "http://127.0.0.1:9/"}', "secrets": f'{{"secret": "{SECRET}"}}'}
    )
    assert response.status_code == 302
    target = TargetSystem.objects.get(key="fv")
    assert crypto.decrypt_json(target.secrets_encrypted) == {"secret": SECRET}
    # Editing without new secrets keeps (and validates against) the stored ones.
    change = f"/admin/hub/targetsystem/{target.pk}/change/"
    response = admin_client.post(change, {**base, "config": '{"url": "http://127.0.0.1:9/x"}', "secrets": ""})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.config == {"url": "http://127.0.0.1:9/x"} and target.secrets_encrypted


def _delivery_to(submit, authority, *, type_key, config, secrets=None):
    # Stored past the checks (as an old row or a hand-edited database would be).
    target = TargetSystem.objects.create(
        authority=authority,
        key="kaputt",
        name="Kaputtes Ziel",
        type_key=type_key,
        config=config,
        secrets_encrypted=crypto.encrypt_json(secrets) if secrets else "",
        wants_receipt=False,
    )
    Routing.objects.create(authority=authority, target=target)
    return Delivery.objects.get(message__vorgang__submission=submit(), target=target)


def test_invalid_stored_configuration_goes_to_dead_letter_at_once(submit, dresden_authority, rules):
    delivery = _delivery_to(submit, dresden_authority, type_key="http", config={"URL": "http://127.0.0.1:9/"})
    assert delivery_process(delivery_id=delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert delivery.status == "dead" and delivery.attempts == 1
    assert "Konfiguration des Zielsystems „Kaputtes Ziel“ ungültig" in delivery.last_error
    assert "„URL“" in delivery.last_error and "nicht wiederholbar" in delivery.last_error


class _ConfigReadingAdapter:
    """An adapter whose schema does not declare what it reads (an adapter bug or a config gap)."""

    type_key = "http"  # stands in for the HTTP adapter, so the active rule for "http" applies
    label = "Test (liest config['endpoint'])"
    config_schema = {"type": "object"}

    def deliver(self, *, payload, config):
        if config.get("raise_configuration_error"):
            raise DeliveryConfigurationError("Zertifikatsdatei fehlt.")
        return config["endpoint"]


@pytest.mark.parametrize(
    ("config", "reason"),
    [({}, "Angabe „endpoint“ fehlt"), ({"raise_configuration_error": True}, "Zertifikatsdatei fehlt.")],
)
def test_adapter_configuration_errors_are_not_retried(submit, dresden_authority, rules, monkeypatch, config, reason):
    monkeypatch.setitem(adapter_registry._classes, "http", _ConfigReadingAdapter)
    delivery = _delivery_to(submit, dresden_authority, type_key="http", config=config)
    assert delivery_process(delivery_id=delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and reason in delivery.last_error and "Unerwarteter Fehler" not in delivery.last_error


def test_a_target_names_its_inventory_product_only_if_reachable_by_its_adapter(dresden_authority, tmp_path):
    from amtsweg.hub.models import Product

    dms = Product.objects.create(name="Test-DMS", kind=Product.Kind.DMS, adapter_types=["xdomea"])
    with pytest.raises(ValidationError) as caught:
        target_create(
            authority=dresden_authority,
            key="dms",
            name="DMS",
            type_key="filedrop",
            config={"directory": str(tmp_path)},
            product=dms,
        )
    assert "nicht über den Adapter „filedrop“ anbindbar" in _messages(caught.value)
    Product.objects.filter(pk=dms.pk).update(adapter_types=["xdomea", "filedrop"])
    dms.refresh_from_db()
    target = target_create(
        authority=dresden_authority,
        key="dms",
        name="DMS",
        type_key="filedrop",
        config={"directory": str(tmp_path)},
        product=dms,
    )
    assert list(dms.installations.all()) == [target]
