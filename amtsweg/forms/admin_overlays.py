"""Admin for the overlays of a Kommune: validated against the current version, written through ``overlay_set``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin
from amtsweg.forms.engine import overlay_problems
from amtsweg.forms.models import Overlay
from amtsweg.forms.selectors import form_version_current, form_version_latest
from amtsweg.forms.services import OverlayInvalid, overlay_set, overlay_shape_errors


class OverlayForm(forms.ModelForm):
    class Meta:
        model = Overlay
        fields = ["definition", "authority", "parameters", "texts", "disabled_fields", "contact"]

    def clean(self):
        cleaned = super().clean()
        definition = cleaned.get("definition")
        if definition is None or self.errors:
            return cleaned
        shape = overlay_shape_errors(
            parameters=cleaned.get("parameters"),
            texts=cleaned.get("texts"),
            disabled_fields=cleaned.get("disabled_fields"),
            contact=cleaned.get("contact"),
        )
        if shape:
            raise forms.ValidationError(shape)
        version = form_version_current(definition=definition) or form_version_latest(definition=definition)
        if version is not None:
            problems = overlay_problems(
                document=version.document,
                parameters=cleaned.get("parameters") or {},
                texts=cleaned.get("texts") or {},
                disabled_fields=cleaned.get("disabled_fields") or [],
            )
            if problems:
                raise forms.ValidationError(problems)
        return cleaned


@admin.register(Overlay)
class OverlayAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    authority_write_role = "kommunal_admin"
    form = OverlayForm
    list_display = ["definition", "authority", "updated_at", "conflict_count"]
    list_filter = ["definition"]
    search_fields = ["definition__title", "authority__name", "authority__key"]
    autocomplete_fields = ["authority"]
    readonly_fields = ["conflicts", "preview"]
    fields = ["definition", "authority", "conflicts", "preview", "parameters", "texts", "disabled_fields", "contact"]

    def _conflicts(self, obj) -> list[str]:
        if obj is None or obj.pk is None:
            return []
        version = form_version_current(definition=obj.definition)
        return (
            overlay_problems(
                document=version.document,
                parameters=obj.parameters,
                texts=obj.texts,
                disabled_fields=obj.disabled_fields,
            )
            if version
            else []
        )

    @admin.display(description="Konflikte")
    def conflict_count(self, obj):
        return len(self._conflicts(obj)) or "–"

    @admin.display(description="Konflikte mit der aktuellen Version")
    def conflicts(self, obj):
        problems = self._conflicts(obj)
        if not problems:
            return "Keine – die Anpassung passt zur aktuellen Version."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems)))

    @admin.display(description="Vorschau")
    def preview(self, obj):
        version = form_version_current(definition=obj.definition) if obj and obj.pk else None
        if version is None:
            return "–"
        url = reverse("admin:forms_formversion_preview", args=[version.pk])
        return format_html('<a href="{}?overlay={}">Assistent mit dieser Anpassung ansehen</a>', url, obj.pk)

    def save_model(self, request, obj, form, change):
        try:
            saved = overlay_set(
                definition=obj.definition,
                authority=obj.authority,
                parameters=obj.parameters or {},
                texts=obj.texts or {},
                disabled_fields=obj.disabled_fields or [],
                contact=obj.contact or {},
            )
        except OverlayInvalid as exc:
            messages.error(request, str(exc))
            return
        obj.pk = saved.pk
