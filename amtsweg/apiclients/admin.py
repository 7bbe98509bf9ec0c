import re

from django import forms
from django.contrib import admin, messages

from amtsweg.apiclients.models import ApiClient, Scope
from amtsweg.apiclients.services import api_client_rotate_token, new_token, token_fields
from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label="Berechtigungen", choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiClient
        fields = ("name", "authority", "scopes", "rate", "active")

    def clean_rate(self):
        rate = self.cleaned_data["rate"].strip()
        if rate and not re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", rate):
            raise forms.ValidationError("Bitte im Format „Anzahl/Zeitraum“ angeben, z. B. „600/min“ oder „10/s“.")
        return rate


@admin.register(ApiClient)
class ApiClientAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    authority_write_role = "kommunal_admin"
    form = ApiClientForm
    list_display = ("name", "authority", "active", "created", "last_used")
    list_filter = ("active",)
    search_fields = ("name", "authority__name", "token_prefix")
    autocomplete_fields = ("authority",)
    readonly_fields = ("token_prefix", "created", "last_used")
    actions = ["rotate_token"]

    def save_model(self, request, obj, form, change):
        token = None
        if not change:
            # A new client gets its token now; it is shown exactly once and only its hash is kept.
            token = new_token()
            obj.token_prefix, obj.token_hash = token_fields(token)
        super().save_model(request, obj, form, change)
        if token:
            self.message_user(request, f"Token für „{obj.name}“ (wird nur jetzt angezeigt): {token}", messages.WARNING)

    @admin.action(description="Neues Token erzeugen (altes wird ungültig)")
    def rotate_token(self, request, queryset):
        for client in queryset:
            token = api_client_rotate_token(client=client)
            self.message_user(
                request, f"Neues Token für „{client.name}“ (wird nur jetzt angezeigt): {token}", messages.WARNING
            )
