from django.urls import path

from amtsweg.postfach import views

app_name = "postfach"

urlpatterns = [
    path("", views.vorgang_list, name="list"),
    path("hinzufuegen/", views.vorgang_attach, name="attach"),
    path("<str:number>/", views.vorgang_detail, name="detail"),
    path("<str:number>/dateien/<int:event_id>/", views.event_file, name="event_file"),
    path("<str:number>/dateien/<int:event_id>/<int:position>/", views.document_file, name="document_file"),
    path("<str:number>/zurueckziehen/", views.vorgang_withdraw, name="withdraw"),
]
