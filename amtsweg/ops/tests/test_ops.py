"""Operations endpoints: health (live/ready) and Prometheus metrics without personal data."""

import pytest

from amtsweg.hub import metrics as hub_metrics
from amtsweg.ops import health
from amtsweg.submissions.tests.conftest import (  # noqa: F401 - fixtures
    answers,
    dresden,
    leistung,
    private_storage_dir,
    submit,
    version,
)

pytestmark = pytest.mark.django_db


def test_live_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_checks_database_migrations_and_tasks(client):
    response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"] and body["checks"]["tasks"]["ok"]
    assert "ready" in body["checks"]["tasks"]


def test_ready_is_503_on_task_backlog(client, settings, monkeypatch):
    settings.AMTSWEG_HEALTH_MAX_BACKLOG = 1
    monkeypatch.setattr(health, "check_tasks", lambda: (False, "Rückstau: 5 wartende Aufgaben (Grenze 1).", {}))
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    assert "Rückstau" in response.json()["checks"]["tasks"]["reason"]


def test_task_backlog_limit_counts_ready_tasks(settings, submit, django_capture_on_commit_callbacks):  # noqa: F811
    # A submission enqueues its receipt task (no worker runs in tests): at least one ready task.
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    settings.AMTSWEG_HEALTH_MAX_BACKLOG = 0
    ok, reason, info = health.check_tasks()
    assert not ok and info["ready"] >= 1 and "Rückstau" in reason


def test_ready_reports_unapplied_migrations(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_ok", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/health/ready")
    assert response.status_code == 503 and "Migration" in response.json()["checks"]["migrations"]["reason"]


def test_metrics_content_from_the_database_without_personal_data(client, submit):  # noqa: F811
    submission = submit()
    hub_metrics.delivery_observed(seconds=0.2, status="delivered")
    hub_metrics.delivery_observed(seconds=3, status="Erika Mustermann")  # unknown status: no free label values
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "amtsweg_database_up 1.0" in text
    assert 'amtsweg_hub_messages_received_total{source="portal"}' in text
    for status in ("queued", "delivered", "failed_retrying", "dead"):
        assert f'amtsweg_hub_deliveries{{status="{status}"}}' in text
    assert "amtsweg_receipts_pending 1.0" in text
    assert 'amtsweg_hub_delivery_latency_seconds_count{status="delivered"}' in text
    assert 'status="other"' in text
    for personal in ("Erika", "Mustermann", "erika@example.org", submission.vorgangsnummer, "Bello"):
        assert personal not in text


def test_metrics_access_control(client, settings):
    settings.AMTSWEG_METRICS_ALLOWED_IPS = "10.0.0.0/8"
    settings.AMTSWEG_METRICS_TOKEN = "geheim-metrics-token"
    assert client.get("/metrics").status_code == 403  # test client comes from 127.0.0.1
    assert "Token" in client.get("/metrics").json()["detail"]
    assert client.get("/metrics", headers={"Authorization": "Bearer falsch"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer geheim-metrics-token"}).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metrics_open_on_loopback_outside_production(client, settings):
    settings.AMTSWEG_METRICS_ALLOWED_IPS = None
    settings.AMTSWEG_METRICS_TOKEN = None
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    settings.MODE = "production"
    assert client.get("/metrics").status_code == 403
