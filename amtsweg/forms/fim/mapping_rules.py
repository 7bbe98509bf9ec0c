"""FIM rules (Regeln) → step rules where the rule text is machine-readable, else a report for the modeller.

FIM rules are free text plus a script that is never executed. Two phrasings are common enough and precise
enough to translate (docs/standards/xdatenfelder.md, "Rules"):
- "Es muss entweder Feldgruppe G… oder Feldgruppe G… befüllt werden" (also Datenfeld F…): exactly one of
  the two is filled;
- "mindestens eine …" naming elements, or a rule called "MindestEineAngabe" on a group: at least one filled;
- "Wenn bei F… "<Code> …" angegeben wird, dann wird G…/F… zur Pflichtangabe": the target is asked (``when``)
  and mandatory only when the field has that code.
Everything else — and any translatable rule whose elements are repeated, missing or on different steps — is
listed in the import report with the reason, for the modeller to translate by hand.
"""

from __future__ import annotations

import re

from .mapping_helpers import OPTIONAL_HINT
from .model import FimChild, FimField, FimGroup, FimRule, FimSchema

_ID = re.compile(r"\b([FGfg])(\d)(\d{7,11})\b")
_EITHER = re.compile(r"\bentweder\b.+\boder\b", re.IGNORECASE | re.DOTALL)
_AT_LEAST_ONE = re.compile(r"\bmindestens\s+ein", re.IGNORECASE)
# "Wenn bei F05001047 "02 Das Fahrzeug …" angegeben wird, dann wird G05000499 zur Pflichtangabe."
_CONDITIONAL = re.compile(
    r"\bwenn\b.*?\b(?P<cond>[Ff]\d{8,12})\b\s*[\"„“'»]?\s*(?P<code>[^\s\"„“'»«]+).*?\bdann\b.*?"
    r"\b(?P<target>[FGfg]\d{8,12})\b.*?\bpflicht",
    re.IGNORECASE | re.DOTALL,
)


def _norm_id(fim_id: str) -> str | None:
    """FIM IDs exist in an 8- and a 12-character form (G60000086 / G60000000086); compare them normalised."""
    match = _ID.fullmatch(fim_id.strip())
    if not match:
        return None
    return f"{match.group(1).upper()}{match.group(2)}-{int(match.group(3))}"


def _filled(keys: list[str]) -> dict:
    tests = [{"!!": {"var": key}} for key in keys]
    return tests[0] if len(tests) == 1 else {"or": tests}


