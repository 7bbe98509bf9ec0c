"""The markup of one field (widget) per kind: labels, hints and errors wired up for accessibility."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from amtsweg.assistant.wizard import Widget

ERROR_ICON = '<span class="kern-icon kern-icon--danger" aria-hidden="true"></span>'
HX_SWAP = 'hx-target="#schritt" hx-select="#schritt" hx-swap="outerHTML"'
BDAY = {"tag": "bday-day", "monat": "bday-month", "jahr": "bday-year"}


def safe(markup: str) -> SafeString:
    """Markup built in this module: literals, or pieces whose values went through escaping."""
    return mark_safe(markup)  # noqa: S308 (only ever called with such markup)


def attr(name: str, value) -> str:
    """`` name="value"`` (escaped), or nothing for an empty value."""
    return f' {name}="{conditional_escape(value)}"' if value else ""


def label_text(widget: Widget) -> SafeString:
    """The label text with "(optional)" for optional and "neu" for just-revealed fields."""
    return format_html(
        "{}{}{}",
        widget.label,
        optional_mark() if not widget.required else "",
        format_html(
            ' <span class="kern-badge kern-badge--info kern-badge--small"><span class="kern-label">{}</span></span>',
            _("neu"),
        )
        if widget.revealed
        else "",
    )


def optional_mark() -> str:
    return format_html(' <span class="kern-label__optional">{}</span>', _("(optional)"))


def field_hint(widget: Widget) -> str:
    if not widget.has_hint:
        return ""
    text = " ".join(t for t in (widget.help, widget.format_hint) if t)
    return format_html('<div class="kern-hint" id="{}">{}</div>', widget.hint_id, text)


def error_message(element_id: str, message: str) -> str:
    return format_html(
        '<p class="kern-error" id="{}">{}<span class="kern-body"><span class="kern-sr-only">{} </span>{}</span></p>',
        element_id,
        safe(ERROR_ICON),
        _("Fehler:"),
        message,
    )


def field_error(widget: Widget) -> str:
    return error_message(widget.error_id, widget.error) if widget.error else ""


def htmx_refresh(widget: Widget, action: str) -> str:
    """htmx attributes for answers that show or hide other fields of the step (re-render on change)."""
    if not widget.refresh:
        return ""
    return format_html(
        ' hx-post="{}" hx-trigger="change" {} hx-vals=\'{{"aktion": "aktualisieren"}}\'', action, safe(HX_SWAP)
    )


def _head(widget: Widget) -> str:
    """Hint and error below a field's label or legend."""
    return field_hint(widget) + field_error(widget)


def _flags(widget: Widget, *, required: bool = True) -> str:
    """aria-describedby / aria-invalid / aria-required of a single control."""
    return (
        attr("aria-describedby", widget.describedby)
        + (' aria-invalid="true"' if widget.error else "")
        + (' aria-required="true"' if required and widget.required else "")
    )


def _fieldset(widget: Widget, extra_class: str, has_error: bool, body_class: str, body: str) -> str:
    return format_html(
        '<fieldset class="kern-fieldset{}{}{}"{}><legend class="kern-label">{}</legend>{}'
        '<div class="kern-fieldset__body{}">{}</div></fieldset>',
        extra_class,
        " kern-fieldset--error" if has_error else "",
        " aw-revealed" if widget.revealed else "",
        safe(attr("aria-describedby", widget.describedby)),
        label_text(widget),
        safe(_head(widget)),
        body_class,
        safe(body),
    )


def _input_box(widget: Widget, extra_class: str, control: str) -> str:
    """Label, hint, error and the control in a ``kern-form-input`` box."""
    return format_html(
        '<div class="kern-form-input{}{}{}"><label class="kern-label" for="{}">{}</label>{}{}</div>',
        extra_class,
        " kern-form-input--error" if widget.error else "",
        " aw-revealed" if widget.revealed else "",
        widget.id,
        label_text(widget),
        safe(_head(widget)),
        safe(control),
    )


