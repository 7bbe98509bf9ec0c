"""Saved views of the inbox: a case worker stores the list's filter and sort under a name, per user."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.inbox.models import SavedView


@pytest.fixture
def sb_a(case_a, make_staff):
    return make_staff("sb.views.a", authority=case_a.authority)


def test_save_list_open_and_delete_a_view(client, sb_a, case_a):
    client.force_login(sb_a)
    response = client.post(
        reverse("inbox:view_save"),
        {"name": "  Meine   offenen ", "query": "status=eingegangen&bearbeitung=ich&seite=3&fremd=x&sort=frist"},
    )
    view = SavedView.objects.get(user=sb_a)
    # The name is tidied; the page number and unknown parameters are not part of a view.
    assert view.name == "Meine offenen"
    assert view.query == "status=eingegangen&bearbeitung=ich&sort=frist"
    assert response.status_code == 302 and response["Location"] == f"{reverse('inbox:list')}?{view.query}"

    page = client.get(reverse("inbox:list")).content.decode()
    assert "Gespeicherte Ansichten" in page and "Meine offenen" in page
    assert f'href="{reverse("inbox:list")}?status=eingegangen&amp;bearbeitung=ich&amp;sort=frist"' in page
    # Opening the view is the list with its query: the filter form shows it.
    opened = client.get(f"{reverse('inbox:list')}?{view.query}").content.decode()
    assert 'value="frist" selected' in opened

    # Saving under the same name replaces the view.
    client.post(reverse("inbox:view_save"), {"name": "Meine offenen", "query": "ueberfaellig=on"})
    assert list(SavedView.objects.filter(user=sb_a).values_list("query", flat=True)) == ["ueberfaellig=on"]

    response = client.post(reverse("inbox:view_delete", args=[view.pk]))
    assert response.status_code == 302
    assert not SavedView.objects.filter(user=sb_a).exists()


def test_the_current_filter_is_offered_for_saving(client, sb_a, case_a):
    client.force_login(sb_a)
    page = client.get(reverse("inbox:list"), {"status": "in_bearbeitung", "seite": "2"}).content.decode()
    assert 'name="query" value="status=in_bearbeitung"' in page


def test_views_are_per_user(client, sb_a, case_a, make_staff):
    colleague = make_staff("sb.views.colleague", authority=case_a.authority)
    own = SavedView.objects.create(user=colleague, name="Nur meine", query="bearbeitung=ich")
    client.force_login(sb_a)
    assert "Nur meine" not in client.get(reverse("inbox:list")).content.decode()
    assert client.post(reverse("inbox:view_delete", args=[own.pk])).status_code == 404
    assert SavedView.objects.filter(pk=own.pk).exists()


def test_a_view_needs_a_name(client, sb_a, case_a):
    client.force_login(sb_a)
    response = client.post(reverse("inbox:view_save"), {"name": " ", "query": "status=eingegangen"}, follow=True)
    assert "Bitte geben Sie der Ansicht einen Namen." in response.content.decode()
    assert not SavedView.objects.exists()


def test_citizens_cannot_save_views(client, case_a, django_user_model):
    citizen = django_user_model.objects.create_user(username="buerger.views", password="x" * 16)
    client.force_login(citizen)
    response = client.post(reverse("inbox:view_save"), {"name": "X", "query": ""})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not SavedView.objects.exists()
