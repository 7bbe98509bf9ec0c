from django.apps import AppConfig


class KonfigConfig(AppConfig):
    name = "amtsweg.konfig"
    verbose_name = "Konfigurationsportal"
