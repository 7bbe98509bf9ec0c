from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "amtsweg.catalog"
    verbose_name = "Leistungskatalog"
