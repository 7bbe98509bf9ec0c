"""Admin of the Integrationsdienst. List views never show decrypted personal data; secrets are write-only."""

from __future__ import annotations

import json
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from amtsweg.directory.admin_scoping import AuthorityScopedAdminMixin
from amtsweg.directory.selectors import authority_ids_of
from amtsweg.hub import routing as routing_services
from amtsweg.hub import services
from amtsweg.hub import targets as target_services
from amtsweg.hub.models import (
    Delivery,
    IntegrationRule,
    Message,
    MessageAttachment,
    Product,
    Routing,
    TargetSystem,
)
from amtsweg.hub.registry import adapter_registry
from amtsweg.hub.rules import rule_samples


class MessageAttachmentInline(admin.TabularInline):
    model = MessageAttachment
    fields = readonly_fields = ("position", "name", "content_type", "size", "sha512")
    extra = 0
    can_delete = False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = readonly_fields = ("target", "status", "attempts", "next_attempt_at", "last_error", "delivered_at")
    extra = 0
    can_delete = False
    show_change_link = True


class DeadLetterForm(forms.Form):
    reason = forms.CharField(
        label="Grund (für die Nachbearbeitung, ohne personenbezogene Daten)",
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )


@admin.action(description="Wartende Nachrichten aufgeben (mit Begründung)")
def dead_letter_action(modeladmin, request, queryset):
    waiting = queryset.filter(status=Message.Status.UNROUTED)
    form = DeadLetterForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = f"{form.cleaned_data['reason']} (aufgegeben von {request.user.get_username()})"
        done = sum(routing_services.message_dead_letter(message=m, reason=reason, actor=request.user) for m in waiting)
        modeladmin.message_user(
            request, f"{done} Nachricht(en) aufgegeben. Sie lassen sich später erneut weiterleiten."
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": Message._meta,
        "title": "Wartende Nachrichten aufgeben",
        "form": form,
        "messages_waiting": waiting,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action": "dead_letter_action",
    }
    return TemplateResponse(request, "admin/hub/dead_letter.html", context)


@admin.action(description="Erneut weiterleiten (wartende oder aufgegebene Nachrichten)")
def message_replay_action(modeladmin, request, queryset):
    routed = waiting = 0
    for message in queryset.filter(status__in=[Message.Status.UNROUTED, Message.Status.DEAD]):
        if routing_services.message_replay(message=message, actor=request.user):
            routed += 1
        else:
            waiting += 1
    modeladmin.message_user(request, f"{routed} Nachricht(en) weitergeleitet.")
    if waiting:
        modeladmin.message_user(
            request,
            f"{waiting} Nachricht(en) ohne Zielsystem: sie warten, bis eine Weiterleitung eingerichtet ist.",
            level=messages.WARNING,
        )


@admin.register(Message)
class MessageAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "vorgangsnummer",
        "source",
        "status",
        "status_reason",
        "leika_key",
        "ags",
        "authority_key",
        "received_at",
    ]
    list_filter = ["source", "status"]
    search_fields = ["vorgang__number", "idempotency_key", "authority_key", "leika_key", "ags"]
    list_select_related = ["vorgang"]
    date_hierarchy = "received_at"
    exclude = ["data_json_encrypted", "data_xml_encrypted", "receipt_encrypted"]
    inlines = [MessageAttachmentInline, DeliveryInline]
    actions = [dead_letter_action, message_replay_action]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Message._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description="Ausgewählte Zustellungen wiederholen (aktuelle Regelversion)")
def replay_action(modeladmin, request, queryset):
    done = 0
    for delivery in queryset:
        try:
            services.delivery_replay(delivery=delivery, actor=request.user)
            done += 1
        except ValueError as error:
            modeladmin.message_user(request, f"{delivery.pk}: {error}", level=messages.WARNING)
    modeladmin.message_user(request, f"{done} Zustellung(en) erneut eingeplant.")


