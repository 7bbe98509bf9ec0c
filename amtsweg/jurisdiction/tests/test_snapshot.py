"""The in-memory snapshot of territories, authorities and overrides stays correct.

Each gunicorn worker holds its own snapshot; two ``_Holder`` instances play two workers sharing one
database. A change through a service, the admin or even a direct ORM write must show up in every
worker's next answer.
"""

import pytest
from django.urls import reverse

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory.models import Authority, Territory
from amtsweg.jurisdiction import snapshot as snapshot_module
from amtsweg.jurisdiction.models import Override
from amtsweg.jurisdiction.selectors import gemeinde_by_ags, responsible_authority
from amtsweg.jurisdiction.services import override_delete, override_set

pytestmark = pytest.mark.django_db

FREIBERG = "14522180"
LEIPZIG = "14713000"


@pytest.fixture
def hundesteuer():
    item = Leistung.objects.get(leika_key="99102013000000")
    assert item.execution_level == ExecutionLevel.GEMEINDE
    return item


@pytest.fixture
def two_workers(monkeypatch):
    """Two independent per-process holders; responsible_authority uses whichever is 'serving'."""
    workers = {"a": snapshot_module._Holder(), "b": snapshot_module._Holder()}
    serving = {"now": "a"}

    class Serving:
        def get(self):
            return workers[serving["now"]].get()

    monkeypatch.setattr(snapshot_module, "_holder", Serving())

    def answer(worker: str, **kwargs):
        serving["now"] = worker
        return responsible_authority(**kwargs)

    return workers, answer


def test_override_set_in_one_worker_is_seen_by_the_other(two_workers, hundesteuer):
    workers, answer = two_workers
    freiberg = Territory.objects.get(ags=FREIBERG, valid_until__isnull=True)
    before = {w: answer(w, leistung=hundesteuer, gemeinde=freiberg).authority for w in "ab"}
    assert before["a"] == before["b"] and not answer("a", leistung=hundesteuer, gemeinde=freiberg).override
    leipzig_admin = Authority.objects.get(key="gem-14713000")
    override = override_set(leistung=hundesteuer, territory=freiberg, authority=leipzig_admin, reason="shared_service")
    for worker in "ab":
        result = answer(worker, leistung=hundesteuer, gemeinde=freiberg)
        assert result.authority.pk == leipzig_admin.pk and result.override
    override_delete(override=override)
    for worker in "ab":
        assert answer(worker, leistung=hundesteuer, gemeinde=freiberg).authority == before["a"]


def test_admin_edit_of_an_authority_shows_in_the_next_answer(two_workers, hundesteuer, admin_client):
    workers, answer = two_workers
    freiberg = Territory.objects.get(ags=FREIBERG, valid_until__isnull=True)
    authority = answer("a", leistung=hundesteuer, gemeinde=freiberg).authority
    answer("b", leistung=hundesteuer, gemeinde=freiberg)
    url = reverse("admin:directory_authority_change", args=[authority.pk])
    response = admin_client.post(
        url,
        {
            "key": authority.key,
            "name": "Stadtverwaltung Freiberg (Bürgerbüro)",
            "kind": authority.kind,
            "territory": authority.territory_id,
            "active": "on",
            "acts_for_gemeinde": "on",
            "serves": list(authority.serves.values_list("pk", flat=True)),
            "street": "Obermarkt 24",
            "postal_code": "09599",
            "city": "Freiberg",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for worker in "ab":
        result = answer(worker, leistung=hundesteuer, gemeinde=freiberg)
        assert result.authority.name == "Stadtverwaltung Freiberg (Bürgerbüro)"
        assert result.authority.street == "Obermarkt 24"


def test_direct_orm_writes_are_noticed_too(two_workers, hundesteuer):
    workers, answer = two_workers
    freiberg = Territory.objects.get(ags=FREIBERG, valid_until__isnull=True)
    answer("a", leistung=hundesteuer, gemeinde=freiberg)
    leipzig_admin = Authority.objects.get(key="gem-14713000")
    Override.objects.create(leistung=hundesteuer, territory=freiberg, authority=leipzig_admin, reason="delegation")
    assert answer("a", leistung=hundesteuer, gemeinde=freiberg).authority.pk == leipzig_admin.pk


def test_a_warm_answer_costs_one_query(hundesteuer, django_assert_num_queries):
    freiberg = gemeinde_by_ags(ags=FREIBERG)
    responsible_authority(leistung=hundesteuer, gemeinde=freiberg).served_territories  # noqa: B018 - warm up
    with django_assert_num_queries(2):  # the stamp, once for the AGS and once for the answer
        gemeinde = gemeinde_by_ags(ags=FREIBERG)
        result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde)
        assert result.served_territories and result.authority.territory.ags == FREIBERG
    builds = snapshot_module.snapshot_builds()
    responsible_authority(leistung=hundesteuer, gemeinde=gemeinde_by_ags(ags=LEIPZIG))
    assert snapshot_module.snapshot_builds() == builds  # nothing changed: no reload


def test_snapshot_answers_match_the_database_rules(hundesteuer):
    """The in-memory rules give the same authority as the ORM-based directory selector, for every Gemeinde."""
    from amtsweg.directory.selectors import authority_for_gemeinde

    snap = snapshot_module.snapshot()
    for gemeinde in Territory.objects.filter(kind="gemeinde", valid_until__isnull=True, ars__startswith="14"):
        for level in ("gemeinde", "kreis"):
            expected = authority_for_gemeinde(gemeinde=gemeinde, level=level)
            got = snap.authority_for_gemeinde(snap.territories[gemeinde.pk], level=level)
            assert (got.pk if got else None) == (expected.pk if expected else None), (gemeinde, level)
