from django.urls import path

from amtsweg.konfig import views

app_name = "konfig"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("leistungen/<int:definition_id>/aktivieren/", views.activate, name="activate"),
    path("leistungen/<int:definition_id>/uebertragen/", views.handover_offer, name="handover_offer"),
    path("uebertragungen/<int:pk>/", views.handover_decide, name="handover_decide"),
    path("einrichtungen/<int:pk>/", views.setup_detail, name="setup"),
    path("einrichtungen/<int:pk>/angaben/", views.details, name="details"),
    path("einrichtungen/<int:pk>/vorschau/", views.preview, name="preview"),
    path("einrichtungen/<int:pk>/weiterleitung/", views.route, name="route"),
    path("einrichtungen/<int:pk>/test/", views.test_send, name="test"),
    path("einrichtungen/<int:pk>/online/", views.golive, name="golive"),
    path("einrichtungen/<int:pk>/deaktivieren/", views.deactivate, name="deactivate"),
]
