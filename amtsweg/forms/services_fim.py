"""Writes for FIM imports: an XDatenfelder schema → a stored (and optionally published) assistant, with report.

Used by the ``import_fim`` command and the admin. The schema's code lists come from the code-list store
(``selectors.codelist_resolve``); publishing is refused while one is missing and when a check of a layer above
fails (the assistant checks the responsible authority for a Kommune: ``assistant.publishing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from amtsweg.forms.definition import DefinitionInvalid
from amtsweg.forms.fim import FimResult, fim_import
from amtsweg.forms.models import FormVersion
from amtsweg.forms.selectors import codelist_resolve
from amtsweg.forms.services import PublishCheck, definition_load, form_version_publish


@dataclass
class FimLoad:
    result: FimResult
    version: FormVersion
    publish_errors: list[str] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.version.status == FormVersion.Status.PUBLISHED

    def report(self) -> dict:
        return fim_report(
            document=self.result.definition,
            version=self.version,
            publish_errors=self.publish_errors,
            elements=[e.__dict__ for e in self.result.elements],
        )


def codelist_lookup(urn: str, version: str):
    return codelist_resolve(urn=urn, version=version)


def fim_schema_load(
    *,
    xml: bytes,
    key: str | None = None,
    leistung: str | None = None,
    publish: bool = False,
    checks: Sequence[PublishCheck] = (),
) -> FimLoad:
    """Import ``xml`` and store it as the newest draft of its assistant; publish it when asked and allowed.

    Raises ``FimImportError`` (the file cannot be imported) or ``DefinitionInvalid`` (the result is not a valid
    definition). A refused publication is not an exception: the draft stays and ``publish_errors`` says why.
    """
    result = fim_import(xml=xml, key=key, leistung=leistung, codelist_lookup=codelist_lookup)
    version = definition_load(document=result.definition)
    errors: list[str] = []
    if publish and version.status == FormVersion.Status.DRAFT:
        try:
            version = form_version_publish(version=version, checks=checks)
        except DefinitionInvalid as exc:
            errors = list(exc.errors)
    return FimLoad(result=result, version=version, publish_errors=errors)


def fim_report(
    *,
    document: dict,
    version: FormVersion | None = None,
    publish_errors: list[str] | None = None,
    elements: list[dict] | None = None,
) -> dict:
    """The import report as JSON-ready data: schema, binding, code lists, rules, warnings, publication."""
    from amtsweg.forms.definition import definition_publish_errors

    fim = document.get("x-fim") or {}
    definition = version.definition if version is not None else None
    blockers = publish_errors if publish_errors is not None else definition_publish_errors(document=document)
    report = {
        "schema": {k: fim.get(k) for k in ("id", "version", "standard", "message") if fim.get(k)},
        "definition": {"key": document["key"], "title": document["title"]},
        "leistung": {
            "leika_key": document.get("leistung", ""),
            "bound": bool(definition and definition.leistung_id),
            "name": definition.leistung.name if definition and definition.leistung_id else "",
        },
        "codelists": fim.get("codelists", []),
        "missing_codelists": [c for c in fim.get("codelists", []) if c.get("status") == "missing"],
        "rules": fim.get("rules", []),
        "warnings": fim.get("warnings", []),
        "publish": {
            "status": version.status if version is not None else "",
            "blocked_by": blockers,
        },
    }
    if version is not None:
        report["definition"]["version"] = version.number
    if elements is not None:
        report["elements"] = elements
    return report
