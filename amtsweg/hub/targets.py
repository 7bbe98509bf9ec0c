"""Target-system configuration: one check, used where it is entered (admin, services, demo) and when sending.

Each adapter declares ONE JSON Schema (``config_schema``) for the merged configuration: plain settings
plus secrets. Properties marked ``"writeOnly": true`` are secrets; they belong in the encrypted secrets
field, never in the plain settings (which are stored in clear and shown in the admin). Besides the
declared secrets, any key whose *name* looks like a secret is refused in the settings, at any depth
(e.g. an ``Authorization`` header), because a schema cannot know every place a secret may be typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from amtsweg.hub import crypto
from amtsweg.hub.models import Product, TargetSystem

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet
    from jsonschema.exceptions import ValidationError as SchemaError

    from amtsweg.directory.models import Authority

SECRETS_FIELD = "Geheimnisse (neu setzen)"
# Token sequences of a normalised key name (lower case, split at "_") that make it a secret.
_SECRET_SEQUENCES = (
    ("secret",),
    ("password",),
    ("passwort",),
    ("kennwort",),
    ("token",),
    ("passphrase",),
    ("apikey",),
    ("api", "key"),
    ("private", "key"),
    ("access", "key"),
    ("authorization",),
    ("credential",),
    ("credentials",),
)
# A key ending in one of these names a place (e.g. "private_key_path"), not the secret itself.
_REFERENCE_SUFFIXES = ("path", "file", "url", "uri")


def _tokens(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(key))  # apiKey -> api_Key
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def secret_looking(key: str) -> bool:
    """True for key names like ``secret``, ``Password``, ``client_secret``, ``X-Api-Key``, ``apiKey``."""
    tokens = _tokens(key)
    if not tokens or tokens[-1] in _REFERENCE_SUFFIXES:
        return False
    for sequence in _SECRET_SEQUENCES:
        n = len(sequence)
        if any(tuple(tokens[i : i + n]) == sequence for i in range(len(tokens) - n + 1)):
            return True
    return False


def _secret_paths(schema: dict, prefix: str = "") -> set[str]:
    """Dotted paths of the properties the schema marks as secret (``writeOnly``), also nested."""
    paths = set()
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{prefix}{name}"
        if prop.get("writeOnly"):
            paths.add(path)
        if prop.get("type") == "object":
            paths |= _secret_paths(prop, prefix=f"{path}.")
    return paths


def _walk(value: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, key) of every key in nested dicts (and dicts inside lists)."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            yield path, key
            yield from _walk(item, prefix=f"{path}.")
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, prefix=prefix)


def config_merge(settings: dict, secrets: dict) -> dict:
    """Settings with the secrets laid over them, nested objects merged (e.g. ``sftp.password``)."""
    merged = dict(settings or {})
    for key, value in (secrets or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = config_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _adapter_schema(type_key: str) -> dict:
    from amtsweg.hub.registry import adapter_registry

    if not adapter_registry.has(type_key):
        raise ValidationError({"type_key": f"Unbekannter Zielsystem-Typ „{type_key}“."})
    return adapter_registry.all()[type_key].config_schema


def _where(path: Iterable[object]) -> str:
    return ".".join(str(p) for p in path)


def _schema_message(error: SchemaError, merged: dict, secret_paths: set[str]) -> tuple[str, str]:
    """(field, German message) for one jsonschema error; the field is "config" or "secrets"."""
    where = _where(error.absolute_path)
    prefix = f"{where}." if where else ""
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(k for k in (error.schema.get("properties") or {}) if f"{prefix}{k}" not in secret_paths)
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        names = ", ".join(f"„{prefix}{name}“" for name in extra)
        hint = f" Erlaubt sind: {', '.join(allowed)}." if allowed else ""
        return "config", f"Unbekannter Schlüssel {names}.{hint}"
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = f"{prefix}{missing[0] if missing else '?'}"
        if name in secret_paths:
            return "secrets", f"Das Geheimnis „{name}“ fehlt (im verschlüsselten Feld „{SECRETS_FIELD}“ angeben)."
        return "config", f"Die Pflichtangabe „{name}“ fehlt."
    if kind in ("anyOf", "oneOf"):
        options = ["/".join(f"„{prefix}{r}“" for r in sub.get("required", [])) for sub in error.validator_value if sub]
        return "config", (
            f"Bitte eine dieser Angaben machen: {' oder '.join(o for o in options if o)} "
            f"(Passwörter und Schlüssel im verschlüsselten Feld „{SECRETS_FIELD}“)."
        )
    field = "secrets" if where in secret_paths else "config"
    label = f"„{where}“" if where else "die Einstellungen"
    value = error.validator_value
    texts = {
        "type": lambda: f"Falscher Typ bei {label} (erwartet: {value}).",
        "enum": lambda: f"Ungültiger Wert bei {label}; erlaubt: {', '.join(map(str, value))}.",
        "const": lambda: f"Ungültiger Wert bei {label}.",
        "pattern": lambda: f"Ungültiges Format bei {label}.",
        "minLength": lambda: f"{label} ist zu kurz (mindestens {value} Zeichen).",
        "minimum": lambda: f"{label} ist zu klein (mindestens {value}).",
        "maximum": lambda: f"{label} ist zu groß (höchstens {value}).",
        "exclusiveMinimum": lambda: f"{label} muss größer als {value} sein.",
        "minItems": lambda: f"{label} braucht mindestens {value} Eintrag/Einträge.",
        "dependentRequired": lambda: f"Zu {label} fehlt eine abhängige Angabe.",
        "not": lambda: f"Diese Kombination ist nicht erlaubt bei {label}.",
    }
    return field, texts[kind]() if kind in texts else f"Ungültige Angabe bei {label}."


@lru_cache(maxsize=32)
def _validator(_type_key: str, schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json))


def config_problems(*, type_key: str, settings: dict, secrets: dict) -> dict[str, list[str]]:
    """German problems per form field ("type_key", "config", "secrets"); empty when the configuration is valid."""
    problems: dict[str, list[str]] = {}

    def add(field: str, text: str) -> None:
        if text not in problems.setdefault(field, []):
            problems[field].append(text)

    try:
        schema = _adapter_schema(type_key)
    except ValidationError as exc:
        return {field: list(texts) for field, texts in exc.message_dict.items()}
    if not isinstance(settings, dict):
        return {"config": ["Bitte ein JSON-Objekt angeben."]}
    if not isinstance(secrets, dict):
        return {"secrets": ["Bitte ein JSON-Objekt angeben."]}
    secret_paths = _secret_paths(schema)
    for path, key in _walk(settings):
        if path in secret_paths or secret_looking(key):
            add(
                "config",
                f"„{path}“ sieht nach einem Geheimnis aus. Geheimnisse gehören in das verschlüsselte Feld "
                f"„{SECRETS_FIELD}“, nicht in die Einstellungen.",
            )
    for path, _key in _walk(secrets):
        if isinstance(_lookup(secrets, path), dict):
            continue  # a nesting level (e.g. "sftp"), its leaves are checked
        if path not in secret_paths:
            add("secrets", f"„{path}“ ist kein Geheimnis dieses Zielsystem-Typs; bitte in die Einstellungen.")
    merged = config_merge(settings, secrets)
    validator = _validator("", json.dumps(schema, sort_keys=True))
    errors = sorted(validator.iter_errors(merged), key=lambda e: (list(e.absolute_path), e.validator))
    for error in errors:
        if error.validator in ("allOf", "if") and error.context:
            error = best_match(error.context)  # noqa: PLW2901 - report the concrete cause
        field, text = _schema_message(error, merged, secret_paths)
        add(field, text)
    return problems


def _lookup(value: object, path: str) -> object:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def target_config_validate(*, type_key: str, settings: dict, secrets: dict) -> None:
    """Raise ``ValidationError`` (messages per field: type_key/config/secrets) unless the configuration
    fits the adapter's schema and no secret sits in the plain settings. The one check for admin and services."""
    problems = config_problems(type_key=type_key, settings=settings, secrets=secrets)
    if problems:
        raise ValidationError(problems)


