from django.urls import path

from amtsweg.hub import api

app_name = "hub-api"

urlpatterns = [
    path("antraege/", api.AntragCreateView.as_view(), name="antraege"),
    path("antraege/<uuid:message_id>/", api.AntragStatusView.as_view(), name="antrag"),
    path("vorgaenge/<str:vorgangsnummer>/status/", api.CaseStatusView.as_view(), name="status"),
    path("vorgaenge/<str:vorgangsnummer>/nachforderungen/", api.NachforderungView.as_view(), name="nachforderungen"),
    path("vorgaenge/<str:vorgangsnummer>/bescheide/", api.BescheidView.as_view(), name="bescheide"),
]
