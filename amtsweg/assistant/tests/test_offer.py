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


def test_offer_box_is_cached_yet_follows_title_and_activation(activation, leistung, dresden, authority, version):
    """The box is rendered once per process (ADR 0027) under what it shows: a new title and a switched-off
    activation are on the very next render."""
    from amtsweg.forms.models import FormDefinition
    from amtsweg.jurisdiction.selectors import responsible_authority

    resolution = responsible_authority(leistung=leistung, gemeinde=dresden)
    template = Template("{% load assistant_tags %}{% assistant_offer leistung resolution %}")
    context = {"leistung": leistung, "resolution": resolution}
    first = template.render(Context(context))
    assert first == template.render(Context(context))
    FormDefinition.objects.filter(pk=version.definition_id).update(title="Hundesteuer-Anmeldung 2027")
    assert "Hundesteuer-Anmeldung 2027" in template.render(Context(context))
    activation_set(definition=version.definition, authority=authority, live=False)
    assert "Online beantragen" not in template.render(Context(context))


def test_activate_command(version, authority, route, capsys):
    call_command("assistant_activate", version.definition.key, authority.key)
    assert Activation.objects.get(definition=version.definition, authority=authority).live
    call_command("assistant_activate", version.definition.key, authority.key, "--off")
    assert not Activation.objects.get(definition=version.definition, authority=authority).live
    assert "freigeschaltet" in capsys.readouterr().out


def test_version_for_new_draft_follows_publishing_and_ignores_a_stale_cache_entry(activation, version):
    """The current version is read on every start page; its decoded document comes from the per-process
    cache only while id and content hash still match (a rolled-back row's id may be reused)."""
    from amtsweg.assistant import selectors
    from amtsweg.forms.services import form_version_retire

    assert selectors.version_for_new_draft(definition=version.definition).pk == version.pk
    cached = selectors._VERSIONS[version.pk]
    stale = type(cached)(pk=version.pk, definition_id=version.definition_id, content_hash="0" * 64, document={})
    selectors._VERSIONS[version.pk] = stale
    found = selectors.version_for_new_draft(definition=version.definition)
    assert found is not stale and found.content_hash == version.content_hash and found.document == version.document
    form_version_retire(version=version)
    assert selectors.version_for_new_draft(definition=version.definition) is None


def test_offer_matches_by_leika_key_and_ignores_inactive(activation, leistung, dresden, authority, version):
    """The raw offer statement: a definition bound only by LeiKa key serves the Leistung too."""
    from amtsweg.assistant.selectors import assistant_for_authority
    from amtsweg.forms.models import FormDefinition

    assert leistung.leika_key
    FormDefinition.objects.filter(pk=version.definition_id).update(leistung=None, leika_key=leistung.leika_key)
    found = assistant_for_authority(leistung=leistung, authority=authority)
    expected = FormDefinition.objects.get(pk=version.definition_id)
    assert (found.pk, found.key, found.title, found.leika_key) == (
        expected.pk,
        expected.key,
        expected.title,
        expected.leika_key,
    )
    FormDefinition.objects.filter(pk=version.definition_id).update(leika_key="")
    assert assistant_for_authority(leistung=leistung, authority=authority) is None
    assert assistant_for_authority(leistung=leistung, authority=None) is None
