"""Small presentation helpers for finder templates."""

import re

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext_lazy

from amtsweg.catalog.models import ExecutionLevel
from amtsweg.web.fragments import fragment_cached

register = template.Library()


class _CachedFragmentNode(template.Node):
    def __init__(self, nodelist, key, name: str):
        self.nodelist, self.key, self.name = nodelist, key, name

    def render(self, context) -> str:
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        return fragment_cached(key=f"{key}:{self.name}", render=lambda: self.nodelist.render(context))


@register.tag("cached_fragment")
def cached_fragment(parser, token):
    """``{% cached_fragment key "name" %}…{% endcached_fragment %}``: the body rendered once per process and
    kept under ``key`` (built by the view from everything the body shows, ``finder.fragments``, ADR 0027)
    and ``name``; an empty key renders it every time."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[2][0] not in "\"'" or bits[2][0] != bits[2][-1]:
        raise template.TemplateSyntaxError('Aufruf: {% cached_fragment key "name" %}')
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return _CachedFragmentNode(nodelist, parser.compile_filter(bits[1]), bits[2][1:-1])


_BULLET = re.compile(r"^\s*[-•*]\s+")

# Page labels of the execution levels, marked for the English catalogue here: the model's German labels are
# also data (API, admin), which stays German. A level without an entry shows the model's label.
_LEVEL_LABELS = {
    "gemeinde": pgettext_lazy("execution level", "Gemeinde"),
    "kreis": pgettext_lazy("execution level", "Landkreis / kreisfreie Stadt"),
    "land": pgettext_lazy("execution level", "Land"),
    "bund": pgettext_lazy("execution level", "Bund"),
    "": pgettext_lazy("execution level", "nicht festgelegt"),
}


@register.filter
def level_label(code: str) -> str:
    """German label of an execution level code ("kreis" → "Landkreis / kreisfreie Stadt")."""
    try:
        level = ExecutionLevel(code or "")
    except ValueError:
        level = ExecutionLevel.UNBEKANNT
    return str(_LEVEL_LABELS.get(level.value, level.label))


@register.filter
def short_place(name: str) -> str:
    """The name citizens use: the register's qualifier after the comma dropped ("Pirna, Stadt" → "Pirna")."""
    return (name or "").split(",")[0].strip()


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


@register.filter(needs_autoescape=False)
def stammtext(value: str) -> str:
    """Plain Stammtext as HTML: blank-line paragraphs, and "- " lines as a bullet list. Everything is escaped."""
    blocks = []
    for block in re.split(r"\n\s*\n", (value or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = format_html_join("", "<li>{}</li>", ((_BULLET.sub("", line),) for line in lines))
            blocks.append(f'<ul class="kern-list kern-list--bullet">{items}</ul>')
        else:
            blocks.append("<p>" + "<br>".join(conditional_escape(line) for line in lines) + "</p>")
    return mark_safe("".join(blocks))  # noqa: S308 (every piece above is escaped)
