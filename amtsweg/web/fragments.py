"""HTML fragments rendered once per process and kept under a key of everything they show (ADR 0027).

A fragment of a citizen's page that changes only when the catalogue, the reference data or an
assistant's definition does is kept per process under a hash of exactly the values it is rendered from
(for the Zuständigkeit: the reference data's stamp, ADR 0018), plus the active language. An edit (by
the admin, an import or a bulk update) gives a new key at once: nothing stale is ever served, and no
invalidation is needed. The size bound keeps memory flat; old keys simply fall out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe


class _Lru:
    """A small thread-safe LRU of rendered HTML (sync gunicorn workers use one thread, tests may use more)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: str, html: str) -> None:
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Leistung × place × language: a page's fragments are ~10 kB, so this stays below ~40 MB per process.
_FRAGMENTS = _Lru(4096)


def fragment_key(*parts: object) -> str:
    """A short key for ``parts`` (anything with a deterministic ``repr``) and the active language."""
    return hashlib.blake2b(repr((translation.get_language(), parts)).encode(), digest_size=16).hexdigest()


def fragment_cached(*, key: str, render: Callable[[], str]) -> SafeString:
    """The HTML stored under ``key`` in this process, else ``render()`` (already escaped HTML), stored."""
    html = _FRAGMENTS.get(key)
    if html is None:
        html = str(render())
        _FRAGMENTS.put(key, html)
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, which escaped it)


def fragment_get(key: str) -> SafeString | None:
    """The HTML stored under ``key`` in this process, or None."""
    html = _FRAGMENTS.get(key)
    return None if html is None else mark_safe(html)  # noqa: S308 (stored only after rendering)


def fragment_put(key: str, html: str) -> None:
    _FRAGMENTS.put(key, html)


def fragments_clear() -> None:
    """Forget every cached fragment of this process (tests; never needed for correctness)."""
    _FRAGMENTS.clear()
