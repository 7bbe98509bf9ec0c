"""The hub's own Prometheus instrument: the latency of finished deliveries, observed in this process.

The hub owns it so that it reports upward to nobody: ``amtsweg.ops.metrics`` (the top layer) registers it
in the registry it serves at ``/metrics``. Labels are a fixed vocabulary, never personal data.
"""

from __future__ import annotations

from prometheus_client import Histogram

OBSERVED_STATUSES = ("delivered", "failed", "dead")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400)

# registry=None: not in prometheus_client's global registry; ops.metrics registers it in its own.
delivery_latency = Histogram(
    "amtsweg_hub_delivery_latency_seconds",
    "Zeit vom Eingang der Nachricht bis zum Abschluss der Zustellung (in diesem Prozess beobachtet).",
    ["status"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def delivery_observed(*, seconds: float, status: str) -> None:
    """Record a finished delivery (status: delivered | failed | dead). Unknown statuses count as "other"."""
    label = status if status in OBSERVED_STATUSES else "other"
    delivery_latency.labels(status=label).observe(max(float(seconds), 0.0))
