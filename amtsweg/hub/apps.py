import importlib
import pkgutil

from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "amtsweg.hub"
    label = "hub"
    verbose_name = "Integrationsdienst"

    def ready(self):
        # Adding an adapter is one new module in amtsweg/hub/adapters/: importing it registers it.
        from amtsweg.hub import adapters

        for module in pkgutil.iter_modules(adapters.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{adapters.__name__}.{module.name}")
