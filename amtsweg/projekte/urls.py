from django.urls import path

from amtsweg.projekte import views_public

app_name = "projekte"

urlpatterns = [
    path("", views_public.tabelle, name="tabelle"),
    path("phasentabelle.<str:fmt>", views_public.tabelle_export, name="export"),
    path("landkarte/", views_public.landkarte, name="landkarte"),
    path("<int:pk>/", views_public.detail, name="detail"),
]
