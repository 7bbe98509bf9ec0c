"""All real adapters are registered on app ready, each with a valid JSON Schema for its settings."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from amtsweg.hub.registry import AdapterRegistry, adapter_registry

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2Vfa2V5X2Zvcl9zY2hlbWFfdGVzdHNfb25seQ"
SECRET = "x" * 32

VALID = {
    "http": {"url": "https://fv.example/antraege", "secret": SECRET, "mode": "multipart", "timeout": 5},
    "email": {"host": "smtp.example", "from_email": "a@b.example", "to": ["c@d.example"]},
    "filedrop": {"directory": "/srv/ablage"},
    "sftp": {"host": "sftp.example", "username": "u", "password": "p", "host_key": HOST_KEY},
    "xdomea": {"transport": "sftp", "sftp": {"host": "h", "username": "u", "host_key": HOST_KEY}},
}
INVALID = {
    "http": {"url": "ftp://fv.example", "secret": SECRET},
    "email": {"host": "smtp.example", "from_email": "a@b.example", "to": [], "use_tls": True},
    "filedrop": {"directory": "relativ"},
    "sftp": {"host": "sftp.example", "username": "u", "host_key": HOST_KEY},  # no password or key
    "xdomea": {"transport": "sftp"},  # sftp settings missing
}


def test_all_five_adapters_are_registered():
    assert {"http", "email", "filedrop", "sftp", "xdomea"} <= set(adapter_registry.all())


@pytest.mark.parametrize("type_key", sorted(VALID))
def test_config_schema_is_valid_and_checks_settings(type_key):
    adapter = adapter_registry.get(type_key)
    Draft202012Validator.check_schema(adapter.config_schema)
    validator = Draft202012Validator(adapter.config_schema)
    assert list(validator.iter_errors(VALID[type_key])) == []
    assert list(validator.iter_errors(INVALID[type_key])) != []
    assert adapter.label


def test_the_adapter_registry_keys_by_type_key_and_explains_unknown_types():
    registry = AdapterRegistry()
    echo = type("Echo", (), {"type_key": "echo", "label": "Echo", "config_schema": {}, "deliver": lambda self: None})
    registry.register(echo)
    assert registry.choices() == [("echo", "Echo")] and isinstance(registry.get("echo"), echo)
    with pytest.raises(LookupError, match="Kein Adapter für Zielsystem-Typ 'fax' registriert."):
        registry.get("fax")
    with pytest.raises(TypeError, match="lacks deliver"):
        registry.register(type("Mute", (), {"type_key": "mute", "label": "M", "config_schema": {}}))
    with pytest.raises(TypeError, match="needs a non-empty str type_key"):
        registry.register(type("Nameless", (), {"label": "N", "config_schema": {}, "deliver": None}))
