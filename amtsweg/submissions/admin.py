from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin
from amtsweg.submissions.models import Submission, SubmissionAttachment


class AttachmentInline(admin.TabularInline):
    model = SubmissionAttachment
    extra = 0
    can_delete = False
    fields = ("position", "field_path", "name", "content_type", "size", "sha512")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    """Read-only view: submissions are immutable snapshots; the receipt is opened via the confirmation page."""

    list_display = (
        "vorgangsnummer",
        "leistung_name",
        "gemeinde_name",
        "authority_name",
        "submitted_at",
        "status",
        "receipt_ready_at",
        "confirmation_sent_at",
    )
    list_select_related = ("vorgang",)
    list_filter = ("status", "submitted_at")
    search_fields = ("vorgang__number", "leika_key", "gemeinde_ags", "authority_key")
    date_hierarchy = "submitted_at"
    inlines = [AttachmentInline]
    # The private storage has no URL; the receipt is linked through the access-checked view instead.
    exclude = ("idempotency_key", "receipt_pdf")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude] + ["receipt_link"]

    @admin.display(description="Eingangsbestätigung")
    def receipt_link(self, obj):
        if obj.receipt_ready_at is None:
            return "wird erstellt"
        return format_html(
            '<a href="{}">PDF herunterladen</a>', reverse("submissions:receipt", args=[obj.vorgangsnummer])
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
