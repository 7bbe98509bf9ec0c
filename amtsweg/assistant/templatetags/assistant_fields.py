"""Small pieces of every field's markup as tags: cheaper than nested includes on each step page."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def label_text(widget):
    """The label text with "(optional)" for optional and "neu" for just-revealed fields."""
    return format_html(
        "{}{}{}",
        widget.label,
        format_html(' <span class="kern-label__optional">(optional)</span>') if not widget.required else "",
        format_html(' <span class="aw-new">neu</span>') if widget.revealed else "",
    )


@register.simple_tag
def field_hint(widget):
    if not widget.has_hint:
        return ""
    text = " ".join(t for t in (widget.help, widget.format_hint) if t)
    return format_html('<div class="kern-hint" id="{}">{}</div>', widget.hint_id, text)


@register.simple_tag
def field_error(widget):
    if not widget.error:
        return ""
    return format_html(
        '<p class="kern-error" id="{}"><span class="kern-icon kern-icon--danger" aria-hidden="true"></span>'
        '<span class="kern-body"><span class="kern-sr-only">Fehler: </span>{}</span></p>',
        widget.error_id,
        widget.error,
    )


@register.simple_tag
def htmx_refresh(widget, action):
    """htmx attributes for answers that show or hide other fields of the step (re-render on change)."""
    if not widget.refresh:
        return ""
    return format_html(
        ' hx-post="{}" hx-trigger="change" hx-target="#schritt" hx-select="#schritt" hx-swap="outerHTML"'
        ' hx-vals=\'{{"aktion": "aktualisieren"}}\'',
        action,
    )
