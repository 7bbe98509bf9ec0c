"""Real forms instead of JSON: the overlay's allowed keys (with the definition's labels) and each adapter's
JSON config schema become Django form fields. No business rules here: the services validate and the
German messages they raise are put back at the field they name."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from amtsweg.forms.definition import iter_fields, parameter_value_error

_QUOTED = re.compile(r"[„'\"]([^“'\"]+)[“'\"]")
CONTACT_FIELDS = (
    ("name", "Ansprechstelle", "z. B. „Stadt Pirna, Steueramt“"),
    ("phone", "Telefon", ""),
    ("email", "E-Mail-Adresse", ""),
    ("hours", "Erreichbarkeit", "z. B. „Mo–Fr 9–12 Uhr“"),
)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_targets(document: dict) -> list[tuple[str, str, str, str]]:
    """(overlay key, section, label, central text) for every text a Kommune may replace."""
    targets = [("description", "Allgemein", "Einleitung des Antrags", document.get("description", ""))]
    for step in document["steps"]:
        section = f"Schritt „{step['title']}“"
        targets.append((f"steps.{step['key']}.intro", section, "Einleitung zum Schritt", step.get("intro", "")))
        for group in step["groups"]:
            if group.get("intro"):
                targets.append(
                    (f"groups.{group['key']}.intro", section, f"Einleitung „{group['title']}“", group["intro"])
                )
            for f in group["fields"]:
                label = f.get("label") or f["key"]
                if f["type"] == "info":
                    targets.append((f"{f['key']}.text", section, f"Hinweis „{_short(label, 60)}“", f.get("text", "")))
                else:
                    targets.append(
                        (f"{f['key']}.help", section, f"Hilfetext zu „{_short(label, 60)}“", f.get("help", ""))
                    )
    return targets


class _SectionedForm(forms.Form):
    """A form whose fields are shown in fieldsets: each field is added with the section it belongs to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_sections: dict[str, str] = {}

    def _put(self, name: str, field: forms.Field, *, section: str) -> None:
        self.fields[name] = field
        self.field_sections[name] = section

    def sections(self) -> list[tuple[str, list]]:
        """Bound fields grouped by their section, in order (for fieldsets)."""
        grouped: dict[str, list] = {}
        for name in self.fields:
            grouped.setdefault(self.field_sections[name], []).append(self[name])
        return list(grouped.items())


