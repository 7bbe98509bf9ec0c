from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "amtsweg.pages"
    verbose_name = "Seiten"
