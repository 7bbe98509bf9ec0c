"""Activation and the "Online beantragen" offer for the finder's Leistung page."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.template import Context, Template

from amtsweg.assistant.models import Activation
from amtsweg.assistant.selectors import assistant_for, offer_for
from amtsweg.assistant.services import activation_set

pytestmark = pytest.mark.django_db


def test_assistant_for_uses_zustaendigkeit_and_activation(activation, leistung, dresden, authority, version):
    assert assistant_for(leistung=leistung, gemeinde=dresden) == (version.definition, authority)
    activation_set(definition=version.definition, authority=authority, live=False)
    assert assistant_for(leistung=leistung, gemeinde=dresden) is None


def test_assistant_for_other_gemeinde_is_none(activation, leistung):
    from amtsweg.directory.models import Territory

    pirna = Territory.objects.get(ags="14628270", kind=Territory.Kind.GEMEINDE, valid_until__isnull=True)
    assert assistant_for(leistung=leistung, gemeinde=pirna) is None


def test_assistant_for_needs_a_published_version(activation, leistung, dresden, version):
    from amtsweg.forms.services import form_version_retire

    form_version_retire(version=version)
    assert assistant_for(leistung=leistung, gemeinde=dresden) is None


def test_offer_tag_renders_button_for_the_finder(activation, leistung, dresden, start_url):
    from amtsweg.jurisdiction.selectors import responsible_authority

    resolution = responsible_authority(leistung=leistung, gemeinde=dresden)
    template = Template("{% load assistant_tags %}{% assistant_offer leistung resolution %}")
    html = template.render(Context({"leistung": leistung, "resolution": resolution}))
    assert "Online beantragen" in html and f'href="{start_url}"' in html
    assert offer_for(leistung=leistung, resolution=resolution).start_url == start_url
    assert "Online beantragen" not in template.render(Context({"leistung": leistung, "resolution": None}))


def test_activate_command(version, authority, route, capsys):
    call_command("assistant_activate", version.definition.key, authority.key)
    assert Activation.objects.get(definition=version.definition, authority=authority).live
    call_command("assistant_activate", version.definition.key, authority.key, "--off")
    assert not Activation.objects.get(definition=version.definition, authority=authority).live
    assert "freigeschaltet" in capsys.readouterr().out
