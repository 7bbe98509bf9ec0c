import pytest
from django.contrib.auth import get_user_model

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority, AuthorityMembership
from amtsweg.directory.services import membership_set
from amtsweg.hub.models import Product


@pytest.fixture
def kommunen():
    """Freiberg, Dresden, Chemnitz (real register data: populations differ a lot)."""
    return {
        "freiberg": Authority.objects.get(key="gem-14522180"),
        "dresden": Authority.objects.get(key="gem-14612000"),
        "chemnitz": Authority.objects.get(key="gem-14511000"),
    }


@pytest.fixture
def member(kommunen):
    def make(name: str, role=AuthorityMembership.Role.SACHBEARBEITUNG):
        user = get_user_model().objects.create_user(
            username=f"mitglied.{name}", password="x-test-x", is_staff=True, email=f"{name}@example.org"
        )
        membership_set(user=user, authority=kommunen[name], role=role)
        return user

    return make


@pytest.fixture
def koordination():
    return get_user_model().objects.create_superuser(username="koordination", email="ko@example.org", password="x")


@pytest.fixture
def leistungen():
    return {
        "hundesteuer": Leistung.objects.get(leika_key="99102013000000"),
        "baumfaellung": Leistung.objects.get(leika_key="99093003000000"),
        "fundsachen": Leistung.objects.get(leika_key="99089017000000"),
    }


@pytest.fixture
def product():
    return Product.objects.create(name="Test-Fachverfahren Steuern", kind=Product.Kind.FACHVERFAHREN)
