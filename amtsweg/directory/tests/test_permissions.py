"""The role predicates (directory.permissions, accounts.roles): who acts for which authority."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group

from amtsweg.accounts import roles
from amtsweg.accounts.models import Membership, Organisation
from amtsweg.directory import permissions
from amtsweg.directory.models import Authority
from amtsweg.directory.services import membership_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_authorities():
    a, b = Authority.objects.order_by("pk")[:2]
    return a, b


def _user(name, **extra):
    return get_user_model().objects.create_user(username=name, password="x" * 16, **extra)


def test_sachbearbeitung_works_only_its_authority(two_authorities):
    a, b = two_authorities
    user = _user("sb", is_staff=True)
    membership_set(user=user, authority=a, role="sachbearbeitung")
    assert permissions.is_sachbearbeiter(user, a) and permissions.is_sachbearbeiter(user, a.pk)
    assert not permissions.is_sachbearbeiter(user, b)
    assert not permissions.is_kommunal_admin(user, a)
    assert permissions.can_work_case(user, SimpleNamespace(authority_id=a.pk))
    assert not permissions.can_work_case(user, SimpleNamespace(authority_id=b.pk))
    assert permissions.authority_ids_worked(user) == {a.pk}
    assert list(permissions.authorities_administered(user)) == []
    assert not permissions.is_any_kommunal_admin(user)
    assert not permissions.is_koordination(user)


def test_kommunal_admin_administers_and_works_its_authority(two_authorities):
    a, b = two_authorities
    user = _user("ka", is_staff=True)
    membership_set(user=user, authority=a, role="kommunal_admin")
    assert permissions.is_kommunal_admin(user, a) and not permissions.is_kommunal_admin(user, b)
    assert permissions.is_sachbearbeiter(user, a)
    assert list(permissions.authorities_administered(user)) == [a]
    assert permissions.is_any_kommunal_admin(user)


def test_membership_without_staff_flag_or_inactive_grants_nothing(two_authorities):
    a, _ = two_authorities
    citizen = _user("citizen")
    membership_set(user=citizen, authority=a, role="kommunal_admin")
    assert not permissions.is_kommunal_admin(citizen, a)
    assert permissions.authority_ids_worked(citizen) == set()
    former = _user("former", is_staff=True, is_active=False)
    membership_set(user=former, authority=a, role="kommunal_admin")
    assert not permissions.is_sachbearbeiter(former, a)
    assert not permissions.is_koordination(AnonymousUser())
    assert not permissions.can_work_case(AnonymousUser(), SimpleNamespace(authority_id=a.pk))


def test_koordination_by_group_without_superuser(two_authorities):
    a, b = two_authorities
    user = _user("koord", is_staff=True)
    assert not permissions.is_koordination(user)
    user.groups.add(Group.objects.get(name=permissions.KOORDINATION_GROUP))
    permissions.permissions_cache_clear(user)
    assert permissions.is_koordination(user)
    assert permissions.authority_ids_worked(user) is None
    assert permissions.is_kommunal_admin(user, b)
    assert permissions.can_work_case(user, SimpleNamespace(authority_id=b.pk))
    assert permissions.authorities_administered(user).count() == Authority.objects.count()
    # The group alone, without the staff flag, is no role.
    member = _user("koord-citizen")
    member.groups.add(Group.objects.get(name=permissions.KOORDINATION_GROUP))
    assert not permissions.is_koordination(member)


def test_superuser_is_koordination():
    assert permissions.is_koordination(_user("root", is_staff=True, is_superuser=True))


def test_assign_only_to_staff_of_the_case_authority(two_authorities):
    a, b = two_authorities
    worker, colleague, other = _user("w", is_staff=True), _user("c", is_staff=True), _user("o", is_staff=True)
    membership_set(user=worker, authority=a, role="sachbearbeitung")
    membership_set(user=colleague, authority=a, role="sachbearbeitung")
    membership_set(user=other, authority=b, role="sachbearbeitung")
    case = SimpleNamespace(authority_id=a.pk)
    assert permissions.can_assign_case(worker, case, colleague)
    assert permissions.can_assign_case(worker, case, None)
    assert not permissions.can_assign_case(worker, case, other)
    assert not permissions.can_assign_case(other, case, worker)


def test_organisation_roles():
    org, other = Organisation.objects.create(name="Bäckerei A"), Organisation.objects.create(name="Bäckerei B")
    owner, clerk, stranger = _user("inh"), _user("bea"), _user("fremd")
    Membership.objects.create(organisation=org, user=owner, role="inhaber")
    Membership.objects.create(organisation=org, user=clerk, role="bearbeiter")
    assert roles.is_org_owner(owner, org) and roles.is_org_member(owner, org.pk)
    assert roles.is_org_member(clerk, org) and not roles.is_org_owner(clerk, org)
    assert not roles.is_org_member(stranger, org) and not roles.is_org_member(owner, other)
    assert not roles.is_org_member(AnonymousUser(), org)


def test_citizen_sees_only_own_case(two_authorities):
    a, _ = two_authorities
    citizen_a, citizen_b = _user("a"), _user("b")
    case = SimpleNamespace(applicant_id=citizen_a.pk, authority_id=a.pk)
    assert roles.can_view_case(citizen_a, case)
    assert not roles.can_view_case(citizen_b, case)
    assert not roles.can_view_case(AnonymousUser(), case)
