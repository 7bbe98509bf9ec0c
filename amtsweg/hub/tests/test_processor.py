import contextlib
import random
import shutil
from datetime import timedelta

from django.core.management import call_command

from amtsweg.cases.services import vorgang_create
from amtsweg.hub import services
from amtsweg.hub.adapters.base import DeliveryError
from amtsweg.hub.models import Delivery, Message
from amtsweg.hub.rules import RULES_DIR, rule_load
from amtsweg.hub.services import (
    BACKOFF_CAP,
    deliveries_resume,
    delivery_process,
    delivery_replay,
    message_create,
    outcomes,
    retry_delay,
)
from amtsweg.hub.tasks import delivery_attempt


def _one_delivery(submit, target_factory, authority, **kwargs):
    target_factory(authority=authority, **kwargs)
    return Delivery.objects.get(message__vorgang__submission=submit())


def _run_until_settled(delivery, sim_clock, *, limit=100):
    for _ in range(limit):
        delivery.refresh_from_db()
        if delivery.status in ("delivered", "dead"):
            return delivery
        if delivery.next_attempt_at and delivery.next_attempt_at > sim_clock.current:
            sim_clock.current = delivery.next_attempt_at
        delivery_process(delivery_id=delivery.pk)
    raise AssertionError("delivery did not settle")


