from django.urls import path

from . import views

app_name = "finder"

urlpatterns = [
    path("", views.start, name="start"),
    path("suche/", views.search_results, name="search"),
    path("orte/vorschlaege/", views.place_suggest, name="place-suggest"),
    path("leistungen/<slug:slug>/", views.leistung_detail, name="leistung"),
    path("themen/", views.themen, name="themen"),
    path(
        "themen/<slug:themenfeld_slug>/<slug:lebenslage_slug>/",
        views.lebenslage_detail,
        name="lebenslage",
    ),
]
