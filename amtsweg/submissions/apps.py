from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "amtsweg.submissions"
    label = "submissions"
    verbose_name = "Eingereichte Anträge"
