from django.urls import path

from . import api

app_name = "directory-api"

urlpatterns = [
    path("", api.RegisterFactsView.as_view(), name="facts"),
]
