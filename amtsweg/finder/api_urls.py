from django.urls import path

from . import api

app_name = "finder-api"

urlpatterns = [
    path("leistungen/", api.LeistungSearchView.as_view(), name="leistungen"),
    path("leistungen/<slug:slug>/", api.LeistungDetailView.as_view(), name="leistung"),
    path("orte/", api.PlaceSearchView.as_view(), name="orte"),
    path("zustaendigkeit/", api.ZustaendigkeitView.as_view(), name="zustaendigkeit"),
]