def test_retry_delay_grows_and_jitter_is_bounded():
    rng = random.Random(7)
    for attempt in range(1, 16):
        ceiling = min(30 * 2 ** (attempt - 1), BACKOFF_CAP.total_seconds())
        delays = [retry_delay(attempt=attempt, rng=rng).total_seconds() for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # really spread over the range (full jitter)
    assert retry_delay(attempt=30, rng=rng) <= BACKOFF_CAP


def test_delivery_via_the_task_reaches_the_adapter_with_transformed_document(
    submit, target_factory, dresden_authority, rules, receiver
):
    delivery = _one_delivery(submit, target_factory, dresden_authority, type_key="http")
    result = delivery_attempt.call(str(delivery.pk))
    delivery.refresh_from_db()
    assert result["outcome"] == "delivered" and delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.rule.key == "fachverfahren-xml" and delivery.remote_reference == "ref-1"
    type_key, payload, config = receiver.calls[0]
    assert payload.idempotency_key == delivery.idempotency_key and payload.document_name == "antrag.xml"
    assert b"urn:amtsweg:fachverfahren:antrag:1" in payload.document and config == {"endpoint": "test"}
    assert delivery_attempt.call(str(delivery.pk))["outcome"] == "skipped"  # duplicate task: no second send
    assert len(receiver.calls) == 1


def test_delivery_waits_for_the_receipt(submit, target_factory, dresden_authority, rules, receiver, sim_clock):
    from amtsweg.submissions.services import receipt_store

    delivery = _one_delivery(submit, target_factory, dresden_authority, type_key="http", wants_receipt=True)
    assert delivery_process(delivery_id=delivery.pk) == "waiting-receipt"
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.attempts == 0 and not receiver.calls
    receipt_store(submission=delivery.message.vorgang.submission)
    sim_clock.advance(seconds=20)
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    assert receiver.calls[0][1].receipt_pdf.startswith(b"%PDF")


def test_dead_letter_after_max_attempts_with_readable_reason(
    submit, target_factory, dresden_authority, rules, receiver, sim_clock, settings
):
    settings.AMTSWEG_HUB_MAX_ATTEMPTS = 4
    receiver.fail_with = DeliveryError("Verbindung abgelehnt (ConnectError).")
    delivery = _run_until_settled(_one_delivery(submit, target_factory, dresden_authority), sim_clock)
    assert delivery.status == "dead" and delivery.attempts == 4 and len(receiver.calls) == 4
    assert delivery.last_error == "Verbindung abgelehnt (ConnectError). (nach 4 Versuchen aufgegeben)"


def test_non_retryable_error_goes_dead_at_once(submit, target_factory, dresden_authority, rules, receiver):
    receiver.fail_with = DeliveryError("HTTP 422 vom Fachverfahren.", retryable=False)
    delivery = _one_delivery(submit, target_factory, dresden_authority)
    assert delivery_process(delivery_id=delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "nicht wiederholbar" in delivery.last_error


def test_broken_rule_dead_letters_and_replay_after_fix_succeeds(
    submit, target_factory, dresden_authority, rules, receiver, tmp_path
):
    broken = tmp_path / "fachverfahren-xml"
    shutil.copytree(RULES_DIR / "fachverfahren-xml", broken)
    xsl = (
        (broken / "transform.xsl")
        .read_text()
        .replace(
            '<vorgangsnummer><xsl:value-of select="$vorgangsnummer"/>',
            '<vorgangsNr><xsl:value-of select="$vorgangsnummer"/>',
        )
        .replace("</vorgangsnummer>", "</vorgangsNr>", 1)
    )
    (broken / "transform.xsl").write_text(xsl)
    bad_rule, _ = rule_load(folder=broken)
    delivery = _one_delivery(submit, target_factory, dresden_authority, type_key="http")
    assert delivery_process(delivery_id=delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert delivery.rule == bad_rule and "ungültig" in delivery.last_error and "vorgangsNr" in delivery.last_error
    assert "Mustermann" not in delivery.last_error and not receiver.calls
    fixed, _ = rule_load(folder=RULES_DIR / "fachverfahren-xml")  # the fix (here: back to the good version)
    delivery_replay(delivery=delivery, actor="test")
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert delivery.rule == fixed and delivery.status == "delivered" and len(receiver.calls) == 1


def test_receiver_down_for_a_simulated_day_is_delivered_after_recovery(
    submit, target_factory, dresden_authority, rules, receiver, sim_clock
):
    start = sim_clock.current
    delivery = _one_delivery(submit, target_factory, dresden_authority)
    receiver.fail_with = DeliveryError("Dienst nicht erreichbar.")
    random.seed(1)
    for _ in range(200):
        delivery.refresh_from_db()
        if delivery.status in ("delivered", "dead"):
            break
        if sim_clock.current - start > timedelta(days=1):
            receiver.fail_with = None  # the receiver is back
        sim_clock.current = max(sim_clock.current, delivery.next_attempt_at)
        delivery_process(delivery_id=delivery.pk)
    assert delivery.status == "delivered", delivery.last_error
    assert delivery.delivered_at - start > timedelta(days=1) and delivery.attempts > 5
    assert len(receiver.effects) == 1


def test_worker_killed_while_sending_is_resumed_without_second_effect(
    submit, target_factory, dresden_authority, rules, receiver, sim_clock, monkeypatch
):
    delivery = _one_delivery(submit, target_factory, dresden_authority)
    # The worker sends, then dies before recording the result (kill -9 between send and commit).
    with monkeypatch.context() as patch:
        patch.setattr(outcomes, "_finish", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
        with contextlib.suppress(SystemExit):
            delivery_process(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "sending" and len(receiver.effects) == 1
    assert deliveries_resume() == 0  # not yet stale
    sim_clock.advance(minutes=11)
    assert deliveries_resume() == 1
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    assert len(receiver.calls) == 2 and len(receiver.effects) == 1  # re-sent, deduplicated by the receiver
    assert receiver.calls[0][1].idempotency_key == receiver.calls[1][1].idempotency_key


def test_claim_prevents_a_second_concurrent_send(submit, target_factory, dresden_authority, rules, receiver):
    delivery = _one_delivery(submit, target_factory, dresden_authority)
    first = services._claim(delivery.pk)
    assert first is not None and first.status == "sending"
    assert services._claim(delivery.pk) is None  # a second worker gets nothing
    assert delivery_process(delivery_id=delivery.pk) == "skipped" and not receiver.calls


def test_replay_command_and_admin_guard(submit, target_factory, dresden_authority, rules, receiver):
    receiver.fail_with = DeliveryError("HTTP 400", retryable=False)
    delivery = _one_delivery(submit, target_factory, dresden_authority)
    delivery_process(delivery_id=delivery.pk)
    receiver.fail_with = None
    call_command("replay_deliveries", "--all-dead", stdout=open("/dev/null", "w"))  # noqa: SIM115
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.attempts == 0
    assert delivery_process(delivery_id=delivery.pk) == "delivered"


def test_n_plus_m_two_leistungen_two_kommunen_different_targets_same_rules(
    version, answers, rules, receiver, target_factory
):
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority, Territory
    from amtsweg.forms.formats import data_xml

    freiberg = Authority.objects.get(key="gem-14522180")
    chemnitz = Authority.objects.get(key="gem-14511000")
    target_factory(authority=freiberg, key="fv", type_key="http")
    target_factory(authority=freiberg, key="postfach", type_key="email")
    target_factory(authority=chemnitz, key="sftp", type_key="sftp")
    target_factory(authority=chemnitz, key="ablage", type_key="filedrop")
    leistungen = list(Leistung.objects.filter(leika_key__regex=r"^[0-9]{14}$").order_by("leika_key")[:2])
    xml = data_xml(version=version, answers=answers)
    for authority, ags in ((freiberg, "14522180"), (chemnitz, "14511000")):
        gemeinde = Territory.objects.get(kind="gemeinde", ags=ags, valid_until__isnull=True)
        for leistung in leistungen:
            message_create(
                idempotency_key=f"nm-{ags}-{leistung.pk}",
                source=Message.Source.API,
                vorgang=vorgang_create(authority=authority, channel="api", leistung=leistung, gemeinde=gemeinde),
                authority=authority,
                leistung=leistung,
                gemeinde=gemeinde,
                data=answers,
                data_xml=xml,
            )
    deliveries = Delivery.objects.filter(message__idempotency_key__startswith="nm-")
    assert deliveries.count() == 8
    outcomes = [delivery_process(delivery_id=d.pk) for d in deliveries]
    assert outcomes == ["delivered"] * 8, [d.last_error for d in deliveries.all()]
    used = {(d.target.type_key, d.rule.key) for d in deliveries.select_related("target", "rule")}
    assert used == {
        ("http", "fachverfahren-xml"),
        ("sftp", "fachverfahren-xml"),
        ("email", "fachverfahren-json"),
        ("filedrop", "fachverfahren-json"),
    }
    assert len(receiver.effects) == 8
    # Idempotent inbound: the same key again → the same message, no new deliveries.
    again, created = message_create(
        idempotency_key=f"nm-14522180-{leistungen[0].pk}",
        source="api",
        vorgang=vorgang_create(authority=freiberg, channel="api"),
        authority=freiberg,
        data={},
    )
    assert not created and deliveries.count() == 8