def _input(widget: Widget, action: str) -> str:
    error_class = " kern-form-input__input--error" if widget.error else ""
    if widget.kind == "textarea":
        control = format_html(
            '<textarea class="kern-form-input__input{}" id="{}" name="{}" rows="6"{}>{}</textarea>',
            error_class,
            widget.id,
            widget.name,
            safe(_flags(widget)),
            widget.value,
        )
    else:
        control = format_html(
            '<input class="kern-form-input__input{}" type="{}" id="{}" name="{}" value="{}"{}{}{}{}{}>',
            error_class,
            widget.input_type,
            widget.id,
            widget.name,
            "" if widget.value is None else widget.value,
            safe(attr("inputmode", widget.inputmode)),
            safe(attr("autocomplete", widget.autocomplete)),
            safe(' spellcheck="false" autocapitalize="characters"' if widget.spec["type"] == "iban" else ""),
            safe(_flags(widget)),
            safe(htmx_refresh(widget, action)),
        )
    return _input_box(widget, "", control)


def _select(widget: Widget, action: str) -> str:
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((o["value"], safe(" selected") if o["checked"] else "", o["label"]) for o in widget.options),
    )
    control = format_html(
        '<div class="kern-form-input__select-wrapper"><select class="kern-form-input__select{}" id="{}" name="{}"{}{}>'
        '<option value="">{}</option>{}</select></div>',
        " kern-form-input__select--error" if widget.error else "",
        widget.id,
        widget.name,
        safe(_flags(widget)),
        safe(htmx_refresh(widget, action)),
        _("Bitte wählen"),
        options,
    )
    return _input_box(widget, "", control)


def _choices(widget: Widget, action: str) -> str:
    control = "radio" if widget.kind == "radios" else "checkbox"
    error = bool(widget.error)
    check_class = " kern-form-check--error" if error else ""
    input_class = f"kern-form-check__{control}" + (f" kern-form-check__{control}--error" if error else "")
    tail = (' aria-invalid="true"' if error else "") + htmx_refresh(widget, action)
    # What every option shares is escaped once per field, not once per option (a hot path: issue 11).
    opening = f'<div class="kern-form-check{check_class}"><input class="{input_class}" type="{control}" id="'
    name = conditional_escape(widget.name)
    body = "".join(
        f'{opening}{option_id}" name="{name}" value="{conditional_escape(o["value"])}"'
        f'{" checked" if o["checked"] else ""}{tail}><label class="kern-label" for="{option_id}">'
        f"{conditional_escape(o['label'])}</label></div>"
        for o in widget.options
        for option_id in (conditional_escape(o["id"]),)
    )
    horizontal = " kern-fieldset__body--horizontal" if widget.spec["type"] == "boolean" else ""
    return _fieldset(widget, "", error, horizontal, body)


def _date(widget: Widget, action: str) -> str:
    error_class = " kern-form-input__input--error" if widget.error else ""
    bday = widget.autocomplete == "bday"
    body = format_html_join(
        "",
        '<div class="kern-form-input aw-date__part"><label class="kern-label" for="{}">{}</label>'
        '<input class="kern-form-input__input kern-form-input__input--width-{}{}" type="text" inputmode="numeric"'
        ' id="{}" name="{}" value="{}"{}{}></div>',
        (
            (
                p["id"],
                p["label"],
                p["width"],
                error_class,
                p["id"],
                p["name"],
                p["value"],
                safe(f' autocomplete="{BDAY[p["key"]]}"' if bday else ""),
                safe(' aria-invalid="true"' if widget.error else ""),
            )
            for p in widget.parts
        ),
    )
    return _fieldset(widget, " aw-date", bool(widget.error), " kern-fieldset__body--horizontal", body)


