from django.apps import AppConfig


class ApiClientsConfig(AppConfig):
    name = "amtsweg.apiclients"
    label = "apiclients"
    verbose_name = "API-Zugänge"