class RuleTranslator:
    """Needs the finished document and where each FIM field went (``Mapper.elements``)."""

    def __init__(self, *, schema: FimSchema, document: dict, field_keys: dict[str, list[str]]):
        self.schema = schema
        self.document = document
        self.field_keys = field_keys  # FIM field id -> definition field keys
        self.labels: dict[str, str] = {}
        self.fields_below: dict[str, list[str]] = {}  # normalised FIM id -> definition field keys below it
        self._index(schema.children)
        self.step_of: dict[str, dict] = {}
        self.group_of: dict[str, dict] = {}
        self.spec_of: dict[str, dict] = {}
        self.repeated: set[str] = set()
        for step in document["steps"]:
            for group in step["groups"]:
                for field in group["fields"]:
                    self.step_of[field["key"]] = step
                    self.group_of[field["key"]] = group
                    self.spec_of[field["key"]] = field
                    if group.get("repeat") is not None:
                        self.repeated.add(field["key"])
                for sub in group.get("subgroups") or []:  # nested rows (ADR 0027): repeated as well
                    for field in sub["fields"]:
                        self.step_of[field["key"]] = step
                        self.group_of[field["key"]] = group
                        self.spec_of[field["key"]] = field
                        self.repeated.add(field["key"])

    def _index(self, children: list[FimChild]) -> list[str]:
        keys: list[str] = []
        for child in children:
            element = child.element
            if isinstance(element, FimField):
                below = list(self.field_keys.get(element.id, []))
            else:
                below = self._index(element.children)
            norm = _norm_id(element.id)
            if norm:
                self.fields_below.setdefault(norm, []).extend(below)
                self.labels.setdefault(norm, element.label)
            keys.extend(below)
        return keys

    def translate(self) -> list[dict]:
        report: list[dict] = []
        seen: set[str] = set()
        for owner, rule in self._rules(self.schema, self.schema.children):
            if rule.id in seen:
                continue  # the same rule is often attached to several elements
            seen.add(rule.id)
            report.append(self._one(owner, rule))
        return report

    def _rules(self, owner, children):
        for rule in owner.rules:
            yield owner, rule
        for child in children:
            if isinstance(child.element, FimGroup):
                yield from self._rules(child.element, child.element.children)
            else:
                for rule in child.element.rules:
                    yield child.element, rule

    def _one(self, owner, rule: FimRule) -> dict:
        text = " ".join(filter(None, [rule.free_text, rule.description]))
        entry = {"id": rule.id, "name": rule.name, "element": owner.id, "text": text, "status": "reported"}
        written = {_norm_id(m.group(0)): m.group(0) for m in _ID.finditer(text)}
        ids = [n for n in written if n]
        conditional = _CONDITIONAL.search(text)
        if conditional:
            return self._conditional(conditional, entry)
        if _EITHER.search(text) and len(ids) == 2:
            kind = "exactly_one"
        elif _AT_LEAST_ONE.search(text) and len(ids) >= 2:
            kind = "at_least_one"
        elif rule.name.replace(" ", "").lower() == "mindesteineangabe" and hasattr(owner, "children") and not ids:
            kind, ids = "at_least_one", [f"field:{c.element.id}" for c in owner.children]
        else:
            entry["reason"] = "Regeltext ist nicht maschinell auswertbar; bitte von Hand als Logik nachbilden."
            return entry
        parts: list[list[str]] = []
        for ident in ids:
            if ident.startswith("field:"):
                norm = _norm_id(ident[6:])
                keys = self.fields_below.get(norm, []) if norm else []
            else:
                keys = self.fields_below.get(ident, [])
            if not keys:
                shown = written.get(ident, ident.removeprefix("field:"))
                entry["reason"] = f"Die Regel nennt ein Element ({shown}), das im Schema nicht vorkommt."
                return entry
            parts.append(keys)
        all_keys = [k for keys in parts for k in keys]
        if any(k in self.repeated for k in all_keys):
            entry["reason"] = "Die Regel betrifft wiederholbare Angaben; bitte von Hand nachbilden."
            return entry
        steps = {id(self.step_of[k]) for k in all_keys if k in self.step_of}
        if len(steps) != 1:
            entry["reason"] = "Die Regel betrifft Angaben auf verschiedenen Schritten; bitte von Hand nachbilden."
            return entry
        step = self.step_of[all_keys[0]]
        names = [self.labels.get(i, i) for i in ids if not i.startswith("field:")]
        if kind == "exactly_one":
            check = {"!=": [_filled(parts[0]), _filled(parts[1])]}
            message = f"Bitte füllen Sie entweder „{names[0]}“ oder „{names[1]}“ aus, nicht beides."
        else:
            check = _filled(all_keys)
            shown = " oder ".join(f"„{n}“" for n in names) if names else f"„{owner.label}“"
            message = f"Bitte machen Sie mindestens eine Angabe zu {shown}."
        step.setdefault("rules", []).append(
            {"check": check, "message": message, "fields": [parts[0][0]], "x-fim": {"regel": rule.id}}
        )
        entry.update(status="logic", step=step["key"], check=check)
        return entry

    def _conditional(self, match: re.Match, entry: dict) -> dict:
        """Target asked and mandatory only when the condition field has the code (``when`` on field or groups)."""
        cond_keys = self.fields_below.get(_norm_id(match["cond"]) or "", [])
        target_keys = self.fields_below.get(_norm_id(match["target"]) or "", [])
        code = match["code"].rstrip(".,;:")
        reason = None
        if len(cond_keys) != 1 or not target_keys:
            missing = match["cond"] if len(cond_keys) != 1 else match["target"]
            reason = f"Die Regel nennt ein Element ({missing}), das im Schema nicht (eindeutig) vorkommt."
        elif any(k in self.repeated for k in [*cond_keys, *target_keys]):
            reason = "Die Regel betrifft wiederholbare Angaben; bitte von Hand nachbilden."
        if reason:
            entry["reason"] = reason
            return entry
        cond = self.spec_of[cond_keys[0]]
        values = [
            o["value"] for o in cond.get("options") or self.document.get("codelists", {}).get(cond.get("codelist"), [])
        ]
        if values and code not in values:
            entry["reason"] = f"Der Code '{code}' kommt in der Auswahl von {match['cond']} nicht vor."
            return entry
        steps = [s["key"] for s in self.document["steps"]]
        if steps.index(self.step_of[cond_keys[0]]["key"]) > min(
            steps.index(self.step_of[k]["key"]) for k in target_keys
        ):
            entry["reason"] = (
                "Die Bedingung wird erst nach der betroffenen Angabe abgefragt; bitte von Hand nachbilden."
            )
            return entry
        var = {"var": cond_keys[0]}
        check = {"in": [code, var]} if cond["type"] == "multichoice" else {"==": [var, code]}
        groups = {id(self.group_of[k]): self.group_of[k] for k in target_keys}.values()
        if any(any(f["key"] not in target_keys for f in g["fields"]) for g in groups):
            if match["target"].upper().startswith("G"):
                entry["reason"] = "Die Gruppe liegt mit anderen Angaben zusammen; bitte von Hand nachbilden."
                return entry
            for key in target_keys:  # a single field: condition and required on the field itself
                spec = self.spec_of[key]
                spec["when"] = {"and": [spec["when"], check]} if "when" in spec else check
                spec["required"] = True
        else:
            for group in groups:
                group["when"] = {"and": [group["when"], check]} if "when" in group else check
                if group.pop("optional_sets", None) and group.get("intro"):
                    group["intro"] = group["intro"].replace(OPTIONAL_HINT, "").strip()
                    if not group["intro"]:
                        del group["intro"]
        entry.update(status="logic", check=check, targets=sorted(target_keys))
        return entry


def leistung_from_schema(schema: FimSchema) -> str | None:
    """A LeiKa key (14 digits, starting with 99) named in the schema's reference, description or definition."""
    for text in (schema.reference, schema.description, schema.definition):
        match = re.search(r"\b99\d{12}\b", text or "")
        if match:
            return match.group(0)
    return None
