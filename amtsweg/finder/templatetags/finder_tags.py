"""Small presentation helpers for finder templates."""

from django import template
from django.utils.http import urlencode

from amtsweg.catalog.models import ExecutionLevel

register = template.Library()


@register.filter
def level_label(code: str) -> str:
    """German label of an execution level code ("kreis" → "Landkreis / kreisfreie Stadt")."""
    try:
        return ExecutionLevel(code or "").label
    except ValueError:
        return ExecutionLevel.UNBEKANNT.label


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current query string with ``seite`` set to ``number`` (keeps q, ort)."""
    params = context["request"].GET.copy()
    params["seite"] = number
    return "?" + params.urlencode()


@register.simple_tag
def with_ort(url: str, ags: str) -> str:
    """``url`` plus ``?ort=<AGS>`` when a place is chosen, so the citizen keeps their place."""
    return f"{url}?{urlencode({'ort': ags})}" if ags else url
