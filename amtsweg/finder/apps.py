from django.apps import AppConfig


class FinderConfig(AppConfig):
    name = "amtsweg.finder"
    verbose_name = "Zuständigkeitsfinder"
