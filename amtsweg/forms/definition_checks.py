"""The form definition format beyond its JSON schema: walking the fields, parameter values and the
semantic checks (keys, expressions, steps, fields, code lists). Pure functions without database access;
``amtsweg.forms.definition`` runs them after the schema check and re-exports the public names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from amtsweg.forms.logic import expression_errors, expression_vars
from amtsweg.forms.translations import translation_errors

# Variables every expression may read besides field/group keys (see the format doc).
RESERVED_NAMES = frozenset({"param", "today"})
ANSWERLESS_TYPES = frozenset({"info"})
CURRENCY_RE = re.compile(r"^-?\d+\.\d{2}$")


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


def semantic_errors(document: dict) -> list[str]:
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
