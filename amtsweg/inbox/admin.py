from django.contrib import admin

from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin
from amtsweg.inbox.models import NachforderungVorlage


@admin.register(NachforderungVorlage)
class NachforderungVorlageAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    """Text templates for Nachforderungen: each authority's own, written only by its Kommunal-Admin."""

    authority_write_role = "kommunal_admin"
    list_display = ["title", "authority", "leistung", "updated"]
    list_select_related = ["authority", "leistung"]
    search_fields = ["title", "text"]
    autocomplete_fields = ["authority", "leistung"]
    fields = ["authority", "leistung", "title", "text", "documents"]
