"""Writes of the Integrationsdienst, one module per seam:

* ``messages``  — message creation (portal, generic), routing, reads of their content, audit helpers
* ``outbound``  — the active rule, transformation + validation, dry run, the adapter's payload
* ``processor`` — claim, attempt, batches (design: docs/adr/0007-integration-hub.md)
* ``outcomes``  — retry/backoff, dead letters and writing a batch's outcomes in one transaction
* ``receipts``  — the receipt a portal submission hands over; deliveries that wait for it
* ``resume``    — resume after a dead worker, operator replay
* ``taskrows``  — the only module that touches django-tasks-db's task rows

Target-system configuration (validation, secrets, the adapter's config) is ``amtsweg.hub.targets``,
routings and waiting messages ``amtsweg.hub.routing``. This package re-exports the public API, so callers
import ``amtsweg.hub.services.<name>``; settings a test changes live in their module (e.g.
``processor.BATCH_SIZE``).
"""

from amtsweg.hub.services.messages import (
    attachment_content,
    canonical_json_bytes,
    message_create,
    message_data,
    message_metadata,
    message_route,
    message_xml,
    routing_targets,
    sha512,
)
from amtsweg.hub.services.outbound import (
    DryRunResult,
    _xslt_params,
    delivery_dry_run,
    delivery_payload,
    rule_apply,
    rule_for,
    transform_context,
)
from amtsweg.hub.services.outcomes import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    BACKOFF_FACTOR,
    DEFAULT_MAX_ATTEMPTS,
    max_attempts,
    retry_delay,
)
from amtsweg.hub.services.processor import (
    BATCH_BUDGET_SECONDS,
    BATCH_SIZE,
    _claim,
    _claim_many,
    deliveries_process,
    delivery_process,
)
from amtsweg.hub.services.receipts import RECEIPT_WAIT_MAX, message_receipt_attach
from amtsweg.hub.services.resume import (
    SENDING_TIMEOUT,
    deliveries_due,
    deliveries_release_worker,
    deliveries_resume,
    delivery_replay,
)
from amtsweg.hub.targets import target_config, target_secrets_set

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "BACKOFF_FACTOR",
    "BATCH_BUDGET_SECONDS",
    "BATCH_SIZE",
    "DEFAULT_MAX_ATTEMPTS",
    "RECEIPT_WAIT_MAX",
    "SENDING_TIMEOUT",
    "DryRunResult",
    "_claim",
    "_claim_many",
    "_xslt_params",
    "attachment_content",
    "canonical_json_bytes",
    "deliveries_due",
    "deliveries_process",
    "deliveries_release_worker",
    "deliveries_resume",
    "delivery_dry_run",
    "delivery_payload",
    "delivery_process",
    "delivery_replay",
    "max_attempts",
    "message_create",
    "message_data",
    "message_metadata",
    "message_receipt_attach",
    "message_route",
    "message_xml",
    "retry_delay",
    "routing_targets",
    "rule_apply",
    "rule_for",
    "sha512",
    "target_config",
    "target_secrets_set",
    "transform_context",
]
