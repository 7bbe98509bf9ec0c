from django.conf import settings


def site(request):
    """Values every page template needs (site name, mode banner)."""
    return {"site_name": "Amtsweg", "site_mode": settings.MODE}