@admin.register(Delivery)
class DeliveryAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    authority_field = "message__authority"
    list_display = ["message", "target", "status", "attempts", "next_attempt_at", "last_error", "delivered_at"]
    list_filter = ["status", "target__type_key"]
    search_fields = ["message__vorgang__number", "idempotency_key", "target__name"]
    actions = [replay_action]
    list_select_related = ["message__vorgang", "target"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DryRunForm(forms.Form):
    sample = forms.ChoiceField(label="Beispiel aus dem Regeldepot", required=False)
    message = forms.CharField(label="oder Vorgangsnummer / Nachrichten-ID", required=False, max_length=64)


@admin.register(IntegrationRule)
class IntegrationRuleAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "status", "leika_key", "system_types", "transform_kind", "schema_kind", "dry_run"]
    list_filter = ["status", "transform_kind"]
    search_fields = ["key", "title", "leika_key"]

    # Versions are immutable: loaded from the depot only (manage.py load_rules).
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in IntegrationRule._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Probelauf")
    def dry_run(self, obj):
        return format_html('<a href="{}">Probelauf</a>', reverse("admin:hub_integrationrule_dryrun", args=[obj.pk]))

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name="hub_integrationrule_dryrun",
            )
        ]
        return extra + super().get_urls()

    def dry_run_view(self, request, pk):
        rule = get_object_or_404(IntegrationRule, pk=pk)
        samples = rule_samples(rule=rule)
        form = DryRunForm(request.POST or None)
        cast(forms.ChoiceField, form.fields["sample"]).choices = [("", "—")] + [(name, name) for name in samples]
        result, error, output_text = None, "", ""
        if request.method == "POST" and form.is_valid():
            reference = form.cleaned_data["message"].strip()
            message = None
            if reference:
                # Only messages of the user's own authorities (superuser: all).
                messages_in_scope = Message.objects.all()
                if (scope := authority_ids_of(request.user)) is not None:
                    messages_in_scope = messages_in_scope.filter(authority_id__in=scope)
                message = messages_in_scope.filter(vorgang__number=reference).first()
                if message is None:
                    try:
                        message = messages_in_scope.filter(pk=reference).first()
                    except Exception:  # noqa: BLE001 - not a UUID
                        message = None
                if message is None:
                    error = "Keine Nachricht mit dieser Vorgangsnummer oder ID gefunden."
            if not error:
                sample = samples.get(form.cleaned_data["sample"]) if message is None else None
                if message is None and sample is None:
                    error = "Bitte ein Beispiel oder eine Nachricht wählen."
                else:
                    result = services.delivery_dry_run(rule=rule, message=message, sample=sample)
                    output_text = result.output.decode("utf-8", errors="replace")
        context = {
            **self.admin_site.each_context(request),
            "opts": IntegrationRule._meta,
            "title": f"Probelauf: {rule}",
            "rule": rule,
            "form": form,
            "result": result,
            "error": error,
            "output_text": output_text,
        }
        return TemplateResponse(request, "admin/hub/dry_run.html", context)


