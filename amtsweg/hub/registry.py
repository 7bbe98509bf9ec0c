"""Typed registry of delivery adapters, keyed by ``type_key`` (the target-system type)."""

from __future__ import annotations

from amtsweg.hub.adapters.base import DeliveryAdapter


class AdapterRegistry:
    def __init__(self):
        self._classes: dict[str, type] = {}

    def register(self, cls: type) -> type:
        """Class decorator: ``@adapter_registry.register``. Re-registering the same key replaces it."""
        key = getattr(cls, "type_key", "")
        if not key or not isinstance(key, str):
            raise TypeError(f"{cls.__name__} needs a non-empty str type_key")
        for attr in ("label", "config_schema", "deliver"):
            if not hasattr(cls, attr):
                raise TypeError(f"{cls.__name__} lacks {attr}")
        self._classes[key] = cls
        return cls

    def unregister(self, type_key: str) -> None:
        self._classes.pop(type_key, None)

    def get(self, type_key: str) -> DeliveryAdapter:
        try:
            cls = self._classes[type_key]
        except KeyError:
            raise LookupError(f"Kein Adapter für Zielsystem-Typ {type_key!r} registriert.") from None
        return cls()

    def has(self, type_key: str) -> bool:
        return type_key in self._classes

    def all(self) -> dict[str, type]:
        return dict(sorted(self._classes.items()))

    def choices(self) -> list[tuple[str, str]]:
        return [(key, getattr(cls, "label", key)) for key, cls in self.all().items()]


adapter_registry = AdapterRegistry()
