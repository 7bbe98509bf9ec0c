import pytest


@pytest.fixture(autouse=True)
def private_storage_dir(settings, tmp_path):
    """Bescheide go to a per-test folder, never into the project's var/."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location
