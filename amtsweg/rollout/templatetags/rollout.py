from django import template

from amtsweg.rollout.report import percent

register = template.Library()


@register.filter
def prozent(value) -> str:
    """A share 0–1 as whole percent ("92 %"), the same rounding as the Kurzstatus and its CSV."""
    return percent(value)


@register.filter
def tausend(value) -> str:
    """A whole number with German thousands separators ("3.798.464"), whatever the browser's language."""
    return f"{int(value):,}".replace(",", ".")
