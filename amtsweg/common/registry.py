"""A small registry of plugin classes by key: the base for hub delivery adapters and, later, login and
payment providers.

A subclass names the class attribute that carries the key (``key_attr``), the attributes every plugin
must have (``required``) and the German text for an unknown key. Plugins register themselves with the
``@registry.register`` class decorator when their module is imported (the app's ``ready()``); callers
look them up by key. Each registry is an ordinary object, so a test can build its own instead of
changing the shared one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

P = TypeVar("P")


class UnknownPlugin(LookupError):
    """No plugin is registered under the key; the message is German and names the key."""

    def __init__(self, message: str, *, key: str):
        super().__init__(message)
        self.key = key


class Registry(Generic[P]):
    key_attr: str = "key"
    required: tuple[str, ...] = ()
    label_attr: str = "label"
    # ``{key!r}`` is filled in.
    unknown_message: str = "Kein Plugin mit dem Schlüssel {key!r} registriert."
    # False: registering a different class under a taken key is a programming error (two plugins
    # claiming one key). Re-registering the very same class (a module imported twice) is always fine.
    replace_allowed: bool = False

    def __init__(self) -> None:
        self._classes: dict[str, type[P]] = {}

    def key_of(self, cls: type) -> str:
        key = getattr(cls, self.key_attr, "")
        if not key or not isinstance(key, str):
            raise TypeError(f"{cls.__name__} needs a non-empty str {self.key_attr}")
        return key

    def check(self, cls: type) -> None:
        """Hook for subclasses: raise ``TypeError`` if ``cls`` cannot serve as a plugin."""

    def register(self, cls: type[P]) -> type[P]:
        """Class decorator: ``@registry.register``."""
        key = self.key_of(cls)
        for attr in self.required:
            if not hasattr(cls, attr):
                raise TypeError(f"{cls.__name__} lacks {attr}")
        self.check(cls)
        taken = self._classes.get(key)
        if taken is not None and taken is not cls and not self.replace_allowed:
            raise ValueError(f"{self.key_attr} {key!r} is already registered by {taken.__name__}")
        self._classes[key] = cls
        return cls

    def unregister(self, key: str) -> None:
        self._classes.pop(key, None)

    def get_class(self, key: str) -> type[P]:
        try:
            return self._classes[key]
        except KeyError:
            raise UnknownPlugin(self.unknown_message.format(key=key), key=key) from None

    def get(self, key: str) -> P:
        """A fresh instance of the plugin registered under ``key``."""
        return self.get_class(key)()

    def has(self, key: str) -> bool:
        return key in self._classes

    def __contains__(self, key: object) -> bool:
        return key in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)

    def all(self) -> dict[str, type[P]]:
        """Registered classes by key, sorted by key."""
        return dict(sorted(self._classes.items()))

    def choices(self) -> list[tuple[str, str]]:
        """``(key, label)`` pairs for a form field, sorted by key; the label falls back to the key."""
        return [(key, getattr(cls, self.label_attr, key)) for key, cls in self.all().items()]
