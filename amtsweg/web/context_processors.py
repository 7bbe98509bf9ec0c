from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """Values every page template needs (site name, mode banner)."""
    return {"site_name": "Amtsweg", "site_mode": settings.MODE}
