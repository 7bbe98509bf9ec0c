"""The rule depot: amtsweg/hub/rules/<key>/ (rule.yaml + transform + schema + samples/ + expected/),
loaded into IntegrationRule versions by content hash (docs/hub/rules.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Max

from amtsweg.common import clock
from amtsweg.common.safe_yaml import yaml_load
from amtsweg.hub.models import IntegrationRule
from amtsweg.hub.transform import TransformError, jsonmap_validate, xslt_compile

RULES_DIR = Path(__file__).resolve().parent / "rules"
CONTENT_TYPES = {"xsd": "application/xml", "jsonschema": "application/json"}


class RuleInvalid(ValueError):
    """A rule folder cannot be loaded; the message says which file and why (German)."""


def _read(folder: Path, name: str) -> str:
    path = folder / name
    if not path.is_file() or path.resolve().parent != folder.resolve():
        raise RuleInvalid(f"{folder.name}: Datei {name!r} fehlt (oder liegt außerhalb des Regelordners).")
    return path.read_text(encoding="utf-8")


def rule_read(*, folder: Path) -> dict:
    """Parse and check one rule folder; returns the field values of an IntegrationRule (without version)."""
    try:
        spec = yaml_load(_read(folder, "rule.yaml")) or {}
    except yaml.YAMLError as error:
        raise RuleInvalid(f"{folder.name}: rule.yaml ist kein gültiges YAML ({error}).") from None
    key = spec.get("key")
    if key != folder.name:
        raise RuleInvalid(f"{folder.name}: „key“ in rule.yaml muss dem Ordnernamen entsprechen.")
    types = spec.get("system_types")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise RuleInvalid(f"{key}: „system_types“ muss eine nicht leere Liste sein.")
    transform = spec.get("transform") or {}
    output = spec.get("output") or {}
    kind = transform.get("kind")
    if kind not in IntegrationRule.TransformKind.values:
        raise RuleInvalid(f"{key}: transform.kind muss „xslt“ oder „jsonmap“ sein.")
    transform_text = _read(folder, transform.get("file", ""))
    try:
        if kind == "xslt":
            xslt_compile(transform_text)
        else:
            jsonmap_validate(json.loads(transform_text))
    except (TransformError, json.JSONDecodeError) as error:
        raise RuleInvalid(f"{key}: {getattr(error, 'reason', error)}") from None
    schema_kind = output.get("schema", "none")
    if schema_kind not in IntegrationRule.SchemaKind.values:
        raise RuleInvalid(f"{key}: output.schema muss „xsd“, „jsonschema“ oder „none“ sein.")
    schema_ref = output.get("file", "") if schema_kind != "none" else ""
    schema_text = _read(folder, schema_ref) if schema_ref else ""
    leika = str(spec.get("leika", "*"))
    body = {
        "key": key,
        "title": str(spec.get("title") or key)[:200],
        "leika_key": leika,
        "system_types": sorted(types),
        "transform_kind": kind,
        "transform_text": transform_text,
        "schema_kind": schema_kind,
        "schema_ref": schema_ref,
        "schema_text": schema_text,
        "content_type": output.get("content_type") or CONTENT_TYPES.get(schema_kind, "application/xml"),
        "document_name": output.get("document_name") or "antrag.xml",
    }
    # Deliberately not common.canonical (ASCII escapes, default separators): stored rule hashes use this form.
    body["content_hash"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
    body["source_path"] = f"amtsweg/hub/rules/{key}" if folder.parent == RULES_DIR else str(folder)
    return body


def rule_load(*, folder: Path) -> tuple[IntegrationRule, str]:
    """Load one folder: ``unchanged`` (active version has this hash), ``reactivated`` (an older version
    had it) or ``new`` (a new version, which becomes active). Versions are never modified."""
    body = rule_read(folder=folder)
    with transaction.atomic():
        current = IntegrationRule.objects.select_for_update().filter(key=body["key"], status="active").first()
        if current is not None and current.content_hash == body["content_hash"]:
            return current, "unchanged"
        clash = [
            r.key
            for r in IntegrationRule.objects.filter(status="active", leika_key=body["leika_key"]).exclude(
                key=body["key"]
            )
            if set(r.system_types) & set(body["system_types"])
        ]
        if clash:
            raise RuleInvalid(
                f"{body['key']}: für Leistung {body['leika_key']} und dieselben Zielsystem-Typen gibt es schon "
                f"die aktive Regel {', '.join(clash)}."
            )
        IntegrationRule.objects.filter(key=body["key"], status="active").update(status="retired")
        previous = IntegrationRule.objects.filter(key=body["key"], content_hash=body["content_hash"]).first()
        if previous is not None:
            IntegrationRule.objects.filter(pk=previous.pk).update(status="active")
            previous.refresh_from_db()
            return previous, "reactivated"
        version = (IntegrationRule.objects.filter(key=body["key"]).aggregate(v=Max("version"))["v"] or 0) + 1
        rule = IntegrationRule.objects.create(version=version, status="active", loaded_at=clock.now(), **body)
    return rule, "new"


def rules_load(*, directory: Path = RULES_DIR) -> dict[str, str]:
    """Load every rule folder below ``directory``; returns {key: "new v2" | "unchanged v1" | …}.

    Call from the bootstrap (all modes): ``from amtsweg.hub.rules import rules_load; rules_load()``.
    """
    report = {}
    for folder in sorted(p for p in directory.iterdir() if (p / "rule.yaml").is_file()):
        rule, outcome = rule_load(folder=folder)
        report[rule.key] = f"{outcome} v{rule.version}"
    return report


def rule_samples(*, rule: IntegrationRule) -> dict[str, dict]:
    """Samples of a rule from its depot folder: {name: {"meta", "data", "xml"}} (for dry runs)."""
    folder = RULES_DIR / rule.key / "samples"
    samples = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        sample = json.loads(path.read_text(encoding="utf-8"))
        xml_path = path.with_suffix(".xml")
        if xml_path.is_file():
            sample["xml"] = xml_path.read_bytes()
        samples[path.stem] = sample
    return samples
