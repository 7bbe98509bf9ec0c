"""``{% fragment "name" value … %}…{% endfragment %}``: a part of a page rendered once per process (ADR 0031).

For parts every page shows the same way for the same few values — the header (logged in or not, site mode)
and the footer. The body is kept under the name, the values given and the active language
(``web.fragments``), so it must depend on nothing else: no request data, no CSRF token, no per-user text
beyond what the values say.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression

from amtsweg.web.fragments import fragment_cached, fragment_key

register = template.Library()


class _FragmentNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str, values: list[FilterExpression]) -> None:
        self.nodelist, self.name, self.values = nodelist, name, values

    def render(self, context: template.Context) -> str:
        values = tuple(value.resolve(context) for value in self.values)
        key = fragment_key("web_fragment", self.name, values)
        return fragment_cached(key=key, render=lambda: self.nodelist.render(context))


@register.tag("fragment")
def fragment(parser: template.base.Parser, token: template.base.Token) -> _FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Aufruf: {% fragment "name" wert … %}')
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return _FragmentNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])
