"""The form definition format: parsing, schema and semantic validation, traversal helpers.

Pure functions without database access, so the FIM importer, the loader and the admin can all
validate a document the same way. The format is documented in docs/forms/definition-format.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from amtsweg.common.canonical import canonical_sha256
from amtsweg.common.safe_json import json_depth
from amtsweg.common.safe_yaml import MAX_DEPTH, YamlRefused, yaml_load
from amtsweg.forms.logic import expression_errors, expression_vars
from amtsweg.forms.translations import translation_errors

SCHEMA_PATH = Path(__file__).parent / "schema" / "definition.schema.json"
# Variables every expression may read besides field/group keys (see the format doc).
RESERVED_NAMES = frozenset({"param", "today"})
ANSWERLESS_TYPES = frozenset({"info"})
CURRENCY_RE = re.compile(r"^-?\d+\.\d{2}$")


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


@dataclass(frozen=True)
class FieldRef:
    """Where a field sits in a definition."""

    field: dict
    group: dict  # the group holding the field (for a nested field: its subgroup)
    step: dict
    path: str  # e.g. steps[1].groups[0].fields[2] or steps[1].groups[0].subgroups[0].fields[1]
    parent: dict | None = None  # for a field of a nested group: the repeatable group around it

    @property
    def repeat_group(self) -> str | None:
        """The top-level answer list the field's value lives in (a nested field: its outer group's)."""
        if self.parent is not None:
            return self.parent["key"]
        return self.group["key"] if self.group.get("repeat") is not None else None

    @property
    def subgroup(self) -> str | None:
        """Key of the nested repeatable group holding the field (ADR 0027), else None."""
        return self.group["key"] if self.parent is not None else None


def iter_fields(document: dict) -> Iterator[FieldRef]:
    """Every field in document order; the fields of a nested group follow their outer group's own fields."""
    for si, step in enumerate(document.get("steps") or []):
        for gi, group in enumerate(step.get("groups") or []):
            for fi, field in enumerate(group.get("fields") or []):
                yield FieldRef(field, group, step, f"steps[{si}].groups[{gi}].fields[{fi}]")
            for ui, sub in enumerate(group.get("subgroups") or []):
                for fi, field in enumerate(sub.get("fields") or []):
                    path = f"steps[{si}].groups[{gi}].subgroups[{ui}].fields[{fi}]"
                    yield FieldRef(field, sub, step, path, parent=group)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def parameter_value_error(*, spec: dict, value: Any) -> str | None:
    """German message when ``value`` does not fit the parameter's type, else None."""
    kind = spec.get("type")
    if kind == "currency":
        if not (isinstance(value, str) and CURRENCY_RE.match(value)) and not (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            return 'Erwartet wird ein Betrag mit zwei Nachkommastellen, z. B. "96.00".'
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return "Erwartet wird eine ganze Zahl."
    elif kind == "decimal":
        if _number(value) is None:
            return "Erwartet wird eine Zahl."
    elif kind == "boolean":
        if not isinstance(value, bool):
            return "Erwartet wird true oder false."
    elif kind == "text" and not isinstance(value, str):
        return "Erwartet wird ein Text."
    return None


def _semantic_errors(document: dict) -> list[str]:
    """Checks beyond the JSON schema, in a fixed order: keys, parameter defaults, steps, fields, code lists."""
    errors, repeat_groups, answer_keys = _key_errors(document)
    parameters = document.get("parameters") or {}
    codelists = document.get("codelists") or {}
    global_names = answer_keys | set(repeat_groups) | {f"{g}_count" for g in repeat_groups} | {"today"}
    check = partial(_expression_check, parameters=parameters, global_names=global_names)
    errors += _parameter_errors(parameters)
    errors += _step_errors(document, repeat_groups, check)
    errors += _field_errors(document, repeat_groups, codelists, check)
    errors += _codelist_errors(codelists)
    errors += translation_errors(document)
    return errors


def _key_errors(document: dict) -> tuple[list[str], dict[str, set[str]], set[str]]:
    """Duplicate/reserved keys and repeat bounds: (errors, repeat group key -> its field keys, answer keys)."""
    errors: list[str] = []
    seen: dict[str, str] = {}

    def claim(key: str, path: str) -> None:
        if key in seen:
            errors.append(f"{path}: Schlüssel '{key}' ist doppelt vergeben (schon bei {seen[key]}).")
        elif key in RESERVED_NAMES:
            errors.append(f"{path}: Schlüssel '{key}' ist reserviert.")
        else:
            seen[key] = path

    repeat_groups: dict[str, set[str]] = {}
    answer_keys: set[str] = set()
    for si, step in enumerate(document["steps"]):
        claim(step["key"], f"steps[{si}]")
        for gi, group in enumerate(step["groups"]):
            gpath = f"steps[{si}].groups[{gi}]"
            claim(group["key"], gpath)
            repeat = group.get("repeat")
            if repeat is not None:
                repeat_groups[group["key"]] = {f["key"] for f in group["fields"]}
                repeat_groups[group["key"]] |= {sub["key"] for sub in group.get("subgroups") or []}
                errors += _repeat_bound_errors(repeat, gpath)
                if group.get("optional_sets"):
                    errors.append(f"{gpath}.optional_sets: Wiederholbare Gruppen steuern ihre Pflicht über repeat.min.")
            elif group.get("subgroups"):
                errors.append(f"{gpath}.subgroups: Verschachtelte Gruppen gibt es nur in wiederholbaren Gruppen.")
            for ui, sub in enumerate(group.get("subgroups") or []):
                claim(sub["key"], f"{gpath}.subgroups[{ui}]")
                errors += _repeat_bound_errors(sub["repeat"], f"{gpath}.subgroups[{ui}]")
    for ref in iter_fields(document):
        claim(ref.field["key"], ref.path)
        if ref.field["type"] not in ANSWERLESS_TYPES and ref.repeat_group is None:
            answer_keys.add(ref.field["key"])
    for group in repeat_groups:
        if f"{group}_count" in seen:
            errors.append(f"Schlüssel '{group}_count' kollidiert mit der Zeilenzahl der Gruppe '{group}'.")
    return errors, repeat_groups, answer_keys


def _repeat_bound_errors(repeat: dict, path: str) -> list[str]:
    low, high = repeat.get("min", 0), repeat.get("max")
    if high is not None and low > high:
        return [f"{path}.repeat: min ({low}) ist größer als max ({high})."]
    return []


def _expression_check(
    expr: Any, path: str, row_fields: set[str] | None = None, *, parameters: dict, global_names: set[str]
) -> list[str]:
    """Syntax of an expression, then every name it reads: a parameter, a global key or a key of its row."""
    errors = list(expression_errors(expr, path=path))
    if errors:
        return errors
    for name in sorted(expression_vars(expr)):
        root, _, rest = name.partition(".")
        if root == "param":
            if rest not in parameters:
                errors.append(f"{path}: Parameter '{rest}' ist nicht unter 'parameters' definiert.")
        elif root not in global_names and not (row_fields and root in row_fields):
            errors.append(f"{path}: Unbekannter Schlüssel '{name}' im Ausdruck.")
    return errors


def _parameter_errors(parameters: dict) -> list[str]:
    return [
        f"parameters.{name}.default: {problem}"
        for name, spec in parameters.items()
        if "default" in spec and (problem := parameter_value_error(spec=spec, value=spec["default"]))
    ]


def _step_errors(document: dict, repeat_groups: dict[str, set[str]], check: Callable[..., list[str]]) -> list[str]:
    """Clarification steps first, their outcomes, and the expressions and rules of steps and groups."""
    errors: list[str] = []
    clarification_done = False
    for si, step in enumerate(document["steps"]):
        spath = f"steps[{si}]"
        if step.get("clarification"):
            if clarification_done:
                errors.append(f"{spath}: Schritte der Anliegensklärung müssen vor allen anderen Schritten stehen.")
        else:
            clarification_done = True
            if step.get("outcomes"):
                errors.append(f"{spath}.outcomes: Ergebnisse gibt es nur bei Schritten mit 'clarification: true'.")
        if "when" in step:
            errors += check(step["when"], f"{spath}.when")
        for oi, outcome in enumerate(step.get("outcomes") or []):
            errors += check(outcome["when"], f"{spath}.outcomes[{oi}].when")
        step_fields = {f["key"] for g in step["groups"] for f in g["fields"]}
        step_rows = set().union(*(repeat_groups.get(g["key"], set()) for g in step["groups"]))
        for ri, rule in enumerate(step.get("rules") or []):
            errors += check(rule["check"], f"{spath}.rules[{ri}].check", step_rows)
            for name in rule.get("fields") or []:
                if name not in step_fields:
                    errors.append(f"{spath}.rules[{ri}].fields: Feld '{name}' gibt es in diesem Schritt nicht.")
        for gi, group in enumerate(step["groups"]):
            if "when" in group:
                errors += check(group["when"], f"{spath}.groups[{gi}].when")
            for ui, sub in enumerate(group.get("subgroups") or []):
                if "when" in sub:
                    errors += check(
                        sub["when"], f"{spath}.groups[{gi}].subgroups[{ui}].when", repeat_groups.get(group["key"])
                    )
    return errors


def _field_errors(
    document: dict, repeat_groups: dict[str, set[str]], codelists: dict, check: Callable[..., list[str]]
) -> list[str]:
    """Per field: expressions, computable types, switches, code list, options, pattern and bounds."""
    errors: list[str] = []
    for ref in iter_fields(document):
        field, path = ref.field, ref.path
        rows = repeat_groups.get(ref.repeat_group or "", set())
        if ref.subgroup is not None:
            # A nested row sees its own fields, the fields of its outer row and the globals.
            rows = rows | {f["key"] for f in ref.group["fields"]}
            if "compute" in field or field["type"] == "file":
                errors.append(f"{path}: In verschachtelten Gruppen gibt es keine berechneten Felder und keine Dateien.")
        for attr in ("when", "compute"):
            if attr in field:
                errors += check(field[attr], f"{path}.{attr}", rows)
        if "compute" in field and field["type"] in {"info", "file", "address", "multichoice"}:
            errors.append(f"{path}.compute: Felder vom Typ '{field['type']}' können nicht berechnet werden.")
        if field.get("optional_switch") and field.get("required"):
            errors.append(f"{path}: Ein Pflichtfeld kann nicht als abschaltbar (optional_switch) markiert sein.")
        if "codelist" in field and field["codelist"] not in codelists:
            errors.append(f"{path}.codelist: Codeliste '{field['codelist']}' ist unter 'codelists' nicht definiert.")
        values = [o["value"] for o in field.get("options") or []]
        if len(values) != len(set(values)):
            errors.append(f"{path}.options: Werte der Auswahlliste sind nicht eindeutig.")
        if "pattern" in field:
            try:
                re.compile(field["pattern"])
            except re.error:
                errors.append(f"{path}.pattern: Der reguläre Ausdruck ist ungültig.")
        errors += _bound_errors(field, path)
    return errors


def _bound_errors(field: dict, path: str) -> list[str]:
    errors: list[str] = []
    low, high = field.get("min"), field.get("max")
    if field["type"] != "date" and _number(low) is not None and _number(high) is not None and low > high:
        errors.append(f"{path}: min ({low}) ist größer als max ({high}).")
    fixed_dates = isinstance(low, str) and isinstance(high, str) and low[:1].isdigit() and high[:1].isdigit()
    if field["type"] == "date" and fixed_dates and low > high:
        errors.append(f"{path}: min ({low}) liegt nach max ({high}).")
    if field.get("min_length", 0) > field.get("max_length", 10**9):
        errors.append(f"{path}: min_length ist größer als max_length.")
    return errors


def _codelist_errors(codelists: dict) -> list[str]:
    return [
        f"codelists.{name}: Werte der Codeliste sind nicht eindeutig."
        for name, options in codelists.items()
        if len(values := [o["value"] for o in options]) != len(set(values))
    ]


def definition_errors(*, document: Any) -> list[str]:
    """All problems of a definition document as German messages with paths; empty when valid."""
    errors = _schema_errors(document)
    if errors:
        return errors  # semantic checks assume the structure is right
    return _semantic_errors(document)


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
