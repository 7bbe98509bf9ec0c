"""Background tasks of the hub (run by ``manage.py db_worker``, see docs/adr/0007-integration-hub.md)."""

from __future__ import annotations

from django_tasks import task

from amtsweg.hub import services


@task()
def delivery_attempt(delivery_id: str) -> dict:
    """One attempt of one delivery; re-enqueues itself (delayed) on transient failure. Idempotent:
    a duplicate run finds the row not claimable and does nothing."""
    return {"delivery": delivery_id, "outcome": services.delivery_process(delivery_id=delivery_id)}
