"""Template tags for pages outside the assistant, e.g. the finder's Leistung page."""

from django import template
from django.template.loader import render_to_string

from amtsweg.assistant.selectors import offer_for
from amtsweg.web.fragments import fragment_cached, fragment_key

register = template.Library()


@register.simple_tag
def assistant_offer(leistung, resolution):
    """The "Online beantragen" box when the responsible authority offers an assistant, else nothing.

    ``resolution`` is the finder's Zuständigkeit (``responsible_authority``), so nothing is resolved twice.
    The box is rendered once per process for exactly what it shows (ADR 0027); which offer applies is
    asked on every request.
    """
    offer = offer_for(leistung=leistung, resolution=resolution)
    if offer is None:
        return ""
    definition, authority = offer.definition, offer.authority
    shown = (definition.pk, definition.key, definition.title, authority.pk, authority.name, offer.gemeinde.ags)
    return fragment_cached(
        key=fragment_key("assistant_offer", shown),
        render=lambda: render_to_string("assistant/partials/offer.html", {"offer": offer}),
    )


@register.inclusion_tag("assistant/partials/account_drafts.html")
def assistant_drafts(user):
    """The citizen's open drafts for "Meine Anträge" (postfach), with "fortsetzen" and "löschen"."""
    from amtsweg.assistant.selectors import drafts_of

    return {"drafts": drafts_of(user=user)}
