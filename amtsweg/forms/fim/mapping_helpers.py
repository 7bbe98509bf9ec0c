"""Constants, result types and small pure helpers of the FIM → definition mapping (see ``mapping.py``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .model import FimElement, FimRule

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

OPTIONAL_HINT = (
    "Diese Angaben sind freiwillig. Wenn Sie hier etwas eintragen, füllen Sie bitte auch die Pflichtangaben "
    "dieses Abschnitts aus."
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
    codelists: list[dict] = field(default_factory=list)  # per referenced list: status exact/fallback/missing
    rules: list[dict] = field(default_factory=list)  # FIM rules: turned into logic, or listed for the modeller
    leistung_source: str = ""  # "given" (on import), "schema" (named in the schema) or "" (none)

    @property
    def missing_codelists(self) -> list[dict]:
        return [c for c in self.codelists if c["status"] == "missing"]


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


# XSD regular expressions (what FIM patterns are) know Unicode categories that Python's re does not. The common
# ones are spelled out as ranges covering Latin script incl. the DIN 91379 letters most used in names.
_XSD_CATEGORIES = {
    "L": "A-Za-zªµºÀ-ÖØ-öø-ɏḀ-ỿ",
    "Lu": "A-ZÀ-ÖØ-ÞĀ-ɏḀ-ỿ",
    "Ll": "a-zß-öø-ÿĀ-ɏḀ-ỿ",
    "N": "0-9",
    "Nd": "0-9",
    "IsBasicLatin": "\\x00-\\x7f",
}
_XSD_CATEGORY = re.compile(r"\\([pP])\{(\w+)\}")


def _xsd_to_python(pattern: str) -> str | None:
    """Translate \\p{…}/\\P{…} (inside and outside character classes); None for ones we cannot translate."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            match = _XSD_CATEGORY.match(pattern, i)
            if match:
                ranges = _XSD_CATEGORIES.get(match.group(2))
                negated = match.group(1) == "P"
                if ranges is None or (negated and in_class):
                    return None
                out.append(ranges if in_class else f"[{'^' if negated else ''}{ranges}]")
                i = match.end()
                continue
            if pattern[i + 1 : i + 2] in {"i", "c", "I", "C"}:
                return None  # XML name characters: no sensible equivalent
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def pattern_normalise(pattern: str) -> str | None:
    """FIM patterns are XSD-style (whole value); ours are searched, so anchor them. None if not translatable."""
    translated = _xsd_to_python(pattern)
    if translated is None:
        return None
    anchored = translated if translated.startswith("^") and translated.endswith("$") else f"^(?:{translated})$"
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
