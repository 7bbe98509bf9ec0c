"""Editing the map (relevance, product plan, priority flags), packages, footnotes and projects' master data.

Phase statuses are changed on the coordinator's project page (validated by the services), not here.
"""

from django.contrib import admin

from amtsweg.projekte.models import (
    Fussnote,
    Kommentar,
    LandkarteEintrag,
    Leistungspaket,
    ProduktplanEintrag,
    Projekt,
    ProjektRolle,
)


@admin.register(ProduktplanEintrag)
class ProduktplanAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "ebene", "parent"]
    list_filter = ["ebene"]
    search_fields = ["number", "name"]


@admin.register(LandkarteEintrag)
class LandkarteAdmin(admin.ModelAdmin):
    list_display = ["leistung", "relevant", "produkt", "top100", "nr115", "sdg"]
    list_filter = ["relevant", "top100", "nr115", "sdg"]
    list_editable = ["relevant", "top100", "nr115", "sdg"]
    search_fields = ["leistung__name", "leistung__leika_key"]
    autocomplete_fields = ["leistung"]
    raw_id_fields = ["produkt"]


@admin.register(Leistungspaket)
class LeistungspaketAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]


@admin.register(Fussnote)
class FussnoteAdmin(admin.ModelAdmin):
    list_display = ["number", "text"]


class RolleInline(admin.TabularInline):
    model = ProjektRolle
    extra = 0
    raw_id_fields = ["authority"]


@admin.register(Projekt)
class ProjektAdmin(admin.ModelAdmin):
    list_display = ["paket", "lb", "title", "stufe"]
    list_filter = ["paket"]
    search_fields = ["title", "key"]
    filter_horizontal = ["fussnoten"]
    raw_id_fields = ["leistungen"]
    inlines = [RolleInline]
    readonly_fields = ["key"]


@admin.register(Kommentar)
class KommentarAdmin(admin.ModelAdmin):
    list_display = ["authority", "leistung", "projekt", "status", "created"]
    list_filter = ["status"]
    readonly_fields = ["authority", "author", "leistung", "projekt", "text", "created", "moderated"]
