"""Datenfelder → fields of a form definition: type, options and code lists, constraints, uploads.

The base of ``mapping.Mapper``, which adds the structure (steps and groups) on top.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from .errors import at_line
from .mapping_helpers import (
    DEFAULT_FILE_MAX_MB,
    DEFAULT_FILE_TYPES,
    ISO_DATE,
    MEDIA_TYPE_EXTENSIONS,
    TEXTAREA_FROM_LENGTH,
    UNBOUNDED_MAX,
    FimElementMapping,
    KeyAllocator,
    element_key,
    field_ordered,
    field_type_map,
    fim_meta,
    multiplicity_text,
    number_parse,
    pattern_normalise,
    rule_text,
)
from .model import CodelistValues, FimChild, FimElement, FimField, FimSchema

# (URN or list name, requested version) -> the values from the code-list store, or None when it is missing
CodelistLookup = Callable[[str, str], CodelistValues | None]


class FieldMapper:
    """Shared state (keys, warnings, the element log) and the mapping of single Datenfelder."""

    def __init__(self, *, schema: FimSchema, warnings: list[str], codelist_lookup: CodelistLookup | None = None):
        self.schema = schema
        self.warnings = warnings
        # "param" and "today" are names of the logic language (definition.RESERVED_NAMES)
        self.keys = KeyAllocator(reserved=frozenset({"param", "today"}))
        self.elements: list[FimElementMapping] = []
        self.codelists: dict[str, list[dict]] = {}  # key -> options ([] while the list is missing)
        self.codelist_keys: dict[tuple[str, str], dict] = {}  # (URN, version) -> its report entry
        self.codelist_report: list[dict] = []
        self.codelist_alloc = KeyAllocator()
        self.codelist_lookup = codelist_lookup
        self.set_keys = KeyAllocator()  # names of optional sets (FIM 0:1 groups), their own namespace

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(at_line(line, message))

    def record(self, element: FimElement, key: str, target: str) -> None:
        kind = "datenfeld" if isinstance(element, FimField) else "datenfeldgruppe"
        self.elements.append(
            FimElementMapping(
                fim_id=element.id, kind=kind, name=element.name, key=key, target=target, line=element.line
            )
        )

    def cap(self, maximum: int | None, *, minimum: int, element: FimElement) -> int:
        if maximum is not None:
            return maximum
        self.warn(
            element.line,
            f"„{element.label}“ ({element.id}) darf beliebig oft vorkommen (*); begrenzt auf {UNBOUNDED_MAX}.",
        )
        return max(UNBOUNDED_MAX, minimum)

    # -- fields -----------------------------------------------------------------------------------------------

    def add_field(
        self,
        group: dict,
        extra: list[dict] | None,
        child: FimChild,
        *,
        optional: bool,
        in_repeat: bool,
        repeat_optional: bool | None = None,
    ) -> None:
        """Map one Datenfeld into `group` (or, when repeatable, into a list group in `extra`).

        `optional` drops required-ness; `repeat_optional` (default: `optional`) lets a repeatable field's list
        start empty, for fields inside an optional group whose own required-ness is kept.
        """
        repeat_optional = optional if repeat_optional is None else repeat_optional
        fim: FimField = child.element  # type: ignore[assignment]
        if fim.input_kind == "hidden":
            self.warn(fim.line, f"Verstecktes Datenfeld „{fim.label}“ ({fim.id}) wird nicht übernommen.")
            self.record(fim, "", "skipped")
            return
        if child.max == 0:
            self.warn(child.line, f"Datenfeld {fim.id} hat die Multiplizität 0:0 und wird ausgelassen.")
            self.record(fim, "", "skipped")
            return
        result = self.field(fim)
        repeated = child.max is None or child.max > 1
        mult = multiplicity_text(child.min, child.max)
        result["x-fim"]["anzahl"] = mult
        if result["type"] == "info":
            pass
        elif repeated and result["type"] == "choice":
            result["type"] = "multichoice"
            self.note(result, f"Mehrfachauswahl laut FIM-Multiplizität {mult}.")
            if child.min >= 1 and not optional:
                result["required"] = True
                if child.min > 1:
                    result["min"] = child.min
            if child.max is not None:
                result["max"] = child.max
        elif repeated and (in_repeat or extra is None):
            self.warn(
                child.line,
                f"Datenfeld „{fim.label}“ ({fim.id}, {mult}) liegt in einer wiederholbaren Gruppe; verschachtelte "
                "Wiederholungen werden nicht unterstützt, es wird je Eintrag einmal abgefragt.",
            )
            if child.min >= 1 and not optional:
                result["required"] = True
        elif repeated:
            minimum = 0 if repeat_optional else child.min
            list_key = self.keys.take(f"{result['key']}_liste")
            result["required"] = True  # every added row needs a value; the row count carries the optionality
            extra.append(
                {
                    "key": list_key,
                    "title": fim.label,
                    "repeat": {
                        "min": minimum,
                        "max": self.cap(child.max, minimum=minimum, element=fim),
                        "item_label": fim.label,
                    },
                    "fields": [field_ordered(result)],
                    "x-fim": {"id": fim.id, "anzahl": mult},
                }
            )
            self.record(fim, result["key"], "field")
            return
        elif child.min >= 1 and not optional:
            result["required"] = True
        group["fields"].append(field_ordered(result))
        self.record(fim, result["key"], "field")

    def field(self, fim: FimField) -> dict:
        key = self.keys.take(element_key(fim.id, prefix="f"))
        has_options = bool(fim.values)
        field_type, note = field_type_map(input_kind=fim.input_kind, data_type=fim.data_type, has_options=has_options)
        result: dict = {"key": key, "type": field_type, "label": fim.label, "x-fim": fim_meta(fim)}
        documentation = [self.documentation(fim, kind="Datenfeld")]
        if note:
            self.warn(fim.line, f"Datenfeld „{fim.label}“ ({fim.id}): {note}")
        if field_type == "info":
            result["text"] = fim.content or fim.label
            if fim.input_kind == "locked" and fim.content:
                result["text"] = f"{fim.label}: {fim.content}"
        if fim.help:
            result["help"] = fim.help
        if field_type in {"choice", "multichoice"}:
            self.options(result, fim)
        if field_type not in {"info", "choice", "multichoice", "boolean"}:
            self.constraints(result, fim, documentation)
        elif fim.constraints.text and not (field_type == "choice" and not fim.codelist):
            documentation.append(f"Präzisierung: {fim.constraints.text}")
        if fim.data_type == "time" and field_type == "text":
            result.setdefault("pattern", r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
            result.setdefault("pattern_message", "Bitte geben Sie die Uhrzeit im Format hh:mm an, z. B. 14:30.")
        if fim.data_type == "datetime" and field_type == "text":
            result.setdefault("pattern", r"^[0-3][0-9]\.[01][0-9]\.[0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]$")
            result.setdefault("pattern_message", "Bitte geben Sie Datum und Uhrzeit im Format TT.MM.JJJJ hh:mm an.")
        if field_type == "file":
            self.file(result, fim, documentation)
        text = "\n".join(d for d in documentation if d)
        if text:
            result["documentation"] = text
        return result

    def note(self, result: dict, text: str) -> None:
        result["documentation"] = "\n".join(filter(None, [result.get("documentation", ""), text]))

    def options(self, result: dict, fim: FimField) -> None:
        if fim.values:
            seen: set[str] = set()
            options = []
            for value in fim.values:
                if value.code in seen:
                    self.warn(
                        fim.line, f"Datenfeld {fim.id}: doppelter Code '{value.code}' in der Werteliste ignoriert."
                    )
                    continue
                seen.add(value.code)
                options.append({"value": value.code, "label": value.name})
            result["options"] = options
            if fim.codelist:
                result["x-fim"]["codelist"] = fim.codelist.urn
            return
        # v1/v2 (and many v3) files only reference a code list; its values come from the code-list store.
        if fim.codelist:
            ident, version, name = fim.codelist.urn, fim.codelist.version, fim.codelist.name
        else:  # v1 writes only the list's name into the Präzisierung; that name is the lookup key then
            ident, version, name = (fim.constraints.text or fim.label), "", (fim.constraints.text or fim.label)
        result["x-fim"]["codelist"] = ident
        if version:
            result["x-fim"]["codelist_version"] = version
        result["codelist"] = self.codelist_key(ident=ident, version=version, name=name, fim=fim)

    def codelist_key(self, *, ident: str, version: str, name: str, fim: FimField) -> str:
        """The definition's key for code list (ident, version), resolving its values once per list."""
        entry = self.codelist_keys.get((ident, version))
        if entry is None:
            tail = re.split(r"[:/]", ident)[-1]
            list_key = self.codelist_alloc.take(element_key(name or tail, prefix="codeliste"))
            found = self.codelist_lookup(ident, version) if self.codelist_lookup else None
            report = {"key": list_key, "urn": ident, "requested_version": version, "fields": []}
            shown = f"{ident}{f', Version {version}' if version else ''}"
            if found is None:
                self.codelists[list_key] = []
                report |= {"status": "missing", "version": ""}
                self.warn(
                    fim.line,
                    f"Codeliste {shown} fehlt im Codelisten-Bestand: Auswahlfeld „{fim.label}“ ({fim.id}) hat keine "
                    "Werte. Bitte die Codeliste (genericode) hochladen und erneut importieren; bis dahin kann der "
                    "Assistent nicht veröffentlicht werden.",
                )
            else:
                self.codelists[list_key] = found.options
                report |= {
                    "status": "fallback" if found.fallback else "exact",
                    "version": found.version,
                    "name": found.name,
                    "entries": len(found.options),
                    "attribution": found.attribution,
                }
                if found.fallback:
                    self.warn(
                        fim.line,
                        f"Codeliste {shown} liegt nicht vor; verwendet wird Version {found.version} derselben "
                        "Kennung. Bitte prüfen, ob die Werte passen.",
                    )
            self.codelist_keys[(ident, version)] = entry = report
            self.codelist_report.append(report)
        entry["fields"].append(fim.id)
        return entry["key"]

    def constraints(self, result: dict, fim: FimField, documentation: list[str]) -> None:
        c = fim.constraints
        field_type = result["type"]
        textual = field_type in {"text", "textarea"}
        numeric = field_type in {"integer", "decimal", "currency"}
        ignored: list[str] = []
        if c.min_length is not None:
            if textual and c.min_length > 0:
                result["min_length"] = c.min_length
            elif not textual:
                ignored.append(f"minLength={c.min_length}")
        if c.max_length is not None:
            if textual and c.max_length > 0:
                result["max_length"] = c.max_length
                if c.max_length >= TEXTAREA_FROM_LENGTH and fim.data_type in {"text", "text_latin"}:
                    result["type"] = "textarea"
            elif not textual:
                ignored.append(f"maxLength={c.max_length}")
        for raw, target in ((c.min_value, "min"), (c.max_value, "max")):
            if raw is None:
                continue
            if numeric:
                number = number_parse(raw, integer=field_type == "integer")
                if number is None:
                    self.warn(fim.line, f"Datenfeld {fim.id}: Grenzwert '{raw}' ist keine Zahl und wird ignoriert.")
                    ignored.append(f"{target}Value={raw}")
                else:
                    result[target] = number
            elif field_type == "date" and ISO_DATE.match(raw):
                result[target] = raw
            else:
                ignored.append(f"{target}Value={raw}")
                if field_type == "date":
                    self.warn(
                        fim.line,
                        f"Datenfeld „{fim.label}“ ({fim.id}): Datumsgrenze {target}Value='{raw}' wird nicht "
                        "automatisch geprüft (nur dokumentiert).",
                    )
        if c.pattern:
            if textual:
                pattern = pattern_normalise(c.pattern)
                if pattern is None:
                    self.warn(
                        fim.line,
                        f"Datenfeld {fim.id}: Muster '{c.pattern}' lässt sich nicht als regulärer "
                        "Ausdruck übernehmen (XSD-Syntax) und wird nur dokumentiert.",
                    )
                    ignored.append(f"pattern={c.pattern}")
                else:
                    result["pattern"] = pattern
                    result["pattern_message"] = f"Die Angabe „{fim.label}“ hat nicht das erwartete Format."
            else:
                ignored.append(f"pattern={c.pattern}")
        if c.text:
            documentation.append(f"Präzisierung: {c.text}")
        if ignored:
            documentation.append("Nicht übernommene Präzisierung: " + ", ".join(ignored))

    def file(self, result: dict, fim: FimField, documentation: list[str]) -> None:
        types: list[str] = []
        for media_type in fim.media_types:
            extension = MEDIA_TYPE_EXTENSIONS.get(media_type.lower())
            if extension is None:
                self.warn(fim.line, f"Datenfeld {fim.id}: Medientyp '{media_type}' wird nicht unterstützt.")
            elif extension not in types:
                types.append(extension)
        if not types:
            types = list(DEFAULT_FILE_TYPES)
            documentation.append("Dateitypen nicht vorgegeben; Standard: PDF, JPEG, PNG.")
        # XDatenfelder 3 gives maxSize in bytes.
        max_mb = max(1, math.ceil(fim.max_size / (1024 * 1024))) if fim.max_size else DEFAULT_FILE_MAX_MB
        result["file"] = {"types": types, "max_size_mb": max_mb}

    # -- documentation ----------------------------------------------------------------------------------------

    def documentation(self, element: FimElement, *, kind: str) -> str:
        version = f" Version {element.version}" if element.version else ""
        lines = [f"FIM-{kind} {element.id}{version}: {element.name}"]
        if element.definition:
            lines.append(f"Definition: {element.definition}")
        if element.description and element.description != element.definition:
            lines.append(f"Beschreibung: {element.description}")
        if element.reference:
            lines.append(f"Bezug: {element.reference}")
        lines.extend(rule_text(rule) for rule in element.rules)
        return "\n".join(lines)
