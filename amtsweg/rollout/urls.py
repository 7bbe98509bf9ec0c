from django.urls import path

from . import views

app_name = "rollout"

urlpatterns = [
    path("", views.monitor, name="monitor"),
    path("abdeckung.csv", views.table_download, {"fmt": "csv"}, name="table-csv"),
    path("abdeckung.json", views.table_download, {"fmt": "json"}, name="table-json"),
    path("angebote.csv", views.adoption_download, name="adoption-csv"),
    path("leistung/<str:leika>/", views.leistung, name="leistung"),
    path("leistung/<str:leika>/reifegrad.csv", views.reifegrad_download, name="reifegrad-csv"),
    path("kurzstatus/", views.kurzstatus, name="kurzstatus"),
    path("kurzstatus.pdf", views.kurzstatus_file, {"fmt": "pdf"}, name="kurzstatus-pdf"),
    path("kurzstatus.csv", views.kurzstatus_file, {"fmt": "csv"}, name="kurzstatus-csv"),
    path("kurzstatus/veroeffentlichen/", views.kurzstatus_publish, name="kurzstatus-publish"),
    path("kurzstatus/archiv/<int:pk>.<str:fmt>", views.publication_file, name="publication"),
]
