"""Template tags for pages outside the assistant, e.g. the finder's Leistung page."""

from django import template

from amtsweg.assistant.selectors import offer_for

register = template.Library()


@register.inclusion_tag("assistant/partials/offer.html")
def assistant_offer(leistung, resolution):
    """The "Online beantragen" box when the responsible authority offers an assistant, else nothing.

    ``resolution`` is the finder's Zuständigkeit (``responsible_authority``), so nothing is resolved twice.
    """
    return {"offer": offer_for(leistung=leistung, resolution=resolution)}


@register.inclusion_tag("assistant/partials/account_drafts.html")
def assistant_drafts(user):
    """The citizen's open drafts for "Meine Anträge" (postfach), with "fortsetzen" and "löschen"."""
    from amtsweg.assistant.selectors import drafts_of

    return {"drafts": drafts_of(user=user)}