def _address_part(widget: Widget, part: dict) -> str:
    invalid = bool(part["error"] or widget.error)
    return format_html(
        '<div class="kern-form-input aw-address__{}{}"><label class="kern-label" for="{}">{}{}</label>{}'
        '<input class="kern-form-input__input{}{}" type="text" id="{}" name="{}" value="{}" autocomplete="{}"{}{}{}{}>'
        "</div>",
        part["key"],
        " kern-form-input--error" if part["error"] else "",
        part["id"],
        part["label"],
        optional_mark() if not part["required"] else "",
        safe(error_message(part["error_id"], part["error"])) if part["error"] else "",
        " kern-form-input__input--width-4" if part["key"] == "postal_code" else "",
        " kern-form-input__input--error" if invalid else "",
        part["id"],
        part["name"],
        part["value"],
        part["autocomplete"],
        safe(attr("inputmode", part["inputmode"])),
        safe(attr("aria-describedby", part["error_id"] if part["error"] else "")),
        safe(' aria-invalid="true"' if invalid else ""),
        safe(' aria-required="true"' if part["required"] and widget.required else ""),
    )


def _address(widget: Widget, action: str) -> str:
    body = "".join(_address_part(widget, part) for part in widget.parts)
    return _fieldset(widget, " aw-address", widget.has_error, "", body)


def _file(widget: Widget, action: str) -> str:
    value = widget.value
    current = ""
    if value:
        name = value.get("name")
        link = format_html('<a class="kern-link" href="{}">{}</a>', widget.file_url, name) if widget.file_url else name
        current = format_html(
            '<p class="kern-body aw-file__current" id="{}-datei">{} {} ({})</p>'
            '<p><button type="submit" class="kern-btn kern-btn--tertiary kern-btn--x-small" name="aktion"'
            ' value="datei-entfernen:{}"><span class="kern-label">{}<span class="kern-sr-only">: {}'
            "</span></span></button></p>",
            widget.id,
            _("Hochgeladen:"),
            link,
            filesizeformat(value.get("size")),
            widget.path,
            _("Datei entfernen"),
            name,
        )
    describedby = " ".join(x for x in (f"{widget.id}-datei" if value else "", widget.describedby) if x)
    control = format_html(
        '<input class="kern-form-input__input aw-file__input{}" type="file" id="{}" name="{}" accept="{}"{}{}{}>',
        " kern-form-input__input--error" if widget.error else "",
        widget.id,
        widget.name,
        widget.accept,
        safe(attr("aria-describedby", describedby)),
        safe(' aria-invalid="true"' if widget.error else ""),
        safe(' aria-required="true"' if widget.required and not value else ""),
    )
    return _input_box(widget, " aw-file", current + control)


def _info(widget: Widget, action: str) -> str:
    return format_html(
        '<div class="kern-alert kern-alert--info aw-info"><div class="kern-alert__header">'
        '<span class="kern-icon kern-icon--info" aria-hidden="true"></span><p class="kern-title">{}</p></div>'
        '<div class="kern-alert__body"><p class="kern-body">{}</p></div></div>',
        widget.spec.get("label") or _("Hinweis"),
        linebreaksbr(widget.spec.get("text") or "", autoescape=True),
    )


def _computed(widget: Widget, action: str) -> str:
    return format_html(
        '<dl class="aw-computed" id="{}"><dt class="kern-label">{}</dt>'
        '<dd class="kern-body kern-body--large aw-computed__value">{}</dd>'
        '<dd class="kern-hint">{}{}</dd></dl>',
        widget.id,
        widget.label,
        widget.value,
        f"{widget.help} " if widget.help else "",
        _("Wird aus Ihren Angaben berechnet."),
    )


RENDERERS = {
    "input": _input,
    "textarea": _input,
    "select": _select,
    "radios": _choices,
    "checkboxes": _choices,
    "date": _date,
    "address": _address,
    "file": _file,
    "info": _info,
    "computed": _computed,
}


def widget_html(widget: Widget, *, action: str) -> str:
    return RENDERERS[widget.kind](widget, action)


def widgets_html(widgets: list[Widget], action: str) -> str:
    return "".join(RENDERERS[w.kind](w, action) for w in widgets)
