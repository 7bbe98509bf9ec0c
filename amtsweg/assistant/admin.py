from django.contrib import admin

from amtsweg.assistant.models import Activation


@admin.register(Activation)
class ActivationAdmin(admin.ModelAdmin):
    """Which authority offers which assistant online. Drafts hold personal data and are not shown."""

    list_display = ["definition", "authority", "live", "created"]
    list_filter = ["live", "definition"]
    search_fields = ["authority__name", "authority__key", "definition__key", "definition__title"]
    autocomplete_fields = ["authority"]
    list_select_related = ["definition", "authority"]
