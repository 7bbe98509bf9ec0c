"""Step fields as one tag: the markup is built in ``amtsweg.assistant.rendering`` (far cheaper than
an include per field), the page frame stays in templates."""

from django import template

from amtsweg.assistant import rendering

register = template.Library()


@register.simple_tag
def step_groups(groups, action, focus=""):
    """All groups of a step with their fields (``wizard.step_page`` output)."""
    return rendering.groups_html(groups, action=action, focus=focus or "")


@register.simple_tag
def step_group(group, action, focus=""):
    return rendering.group_html(group, action=action, focus=focus or "")
