from django.urls import path

from . import api

app_name = "rollout-api"

urlpatterns = [
    path("", api.CoverageView.as_view(), name="coverage"),
    path("leistungen/", api.CoverageListView.as_view(), name="coverage-list"),
    path("reifegrad/", api.ReifegradView.as_view(), name="reifegrad"),
]
