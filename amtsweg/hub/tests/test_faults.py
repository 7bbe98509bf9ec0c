"""Fault tests (issue 4 acceptance) with the real HTTP Fachverfahren receiver and the real task worker
loop (in-process on SQLite, see test_e2e_hub_support). The kill -9 test needs a second process on a
shared database and runs on PostgreSQL (test_postgres_hub.py)."""

from __future__ import annotations

import random
import shutil
from datetime import timedelta

import pytest

from amtsweg.audit.models import AuditEntry
from amtsweg.hub.models import Delivery, Message
from amtsweg.hub.rules import rule_load
from amtsweg.hub.services import delivery_replay
from amtsweg.hub.tests.conftest import RECEIVER_SECRET
from amtsweg.hub.tests.test_e2e_hub_support import (
    HUNDESTEUER,
    RULES_DIR,
    api_message,
    drain,
    http_target,
    minimal_world,
    worker_drain_in_process,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fachverfahren(rules, fachverfahren_receiver):
    """Dresden's authority with the real HTTP Fachverfahren as its only target."""
    gemeinde, authority = minimal_world()
    target = http_target(authority=authority, receiver=fachverfahren_receiver, secret=RECEIVER_SECRET, timeout=5)
    return gemeinde, authority, target


def _events(delivery) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(delivery_id=str(delivery.pk)).order_by("seq"))


def test_receiver_down_for_retry_rounds_and_a_simulated_day_is_delivered_after_recovery(
    fachverfahren, fachverfahren_receiver, sim_clock
):
    gemeinde, authority, _ = fachverfahren
    start = sim_clock.current
    random.seed(4)  # the jitter of the backoff; any seed works, this keeps the run reproducible
    delivery = Delivery.objects.get(message=api_message(index=1, authority=authority, gemeinde=gemeinde))
    fachverfahren_receiver.fail_next(3, status=503)  # first: the Fachverfahren answers 503 …
    seen = []

    def before_round(number):
        delivery.refresh_from_db()
        seen.append(delivery.status)
        if number == 3:
            fachverfahren_receiver.stop()  # … then it is down (connection refused) …
        if sim_clock.current - start > timedelta(days=1) and fachverfahren_receiver._server is None:
            fachverfahren_receiver.start()  # … for more than a day; then it is back

    rounds = drain(sim_clock, rounds=40, before_round=before_round)
    delivery.refresh_from_db()

    assert delivery.status == "delivered", delivery.last_error
    assert delivery.delivered_at - start > timedelta(days=1)
    assert rounds > 8 and delivery.attempts == rounds  # one real worker round per attempt
    assert "dead" not in seen and set(seen[1:]) == {"failed_retrying"}  # never given up in between
    assert len(fachverfahren_receiver.accepted()) == 1
    assert fachverfahren_receiver.requests == 4  # 3 × 503, then the accepted one (refused ones never arrive)
    # Nothing silent: every failed attempt is in the audit log with its reason and "retry".
    failures = [e for e in _events(delivery) if e.event == "failed"]
    assert len(failures) == delivery.attempts - 1
    assert all(e.detail.get("outcome") == "retry" for e in failures)
    reasons = " ".join(e.detail.get("reason", "") for e in failures)
    assert "503" in reasons and delivery.last_error == ""
    assert [e.event for e in _events(delivery)][-1] == "sent"


def _broken_rule_folder(tmp_path, kind):
    folder = tmp_path / "fachverfahren-xml"
    shutil.copytree(RULES_DIR / "fachverfahren-xml", folder)
    xsl = (folder / "transform.xsl").read_text()
    if kind == "broken-xslt":
        # A botched edit that loads (well-formed, compiles) but aborts when applied to real data.
        xsl = xsl.replace(
            '<xsl:template match="/d:antrag">',
            '<xsl:template match="/d:antrag"><xsl:if test="not(d:gibt-es-nicht)">'
            '<xsl:message terminate="yes">Pflichtgruppe fehlt</xsl:message></xsl:if>',
            1,
        )
    else:
        # Well-formed, but the output no longer matches the exchange XSD.
        xsl = xsl.replace(
            '<vorgangsnummer><xsl:value-of select="$vorgangsnummer"/></vorgangsnummer>',
            '<aktenzeichen><xsl:value-of select="$vorgangsnummer"/></aktenzeichen>',
        )
    (folder / "transform.xsl").write_text(xsl)
    return folder


