"""Static file storages whose URLs are computed once per process (ADR 0027).

Every page asks for the same handful of static URLs (stylesheets, scripts); building each one (manifest look-up,
``urljoin``, quoting) cost about a tenth of a Leistung page's time. The files and the manifest only change with
``collectstatic`` followed by a restart, so a URL, once computed, stays right for the life of the process.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _MemoisedUrls:
    _url_memo: dict[str, str]

    def url(self, name: Any, force: bool = False) -> str:
        if force or not isinstance(name, str):
            return super().url(name, force)  # type: ignore[misc]
        memo = self.__dict__.setdefault("_url_memo", {})
        url = memo.get(name)
        if url is None:
            url = super().url(name)  # type: ignore[misc]
            if len(memo) < 1024:  # names come from templates, not from requests; the bound is a safeguard
                memo[name] = url
        return url


class MemoisedStaticFilesStorage(_MemoisedUrls, StaticFilesStorage):
    """Development and demo: plain files, URLs memoised."""


class MemoisedManifestStaticFilesStorage(_MemoisedUrls, CompressedManifestStaticFilesStorage):
    """Production: hashed names from the manifest (whitenoise), URLs memoised."""
