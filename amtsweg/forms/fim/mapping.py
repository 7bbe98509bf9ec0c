"""The intermediate FIM model → a form definition document (docs/forms/definition-format.md).

Structure rule (documented in docs/standards/xdatenfelder.md):
- Each top-level Datenfeldgruppe becomes a step. Consecutive top-level Datenfelder are collected into a step of
  their own ("Allgemeine Angaben", later ones "Weitere Angaben").
- Inside a step, the group's own Datenfelder form one group; each nested Datenfeldgruppe becomes a group of its own,
  deeper levels are flattened into groups whose title joins the titles of the levels below the step
  ("Name – Vorname"). A group's own fields are gathered at the top, before its nested groups.
- A repeatable Datenfeldgruppe (max > 1) becomes one repeatable group holding all fields below it. A repeatable
  Datenfeldgruppe inside it becomes a nested repeatable group of each row (``subgroups``, ADR 0027: e.g. persons,
  each with several addresses); deeper repetition (a repeatable group inside that) is asked once per nested row,
  with a warning.
- An optional Datenfeldgruppe (0:1) keeps its mandatory fields mandatory, but only once the applicant starts
  filling it: its groups carry ``optional_sets`` (the group's own set and those of optional groups around it),
  and the engine checks required fields of a set only when a field of that set has a value.
- A repeatable Datenfeld becomes a multichoice (select) or its own repeatable group with that one field.
"""

from __future__ import annotations

import re

from .errors import FimImportError
from .mapping_fields import CodelistLookup, FieldMapper
from .mapping_helpers import (
    DECLARATION,
    OPTIONAL_HINT,
    FimElementMapping,
    FimResult,
    KeyAllocator,
    element_key,
    field_ordered,
    field_type_map,
    fim_meta,
    multiplicity_text,
    number_parse,
    pattern_normalise,
    rule_text,
    slugify,
)
from .mapping_rules import RuleTranslator, leistung_from_schema
from .model import FimChild, FimField, FimGroup, FimSchema

__all__ = [
    "FimElementMapping",
    "FimResult",
    "KeyAllocator",
    "Mapper",
    "definition_build",
    "element_key",
    "field_ordered",
    "field_type_map",
    "fim_meta",
    "multiplicity_text",
    "number_parse",
    "pattern_normalise",
    "rule_text",
    "slugify",
]


