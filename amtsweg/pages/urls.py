from django.urls import path

from . import views

urlpatterns = [
    path("impressum/", views.page_detail, {"slug": "impressum"}, name="impressum"),
    path("datenschutz/", views.page_detail, {"slug": "datenschutz"}, name="datenschutz"),
    path("barrierefreiheit/", views.page_detail, {"slug": "barrierefreiheit"}, name="barrierefreiheit"),
]
