from django.urls import path

from amtsweg.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("vorgaenge/<str:number>/", views.case_detail, name="case"),
    path("vorgaenge/<str:number>/uebernehmen/", views.case_claim, name="claim"),
    path("vorgaenge/<str:number>/zuweisen/", views.case_assign, name="assign"),
    path("vorgaenge/<str:number>/nachforderung/", views.case_nachforderung, name="nachforderung"),
    path("vorgaenge/<str:number>/fortsetzen/", views.case_resume, name="resume"),
    path("vorgaenge/<str:number>/bescheid/", views.case_bescheid, name="bescheid"),
    path("vorgaenge/<str:number>/abschliessen/", views.case_close, name="close"),
    path("vorgaenge/<str:number>/xdomea/", views.case_export, name="export"),
    path("vorgaenge/<str:number>/eingangsbestaetigung.pdf", views.receipt_download, name="receipt"),
    path("vorgaenge/<str:number>/anlagen/<int:position>/", views.attachment_download, name="attachment"),
    path("vorgaenge/<str:number>/dateien/<int:event_id>/", views.event_file_download, name="event_file"),
    path("vorgaenge/<str:number>/dateien/<int:event_id>/<int:position>/", views.document_download, name="document"),
]
