"""Admin for the FIM side of assistants: the code-list store (with attribution, upload) and the FIM import.

Writes go through ``forms.services`` / ``forms.services_fim``; these views only collect input and show results.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from amtsweg.forms.definition import DefinitionInvalid
from amtsweg.forms.fim import FimImportError
from amtsweg.forms.genericode import MAX_BYTES, GenericodeInvalid
from amtsweg.forms.models import CodeList, CodeListEntry, FormVersion
from amtsweg.forms.services import codelist_import
from amtsweg.forms.services_fim import fim_report, fim_schema_load

MAX_FIM_BYTES = 20 * 1024 * 1024


class CodeListUploadForm(forms.Form):
    file = forms.FileField(label="Codeliste (OASIS genericode 1.0, .xml)")
    source = forms.CharField(label="Quelle (Herausgeber, Fundstelle)", max_length=2000)
    licence = forms.CharField(label="Lizenz", max_length=255, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("Die Datei ist zu groß (höchstens 20 MB).")
        if not upload.name.lower().endswith(".xml"):
            raise forms.ValidationError("Bitte laden Sie eine .xml-Datei (genericode) hoch.")
        return upload


class CodeListEntryInline(admin.TabularInline):
    model = CodeListEntry
    fields = ["position", "code", "label"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


@admin.register(CodeList)
class CodeListAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "version", "entry_count", "attribution"]
    search_fields = ["name", "urn"]
    list_filter = ["agency"]
    readonly_fields = [
        "urn",
        "version",
        "name",
        "agency",
        "source",
        "licence",
        "file_name",
        "code_column",
        "label_column",
        "content_hash",
        "imported_at",
    ]
    inlines = [CodeListEntryInline]
    change_list_template = "admin/forms/codelist/change_list.html"

    def has_add_permission(self, request):
        return False  # only through the validated upload or codelists_import

    def has_change_permission(self, request, obj=None):
        return False  # the content is the file; replace it by uploading a new one

    @admin.display(description="Einträge")
    def entry_count(self, obj):
        return obj.entries.count()

    @admin.display(description="Quelle und Lizenz")
    def attribution(self, obj):
        return obj.attribution

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="forms_codelist_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm("forms.add_codelist"):
            raise PermissionDenied
        form = CodeListUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                codelist, outcome = codelist_import(
                    data=upload.read(),
                    file_name=upload.name,
                    source=form.cleaned_data["source"],
                    licence=form.cleaned_data["licence"],
                )
            except GenericodeInvalid as exc:
                errors = [str(exc)]
            else:
                messages.success(
                    request,
                    f"Codeliste {codelist.urn} Version {codelist.version} ({codelist.entries.count()} Einträge): "
                    f"{outcome}. Importieren Sie betroffene FIM-Schemata erneut, damit sie die Werte übernehmen.",
                )
                return HttpResponseRedirect(reverse("admin:forms_codelist_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Codeliste hochladen",
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/forms/codelist_upload.html", context)


class FimImportForm(forms.Form):
    file = forms.FileField(label="XDatenfelder-Datei (FIM, Version 1–3, .xml)")
    key = forms.SlugField(label="Schlüssel (leer: aus dem Namen des Schemas)", required=False, max_length=100)
    leistung = forms.RegexField(
        label="LeiKa-Schlüssel (falls das Schema keinen nennt)", regex=r"^\d{14}$", required=False
    )
    publish = forms.BooleanField(label="Veröffentlichen", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FIM_BYTES:
            raise forms.ValidationError("Die Datei ist zu groß (höchstens 20 MB).")
        if not upload.name.lower().endswith(".xml"):
            raise forms.ValidationError("Bitte laden Sie eine .xml-Datei hoch.")
        return upload


class FimImportAdminMixin:
    """FIM import and the JSON import report, for ``FormDefinitionAdmin``."""

    def fim_urls(self):
        return [
            path("fim-import/", self.admin_site.admin_view(self.fim_import_view), name="forms_formdefinition_fim"),
            path(
                "version/<int:pk>/fim-bericht.json",
                self.admin_site.admin_view(self.fim_report_view),
                name="forms_formversion_fim_report",
            ),
        ]

    def fim_import_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = FimImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        load = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                load = fim_schema_load(
                    xml=data["file"].read(),
                    key=data["key"] or None,
                    leistung=data["leistung"] or None,
                    publish=data["publish"],
                )
            except FimImportError as exc:
                errors = [str(exc)]
            except DefinitionInvalid as exc:
                errors = ["Die erzeugte Definition ist ungültig:", *exc.errors]
        context = {
            **self.admin_site.each_context(request),
            "title": "FIM-Schema importieren",
            "form": form,
            "errors": errors,
            "load": load,
            "report": load.report() if load else None,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/forms/fim_import.html", context)

    def fim_report_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(FormVersion.objects.select_related("definition__leistung"), pk=pk)
        if not (version.document.get("x-fim") or {}):
            raise PermissionDenied
        report = fim_report(document=version.document, version=version)
        response = HttpResponse(
            json.dumps(report, ensure_ascii=False, indent=2, default=str), content_type="application/json"
        )
        filename = f"{version.definition.key}-v{version.number}-fim-bericht.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


__all__ = ["CodeListAdmin", "CodeListUploadForm", "FimImportAdminMixin", "FimImportForm"]


def fim_report_link(version: FormVersion) -> str:
    if not (version.document or {}).get("x-fim"):
        return ""
    return reverse("admin:forms_formversion_fim_report", args=[version.pk])
