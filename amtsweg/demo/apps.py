from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Set-up and demo content: ``bootstrap`` (reference data; demo content in demo mode), the demo
    assistants and routes, the demo mail sink and the demo Fachverfahren. Nothing below imports it."""

    name = "amtsweg.demo"
    verbose_name = "Amtsweg (Einrichtung und Demo)"
