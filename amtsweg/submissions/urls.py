from django.urls import path

from amtsweg.submissions import views

app_name = "submissions"

urlpatterns = [
    path("antraege/<str:number>/bestaetigung/", views.confirmation, name="confirmation"),
    path("antraege/<str:number>/status/", views.receipt_status, name="status"),
    path("antraege/<str:number>/weiterleitung/", views.forwarding_status, name="forwarding"),
    path("antraege/<str:number>/quittung.pdf", views.receipt_download, name="receipt"),
]
