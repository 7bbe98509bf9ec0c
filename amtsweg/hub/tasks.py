"""Background tasks of the hub (run by ``manage.py db_worker``, see docs/adr/0007-integration-hub.md)."""

from __future__ import annotations

import threading

from django_tasks import task
from django_tasks_db.compat import task_started

from amtsweg.hub.services import processor

# The worker id of the task run in progress in this thread (set by the worker's task_started signal):
# a batch takes over further task rows under the same id, as if this worker had picked them itself.
_current = threading.local()


def _task_started(sender, task_result, **kwargs) -> None:
    _current.worker_id = task_result.worker_ids[-1] if task_result.worker_ids else None


task_started.connect(_task_started, dispatch_uid="amtsweg.hub.tasks.worker_id")


@task()
def delivery_attempt(delivery_id: str) -> dict:
    """One attempt of one delivery, plus — when run by a worker — of up to ``processor.BATCH_SIZE − 1`` further
    due deliveries whose tasks are waiting (see ``processor.deliveries_process``). Re-enqueues itself
    (delayed) on transient failure. Idempotent: a duplicate run finds the row not claimable and does nothing."""
    worker_id, _current.worker_id = getattr(_current, "worker_id", None), None
    results = processor.deliveries_process(delivery_id=delivery_id, worker_id=worker_id, batch=processor.BATCH_SIZE)
    result: dict[str, str | int] = {"delivery": delivery_id, "outcome": results[str(delivery_id)]}
    if len(results) > 1:
        result["batch"] = len(results)
    return result