def test_a_stylesheet_that_is_not_well_formed_is_refused_by_the_depot(rules, tmp_path):
    from amtsweg.hub.rules import RuleInvalid

    folder = _broken_rule_folder(tmp_path, "invalid-output")
    (folder / "transform.xsl").write_text((folder / "transform.xsl").read_text().replace("</xsl:template>", "</x>", 1))
    with pytest.raises(RuleInvalid, match="wohlgeformt"):
        rule_load(folder=folder)


@pytest.mark.parametrize(
    ("kind", "reason_fragment"),
    [("broken-xslt", "XSLT"), ("invalid-output", "ungültig")],
)
def test_broken_rule_dead_letters_with_readable_reason_and_replay_after_fix_delivers(
    fachverfahren, fachverfahren_receiver, sim_clock, tmp_path, kind, reason_fragment
):
    gemeinde, authority, _ = fachverfahren
    bad_rule, _ = rule_load(folder=_broken_rule_folder(tmp_path, kind))
    delivery = Delivery.objects.get(message=api_message(index=2, authority=authority, gemeinde=gemeinde))
    drain(sim_clock)
    delivery.refresh_from_db()

    assert delivery.status == "dead" and delivery.attempts == 1  # not retried: retrying cannot help
    assert delivery.rule == bad_rule
    assert reason_fragment in delivery.last_error and "nicht wiederholbar" in delivery.last_error
    assert "Musterfrau" not in delivery.last_error  # no personal data in the reason
    assert fachverfahren_receiver.requests == 0  # nothing invalid left the platform
    dead = [e for e in _events(delivery) if e.event == "failed"]
    assert len(dead) == 1 and dead[0].detail.get("outcome") == "dead"

    fixed, _ = rule_load(folder=RULES_DIR / "fachverfahren-xml")  # the fix is deployed
    assert fixed != bad_rule and fixed.status == "active"
    delivery_replay(delivery=Delivery.objects.get(pk=delivery.pk), actor="admin-test")
    drain(sim_clock)
    delivery.refresh_from_db()

    assert delivery.status == "delivered" and delivery.rule == fixed and delivery.last_error == ""
    assert len(fachverfahren_receiver.accepted()) == 1
    events = [e.event for e in _events(delivery)]
    assert events.index("replayed") < events.index("sent")


def test_duplicate_api_submission_with_the_same_key_is_one_message_and_one_effect(
    fachverfahren, fachverfahren_receiver, sim_clock, client
):
    import json

    from amtsweg.apiclients.services import api_client_create

    _, token = api_client_create(name="Externes Portal (Test)", scopes=["submissions:write"], authority=None)
    body = {
        "leika_key": HUNDESTEUER,
        "ags": "14612000",
        "data": {"anlass": "anmeldung", "hund": [{"hund_name": "Bello"}]},
        "email": "erika@example.org",
    }
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "portal-antrag-4711"}
    responses = [
        client.post("/api/v1/hub/antraege/", data=json.dumps(body), content_type="application/json", headers=headers)
        for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [201, 200, 200], responses[0].content
    assert len({r.json()["id"] for r in responses}) == 1
    message = Message.objects.get(source="api")
    assert message.deliveries.count() == 1

    assert worker_drain_in_process() >= 1
    drain(sim_clock)
    delivery = message.deliveries.get()
    assert delivery.status == "delivered", delivery.last_error
    assert fachverfahren_receiver.requests == 1 and len(fachverfahren_receiver.accepted()) == 1
    assert AuditEntry.objects.filter(message_id=str(message.pk), event="received").count() == 1


def test_worker_killed_after_taking_the_task_but_before_claiming_the_delivery_is_resumed(
    fachverfahren, fachverfahren_receiver, sim_clock
):
    """The orphaned RUNNING task row of a dead worker must not hide the delivery from the resume sweep."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from amtsweg.hub.services import deliveries_resume

    gemeinde, authority, _ = fachverfahren
    delivery = Delivery.objects.get(message=api_message(index=3, authority=authority, gemeinde=gemeinde))
    # The worker took the task (RUNNING) and was killed before delivery_process claimed the delivery.
    task = DBTaskResult.objects.get(args_kwargs__args=[str(delivery.pk)])
    task.claim("killed-worker")
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - timedelta(minutes=11))
    assert worker_drain_in_process() == 0  # nothing is READY any more: without the sweep it would wait forever
    sim_clock.advance(minutes=11)

    assert deliveries_resume() == 1
    drain(sim_clock)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(fachverfahren_receiver.accepted()) == 1
