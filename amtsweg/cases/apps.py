from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "amtsweg.cases"
    label = "cases"
    verbose_name = "Vorgänge"
