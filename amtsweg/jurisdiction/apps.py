from django.apps import AppConfig


class JurisdictionConfig(AppConfig):
    name = "amtsweg.jurisdiction"
    verbose_name = "Zuständigkeit"
