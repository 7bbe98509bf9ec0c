"""The form definition format: parsing, schema and semantic validation, traversal helpers.

The semantic checks and the traversal helpers are in ``definition_checks`` (re-exported here).

Pure functions without database access, so the FIM importer, the loader and the admin can all
validate a document the same way. The format is documented in docs/forms/definition-format.md.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from amtsweg.common.canonical import canonical_sha256
from amtsweg.common.safe_json import json_depth
from amtsweg.common.safe_yaml import MAX_DEPTH, YamlRefused, yaml_load

# Traversal and the checks beyond the JSON schema live in definition_checks; their public names are
# importable from here as before.
from amtsweg.forms.definition_checks import ANSWERLESS_TYPES as ANSWERLESS_TYPES
from amtsweg.forms.definition_checks import RESERVED_NAMES as RESERVED_NAMES
from amtsweg.forms.definition_checks import FieldRef as FieldRef
from amtsweg.forms.definition_checks import iter_fields as iter_fields
from amtsweg.forms.definition_checks import parameter_value_error as parameter_value_error
from amtsweg.forms.definition_checks import semantic_errors

SCHEMA_PATH = Path(__file__).parent / "schema" / "definition.schema.json"


class DefinitionInvalid(ValueError):
    """A definition failed validation. ``errors`` lists German messages, each starting with its path."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@cache
def definition_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the definition format."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(definition_schema())


def format_path(parts) -> str:
    """``deque(['steps', 2, 'groups', 0])`` → ``steps[2].groups[0]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(Dokument)"


def _schema_message(error: jsonschema.ValidationError) -> str:
    v, value = error.validator, error.validator_value
    if v == "required":
        missing = [name for name in value if not isinstance(error.instance, dict) or name not in error.instance]
        return f"Pflichtangabe '{missing[0] if missing else value[0]}' fehlt."
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        extra = [e for e in extra if not e.startswith("x-")]
        return f"Unbekannte Angabe '{extra[0] if extra else '?'}' (Tippfehler?)."
    if v == "type":
        names = {
            "string": "Text",
            "integer": "ganze Zahl",
            "number": "Zahl",
            "boolean": "ja/nein (true/false)",
            "object": "Objekt",
            "array": "Liste",
            "null": "null",
        }
        wanted = value if isinstance(value, list) else [value]
        return f"Erwartet wird {' oder '.join(names.get(w, w) for w in wanted)}."
    if v in {"enum", "const"}:
        allowed = value if isinstance(value, list) else [value]
        return (
            f"Der Wert {json.dumps(error.instance, ensure_ascii=False)} ist nicht erlaubt. Erlaubt: "
            + ", ".join(json.dumps(a, ensure_ascii=False) for a in allowed)
            + "."
        )
    if v == "pattern":
        return f"Der Wert {json.dumps(error.instance, ensure_ascii=False)} hat nicht das Format {value}."
    if v == "minItems":
        return f"Mindestens {value} Eintrag/Einträge nötig."
    if v == "minLength":
        return "Darf nicht leer sein." if value == 1 else f"Mindestens {value} Zeichen nötig."
    if v == "maxLength":
        return f"Höchstens {value} Zeichen erlaubt."
    if v in {"minimum", "exclusiveMinimum"}:
        return f"Der Wert muss größer{' oder gleich' if v == 'minimum' else ''} {value} sein."
    if v == "maximum":
        return f"Der Wert darf höchstens {value} sein."
    if v == "oneOf":
        return "Genau eine der Angaben 'options' oder 'codelist' ist nötig."
    if v == "not":
        return "Diese Angabe ist für diesen Feldtyp nicht erlaubt (z. B. min/max, options, file, address)."
    if v == "propertyNames":
        return "Ungültiger Name (erlaubt: Kleinbuchstaben, Ziffern, Unterstrich; beginnt mit einem Buchstaben)."
    return f"Ungültige Angabe ({v})."


def _schema_errors(document: Any) -> list[str]:
    errors = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        # if/then/allOf wrap the real error; report the innermost ones.
        leaves = [error] if not error.context else [e for e in error.context if not e.context] or [error]
        for leaf in leaves if error.validator not in {"oneOf"} else [error]:
            message = f"{format_path(leaf.absolute_path)}: {_schema_message(leaf)}"
            if message not in errors:
                errors.append(message)
    return errors


def definition_errors(*, document: Any) -> list[str]:
    """All problems of a definition document as German messages with paths; empty when valid."""
    errors = _schema_errors(document)
    if errors:
        return errors  # semantic checks assume the structure is right
    return semantic_errors(document)


def definition_publish_errors(*, document: dict) -> list[str]:
    """Problems that allow storing a draft but forbid publishing it (German, with paths).

    A choice field whose code list has no values (e.g. a FIM code list not yet in the store) would show
    citizens an empty or placeholder selection, so it blocks publishing.
    """
    errors = []
    codelists = document.get("codelists") or {}
    for ref in iter_fields(document):
        name = ref.field.get("codelist")
        if name and not codelists.get(name):
            fim = ref.field.get("x-fim") or {}
            urn = fim.get("codelist") or name
            version = f", Version {fim['codelist_version']}" if fim.get("codelist_version") else ""
            errors.append(
                f"{ref.path}.codelist: Für das Auswahlfeld „{ref.field.get('label', ref.field['key'])}“ fehlen die "
                f"Werte der Codeliste {urn}{version}. Bitte laden Sie die Codeliste hoch und importieren Sie "
                "das Schema erneut."
            )
    return errors


def definition_validate(*, document: Any) -> dict:
    """Raise ``DefinitionInvalid`` unless ``document`` is a valid definition; returns it unchanged."""
    errors = definition_errors(document=document)
    if errors:
        raise DefinitionInvalid(errors)
    return document


def definition_parse(*, text: str, fmt: str | None = None) -> Any:
    """Parse YAML or JSON text (``fmt`` "yaml"/"json"; None = YAML, which also reads JSON)."""
    try:
        if fmt == "json":
            if json_depth(text) > MAX_DEPTH:  # json.loads would recurse into a RecursionError
                raise DefinitionInvalid(
                    [f"Das JSON-Dokument ist zu tief verschachtelt (höchstens {MAX_DEPTH} Ebenen)."]
                )
            return json.loads(text)
        # Safe loader that also refuses alias bombs (a few KB of anchors expanding to billions of nodes).
        return yaml_load(text)
    except json.JSONDecodeError as exc:
        raise DefinitionInvalid([f"Zeile {exc.lineno}, Spalte {exc.colno}: Ungültiges JSON ({exc.msg})."]) from exc
    except YamlRefused as exc:
        raise DefinitionInvalid([str(exc)]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"Zeile {mark.line + 1}, Spalte {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "Syntaxfehler"
        raise DefinitionInvalid([f"{where}Ungültiges YAML ({problem})."]) from exc


def content_hash(document: Any) -> str:
    """SHA-256 of the canonical JSON form: equal content ⇔ equal hash, independent of key order."""
    return canonical_sha256(document)
