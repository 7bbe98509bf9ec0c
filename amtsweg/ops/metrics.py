"""Prometheus metrics at ``/metrics`` (prometheus_client).

Counts are computed from the database at scrape time with a few aggregate queries, so they are
right no matter how many web and worker processes run: the database is the source of truth. The
delivery-latency histogram is the exception: it lives in the process that observed it (the hub
calls ``amtsweg.hub.metrics.delivery_observed`` when a delivery completes), so in multi-process deployments each
worker's histogram must be scraped separately or ``PROMETHEUS_MULTIPROC_DIR`` set up; the
DB-derived gauges stay authoritative.

Labels are only fixed vocabularies (status, source, adapter type): never names, e-mail addresses,
Vorgangsnummern or other values that could identify a person.

Access: a bearer token (``AMTSWEG_METRICS_TOKEN``) or a client address in
``AMTSWEG_METRICS_ALLOWED_IPS`` (default: loopback outside production, nothing in production).
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from amtsweg.hub import metrics as hub_metrics

DELIVERY_STATUSES = ("queued", "transforming", "sending", "delivered", "failed_retrying", "dead")

registry = CollectorRegistry(auto_describe=True)
# Observed by the hub in its own module (amtsweg.hub.metrics), served from here: ops reads the hub, not back.
registry.register(hub_metrics.delivery_latency)


class DatabaseCollector:
    """Gauges computed from the database at scrape time."""

    def describe(self):
        # Without this the registry would call collect() (database queries) at registration/import.
        return []

    def collect(self):
        try:
            yield from self._collect()
        except DatabaseError:
            up = GaugeMetricFamily("amtsweg_database_up", "1, wenn die Datenbank beim Abruf erreichbar war.")
            up.add_metric([], 0)
            yield up

    def _collect(self):
        from django_tasks_db.models import DBTaskResult

        from amtsweg.hub.models import Delivery, Message
        from amtsweg.submissions.models import Submission

        up = GaugeMetricFamily("amtsweg_database_up", "1, wenn die Datenbank beim Abruf erreichbar war.")
        up.add_metric([], 1)
        yield up

        received = CounterMetricFamily(
            "amtsweg_hub_messages_received", "Im Integrationsdienst eingegangene Nachrichten.", labels=["source"]
        )
        by_source = dict(Message.objects.values_list("source").annotate(n=Count("pk")).order_by())
        for source in ("portal", "api"):
            received.add_metric([source], by_source.get(source, 0))
        yield received

        deliveries = GaugeMetricFamily(
            "amtsweg_hub_deliveries", "Zustellungen nach Status (aus der Datenbank).", labels=["status"]
        )
        by_status = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by())
        for status in DELIVERY_STATUSES:
            deliveries.add_metric([status], by_status.get(status, 0))
        yield deliveries

        oldest = (
            Delivery.objects.filter(status__in=["queued", "failed_retrying"])
            .order_by("message__received_at")
            .values_list("message__received_at", flat=True)
            .first()
        )
        age = GaugeMetricFamily(
            "amtsweg_hub_oldest_pending_delivery_age_seconds",
            "Alter der ältesten noch nicht zugestellten Zustellung (0: keine).",
        )
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield age

        pending = GaugeMetricFamily(
            "amtsweg_receipts_pending", "Eingegangene Anträge, deren PDF-Eingangsbestätigung noch fehlt."
        )
        pending.add_metric([], Submission.objects.filter(receipt_ready_at__isnull=True).count())
        yield pending

        tasks = GaugeMetricFamily("amtsweg_tasks_ready", "Hintergrundaufgaben, die auf einen Worker warten.")
        tasks.add_metric([], DBTaskResult.objects.ready().count())
        yield tasks


registry.register(DatabaseCollector())


def _setting(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value is None else value


def allowed_networks() -> list:
    default = "" if settings.MODE == "production" else "127.0.0.1/32,::1/128"
    raw = _setting("AMTSWEG_METRICS_ALLOWED_IPS", default)
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def access_allowed(request) -> bool:
    token = _setting("AMTSWEG_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), str(token).encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in allowed_networks())


@never_cache
@require_GET
def metrics_view(request):
    if not access_allowed(request):
        return JsonResponse(
            {
                "detail": "Zugriff auf die Metriken nur mit Token (AMTSWEG_METRICS_TOKEN) "
                "oder von freigegebenen Adressen."
            },
            status=403,
        )
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
