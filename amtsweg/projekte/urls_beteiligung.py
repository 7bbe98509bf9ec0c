from django.urls import path

from amtsweg.projekte import views_beteiligung as views
from amtsweg.projekte import views_koordination as koordination

app_name = "beteiligung"

urlpatterns = [
    path("", views.start, name="start"),
    path("leistungen/<int:pk>/", views.leistung, name="leistung"),
    path("leistungen/<int:pk>/bewerten/", views.bewerten, name="bewerten"),
    path("leistungen/<int:pk>/mitwirken/", views.mitwirken, name="mitwirken"),
    path("leistungen/<int:pk>/verfahren/", views.nutzung, name="nutzung"),
    path("leistungen/<int:pk>/kommentieren/", views.kommentieren, name="kommentieren"),
    path("leistungen/<int:pk>/folgen/", views.folgen, name="folgen"),
    path("projekte/<int:pk>/folgen/", views.projekt_folgen, name="projekt_folgen"),
    path("rangliste/", views.rangliste, name="ranking"),
    path("projekte/neu/", koordination.projekt_neu, name="projekt_neu"),
    path("projekte/<int:pk>/", koordination.projekt, name="projekt"),
    path("projekte/<int:pk>/phase/", koordination.projekt_phase, name="projekt_phase"),
    path("projekte/<int:pk>/werkstatt/", koordination.werkstatt_neu, name="werkstatt_neu"),
    path("werkstaetten/<int:pk>/einladen/", koordination.werkstatt_einladen, name="werkstatt_einladen"),
    path("werkstaetten/<int:pk>/dokument/", koordination.dokument_hochladen, name="dokument_hochladen"),
    path("dokumente/<int:pk>/", views.dokument, name="dokument"),
    path("einladungen/<int:pk>/", views.einladung_antworten, name="einladung"),
    path("einladungen/<int:pk>/teilnahme/", koordination.teilnahme, name="teilnahme"),
    path("moderation/", koordination.moderation, name="moderation"),
    path("moderation/<int:pk>/", koordination.moderieren, name="moderieren"),
]
