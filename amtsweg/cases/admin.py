from django.contrib import admin

from amtsweg.cases.models import BescheidVorlage, CaseEvent, Vorgang
from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin


class _ReadOnly(AuthorityScopedAdminMixin, admin.ModelAdmin):
    """Vorgänge and their events are written by services only (numbering, audit)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Vorgang)
class VorgangAdmin(_ReadOnly):
    list_display = ("number", "channel", "status", "authority", "created")
    list_filter = ("channel", "status")
    search_fields = ("=number",)
    list_select_related = ("authority",)
    readonly_fields = [field.name for field in Vorgang._meta.fields]


@admin.register(CaseEvent)
class CaseEventAdmin(_ReadOnly):
    authority_field = "vorgang__authority"
    list_display = ("vorgang", "kind", "authority", "created", "api_client")
    list_filter = ("kind",)
    search_fields = ("=vorgang__number",)
    list_select_related = ("vorgang", "authority", "api_client")
    readonly_fields = [field.name for field in CaseEvent._meta.fields]


@admin.register(BescheidVorlage)
class BescheidVorlageAdmin(admin.ModelAdmin):
    """Bescheid text per Leistung (without one the built-in default of ``cases.bescheid`` applies)."""

    list_display = ("leistung", "updated")
    search_fields = ("leistung__name", "=leistung__leika_key")
    autocomplete_fields = ("leistung",)
