"""Admin for the municipality register and authorities.

The register itself comes from Destatis and is read-only here; authorities are the
operator's to maintain. Saving an authority in the admin marks it ``generated=False`` so
the next register update leaves the edit alone.
"""

import json

from django.contrib import admin
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from .admin_scoping import AuthorityScopedAdminMixin
from .models import Authority, AuthorityMembership, PostalCode, RegisterImport, Territory, TerritoryChange
from .permissions import is_koordination
from .selectors import administered_authority_ids
from .services import authorities_export, reference_version_bump, register_report_text


class CurrentFilter(admin.SimpleListFilter):
    title = "Gültigkeit"
    parameter_name = "aktuell"

    def lookups(self, request, model_admin):
        return [("ja", "aktuell"), ("nein", "aufgelöst / historisch")]

    def queryset(self, request, queryset):
        if self.value() == "ja":
            return queryset.filter(valid_until__isnull=True)
        if self.value() == "nein":
            return queryset.filter(valid_until__isnull=False)
        return queryset


class ReferenceDataAdminMixin:
    """Admin edits of reference data bump its version, so every process's in-memory snapshot
    (jurisdiction.snapshot) picks them up on its next request."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after the many-to-many fields (serves)
        reference_version_bump()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        reference_version_bump()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        reference_version_bump()


@admin.register(Territory)
class TerritoryAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "ags", "ars", "type_code", "population", "postal_code", "valid_until"]
    list_filter = ["kind", CurrentFilter, "type_code"]
    search_fields = ["name", "=ags", "^ars", "postal_code"]
    list_select_related = ["kreis"]
    ordering = ["ars"]
    readonly_fields = [
        "kind",
        "ars",
        "ags",
        "name",
        "type_code",
        "seat",
        "parent",
        "kreis",
        "area_ha",
        "population",
        "postal_code",
        "register_date",
        "valid_until",
    ]
    # The successor is the one field an operator may need to correct after a merger.
    autocomplete_fields = ["successor"]
    fields = [*readonly_fields, "successor"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete offers current units only, and Gemeinden only for Authority.serves.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(valid_until__isnull=True)
            if request.GET.get("field_name") == "serves":
                queryset = queryset.filter(kind=Territory.Kind.GEMEINDE)
        return queryset, may_have_duplicates


@admin.register(PostalCode)
class PostalCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "place_name", "gemeinde"]
    search_fields = ["=code", "place_name", "gemeinde__name", "=gemeinde__ags"]
    autocomplete_fields = ["gemeinde"]
    list_select_related = ["gemeinde"]


def _export_response(queryset, fmt: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json; charset=utf-8"
    response = HttpResponse(authorities_export(fmt=fmt, queryset=queryset), content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="behoerden-{stamp}.{fmt}"'
    return response


@admin.register(Authority)
class AuthorityAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "territory",
        "acts_for_gemeinde",
        "acts_for_kreis",
        "city",
        "generated",
        "needs_review",
        "active",
    ]
    list_filter = ["kind", "acts_for_gemeinde", "acts_for_kreis", "generated", "needs_review", "active"]
    search_fields = ["name", "key", "city", "territory__name", "=territory__ags", "^territory__ars"]
    autocomplete_fields = ["territory", "serves"]
    list_select_related = ["territory"]
    actions = ["export_csv", "export_json"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["key", "name", "kind", "territory", "active"]}),
        ("Zuständigkeit", {"fields": ["acts_for_gemeinde", "acts_for_kreis", "serves"]}),
        (
            "Anschrift und Kontakt",
            {"fields": ["street", "postal_code", "city", "phone", "email", "website", "opening_hours"]},
        ),
        ("Herkunft", {"fields": ["generated", "needs_review"]}),
    ]

    def save_model(self, request, obj, form, change):
        # An edited entry is the operator's now: regenerating from the register must not undo it.
        obj.generated = False
        super().save_model(request, obj, form, change)

    @admin.action(description="Ausgewählte Behörden als CSV exportieren")
    def export_csv(self, request, queryset):
        return _export_response(queryset, "csv")

    @admin.action(description="Ausgewählte Behörden als JSON exportieren")
    def export_json(self, request, queryset):
        return _export_response(queryset, "json")


class TerritoryChangeInline(admin.TabularInline):
    model = TerritoryChange
    fields = ["kind", "territory", "old_value", "new_value", "related"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RegisterImport)
class RegisterImportAdmin(admin.ModelAdmin):
    list_display = ["register_date", "scope", "source", "started_at", "summary"]
    readonly_fields = ["source", "register_date", "scope", "started_at", "report_text", "report_json"]
    exclude = ["report"]
    inlines = [TerritoryChangeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Änderungen")
    def summary(self, obj):
        report = obj.report or {}
        keys = ["created", "renamed", "moved", "merged", "dissolved"]
        if report.get("initial"):
            return "Erstimport"
        return ", ".join(f"{k}: {report.get(k, 0)}" for k in keys)

    @admin.display(description="Bericht")
    def report_text(self, obj):
        if not obj.report:
            return "–"
        return format_html("<pre>{}</pre>", register_report_text(report=obj.report))

    @admin.display(description="Bericht (JSON)")
    def report_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.report, ensure_ascii=False, indent=2))


@admin.register(AuthorityMembership)
class AuthorityMembershipAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    """Who works for which authority. A Kommunal-Admin (with the model permissions) sees and manages the
    members of their own authorities only; superusers all."""

    list_display = ["user", "authority", "role", "created"]
    list_filter = ["role"]
    list_select_related = ["user", "authority"]
    search_fields = ["user__username", "authority__name", "authority__key"]
    autocomplete_fields = ["user", "authority"]

    # Besides the model permission, changing members needs the role Kommunal-Admin at that authority.
    def _admin_of(self, request, obj) -> bool:
        if is_koordination(request.user):
            return True
        managed = administered_authority_ids(request.user)
        return bool(managed) if obj is None else obj.authority_id in managed

    def has_add_permission(self, request):
        return self._admin_of(request, None) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._admin_of(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._admin_of(request, obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "authority" and not is_koordination(request.user):
            field.queryset = field.queryset.filter(pk__in=administered_authority_ids(request.user))
        return field
