"""FIM import: XDatenfelder 1/2/3 (Stammdatenschema or Datenfeldgruppe) → form definition document.

See docs/standards/xdatenfelder.md for the mapping rules and what is not supported.
"""

from __future__ import annotations

from .errors import FimImportError
from .mapping import FimElementMapping, FimResult, definition_build
from .mapping_fields import CodelistLookup
from .parser import fim_parse

__all__ = ["FimElementMapping", "FimImportError", "FimResult", "fim_import", "fim_parse"]


def fim_import(
    *,
    xml: bytes,
    key: str | None = None,
    leistung: str | None = None,
    codelist_lookup: CodelistLookup | None = None,
) -> FimResult:
    """Import an XDatenfelder document into a definition dict (docs/forms/definition-format.md).

    `key` defaults to the slugified schema name; `leistung` is the LeiKa key (given, or found in the schema's
    references). `codelist_lookup(urn, version)` supplies referenced code lists (``forms.selectors.
    codelist_resolve``); a list it cannot supply is reported (``FimResult.missing_codelists``) and blocks publishing.
    Raises FimImportError (German message naming the problem, with the line where known). Never executes FIM
    rules or scripts; never resolves entities, DTDs or network resources.
    """
    warnings: list[str] = []
    schema = fim_parse(xml=xml, warnings=warnings)
    return definition_build(
        schema=schema, key=key, leistung=leistung, warnings=warnings, codelist_lookup=codelist_lookup
    )
