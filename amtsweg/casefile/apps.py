from django.apps import AppConfig


class CasefileConfig(AppConfig):
    name = "amtsweg.casefile"
    label = "casefile"
    verbose_name = "Vorgangsakte (Rückkanal)"
