from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "amtsweg.inbox"
    verbose_name = "Sachbearbeitung (Posteingang)"
