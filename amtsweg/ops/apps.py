from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health, metrics, logging, task workers (heartbeat, takeover), scheduler, backup/restore.

    The label stays "core" (the app's name before it was split into ops, demo and the web base): the table
    ``core_workerprocess``, the migration history in ``django_migrations`` and the admin permissions keep
    their names, so existing databases need no rename migration and nothing to fake.
    """

    name = "amtsweg.ops"
    label = "core"
    verbose_name = "Amtsweg (Betrieb)"
