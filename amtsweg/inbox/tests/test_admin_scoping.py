"""Admin scoping: staff of authority A cannot list, open, change or delete authority B's submission,
hub message, delivery, Vorgang or case event (URL walk through the Django admin)."""

from __future__ import annotations

import pytest

from amtsweg.cases.services import case_event_record
from amtsweg.hub.models import Delivery, Message, Routing, TargetSystem


@pytest.fixture
def b_objects(case_b):
    """Every admin-visible object of authority B's application (with a delivery and a case event)."""
    authority = case_b.authority
    target = TargetSystem.objects.create(
        authority=authority, key="fv-b", name="Fachverfahren B", type_key="http", config={"endpoint": "test"}
    )
    Routing.objects.create(authority=authority, target=target)
    message = Message.objects.get(vorgang=case_b.vorgang)
    delivery = Delivery.objects.create(message=message, target=target, idempotency_key="scoping-test-b")
    event = case_event_record(
        vorgang=case_b.vorgang, authority=authority, kind="status", payload={"status": "in_bearbeitung"}
    )
    return {
        "submissions/submission": case_b,
        "hub/message": message,
        "hub/delivery": delivery,
        "cases/vorgang": case_b.vorgang,
        "cases/caseevent": event,
        "hub/targetsystem": target,
    }


def _urls(path, obj):
    base = f"/admin/{path}/"
    return {
        "change": f"{base}{obj.pk}/change/",
        "history": f"{base}{obj.pk}/history/",
        "delete": f"{base}{obj.pk}/delete/",
    }


def test_staff_of_a_sees_nothing_of_b(client, staff_a, b_objects, case_a):
    client.force_login(staff_a)
    for path, obj in b_objects.items():
        listing = client.get(f"/admin/{path}/")
        if path != "hub/targetsystem":  # no view permission for targets in this test: 403 is as good
            assert listing.status_code == 200, path
        assert str(obj.pk) not in _pk_links(listing.content.decode(), path), path
        for kind, url in _urls(path, obj).items():
            response = client.get(url)
            # Django answers an object outside the queryset by redirecting to the admin index (with a
            # "does not exist" message) or 403/404 — never by showing it.
            assert response.status_code in (302, 403, 404), (path, kind, response.status_code)
            if response.status_code == 302:
                assert response["Location"] == "/admin/", (path, kind)
        # POSTs (change, delete confirmed) must not touch B's rows either.
        client.post(_urls(path, obj)["delete"], {"post": "yes"})
        assert type(obj).objects.filter(pk=obj.pk).exists(), path
    # Their own authority's application is listed.
    assert case_a.vorgangsnummer in client.get("/admin/submissions/submission/").content.decode()
    assert case_a.vorgangsnummer in client.get("/admin/cases/vorgang/").content.decode()
    # The search across all columns does not reach B either.
    found = client.get("/admin/submissions/submission/", {"q": b_objects["cases/vorgang"].number})
    html = found.content.decode()
    assert str(b_objects["submissions/submission"].pk) not in _pk_links(html, "submissions/submission")
    assert "0 Ergebnisse" in html


def test_bulk_delete_action_does_not_reach_b(client, staff_a, b_objects):
    client.force_login(staff_a)
    vorgang_b = b_objects["cases/vorgang"]
    client.post(
        "/admin/cases/vorgang/",
        {"action": "delete_selected", "_selected_action": [vorgang_b.pk], "post": "yes"},
    )
    assert type(vorgang_b).objects.filter(pk=vorgang_b.pk).exists()


def test_staff_of_b_sees_b_and_superuser_sees_both(client, staff_b, b_objects, case_a, django_user_model):
    client.force_login(staff_b)
    response = client.get(f"/admin/submissions/submission/{b_objects['submissions/submission'].pk}/change/")
    assert response.status_code == 200
    assert case_a.vorgangsnummer not in client.get("/admin/cases/vorgang/").content.decode()

    coordinator = django_user_model.objects.create_superuser(username="koordination", password="x" * 16)
    client.force_login(coordinator)
    listing = client.get("/admin/cases/vorgang/").content.decode()
    assert case_a.vorgangsnummer in listing and b_objects["cases/vorgang"].number in listing


def test_staff_without_membership_sees_no_rows(client, case_a, make_staff, django_user_model):
    from amtsweg.directory.models import AuthorityMembership

    user = make_staff("ohne.behoerde", authority=case_a.authority, permissions=[("cases", "view_vorgang")])
    AuthorityMembership.objects.filter(user=user).delete()
    client.force_login(django_user_model.objects.get(pk=user.pk))
    assert case_a.vorgangsnummer not in client.get("/admin/cases/vorgang/").content.decode()


def _pk_links(html: str, path: str) -> str:
    """The change links of a changelist (``/admin/<path>/<pk>/change/``) joined, for a membership check."""
    import re

    return " ".join(re.findall(rf"/admin/{re.escape(path)}/([^/]+)/change/", html))


def test_only_a_kommunal_admin_manages_members_of_their_own_authority(client, case_a, case_b, make_staff):
    from amtsweg.directory.models import AuthorityMembership

    perms = [("directory", f"{action}_authoritymembership") for action in ("view", "add", "change", "delete")]
    admin_a = make_staff("ka.a", authority=case_a.authority, role="kommunal_admin", permissions=perms)
    clerk_a = make_staff("sb.a.perms", authority=case_a.authority, permissions=perms)
    member_b = make_staff("sb.b.member", authority=case_b.authority)
    own = AuthorityMembership.objects.get(user=clerk_a)
    other = AuthorityMembership.objects.get(user=member_b)

    client.force_login(clerk_a)  # the model permissions alone are not enough
    assert client.get("/admin/directory/authoritymembership/add/").status_code == 403
    assert client.post(f"/admin/directory/authoritymembership/{own.pk}/delete/", {"post": "yes"}).status_code == 403

    client.force_login(admin_a)
    listing = client.get("/admin/directory/authoritymembership/").content.decode()
    assert "sb.a.perms" in listing and "sb.b.member" not in listing
    # Adding someone to another authority is refused by the form (the choice is limited to their own).
    client.post(
        "/admin/directory/authoritymembership/add/",
        {"user": admin_a.pk, "authority": case_b.authority_id, "role": "kommunal_admin"},
    )
    assert not AuthorityMembership.objects.filter(user=admin_a, authority=case_b.authority).exists()
    client.post(
        "/admin/directory/authoritymembership/add/",
        {"user": member_b.pk, "authority": case_a.authority_id, "role": "sachbearbeitung"},
    )
    assert AuthorityMembership.objects.filter(user=member_b, authority=case_a.authority).exists()
    client.post(f"/admin/directory/authoritymembership/{other.pk}/delete/", {"post": "yes"})
    assert AuthorityMembership.objects.filter(pk=other.pk).exists()
    client.post(f"/admin/directory/authoritymembership/{own.pk}/delete/", {"post": "yes"})
    assert not AuthorityMembership.objects.filter(pk=own.pk).exists()
