from django.apps import AppConfig


class PostfachConfig(AppConfig):
    name = "amtsweg.postfach"
    verbose_name = "Meine Anträge und Postfach"