def target_secrets(*, target: TargetSystem) -> dict:
    """The decrypted secrets of a target (in memory only)."""
    return crypto.decrypt_json(target.secrets_encrypted, default={}) if target.secrets_encrypted else {}


def target_config(*, target: TargetSystem) -> dict:
    """Config for the adapter: settings plus decrypted secrets (only in memory, only while delivering)."""
    # Nested merge: a secret may live inside an object of the settings (e.g. xdomea's ``sftp.password``).
    return config_merge(target.config or {}, _secrets(target.secrets_encrypted, crypto.fernet()))


@lru_cache(maxsize=256)
def _secrets(token: str, _keys: MultiFernet) -> dict:
    """Decrypted target secrets, per process. Keyed by the ciphertext (changed secrets → new token) and
    the key set (a rotated or removed key is honoured at once); callers get a merged copy."""
    return crypto.decrypt_json(token, default={})


@lru_cache(maxsize=512)
def _send_problems(schema_json: str, settings_json: str, secrets_token: str, _keys: MultiFernet) -> tuple[str, ...]:
    schema = json.loads(schema_json)
    settings = json.loads(settings_json)
    secrets = crypto.decrypt_json(secrets_token, default={}) if secrets_token else {}
    validator = _validator("", schema_json)
    secret_paths = _secret_paths(schema)
    texts = []
    for error in sorted(validator.iter_errors(config_merge(settings, secrets)), key=lambda e: list(e.absolute_path)):
        if error.validator in ("allOf", "if") and error.context:
            error = best_match(error.context)  # noqa: PLW2901
        texts.append(_schema_message(error, {}, secret_paths)[1])
    return tuple(dict.fromkeys(texts))


