"""One task run takes over further waiting delivery tasks (services.deliveries_process): same outcomes,
same audit trail and task records as one run per task, with the real worker loop and HTTP receiver."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from amtsweg.audit.models import AuditEntry
from amtsweg.audit.services import audit_verify
from amtsweg.hub import services
from amtsweg.hub.models import Delivery
from amtsweg.hub.services import processor
from amtsweg.hub.tasks import delivery_attempt
from amtsweg.hub.tests.test_e2e_hub_support import api_message, routed_world, worker_drain_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(rules, fachverfahren_receiver):
    gemeinde, authority = routed_world(receiver=fachverfahren_receiver, timeout=5)
    return gemeinde, authority


def _deliveries(world, count: int, prefix: str = "b") -> list[Delivery]:
    gemeinde, authority = world
    return [
        Delivery.objects.get(message=api_message(index=i, authority=authority, gemeinde=gemeinde, prefix=prefix))
        for i in range(count)
    ]


def test_one_task_run_delivers_the_waiting_deliveries_with_full_records(world, fachverfahren_receiver):
    deliveries = _deliveries(world, 5)

    assert worker_drain_in_process() == 1  # the first task run took over the other four task rows

    ids = [d.pk for d in deliveries]
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", "attempts")) == {("delivered", 1)}
    assert len(fachverfahren_receiver.accepted()) == 5 and fachverfahren_receiver.requests == 5
    tasks = DBTaskResult.objects.filter(task_path=delivery_attempt.module_path)
    assert tasks.count() == 5 and tasks.successful().count() == 5
    assert {tuple(ids) for ids in tasks.values_list("worker_ids", flat=True)} == {("pytest-in-process",)}
    assert {row["outcome"] for row in tasks.values_list("return_value", flat=True)} == {"delivered"}
    for delivery in deliveries:
        events = list(
            AuditEntry.objects.filter(delivery_id=str(delivery.pk)).order_by("seq").values_list("event", flat=True)
        )
        assert events == ["queued", "transformed", "validated", "sent"]
    assert audit_verify().ok


def test_batch_size_bounds_the_work_of_one_run_and_duplicates_are_skipped(world, fachverfahren_receiver, monkeypatch):
    monkeypatch.setattr(processor, "BATCH_SIZE", 2)
    deliveries = _deliveries(world, 4, prefix="c")
    assert worker_drain_in_process() == 2  # 2 per run
    # A duplicate task for a delivered delivery (e.g. from the resume sweep) has no second effect.
    delivery_attempt.enqueue(str(deliveries[0].pk))
    delivery_attempt.enqueue(str(deliveries[1].pk))
    assert worker_drain_in_process() == 1

    assert fachverfahren_receiver.requests == 4
    assert set(Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("status", flat=True)) == {
        "delivered"
    }
    duplicates = DBTaskResult.objects.filter(args_kwargs__args=[str(deliveries[1].pk)]).order_by("enqueued_at")
    assert [row.return_value["outcome"] for row in duplicates] == ["delivered", "skipped"]
    assert AuditEntry.objects.filter(event="sent").count() == 4


def test_a_batch_over_its_time_budget_gives_the_unsent_claims_back(world, fachverfahren_receiver, monkeypatch):
    monkeypatch.setattr(processor, "BATCH_BUDGET_SECONDS", -1.0)  # budget spent after the first send
    deliveries = _deliveries(world, 3, prefix="r")
    own = str(deliveries[0].pk)

    results = services.deliveries_process(delivery_id=own, worker_id="w-test", batch=16)

    assert results[own] == "delivered" and sorted(results.values()) == ["delivered", "released", "released"]
    released = Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).exclude(pk=own)
    assert set(released.values_list("status", "attempts", "claimed_at")) == {("queued", 0, None)}
    assert fachverfahren_receiver.requests == 1
    # The released ones have a task again, and a worker delivers them.
    assert worker_drain_in_process() >= 1
    assert set(released.values_list("status", "attempts")) == {("delivered", 1)}
    assert fachverfahren_receiver.requests == 3
