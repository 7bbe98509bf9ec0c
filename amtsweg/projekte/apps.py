from django.apps import AppConfig


class ProjekteConfig(AppConfig):
    name = "amtsweg.projekte"
    verbose_name = "OZG-Projektlandkarte und Beteiligung"
