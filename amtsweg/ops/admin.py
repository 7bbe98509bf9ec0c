from django.contrib import admin

from amtsweg.ops.models import WorkerProcess


@admin.register(WorkerProcess)
class WorkerProcessAdmin(admin.ModelAdmin):
    """Read-only: the rows are written by the workers' heartbeats and removed by the takeover."""

    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen_at"]
    ordering = ["started_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
