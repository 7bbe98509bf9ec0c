from django.contrib import admin

from amtsweg.casefile.models import CaseEvent


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("vorgangsnummer", "kind", "authority", "created", "api_client")
    list_filter = ("kind",)
    search_fields = ("=vorgangsnummer",)
    readonly_fields = [field.name for field in CaseEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
