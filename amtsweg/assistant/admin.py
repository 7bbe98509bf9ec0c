from django import forms
from django.contrib import admin

from amtsweg.assistant.models import Activation
from amtsweg.assistant.services import activation_route_problems, activation_set
from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin


class ActivationForm(forms.ModelForm):
    class Meta:
        model = Activation
        fields = ["definition", "authority", "live"]

    def clean(self):
        cleaned = super().clean()
        definition, authority = cleaned.get("definition"), cleaned.get("authority")
        # The same check as activation_set: no go-live without a valid route in the Integrationsdienst.
        if cleaned.get("live") and definition is not None and authority is not None:
            for problem in activation_route_problems(definition=definition, authority=authority):
                self.add_error("live", problem)
        return cleaned


@admin.register(Activation)
class ActivationAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    authority_write_role = "kommunal_admin"
    """Which authority offers which assistant online. Drafts hold personal data and are not shown."""

    form = ActivationForm
    list_display = ["definition", "authority", "live", "route", "created"]
    list_filter = ["live", "definition"]
    search_fields = ["authority__name", "authority__key", "definition__key", "definition__title"]
    autocomplete_fields = ["authority"]
    list_select_related = ["definition__leistung", "authority"]

    @admin.display(description="Weiterleitung")
    def route(self, obj):
        # A route may be switched off after go-live: then applications wait, and this column says why.
        problems = activation_route_problems(definition=obj.definition, authority=obj.authority)
        return "gültig" if not problems else f"fehlt: {problems[0]}"

    def save_model(self, request, obj, form, change):
        if change and {"definition", "authority"} & set(form.changed_data):
            super().save_model(request, obj, form, change)  # re-pointed row; the form checked the route
            return
        saved = activation_set(definition=obj.definition, authority=obj.authority, live=obj.live)
        obj.pk = saved.pk
