"""Read-only views of the Konfigurationsportal's records for the central operator (changes go through the
portal's services, so the log stays complete)."""

from django.contrib import admin

from amtsweg.directory.permissions import is_koordination
from amtsweg.konfig.models import Handover, KonfigChange, RouteTest, ServiceSetup


class ReadOnlyAdmin(admin.ModelAdmin):
    # Only the zentrale Koordination (ADR 0024): Kommunal-Admins see their own records in the portal.
    def has_module_permission(self, request):
        return is_koordination(request.user)

    def has_view_permission(self, request, obj=None):
        return is_koordination(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceSetup)
class ServiceSetupAdmin(ReadOnlyAdmin):
    list_display = ["definition", "authority", "golive_at", "updated_at"]
    list_filter = ["definition"]
    search_fields = ["authority__name", "definition__title"]


@admin.register(RouteTest)
class RouteTestAdmin(ReadOnlyAdmin):
    list_display = ["setup", "ok", "at"]
    list_filter = ["ok"]


@admin.register(KonfigChange)
class KonfigChangeAdmin(ReadOnlyAdmin):
    list_display = ["setup", "version", "kind", "user", "at"]
    list_filter = ["kind"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["leistung", "from_authority", "to_authority", "status", "offered_at"]
    list_filter = ["status"]