def target_send_problems(*, target: TargetSystem) -> list[str]:
    """Schema problems of a stored target's configuration at send time (cached per configuration and
    schema). An unknown adapter type is not reported here (the processor reports it itself)."""
    try:
        schema = _adapter_schema(target.type_key)
    except ValidationError:
        return []
    schema_json = json.dumps(schema, sort_keys=True)
    settings_json = json.dumps(target.config or {}, sort_keys=True)
    return list(_send_problems(schema_json, settings_json, target.secrets_encrypted or "", crypto.fernet()))


def target_problems(*, target: TargetSystem) -> list[str]:
    """Why a stored target cannot receive deliveries (German); empty = it can."""
    if not target.active:
        return ["Das Zielsystem ist nicht aktiv."]
    try:
        return target_send_problems(target=target)
    except crypto.DecryptionFailed:
        return ["Die Geheimnisse lassen sich mit dem aktuellen Schlüssel nicht entschlüsseln."]


# --- writes --------------------------------------------------------------------------------------


def _secrets_token(secrets: dict | None) -> str:
    return crypto.encrypt_json(secrets) if secrets else ""


def target_secrets_set(*, target: TargetSystem, secrets: dict) -> TargetSystem:
    """Replace the target's secrets (stored encrypted; never shown again)."""
    target.secrets_encrypted = _secrets_token(secrets)
    TargetSystem.objects.filter(pk=target.pk).update(secrets_encrypted=target.secrets_encrypted)
    return target


def target_create(
    *,
    authority: Authority,
    key: str,
    name: str,
    type_key: str,
    config: dict,
    secrets: dict | None = None,
    wants_receipt: bool = True,
    active: bool = True,
    product: Product | None = None,
) -> TargetSystem:
    """Create a target system after validating its configuration (``ValidationError`` otherwise).

    ``product``: the inventory entry this is an installation of (must be reachable by ``type_key``)."""
    if product is not None and product.adapter_types and type_key not in product.adapter_types:
        raise ValidationError({"product": f"„{product.name}“ ist nicht über den Adapter „{type_key}“ anbindbar."})
    secrets = secrets or {}
    target_config_validate(type_key=type_key, settings=config, secrets=secrets)
    target = TargetSystem(
        authority=authority,
        key=key,
        name=name,
        type_key=type_key,
        config=config,
        secrets_encrypted=_secrets_token(secrets),
        wants_receipt=wants_receipt,
        active=active,
        product=product,
    )
    with transaction.atomic():
        target.save()
        _waiting_release(target=target)
    return target


def target_update(*, target: TargetSystem, secrets: dict | None = None, **fields: Any) -> TargetSystem:
    """Change a target system; ``secrets=None`` keeps the stored secrets. Validated like ``target_create``."""
    for name, value in fields.items():
        setattr(target, name, value)
    effective = target_secrets(target=target) if secrets is None else secrets
    target_config_validate(type_key=target.type_key, settings=target.config or {}, secrets=effective)
    if secrets is not None:
        target.secrets_encrypted = _secrets_token(secrets)
    with transaction.atomic():
        target.save()
        _waiting_release(target=target)
    return target


def target_ensure(
    *, authority: Authority, key: str, name: str, type_key: str, config: dict, secrets: dict | None = None
) -> TargetSystem:
    """Create or update (config and secrets replaced) one target system, validated (demo setup)."""
    existing = TargetSystem.objects.filter(authority=authority, key=key).first()
    if existing is None:
        return target_create(
            authority=authority, key=key, name=name, type_key=type_key, config=config, secrets=secrets or {}
        )
    return target_update(
        target=existing, name=name, type_key=type_key, config=config, active=True, secrets=secrets or {}
    )


def _waiting_release(*, target: TargetSystem) -> None:
    """An (re-)enabled or repaired target may be the route waiting messages lack."""
    if not target.active:
        return
    from amtsweg.hub.routing import messages_waiting_route

    for routing in target.routings.filter(active=True):
        messages_waiting_route(authority=routing.authority, leistung=routing.leistung)