class DetailsForm(_SectionedForm):
    """Fees (parameters), local texts, switched-off optional fields and the contact of one assistant."""

    def __init__(self, *args, document: dict, overlay=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        parameters = document.get("parameters") or {}
        values = overlay.parameters if overlay is not None else {}
        texts = overlay.texts if overlay is not None else {}
        contact = overlay.contact if overlay is not None else {}
        self.parameter_names: dict[str, str] = {}
        for i, (name, spec) in enumerate(parameters.items()):
            field_name = f"parameter_{i}"
            self.parameter_names[field_name] = name
            initial = values.get(name, spec.get("default"))
            help_text = spec.get("description", "")
            field: forms.Field
            if spec.get("type") == "boolean":
                field = forms.BooleanField(label=spec.get("label") or name, required=False, help_text=help_text)
            else:
                if spec.get("type") == "currency":
                    help_text = (help_text + " " if help_text else "") + "Betrag in Euro, z. B. 96,00."
                    initial = str(initial).replace(".", ",") if initial is not None else ""
                field = forms.CharField(label=spec.get("label") or name, required=False, help_text=help_text)
            field.initial = initial
            self._put(field_name, field, section="Gebühren und Werte")
        self.text_keys: dict[str, str] = {}
        for i, (key, section, label, central) in enumerate(text_targets(document)):
            field_name = f"text_{i}"
            self.text_keys[field_name] = key
            help_text = "Leer lassen: Es gilt der zentrale Text"
            help_text += f": „{_short(central)}“" if central else " (keiner)."
            text = forms.CharField(
                label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": 2})
            )
            text.initial = texts.get(key, "")
            self._put(field_name, text, section=section)
        switchable = [
            (r.field["key"], r.field.get("label") or r.field["key"])
            for r in iter_fields(document)
            if r.field.get("optional_switch") and not r.field.get("required")
        ]
        if switchable:
            disabled = forms.MultipleChoiceField(
                label="Diese freiwilligen Angaben nicht abfragen",
                choices=switchable,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=overlay.disabled_fields if overlay is not None else [],
            )
            self._put("disabled_fields", disabled, section="Freiwillige Angaben")
        for key, label, help_text in CONTACT_FIELDS:
            field_class = forms.EmailField if key == "email" else forms.CharField
            field = field_class(label=label, required=False, help_text=help_text, max_length=200)
            field.initial = contact.get(key, "")
            self._put(f"contact_{key}", field, section="Kontakt für Antragstellende")
        kern_style(self)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        specs = self.document.get("parameters") or {}
        for field_name, name in self.parameter_names.items():
            value = cleaned.get(field_name)
            spec = specs[name]
            if spec.get("type") == "currency" and isinstance(value, str) and value.strip():
                value = value.strip().replace(".", "").replace(",", ".") if "," in value else value.strip()
                if re.fullmatch(r"\d+", value):
                    value += ".00"
            elif spec.get("type") == "integer" and isinstance(value, str) and value.strip():
                value = int(value) if re.fullmatch(r"-?\d+", value.strip()) else value
            elif spec.get("type") == "decimal" and isinstance(value, str):
                value = value.strip().replace(",", ".")
            if value in ("", None):
                continue
            problem = parameter_value_error(spec=spec, value=value)
            if problem and spec.get("type") == "currency":
                problem = "Bitte geben Sie einen Betrag in Euro an, z. B. 96,00."
            if problem:
                self.add_error(field_name, problem)
            cleaned[field_name] = value
        return cleaned

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``konfig.services.setup_details_save``."""
        data = self.cleaned_data
        specs = self.document.get("parameters") or {}
        parameters = {
            name: data[f]
            for f, name in self.parameter_names.items()
            if data.get(f) not in ("", None) and data[f] != specs[name].get("default")
        }
        return {
            "parameters": parameters,
            "texts": {key: data.get(f) or "" for f, key in self.text_keys.items() if (data.get(f) or "").strip()},
            "disabled_fields": list(data.get("disabled_fields") or []),
            "contact": {key: data.get(f"contact_{key}") or "" for key, _, _ in CONTACT_FIELDS},
        }

    def errors_from_service(self, messages: list[str]) -> None:
        """Put the overlay service's German messages at the field they name ("Parameter 'x'", "Text 'y'")."""
        by_key = {**{v: k for k, v in self.parameter_names.items()}, **{v: k for k, v in self.text_keys.items()}}
        for message in messages:
            match = _QUOTED.search(message)
            field = by_key.get(match.group(1)) if match else None
            self.add_error(field if field in self.fields else None, message)


# --- route: a form from the adapter's JSON schema --------------------------------------------------------


def portal_schema(type_key: str, schema: dict) -> dict:
    """The adapter's schema as the portal offers it: xdomea only over SFTP (no folder on the platform's server)."""
    if type_key != "xdomea":
        return schema
    properties = {k: v for k, v in schema["properties"].items() if k not in ("directory", "create_directory")}
    properties["transport"] = {**properties["transport"], "enum": ["sftp"], "default": "sftp"}
    return {**schema, "properties": properties, "required": ["transport", "sftp"]}


def _field_name(path: str) -> str:
    return path.replace(".", "__")


def _schema_field(prop: dict, *, label: str, required: bool, initial: Any, secrets_stored: bool) -> forms.Field:
    """The form field for one leaf of an adapter's schema, filled with ``initial`` (secrets never are)."""
    help_text = prop.get("description", "")
    kind = prop.get("type")
    field: forms.Field
    if prop.get("writeOnly"):
        help_text = "Wird verschlüsselt gespeichert und nie wieder angezeigt."
        if secrets_stored:
            help_text += " Leer lassen = unverändert."
        field = forms.CharField(
            label=label,
            required=required and not secrets_stored,
            help_text=help_text,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )
        initial = None
    elif "enum" in prop:
        choices = [(v, v) for v in prop["enum"]]
        field = forms.ChoiceField(label=label, choices=choices, required=required, help_text=help_text)
    elif kind == "boolean":
        field = forms.BooleanField(label=label, required=False, help_text=help_text)
    elif kind == "integer":
        field = forms.IntegerField(
            label=label,
            required=required,
            help_text=help_text,
            min_value=prop.get("minimum"),
            max_value=prop.get("maximum"),
        )
    elif kind == "number":
        field = forms.FloatField(label=label, required=required, help_text=help_text)
    elif kind == "array":
        field = forms.CharField(
            label=label,
            required=required,
            help_text=(help_text + " " if help_text else "") + "Eine Angabe je Zeile.",
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        initial = "\n".join(map(str, initial)) if isinstance(initial, list) else ""
    elif kind == "object":
        field = forms.CharField(
            label=label,
            required=False,
            help_text=(help_text + " " if help_text else "") + "Je Zeile „Name: Wert“.",
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        initial = "\n".join(f"{k}: {v}" for k, v in initial.items()) if isinstance(initial, dict) else ""
    else:
        field = forms.CharField(label=label, required=required, help_text=help_text)
    field.initial = initial
    return field


class SchemaForm(_SectionedForm):
    """Fields generated from an adapter's ``config_schema``; secrets (``writeOnly``) are password inputs
    that are never filled in again ("leer lassen = unverändert" once one is stored)."""

    name = forms.CharField(label="Bezeichnung des Zielsystems", max_length=200)

    def __init__(self, *args, schema: dict, config: dict | None = None, secrets_stored: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.paths: dict[str, dict] = {}  # field name -> {"path", "secret", "kind", "nested"}
        self.field_sections["name"] = "Zielsystem"
        self._add(schema, config or {}, prefix="", section="Einstellungen", secrets_stored=secrets_stored)
        kern_style(self)

    def _add(self, schema: dict, config: dict, *, prefix: str, section: str, secrets_stored: bool) -> None:
        required = set(schema.get("required") or [])
        for key, prop in (schema.get("properties") or {}).items():
            path = f"{prefix}{key}"
            label = prop.get("title") or key
            kind = prop.get("type")
            if kind == "object" and prop.get("properties"):
                nested = config.get(key)
                nested_config = nested if isinstance(nested, dict) else {}
                self._add(prop, nested_config, prefix=f"{path}.", section=label, secrets_stored=secrets_stored)
                continue
            field = _schema_field(
                prop,
                label=label,
                required=key in required and not prefix,
                initial=config.get(key, prop.get("default")),
                secrets_stored=secrets_stored,
            )
            name = _field_name(path)
            self._put(name, field, section=section)
            self.paths[name] = {
                "path": path,
                "secret": bool(prop.get("writeOnly")),
                "kind": kind,
                "nested": bool(prefix),
            }

    def values(self) -> tuple[dict, dict]:
        """(settings, newly entered secrets) as the hub expects them (nested objects rebuilt)."""
        config: dict = {}
        secrets: dict = {}
        for name, info in self.paths.items():
            value = self.cleaned_data.get(name)
            if info["kind"] == "array" and isinstance(value, str):
                value = [line.strip() for line in value.splitlines() if line.strip()]
            elif info["kind"] == "object" and isinstance(value, str):
                pairs = [line.partition(":") for line in value.splitlines() if ":" in line]
                value = {k.strip(): v.strip() for k, _, v in pairs if k.strip()}
            if value in (None, "", [], {}):
                continue
            if info["kind"] == "boolean" and info["nested"] and not value:
                continue
            target = secrets if info["secret"] else config
            *parents, leaf = info["path"].split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        return config, secrets

    def errors_from_service(self, message_dict: dict[str, list[str]]) -> None:
        """Put the hub's German messages at the field whose path they quote, the rest above the form."""
        for messages in message_dict.values():
            for message in messages:
                field = None
                for quoted in _QUOTED.findall(message):
                    if _field_name(quoted) in self.fields:
                        field = _field_name(quoted)
                        break
                self.add_error(field, message)


class GoLiveForm(forms.Form):
    WHEN = (("sofort", "sofort"), ("datum", "ab einem Datum"))
    when = forms.ChoiceField(
        label="Wann soll die Leistung online gehen?", choices=WHEN, widget=forms.RadioSelect, initial="datum"
    )
    date = forms.DateField(
        label="Datum",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Die Leistung geht an diesem Tag um 0 Uhr online.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kern_style(self)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("when") == "datum" and not cleaned.get("date"):
            self.add_error("date", "Bitte geben Sie das Datum an, ab dem die Leistung online gehen soll.")
        return cleaned


def kern_style(form: forms.Form) -> forms.Form:
    """KERN classes on the widgets (the templates render fields with ``{{ field }}``)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "kern-form-check__checkbox")
        elif isinstance(widget, forms.Select) and not isinstance(
            widget, forms.RadioSelect | forms.CheckboxSelectMultiple
        ):
            widget.attrs.setdefault("class", "kern-form-input__select")
        elif not isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "kern-form-input__input")
    return form
