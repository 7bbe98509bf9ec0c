"""Admin for application assistants: versions (read-only once published), import/export, preview, overlays.

All writes go through ``amtsweg.forms.services``; the admin only collects input and shows results.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

# Imported so the Overlay and CodeList admins are registered: Django's autodiscovery only imports this module.
from amtsweg.forms.admin_fim import CodeListAdmin, FimImportAdminMixin, fim_report_link
from amtsweg.forms.admin_overlays import OverlayAdmin, OverlayForm
from amtsweg.forms.admin_preview import preview_steps
from amtsweg.forms.definition import DefinitionInvalid, definition_errors, definition_parse
from amtsweg.forms.models import FormDefinition, FormVersion, Overlay
from amtsweg.forms.selectors import definition_export, form_resolve, form_version_current
from amtsweg.forms.services import (
    FormVersionImmutable,
    definition_load,
    form_version_create_draft,
    form_version_publish,
    form_version_update,
)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class DefinitionImportForm(forms.Form):
    file = forms.FileField(label="Definitionsdatei (YAML oder JSON)")
    publish = forms.BooleanField(label="Sofort veröffentlichen", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Die Datei ist zu groß (höchstens 2 MB).")
        if not upload.name.lower().endswith((".yaml", ".yml", ".json")):
            raise forms.ValidationError("Bitte laden Sie eine .yaml-, .yml- oder .json-Datei hoch.")
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("Die Datei ist nicht UTF-8-kodiert.") from exc
        try:
            return definition_parse(text=text, fmt="json" if upload.name.lower().endswith(".json") else "yaml")
        except DefinitionInvalid as exc:
            raise forms.ValidationError(exc.errors) from exc


def _preview_link(version: FormVersion) -> str:
    links = format_html(
        '<a href="{}">Vorschau</a> · <a href="{}">YAML</a> · <a href="{}">JSON</a>',
        reverse("admin:forms_formversion_preview", args=[version.pk]),
        reverse("admin:forms_formversion_export", args=[version.pk, "yaml"]),
        reverse("admin:forms_formversion_export", args=[version.pk, "json"]),
    )
    if report := fim_report_link(version):
        links += format_html(' · <a href="{}">FIM-Bericht (JSON)</a>', report)
    return links


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = ["number", "status", "published_at", "content_hash", "links"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-number"]

    @admin.display(description="Ansehen")
    def links(self, obj):
        return _preview_link(obj) if obj.pk else ""


@admin.register(FormDefinition)
class FormDefinitionAdmin(FimImportAdminMixin, admin.ModelAdmin):
    list_display = ["title", "key", "leika_key", "current_version"]
    search_fields = ["title", "key", "=leika_key"]
    readonly_fields = ["key", "title", "leika_key", "leistung", "created_at", "updated_at"]
    inlines = [FormVersionInline]
    change_list_template = "admin/forms/formdefinition/change_list.html"
    change_form_template = "admin/forms/formdefinition/change_form.html"

    def has_add_permission(self, request):
        return False  # definitions come from files (import or load_forms)

    def has_delete_permission(self, request, obj=None):
        return False  # submissions reference their versions

    @admin.display(description="Aktuelle Version")
    def current_version(self, obj):
        version = form_version_current(definition=obj)
        return f"v{version.number}" if version else "–"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="forms_formdefinition_import"),
            *self.fim_urls(),
            path(
                "<int:pk>/new-draft/",
                self.admin_site.admin_view(self.new_draft_view),
                name="forms_formdefinition_new_draft",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = DefinitionImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                version = definition_load(document=form.cleaned_data["file"], publish=form.cleaned_data["publish"])
            except DefinitionInvalid as exc:
                errors = exc.errors
            else:
                messages.success(
                    request, f"„{version.definition.title}“: Version {version.number} ({version.get_status_display()})."
                )
                return HttpResponseRedirect(reverse("admin:forms_formdefinition_change", args=[version.definition.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Antragsassistent importieren",
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/forms/import.html", context)

    def new_draft_view(self, request, pk: int):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        definition = get_object_or_404(FormDefinition, pk=pk)
        try:
            version = form_version_create_draft(definition=definition)
        except ValueError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:forms_formdefinition_change", args=[pk]))
        messages.success(request, f"Entwurf Version {version.number} angelegt.")
        return HttpResponseRedirect(reverse("admin:forms_formversion_change", args=[version.pk]))


class FormVersionForm(forms.ModelForm):
    class Meta:
        model = FormVersion
        fields = ["document"]

    def clean_document(self):
        document = self.cleaned_data["document"]
        errors = definition_errors(document=document)
        if errors:
            raise forms.ValidationError(errors)
        if self.instance.pk and document["key"] != self.instance.definition.key:
            raise forms.ValidationError(f"Der Schlüssel muss „{self.instance.definition.key}“ bleiben.")
        return document


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    form = FormVersionForm
    list_display = ["definition", "number", "status", "published_at", "links"]
    list_filter = ["status"]
    search_fields = ["definition__title", "definition__key"]
    actions = ["publish_selected"]

    def get_readonly_fields(self, request, obj=None):
        base = ["definition", "number", "status", "published_at", "content_hash", "links"]
        if obj is not None and obj.status != FormVersion.Status.DRAFT:
            return [*base, "document"]  # published versions are immutable
        return base

    def get_fields(self, request, obj=None):
        return ["definition", "number", "status", "published_at", "content_hash", "links", "document"]

    def has_add_permission(self, request):
        return False  # new versions: import, load_forms or "Neuer Entwurf"

    def has_change_permission(self, request, obj=None):
        # Published and retired versions are view-only: the page shows them, a POST is refused.
        if obj is not None and obj.status != FormVersion.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (
            obj is not None and obj.status == FormVersion.Status.DRAFT and super().has_delete_permission(request, obj)
        )

    @admin.display(description="Ansehen")
    def links(self, obj):
        return _preview_link(obj) if obj and obj.pk else ""

    def save_model(self, request, obj, form, change):
        if "document" not in form.cleaned_data:
            return
        try:
            updated = form_version_update(version=obj, document=form.cleaned_data["document"])
        except (FormVersionImmutable, DefinitionInvalid) as exc:
            messages.error(request, str(exc))
            return
        obj.content_hash = updated.content_hash

    @admin.action(description="Ausgewählte Entwürfe veröffentlichen")
    def publish_selected(self, request, queryset):
        done = 0
        for version in queryset.filter(status=FormVersion.Status.DRAFT):
            try:
                form_version_publish(version=version)
                done += 1
            except DefinitionInvalid as exc:
                messages.error(request, f"{version}: {exc}")
        messages.success(request, f"{done} Version(en) veröffentlicht.")

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="forms_formversion_preview",
            ),
            path(
                "<int:pk>/export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="forms_formversion_export",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(FormVersion.objects.select_related("definition"), pk=pk)
        overlay = None
        if overlay_id := request.GET.get("overlay", ""):
            overlay = Overlay.objects.filter(pk=int(overlay_id) if overlay_id.isdigit() else 0).first()
        form = form_resolve(version=version, overlay=overlay)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Vorschau: {form.title} (Version {version.number})",
            "version": version,
            "overlay": overlay,
            "form": form,
            "steps": preview_steps(form),
            "parameters": [
                {"name": k, "label": spec.get("label"), "value": form.parameters.get(k)}
                for k, spec in (form.document.get("parameters") or {}).items()
            ],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/forms/preview.html", context)

    def export_view(self, request, pk: int, fmt: str):
        if not self.has_view_permission(request) or fmt not in {"yaml", "json"}:
            raise PermissionDenied
        version = get_object_or_404(FormVersion.objects.select_related("definition"), pk=pk)
        response = HttpResponse(
            definition_export(version=version, fmt=fmt),
            content_type="application/json" if fmt == "json" else "application/yaml; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{version.definition.key}-v{version.number}.{fmt}"'
        return response


__all__ = [
    "CodeListAdmin",
    "DefinitionImportForm",
    "FormDefinitionAdmin",
    "FormVersionAdmin",
    "FormVersionForm",
    "OverlayAdmin",
    "OverlayForm",
]