class TargetSystemForm(forms.ModelForm):
    type_key = forms.ChoiceField(label="Typ (Adapter)")
    config = forms.JSONField(
        label="Einstellungen",
        required=False,
        initial=dict,
        help_text="JSON-Objekt nach dem Schema des Adapters (unten), ohne Geheimnisse: Passwörter, Schlüssel "
        "und Tokens gehören in das Feld „Geheimnisse“.",
    )
    secrets = forms.JSONField(
        label="Geheimnisse (neu setzen)",
        required=False,
        help_text='JSON-Objekt, z. B. {"secret": "…"}. Wird verschlüsselt gespeichert und nie wieder angezeigt; '
        "leer lassen, um die gespeicherten Geheimnisse zu behalten.",
    )

    class Meta:
        model = TargetSystem
        fields = ["authority", "key", "name", "type_key", "product", "config", "wants_receipt", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = adapter_registry.choices()
        current = self.instance.type_key if self.instance and self.instance.pk else None
        if current and current not in dict(choices):
            choices.append((current, current))
        cast(forms.ChoiceField, self.fields["type_key"]).choices = choices

    def clean_secrets(self):
        value = self.cleaned_data.get("secrets")
        if value in (None, "", {}):
            return None
        if not isinstance(value, dict):
            raise forms.ValidationError("Bitte ein JSON-Objekt angeben.")
        return value

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns, typed as a dict
        if any(name in self.errors for name in ("type_key", "config", "secrets")):
            return cleaned
        secrets = cleaned.get("secrets")
        if secrets is None and self.instance.pk:
            secrets = target_services.target_secrets(target=self.instance)
        # The one check shared with the services (amtsweg.hub.targets), errors shown at their field.
        problems = target_services.config_problems(
            type_key=cleaned.get("type_key", ""), settings=cleaned.get("config") or {}, secrets=secrets or {}
        )
        for name, texts in problems.items():
            for text in texts:
                self.add_error(name if name in self.fields else None, text)
        return cleaned


@admin.register(TargetSystem)
class TargetSystemAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    form = TargetSystemForm
    list_display = ["name", "authority", "type_key", "active", "has_secrets"]
    list_filter = ["type_key", "active"]
    search_fields = ["name", "key", "authority__name", "authority__key"]
    autocomplete_fields = ["authority"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            target_services.target_update(target=obj, secrets=data.get("secrets"))
            return
        created = target_services.target_create(
            authority=obj.authority,
            key=obj.key,
            name=obj.name,
            type_key=obj.type_key,
            config=obj.config or {},
            secrets=data.get("secrets") or {},
            wants_receipt=obj.wants_receipt,
            active=obj.active,
            product=obj.product,
        )
        obj.pk, obj.secrets_encrypted = created.pk, created.secrets_encrypted

    @admin.display(description="Geheimnisse gesetzt", boolean=True)
    def has_secrets(self, obj):
        return bool(obj.secrets_encrypted)

    def get_fields(self, request, obj=None):
        return [
            "authority",
            "key",
            "name",
            "type_key",
            "product",
            "config",
            "secrets",
            "wants_receipt",
            "active",
            "schema",
        ]

    def get_readonly_fields(self, request, obj=None):
        return ["schema"]

    @admin.display(description="Einstellungen des Adapters (JSON Schema)")
    def schema(self, obj):
        if obj is None or not adapter_registry.has(obj.type_key):
            return "—"
        schema = adapter_registry.all()[obj.type_key].config_schema
        return format_html("<pre>{}</pre>", json.dumps(schema, ensure_ascii=False, indent=2))


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The shared inventory is kept by the central operator; Kommunen pick from it."""

    list_display = ["name", "vendor", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "vendor"]


@admin.register(Routing)
class RoutingAdmin(AuthorityScopedAdminMixin, admin.ModelAdmin):
    list_display = ["authority", "leistung", "target", "active", "target_ok"]
    list_select_related = ["authority", "leistung", "target"]

    @admin.display(description="Zielsystem gültig eingerichtet")
    def target_ok(self, obj):
        problems = target_services.target_problems(target=obj.target)
        return "ja" if not problems else f"nein: {problems[0]}"

    list_filter = ["active", "target__type_key"]
    search_fields = ["authority__name", "authority__key", "target__name"]
    autocomplete_fields = ["authority", "leistung", "target"]

    def save_model(self, request, obj, form, change):
        # Through the services: waiting messages this route matches are sent in the same transaction.
        if change:
            routing = routing_services.routing_set(routing=obj)
        else:
            routing = routing_services.routing_create(
                authority=obj.authority, target=obj.target, leistung=obj.leistung, active=obj.active
            )
            obj.pk = routing.pk
        if routing.released:
            self.message_user(request, f"{routing.released} wartende Nachricht(en) werden jetzt weitergeleitet.")
