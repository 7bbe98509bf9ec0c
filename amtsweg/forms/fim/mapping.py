"""The intermediate FIM model → a form definition document (docs/forms/definition-format.md).

Structure rule (documented in docs/standards/xdatenfelder.md):
- Each top-level Datenfeldgruppe becomes a step. Consecutive top-level Datenfelder are collected into a step of
  their own ("Allgemeine Angaben", later ones "Weitere Angaben").
- Inside a step, the group's own Datenfelder form one group; each nested Datenfeldgruppe becomes a group of its own,
  deeper levels are flattened into groups whose title joins the titles of the levels below the step
  ("Name – Vorname"). A group's own fields are gathered at the top, before its nested groups.
- A repeatable Datenfeldgruppe (max > 1) becomes one repeatable group holding all fields below it, because the
  format does not nest groups; nested repetition is asked once, with a warning.
- An optional Datenfeldgruppe (0:1) makes the fields below it optional: "required if the group is given" cannot be
  expressed, and forcing every citizen to fill an optional group would be worse.
- A repeatable Datenfeld becomes a multichoice (select) or its own repeatable group with that one field.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import FimImportError, at_line
from .model import FimChild, FimElement, FimField, FimGroup, FimRule, FimSchema

UNBOUNDED_MAX = 99
DEFAULT_FILE_TYPES = ["pdf", "jpeg", "png"]
DEFAULT_FILE_MAX_MB = 10
TEXTAREA_FROM_LENGTH = 256

# The upload check of the forms app recognises these types by content; others cannot be accepted safely.
MEDIA_TYPE_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
}
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
FIELD_ORDER = (
    "key",
    "type",
    "label",
    "required",
    "text",
    "help",
    "options",
    "codelist",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message",
    "file",
)

DECLARATION = {
    "truth": "Ich versichere, dass meine Angaben vollständig und richtig sind.",
    "privacy": "Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung meiner Daten einverstanden.",
}

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


@dataclass
class FimElementMapping:
    """Where one occurrence of a FIM element ended up in the definition (for review and tests)."""

    fim_id: str
    kind: str  # "datenfeld" | "datenfeldgruppe"
    name: str
    key: str  # key of the field, group or step it became or was merged into ("" when skipped)
    target: str  # "field" | "group" | "step" | "merged" | "skipped"
    line: int | None = None


@dataclass
class FimResult:
    definition: dict
    warnings: list[str] = field(default_factory=list)
    elements: list[FimElementMapping] = field(default_factory=list)
    standard_version: int = 2


# -- small pure helpers (unit-tested) ---------------------------------------------------------------------------


def slugify(text: str, *, separator: str = "-", max_length: int = 60) -> str:
    text = unicodedata.normalize("NFKD", (text or "").translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", separator, text).strip(separator)
    return slug[:max_length].rstrip(separator)


def element_key(fim_id: str, *, prefix: str) -> str:
    """F60000227 → f60000227; anything not matching ^[a-z][a-z0-9_]*$ is made to."""
    key = slugify(fim_id, separator="_", max_length=50)
    if not key:
        key = prefix
    if not key[0].isalpha():
        key = f"{prefix}_{key}"
    return key


def field_type_map(*, input_kind: str, data_type: str, has_options: bool) -> tuple[str, str]:
    """(Feldart, Datentyp) → (our field type, a German note when the mapping is lossy, else "")."""
    if input_kind in {"label", "locked"}:
        note = "" if input_kind == "label" else "Gesperrtes Feld (locked) wird als Hinweistext angezeigt."
        return "info", note
    if input_kind == "select":
        if data_type == "bool" and not has_options:
            return "boolean", ""
        return "choice", ""
    simple = {
        "text": "text",
        "text_latin": "text",
        "date": "date",
        "bool": "boolean",
        "num": "decimal",
        "num_int": "integer",
        "num_currency": "currency",
        "file": "file",
        "obj": "file",
        "time": "text",
        "datetime": "text",
    }
    note = {
        "time": "Datentyp 'time' wird als Text im Format hh:mm erfasst.",
        "datetime": "Datentyp 'datetime' wird als Text im Format TT.MM.JJJJ hh:mm erfasst.",
        "obj": "Datentyp 'obj' (Binärobjekt) wird als Datei-Upload erfasst.",
    }.get(data_type, "")
    return simple.get(data_type, "text"), note


def multiplicity_text(minimum: int, maximum: int | None) -> str:
    return f"{minimum}:{'*' if maximum is None else maximum}"


def number_parse(value: str, *, integer: bool) -> int | float | None:
    try:
        number = Decimal(value.replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    if not number.is_finite():
        return None
    if integer:
        return int(number) if number == number.to_integral_value() else None
    return int(number) if number == number.to_integral_value() else float(number)


def pattern_normalise(pattern: str) -> str | None:
    """FIM patterns are XSD-style (whole value); ours are searched, so anchor them. None if not a valid regex."""
    anchored = pattern if pattern.startswith("^") and pattern.endswith("$") else f"^(?:{pattern})$"
    try:
        re.compile(anchored)
    except re.error:
        return None
    return anchored


class KeyAllocator:
    """Step, group and field keys share one namespace in a definition."""

    def __init__(self, *, reserved: frozenset[str] = frozenset()):
        self.used: set[str] = set(reserved)

    def take(self, base: str) -> str:
        key, n = base, 2
        while key in self.used:
            key, n = f"{base}_{n}", n + 1
        self.used.add(key)
        return key

    def release(self, key: str) -> None:
        self.used.discard(key)


# -- the mapper -------------------------------------------------------------------------------------------------


class Mapper:
    def __init__(self, *, schema: FimSchema, warnings: list[str]):
        self.schema = schema
        self.warnings = warnings
        # "param" and "today" are names of the logic language (definition.RESERVED_NAMES)
        self.keys = KeyAllocator(reserved=frozenset({"param", "today"}))
        self.elements: list[FimElementMapping] = []
        self.codelists: dict[str, list[dict]] = {}  # key -> placeholder options
        self.codelist_keys: dict[str, str] = {}  # URN -> key
        self.codelist_alloc = KeyAllocator()

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

    # -- document ---------------------------------------------------------------------------------------------

    def definition(self, *, key: str, leistung: str | None) -> dict:
        schema = self.schema
        steps: list[dict] = []
        run: list[FimChild] = []
        all_fields_top = all(isinstance(c.element, FimField) for c in schema.children)
        for child in schema.children:
            if isinstance(child.element, FimField):
                run.append(child)
                continue
            if run:
                steps.append(self.field_step(run, first=not steps, only=False))
                run = []
            steps.append(self.group_step(child))
        if run:
            steps.append(self.field_step(run, first=not steps, only=all_fields_top))
        steps = [s for s in steps if s["groups"]]
        if not steps:
            kind = "Das Stammdatenschema" if schema.root_kind == "stammdatenschema" else "Die Datenfeldgruppe"
            if not schema.children:
                reason = "es hat keine 'xdf:struktur'"
            else:
                empty = ", ".join(dict.fromkeys(e.fim_id for e in self.elements if e.kind == "datenfeldgruppe"))
                reason = f"leere oder ausgelassene Datenfeldgruppen: {empty}" if empty else "alle Felder ausgelassen"
            raise FimImportError(
                f"{kind} {schema.id} „{schema.name}“ enthält keine übernehmbaren Datenfelder ({reason}); daraus "
                "lässt sich kein Antragsassistent erzeugen."
            )
        document: dict = {"key": key, "title": schema.name}
        if leistung:
            document["leistung"] = leistung
        description = schema.description or schema.definition
        if description:
            document["description"] = description
        document["documentation"] = self.documentation(
            schema, kind="Stammdatenschema" if schema.root_kind == "stammdatenschema" else "Datenfeldgruppe"
        )
        document["x-fim"] = fim_meta(schema) | {
            "standard": f"XDatenfelder {schema.standard_version}",
            "message": schema.message_type,
        }
        if self.codelists:
            document["codelists"] = self.codelists
        document["steps"] = steps
        document["declaration"] = dict(DECLARATION)
        return document

    def field_step(self, run: list[FimChild], *, first: bool, only: bool) -> dict:
        title = self.schema.label if only else ("Allgemeine Angaben" if first else "Weitere Angaben")
        step_key = self.keys.take(element_key(slugify(title, separator="_"), prefix="angaben"))
        groups: list[dict] = []
        own_key = self.keys.take(f"{step_key}_gruppe")
        own = {"key": own_key, "title": title, "fields": []}
        extra: list[dict] = []
        for child in run:
            self.add_field(own, extra, child, optional=False, in_repeat=False)
        if own["fields"]:
            groups.append(own)
        else:
            self.keys.release(own_key)
        groups.extend(extra)
        return {"key": step_key, "title": title, "groups": groups}

    def group_step(self, child: FimChild) -> dict:
        group: FimGroup = child.element  # type: ignore[assignment]
        step_key = self.keys.take(f"schritt_{element_key(group.id, prefix='g')}")
        step = {"key": step_key, "title": group.label, "groups": []}
        if group.help:
            step["intro"] = group.help
        step["x-fim"] = fim_meta(group)
        if child.max == 0:
            self.warn(child.line, f"Datenfeldgruppe {group.id} hat die Multiplizität 0:0 und wird ausgelassen.")
            self.record(group, "", "skipped")
            return step
        if child.max is None or child.max > 1:
            step["groups"].append(self.repeat_group(child, path=[], optional=False))
        else:
            self.record(group, step_key, "step")
            self.fill(step["groups"], group, path=[], optional=child.min == 0, is_step=True, anchor=step_key)
        return step

    # -- groups -----------------------------------------------------------------------------------------------

    def fill(
        self, out: list[dict], group: FimGroup, *, path: list[str], optional: bool, is_step: bool, anchor: str
    ) -> None:
        """Emit `group`'s own fields as one group, then its nested groups (flattened below the step)."""
        own_key = self.keys.take(element_key(group.id, prefix="g"))
        own = {"key": own_key, "title": " – ".join([*path, group.label]), "fields": [], "x-fim": fim_meta(group)}
        if group.help and not is_step:
            own["intro"] = group.help
        documentation = self.documentation(group, kind="Datenfeldgruppe")
        if documentation:
            own["documentation"] = documentation
        extra: list[dict] = []
        nested: list[FimChild] = []
        for child in group.children:
            if isinstance(child.element, FimField):
                self.add_field(own, extra, child, optional=optional, in_repeat=False)
            else:
                nested.append(child)
        start = len(out)
        if own["fields"]:
            out.append(own)
            if not is_step:
                self.record(group, own_key, "group")
        else:
            self.keys.release(own_key)
        out.extend(extra)
        child_path = [] if is_step else [*path, group.label]
        for child in nested:
            sub: FimGroup = child.element  # type: ignore[assignment]
            if child.max == 0:
                self.warn(child.line, f"Datenfeldgruppe {sub.id} hat die Multiplizität 0:0 und wird ausgelassen.")
                self.record(sub, "", "skipped")
            elif child.max is None or child.max > 1:
                out.append(self.repeat_group(child, path=child_path, optional=optional))
            else:
                self.fill(out, sub, path=child_path, optional=optional or child.min == 0, is_step=False, anchor=anchor)
        if not own["fields"] and not is_step:
            # Only nested groups: its title lives on in theirs.
            self.record(group, out[start]["key"] if len(out) > start else anchor, "merged")

    def repeat_group(self, child: FimChild, *, path: list[str], optional: bool) -> dict:
        group: FimGroup = child.element  # type: ignore[assignment]
        key = self.keys.take(element_key(group.id, prefix="g"))
        minimum = 0 if optional else child.min
        maximum = self.cap(child.max, minimum=minimum, element=group)
        result = {
            "key": key,
            "title": " – ".join([*path, group.label]),
            "repeat": {"min": minimum, "max": maximum, "item_label": group.label},
            "fields": [],
            "x-fim": fim_meta(group) | {"anzahl": multiplicity_text(child.min, child.max)},
        }
        if group.help:
            result["intro"] = group.help
        documentation = self.documentation(group, kind="Datenfeldgruppe")
        if documentation:
            result["documentation"] = documentation
        self.record(group, key, "group")
        self.flatten_into(result, group, optional=False, top=group)
        if not result["fields"]:
            self.warn(child.line, f"Wiederholbare Datenfeldgruppe {group.id} enthält keine Datenfelder.")
        return result

    def flatten_into(self, target: dict, group: FimGroup, *, optional: bool, top: FimGroup) -> None:
        for child in group.children:
            if isinstance(child.element, FimField):
                self.add_field(target, None, child, optional=optional, in_repeat=True)
                continue
            sub: FimGroup = child.element
            if child.max == 0:
                self.warn(child.line, f"Datenfeldgruppe {sub.id} hat die Multiplizität 0:0 und wird ausgelassen.")
                self.record(sub, "", "skipped")
                continue
            if child.max is None or child.max > 1:
                self.warn(
                    child.line,
                    f"Datenfeldgruppe „{sub.label}“ ({sub.id}, {multiplicity_text(child.min, child.max)}) liegt in "
                    f"der wiederholbaren Gruppe „{top.label}“; verschachtelte Wiederholungen werden nicht "
                    "unterstützt, sie wird je Eintrag einmal abgefragt.",
                )
            self.record(sub, target["key"], "merged")
            self.flatten_into(target, sub, optional=optional or child.min == 0, top=top)

    # -- fields -----------------------------------------------------------------------------------------------

    def add_field(
        self, group: dict, extra: list[dict] | None, child: FimChild, *, optional: bool, in_repeat: bool
    ) -> None:
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
            minimum = 0 if optional else child.min
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
        # v1/v2 (and many v3) files only reference a code list; its values are published separately (XRepository).
        name = (fim.codelist.name or fim.codelist.urn) if fim.codelist else (fim.constraints.text or fim.label)
        placeholder = [{"value": "platzhalter", "label": f"Werte der Codeliste „{name}“ fehlen noch"}]
        if fim.codelist:
            result["x-fim"]["codelist"] = fim.codelist.urn
            if fim.codelist.version:
                result["x-fim"]["codelist_version"] = fim.codelist.version
            if fim.codelist.urn not in self.codelist_keys:
                tail = re.split(r"[:/]", fim.codelist.urn)[-1]
                list_key = self.codelist_alloc.take(element_key(fim.codelist.name or tail, prefix="codeliste"))
                self.codelist_keys[fim.codelist.urn] = list_key
                self.codelists[list_key] = placeholder
            result["codelist"] = self.codelist_keys[fim.codelist.urn]
            version = f", Version {fim.codelist.version}" if fim.codelist.version else ""
            self.warn(
                fim.line,
                f"Auswahlfeld „{fim.label}“ ({fim.id}) verweist auf die Codeliste {fim.codelist.urn}{version}; "
                "ihre Werte stehen nicht in der Datei. Bitte die Codeliste hinterlegen – bis dahin gibt es nur "
                "einen Platzhalter.",
            )
            return
        self.warn(
            fim.line,
            f"Auswahlfeld „{fim.label}“ ({fim.id}) nennt keine Werte und keine Codelisten-Kennung"
            f"{f' (Präzisierung: {fim.constraints.text})' if fim.constraints.text else ''}; bis zur Pflege "
            "gibt es nur einen Platzhalter.",
        )
        result["options"] = placeholder

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
                        f"Datenfeld {fim.id}: Muster '{c.pattern}' ist kein gültiger regulärer "
                        "Ausdruck und wird nur dokumentiert.",
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


