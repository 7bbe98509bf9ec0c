"""Error pages in German; they render without database access so they work when things break."""

from django.shortcuts import render


def not_found(request, exception=None):
    return render(request, "core/error.html", {"title": "Seite nicht gefunden", "code": 404}, status=404)


def server_error(request):
    return render(request, "core/error.html", {"title": "Ein Fehler ist aufgetreten", "code": 500}, status=500)
