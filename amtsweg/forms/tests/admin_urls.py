"""Only the admin: keeps the admin tests independent of the public URLs of other apps."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
