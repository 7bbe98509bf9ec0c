"""Typed registry of delivery adapters, keyed by ``type_key`` (the target-system type)."""

from __future__ import annotations

from amtsweg.common.registry import Registry
from amtsweg.hub.adapters.base import DeliveryAdapter


class AdapterRegistry(Registry[DeliveryAdapter]):
    key_attr = "type_key"
    required = ("label", "config_schema", "deliver")
    unknown_message = "Kein Adapter für Zielsystem-Typ {key!r} registriert."
    # Re-registering a key replaces the adapter (a deployment may swap in its own for a type).
    replace_allowed = True


adapter_registry = AdapterRegistry()
