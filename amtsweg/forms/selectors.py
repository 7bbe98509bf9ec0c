"""Reads for application assistants: current versions, overlays and the effective form of a Kommune."""

from __future__ import annotations

import json
import re

import yaml

from amtsweg.forms.engine import ResolvedForm, form_from_document, overlay_problems
from amtsweg.forms.models import FormDefinition, FormVersion, Overlay


def form_definition_get(*, key: str) -> FormDefinition | None:
    return FormDefinition.objects.filter(key=key).select_related("leistung").first()


def form_version_current(*, definition: FormDefinition) -> FormVersion | None:
    """The newest published version (the one new applications use), or None."""
    return definition.versions.filter(status=FormVersion.Status.PUBLISHED).order_by("-number").first()


def form_version_latest(*, definition: FormDefinition) -> FormVersion | None:
    """The newest version of any status (a draft being edited, for instance)."""
    return definition.versions.order_by("-number").first()


def overlay_get(*, definition: FormDefinition, authority) -> Overlay | None:
    return Overlay.objects.filter(definition=definition, authority=authority).first()


def overlay_conflicts(*, overlay: Overlay, version: FormVersion) -> list[str]:
    """German messages for overlay entries that no longer fit ``version`` (e.g. a removed field)."""
    return overlay_problems(
        document=version.document,
        parameters=overlay.parameters,
        texts=overlay.texts,
        disabled_fields=overlay.disabled_fields,
    )


def form_resolve(*, version: FormVersion, overlay: Overlay | None = None, language: str = "de") -> ResolvedForm:
    """The effective form: ``version`` with the overlay's texts, parameters, switches and contact.

    ``language``: the citizen's page language for the assistant's own texts (translations block, German
    fallback). Submissions and everything sent to the authority use the German default.

    Conflicting overlay entries are ignored here (see ``overlay_conflicts``), so a new central
    version never breaks a Kommune's assistant.
    """
    if overlay is None:
        return form_from_document(document=version.document, version=version, language=language)
    return form_from_document(
        document=version.document,
        parameters=overlay.parameters,
        texts=overlay.texts,
        disabled_fields=overlay.disabled_fields,
        contact=overlay.contact,
        version=version,
        overlay=overlay,
        language=language,
    )


def definition_export(*, version: FormVersion, fmt: str = "yaml") -> str:
    """The version's document as YAML or JSON text (loading it again yields the same content hash)."""
    if fmt == "json":
        return json.dumps(version.document, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(version.document, allow_unicode=True, sort_keys=False, width=110)
    raise ValueError(f"Unbekanntes Format {fmt!r}; erlaubt sind 'yaml' und 'json'.")


def _version_key(version: str) -> tuple:
    """Natural order for versions such as "2", "4.1" or "2017-01-01"."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-_]", version))


def codelist_resolve(*, urn: str, version: str = ""):
    """The values of code list ``urn`` in ``version`` (or, as reported fallback, its newest stored version).

    Returns ``fim.model.CodelistValues`` or None when no version of the URN is stored.
    """
    from amtsweg.forms.fim.model import CodelistValues
    from amtsweg.forms.models import CodeList

    candidates = list(CodeList.objects.filter(urn=urn))
    if not candidates:
        return None
    chosen = next((c for c in candidates if c.version == version), None)
    if chosen is None:
        chosen = max(candidates, key=lambda c: _version_key(c.version))
    options = [{"value": e.code, "label": e.label} for e in chosen.entries.order_by("position")]
    return CodelistValues(
        urn=chosen.urn,
        version=chosen.version,
        requested_version=version,
        name=chosen.name,
        options=options,
        attribution=chosen.attribution,
    )
