"""Admin for the service catalogue: Leistungen are edited here; the structure above them comes from the import."""

from django.contrib import admin
from django.utils.html import format_html_join

from .models import Lebenslage, Leistung, OzgLeistung, Themenfeld
from .selectors import leistung_edited_fields


class ReadMostlyAdmin(admin.ModelAdmin):
    """Structure imported from the OZG catalogue: viewable, not created or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Themenfeld)
class ThemenfeldAdmin(ReadMostlyAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    readonly_fields = ("name", "slug")


@admin.register(Lebenslage)
class LebenslageAdmin(ReadMostlyAdmin):
    list_display = ("name", "themenfeld", "slug")
    list_filter = ("themenfeld",)
    search_fields = ("name",)
    readonly_fields = ("name", "slug", "themenfeld")


@admin.register(OzgLeistung)
class OzgLeistungAdmin(ReadMostlyAdmin):
    list_display = ("name", "ozg_id", "lebenslage")
    list_filter = ("lebenslage__themenfeld", "lebenslage")
    search_fields = ("name", "ozg_id")
    readonly_fields = ("ozg_id", "name", "lebenslage")
    list_select_related = ("lebenslage",)


class LeikaTypFilter(admin.SimpleListFilter):
    title = "LeiKa-Typ"
    parameter_name = "leika_typ"

    def lookups(self, request, model_admin):
        values = Leistung.objects.order_by("leika_typ").values_list("leika_typ", flat=True).distinct()
        return [(v or "-", v or "ohne Angabe") for v in values]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(leika_typ="" if value == "-" else value)


@admin.register(Leistung)
class LeistungAdmin(admin.ModelAdmin):
    list_display = ("name", "leika_key", "leika_typ", "execution_level", "ozg", "published")
    list_filter = ("execution_level", "ozg__lebenslage__themenfeld", LeikaTypFilter, "published")
    search_fields = ("name", "leika_key", "ozg__ozg_id", "ozg__name", "keywords")
    list_select_related = ("ozg",)
    list_per_page = 50
    readonly_fields = ("slug", "leika_key", "name", "leika_typ", "ozg", "updated_at", "edited_fields_display")
    fieldsets = (
        ("Stammdaten (aus dem OZG-Katalog)", {"fields": ("name", "slug", "leika_key", "leika_typ", "ozg")}),
        (
            "Vollzug",
            {
                "fields": ("execution_level", "execution_level_note"),
                "description": "Die Vollzugsebene bestimmt die zuständige Behörde, wenn keine Ausnahme gepflegt ist.",
            },
        ),
        (
            "Stammtext",
            {
                "fields": (
                    "description",
                    "required_documents",
                    "fees",
                    "deadlines",
                    "processing_time",
                    "legal_basis",
                    "online_url",
                    "form_url",
                )
            },
        ),
        ("Online-Antrag", {"fields": ("required_assurance_level",)}),
        ("Datenschutz", {"fields": ("retention_days",)}),
        ("Suche und Sichtbarkeit", {"fields": ("keywords", "published")}),
        ("Änderungen", {"fields": ("edited_fields_display", "updated_at")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("online_url", "form_url"):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        # Leistungen come from the catalogue import (they need a LeiKa/OZG identity).
        return False

    @admin.display(description="Redaktionell geändert (bleibt beim nächsten Import erhalten)")
    def edited_fields_display(self, obj):
        fields = leistung_edited_fields(leistung=obj)
        if not fields:
            return "–"
        labels = [(str(Leistung._meta.get_field(f).verbose_name),) for f in fields]
        return format_html_join(", ", "{}", labels)
