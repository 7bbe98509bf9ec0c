from django.urls import path

from amtsweg.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("profil/", views.profile_edit, name="profile"),
    path("organisationen/neu/", views.organisation_create, name="organisation_create"),
    path("organisationen/<int:pk>/", views.organisation_detail, name="organisation"),
    path("organisationen/<int:pk>/mitglieder/<int:member_pk>/rolle/", views.member_role, name="member_role"),
    path("organisationen/<int:pk>/mitglieder/<int:member_pk>/entfernen/", views.member_remove, name="member_remove"),
    path("einladung/<str:token>/", views.invitation, name="invitation"),
    path("vertrauensniveau/", views.step_up, name="step_up"),
    path("daten/", views.data_export, name="data_export"),
    path("loeschen/", views.account_delete, name="delete"),
]
