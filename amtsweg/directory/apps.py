from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "amtsweg.directory"
    verbose_name = "Gemeindeverzeichnis"
