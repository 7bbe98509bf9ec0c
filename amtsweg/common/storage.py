"""The ``private`` file storage (outside the web root, no URL) for every app that keeps files:
submissions (receipts, attachments) and cases (Bescheide). Lives here, at the bottom, so that no app
has to import another one just to store a file."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage, storages
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    """The ``private`` storage of settings.STORAGES, looked up on every use (not once at import), so
    ``override_settings(STORAGES=...)`` applies."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]

    def __getattr__(self, name: str) -> Any:
        return getattr(storages["private"], name)


_private_storage = PrivateStorage()


def private_storage() -> Storage:
    # A callable, so migrations record a reference rather than a storage instance.
    return _private_storage  # a lazy proxy of the Storage