def fim_meta(element: FimElement) -> dict:
    """Traceability back to FIM, kept in the definition as an x- extension (ignored by the runtime)."""
    meta = {"id": element.id}
    if element.version:
        meta["version"] = element.version
    return meta


def field_ordered(field: dict) -> dict:
    """Stable, readable key order for exported YAML/JSON."""
    ordered = {k: field[k] for k in FIELD_ORDER if k in field}
    ordered.update((k, v) for k, v in field.items() if k not in ordered)
    return ordered


def rule_text(rule: FimRule) -> str:
    """Rules are carried as text for the person modelling the assistant; scripts are never executed."""
    version = f" Version {rule.version}" if rule.version else ""
    parts = [f"Regel {rule.id}{version} „{rule.name}“"]
    if rule.kind:
        parts.append(f"Typ {rule.kind}")
    text = "; ".join(parts) + ":"
    details = [d for d in (rule.free_text, rule.description) if d]
    if details:
        text += " " + " ".join(details)
    if rule.script:
        text += f"\nSkript (nicht ausgeführt): {rule.script}"
    return text


def definition_build(*, schema: FimSchema, key: str | None, leistung: str | None, warnings: list[str]) -> FimResult:
    if key is None:
        key = slugify(schema.name) or slugify(schema.id) or "fim-formular"
    elif not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", key):
        raise FimImportError(
            f"Ungültiger Schlüssel '{key}': erlaubt sind Kleinbuchstaben, Ziffern und '-' (höchstens 100 Zeichen)."
        )
    if leistung is not None and not re.fullmatch(r"\d{14}", leistung):
        raise FimImportError(f"Ungültiger LeiKa-Schlüssel '{leistung}': erwartet werden 14 Ziffern.")
    mapper = Mapper(schema=schema, warnings=warnings)
    document = mapper.definition(key=key, leistung=leistung)
    return FimResult(
        definition=document, warnings=warnings, elements=mapper.elements, standard_version=schema.standard_version
    )
