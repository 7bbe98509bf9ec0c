from django.urls import path

from amtsweg.projekte import api

app_name = "projekte-api"

urlpatterns = [
    path("projekte/", api.ProjekteView.as_view(), name="projekte"),
    path("beteiligung/ranking/", api.RankingView.as_view(), name="ranking"),
]
