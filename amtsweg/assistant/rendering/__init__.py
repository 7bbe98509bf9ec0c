"""Markup of a step's groups and fields, built in Python.

A step page used to include one template per field (and loop over options and parts inside it):
hundreds of template variable lookups per request, most of the request's time. The markup here is
the same as those templates produced — labels, hints and errors wired up with ``aria-describedby``,
``aria-invalid``, fieldsets with legends for radios, checkboxes, dates and addresses — so the
accessibility tests keep guarding it. Every dynamic value goes through ``format_html``/``escape``.
The page frame (heading, navigation, error summary, progress) stays in templates.

Modules: ``fields`` (one widget's markup per kind), ``groups`` (a group's section, repeat rows with
their add/remove buttons).
"""

from amtsweg.assistant.rendering.fields import widget_html
from amtsweg.assistant.rendering.groups import group_html, groups_html

__all__ = ["group_html", "groups_html", "widget_html"]