class Mapper(FieldMapper):
    """Maps a FIM schema onto steps and groups (rules in the module docstring); fields come from ``FieldMapper``."""

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
        if self.codelist_report:
            document["x-fim"]["codelists"] = self.codelist_report
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
            sets = [self.optional_set(group)] if child.min == 0 else []
            self.fill(step["groups"], group, path=[], sets=sets, is_step=True, anchor=step_key)
        return step

    def optional_set(self, group: FimGroup) -> str:
        return self.set_keys.take(element_key(group.id, prefix="g"))

    # -- groups -----------------------------------------------------------------------------------------------

    def fill(
        self, out: list[dict], group: FimGroup, *, path: list[str], sets: list[str], is_step: bool, anchor: str
    ) -> None:
        """Emit `group`'s own fields as one group, then its nested groups (flattened below the step).

        `sets` are the optional sets (FIM 0:1 groups) this group lies in: its mandatory fields stay mandatory,
        but only once someone starts filling the optional group (engine: ``optional_sets``).
        """
        optional = bool(sets)
        own_key = self.keys.take(element_key(group.id, prefix="g"))
        own = {"key": own_key, "title": " – ".join([*path, group.label]), "fields": [], "x-fim": fim_meta(group)}
        if sets:
            own["optional_sets"] = list(sets)
        intro = [group.help if group.help and not is_step else "", OPTIONAL_HINT if sets else ""]
        if any(intro):
            own["intro"] = " ".join(i for i in intro if i)
        documentation = self.documentation(group, kind="Datenfeldgruppe")
        if documentation:
            own["documentation"] = documentation
        extra: list[dict] = []
        nested: list[FimChild] = []
        for child in group.children:
            if isinstance(child.element, FimField):
                self.add_field(own, extra, child, optional=False, in_repeat=False, repeat_optional=optional)
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
                sub_sets = [*sets, self.optional_set(sub)] if child.min == 0 else sets
                self.fill(out, sub, path=child_path, sets=sub_sets, is_step=False, anchor=anchor)
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
        self.flatten_into(result, group, optional=False, top=group, outer=result)
        if not result["fields"]:
            self.warn(child.line, f"Wiederholbare Datenfeldgruppe {group.id} enthält keine Datenfelder.")
        return result

    def nested_group(self, child: FimChild, *, optional: bool, outer: dict) -> None:
        """A repeatable Datenfeldgruppe inside a repeatable group's rows: a nested group of each row (ADR 0027)."""
        group: FimGroup = child.element  # type: ignore[assignment]
        key = self.keys.take(element_key(group.id, prefix="g"))
        minimum = 0 if optional else child.min
        result = {
            "key": key,
            "title": group.label,
            "repeat": {
                "min": minimum,
                "max": self.cap(child.max, minimum=minimum, element=group),
                "item_label": group.label,
            },
            "fields": [],
            "x-fim": fim_meta(group) | {"anzahl": multiplicity_text(child.min, child.max)},
        }
        if group.help:
            result["intro"] = group.help
        self.record(group, key, "group")
        self.flatten_into(result, group, optional=False, top=group, outer=None)
        if result["fields"]:
            outer.setdefault("subgroups", []).append(result)
        else:
            self.keys.release(key)
            self.warn(child.line, f"Wiederholbare Datenfeldgruppe {group.id} enthält keine Datenfelder.")

    def flatten_into(self, target: dict, group: FimGroup, *, optional: bool, top: FimGroup, outer: dict | None) -> None:
        """Fields below ``group`` into ``target``. ``outer``: the top-level repeatable group, whose rows may
        hold nested groups; None inside a nested group, where further repetition is flattened."""
        for child in group.children:
            if isinstance(child.element, FimField) and outer is not None:
                # A repeatable Datenfeld in the rows (e.g. Staatsangehörigkeit 1:n) is a one-field nested group.
                lists: list[dict] = []
                self.add_field(target, lists, child, optional=optional, in_repeat=False, repeat_optional=optional)
                if lists:
                    outer.setdefault("subgroups", []).extend(lists)
                continue
            if isinstance(child.element, FimField):
                self.add_field(target, None, child, optional=optional, in_repeat=True)
                continue
            sub: FimGroup = child.element
            if child.max == 0:
                self.warn(child.line, f"Datenfeldgruppe {sub.id} hat die Multiplizität 0:0 und wird ausgelassen.")
                self.record(sub, "", "skipped")
                continue
            repeated = child.max is None or child.max > 1
            if repeated and outer is not None:
                self.nested_group(child, optional=optional, outer=outer)
                continue
            if repeated:
                self.warn(
                    child.line,
                    f"Datenfeldgruppe „{sub.label}“ ({sub.id}, {multiplicity_text(child.min, child.max)}) liegt in "
                    f"der verschachtelten wiederholbaren Gruppe „{top.label}“; eine dritte Ebene der Wiederholung "
                    "wird nicht unterstützt, sie wird je Eintrag einmal abgefragt.",
                )
            self.record(sub, target["key"], "merged")
            self.flatten_into(target, sub, optional=optional or child.min == 0, top=top, outer=outer)


def definition_build(
    *,
    schema: FimSchema,
    key: str | None,
    leistung: str | None,
    warnings: list[str],
    codelist_lookup: CodelistLookup | None = None,
) -> FimResult:
    if key is None:
        key = slugify(schema.name) or slugify(schema.id) or "fim-formular"
    elif not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", key):
        raise FimImportError(
            f"Ungültiger Schlüssel '{key}': erlaubt sind Kleinbuchstaben, Ziffern und '-' (höchstens 100 Zeichen)."
        )
    if leistung is not None and not re.fullmatch(r"\d{14}", leistung):
        raise FimImportError(f"Ungültiger LeiKa-Schlüssel '{leistung}': erwartet werden 14 Ziffern.")
    named = leistung_from_schema(schema)
    if leistung is None:
        leistung, leistung_source = named, ("schema" if named else "")
    else:
        leistung_source = "given"
        if named and named != leistung:
            warnings.append(f"Das Schema nennt die Leistung {named}; verwendet wird die angegebene {leistung}.")
    mapper = Mapper(schema=schema, warnings=warnings, codelist_lookup=codelist_lookup)
    document = mapper.definition(key=key, leistung=leistung)
    field_keys: dict[str, list[str]] = {}
    for element in mapper.elements:
        if element.kind == "datenfeld" and element.target == "field":
            field_keys.setdefault(element.fim_id, []).append(element.key)
    rules = RuleTranslator(schema=schema, document=document, field_keys=field_keys).translate()
    if rules:
        document["x-fim"]["rules"] = rules
    if warnings:
        document["x-fim"]["warnings"] = list(warnings)
    return FimResult(
        definition=document,
        warnings=warnings,
        elements=mapper.elements,
        standard_version=schema.standard_version,
        codelists=mapper.codelist_report,
        rules=rules,
        leistung_source=leistung_source,
    )
