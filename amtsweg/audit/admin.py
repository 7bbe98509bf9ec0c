from django.contrib import admin

from amtsweg.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is only written by ``audit_record``; editing would break the chain anyway."""

    list_display = ("seq", "at", "event", "message_id", "delivery_id", "actor")
    list_filter = ("event", ("at", admin.DateFieldListFilter))
    search_fields = ("=message_id", "=delivery_id", "=event", "actor")
    date_hierarchy = "at"
    ordering = ("-seq",)
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
