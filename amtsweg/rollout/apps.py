from django.apps import AppConfig


class RolloutConfig(AppConfig):
    name = "amtsweg.rollout"
    verbose_name = "Roll-out-Monitor"
