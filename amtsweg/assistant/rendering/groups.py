"""The markup of a step's groups: a section per group, a fieldset per repeat row, add/remove buttons."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from amtsweg.assistant.rendering.fields import HX_SWAP, attr, error_message, safe, widgets_html
from amtsweg.assistant.wizard import GroupView


def _focus(focus: str, element_id: str) -> str:
    # The element to focus after htmx re-rendered the step (a new or removed row), see assistant.js.
    return " data-aw-focus" if focus and focus == element_id else ""


def _repeat_group_html(group: GroupView, action: str, focus: str) -> str:
    swap = safe(HX_SWAP)
    rows = []
    for row in group.rows:
        remove = ""
        if row.can_remove:
            remove = format_html(
                '<div class="aw-row__actions"><button type="submit" class="kern-btn kern-btn--tertiary" name="aktion"'
                ' value="{}" hx-post="{}" {}><span class="kern-icon kern-icon--delete" aria-hidden="true"></span>'
                '<span class="kern-label">{}</span></button></div>',
                row.remove_value,
                action,
                swap,
                _("%(entry)s entfernen") % {"entry": row.label},
            )
        rows.append(
            format_html(
                '<fieldset class="kern-fieldset aw-row" id="{}" tabindex="-1"{}>'
                '<legend class="kern-heading-small aw-row__legend">{}</legend>'
                '<div class="kern-fieldset__body aw-row__body">{}</div>{}</fieldset>',
                row.id,
                safe(_focus(focus, row.id)),
                row.label,
                safe(widgets_html(row.widgets, action)),
                remove,
            )
        )
    if group.can_add:
        footer = format_html(
            '<button type="submit" class="kern-btn kern-btn--secondary aw-group__add" id="{}" name="aktion" value="{}"'
            ' hx-post="{}" {}><span class="kern-icon kern-icon--add" aria-hidden="true"></span>'
            '<span class="kern-label">{}</span></button>',
            group.add_id,
            group.add_value,
            action,
            swap,
            (_("Weitere Angaben: %(entry)s hinzufügen") if group.rows else _("%(entry)s hinzufügen"))
            % {"entry": group.item_label},
        )
    elif group.max_rows:
        footer = format_html(
            '<p class="kern-hint">{}</p>',
            _("Sie können höchstens %(count)s × „%(entry)s“ angeben.")
            % {"count": group.max_rows, "entry": group.item_label},
        )
    else:
        footer = ""
    heading_id = f"{group.id}-ueberschrift"
    return format_html(
        '<section class="aw-group aw-group--repeat" id="{}" aria-labelledby="{}">'
        '<h2 class="kern-heading-medium" id="{}" tabindex="-1"{}>{}</h2>{}{}{}{}</section>',
        group.id,
        heading_id,
        heading_id,
        safe(_focus(focus, heading_id)),
        group.title,
        format_html('<p class="kern-body">{}</p>', group.intro) if group.intro else "",
        safe(error_message(group.error_id, group.error)) if group.error else "",
        safe("".join(rows)),
        footer,
    )


def group_html(group: GroupView, *, action: str, focus: str = "") -> SafeString:
    """One group of a step: a section with its fields; repeatable groups get a fieldset per row
    with add/remove buttons (plain submit buttons; htmx re-renders the step when JavaScript runs)."""
    if group.repeat is not None:
        return safe(_repeat_group_html(group, action, focus))
    heading_id = f"{group.id}-ueberschrift"
    return format_html(
        '<section class="aw-group" id="{}"{}>{}{}<div class="aw-group__fields">{}</div></section>',
        group.id,
        safe(attr("aria-labelledby", heading_id if group.show_heading else "")),
        format_html('<h2 class="kern-heading-medium" id="{}">{}</h2>', heading_id, group.title)
        if group.show_heading
        else "",
        format_html('<p class="kern-body">{}</p>', group.intro) if group.intro else "",
        safe(widgets_html(group.widgets, action)),
    )


def groups_html(groups: list[GroupView], *, action: str, focus: str = "") -> SafeString:
    return safe("".join(group_html(g, action=action, focus=focus) for g in groups))
