from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "amtsweg.assistant"
    label = "assistant"
    verbose_name = "Online-Anträge (Assistent)"
