from django.contrib import admin

from amtsweg.directory.admin import ReferenceDataAdminMixin

from .models import Override


@admin.register(Override)
class OverrideAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["leistung", "territory", "authority", "reason"]
    list_filter = ["reason"]
    search_fields = ["leistung__name", "leistung__leika_key", "territory__name", "territory__ags", "authority__name"]
    autocomplete_fields = ["leistung", "territory", "authority"]
