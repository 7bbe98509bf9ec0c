"""Render form widgets with KERN UX classes and the ARIA links to their hint and error texts."""

from django import template

register = template.Library()


@register.filter
def kern_widget(field, css_class: str):
    attrs = {"class": css_class}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hinweis")
    if field.errors:
        described.append(f"{field.auto_id}-fehler")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
