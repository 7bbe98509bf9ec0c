"""Admin for the zentrale Koordination: imported offers, report labels, planned services, publications."""

from django.contrib import admin

from .models import AdoptionRecord, KurzstatusPublication, PlannedService, ReifegradDeclaration, ReportLabel


@admin.register(AdoptionRecord)
class AdoptionRecordAdmin(admin.ModelAdmin):
    list_display = ["leistung", "authority", "territory", "since", "until", "solution", "source"]
    list_filter = ["source"]
    search_fields = ["leistung__name", "leistung__leika_key", "authority__name", "territory__ars"]
    raw_id_fields = ["leistung", "authority", "territory"]


@admin.register(ReportLabel)
class ReportLabelAdmin(admin.ModelAdmin):
    list_display = ["title", "leistung", "footnote"]
    raw_id_fields = ["leistung"]


@admin.register(PlannedService)
class PlannedServiceAdmin(admin.ModelAdmin):
    list_display = ["title", "leistung", "planned_for", "done"]
    raw_id_fields = ["leistung"]


@admin.register(KurzstatusPublication)
class KurzstatusPublicationAdmin(admin.ModelAdmin):
    list_display = ["stichtag", "published_at", "published_by"]
    readonly_fields = ("stichtag", "published_at", "published_by")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReifegradDeclaration)
class ReifegradDeclarationAdmin(admin.ModelAdmin):
    list_display = ["leistung", "authority", "criterion", "fulfilled", "note"]
    list_filter = ["criterion", "fulfilled"]
    raw_id_fields = ["leistung", "authority"]
