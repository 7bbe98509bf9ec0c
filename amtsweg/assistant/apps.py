from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "amtsweg.assistant"
    label = "assistant"
    verbose_name = "Online-Anträge (Assistent)"

    def ready(self) -> None:
        # The finder learns through the catalogue's port which Leistungen are online at a place.
        from amtsweg.assistant import online_offers  # noqa: F401
