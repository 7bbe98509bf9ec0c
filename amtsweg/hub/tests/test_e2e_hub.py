"""End to end (issue 4 acceptance): real portal submissions of two Leistungen in two Kommunen reach
real local receivers — an HTTP Fachverfahren, an SMTP server, a directory, an SFTP server and xdomea
packages checked against the official XSD — through the same rules, run by the real task worker.

N+M: the central team wrote one rule per (Leistung × system type) — here generic rules for every
Leistung — and each Kommune only configured its systems. Dresden uses HTTP + mailbox + DMS (directory),
Chemnitz SFTP + file drop + DMS (over SFTP); the Fachverfahren exchange formats come from the same two
rule objects (fachverfahren-xml for http/sftp, fachverfahren-json for email/filedrop) for both
Leistungen and both Kommunen, the DMS packages from dms-xdomea.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from amtsweg.hub.models import Delivery, IntegrationRule, Message, Routing, TargetSystem
from amtsweg.hub.tests.conftest import RECEIVER_SECRET
from amtsweg.hub.tests.test_e2e_hub_support import GEWERBEANZEIGE, HUNDESTEUER, RULES_DIR, drain

pytestmark = pytest.mark.django_db

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"


def _address(street, number, plz, city):
    return {"street": street, "house_number": number, "postal_code": plz, "city": city}


def hundesteuer_answers(*, street, plz, city):
    return {
        "anlass": "anmeldung",
        "wohnsitz_hier": True,
        "gefaehrlich_vorhanden": False,
        "vorname": "Katrin",
        "nachname": "Lehmann",
        "geburtsdatum": "1985-04-12",
        "anschrift": _address(street, "24", plz, city),
        "email": "katrin.lehmann@example.org",
        "hund": [
            {
                "hund_name": "Bello",
                "hund_rasse": "Labrador-Mischling",
                "hund_geburt": "2021-05-01",
                "hund_geschlecht": "ruede",
                "hund_seit": "2024-03-01",
                "hund_herkunft": "tierheim",
                "hund_chipnummer": "276098106543210",
                "hund_gefaehrlich": False,
            }
        ],
        "befreiung_beantragt": False,
        "lastschrift": True,
        "iban": "DE89 3704 0044 0532 0130 00",
        "kontoinhaber": "Katrin Lehmann",
    }


def gewerbeanzeige_answers(*, street, plz, city):
    import datetime as dt

    return {
        "anzeige_art": "anmeldung",
        "taetigkeit_art": "gewerbe",
        "inhaber_art": "juristisch",
        "firma": "Radwerk GmbH",
        "rechtsform": "gmbh",
        "sitz": _address(street, "12", plz, city),
        "registereintrag": True,
        "registerart": "hrb",
        "registergericht": "Amtsgericht Chemnitz",
        "registernummer": "34567",
        "vertreter": "Müller, Anna",
        "email": "info@radwerk.example",
        "betriebsanschrift": _address(street, "12", plz, city),
        "betrieb_art": "hauptniederlassung",
        "taetigkeit": "Einzelhandel mit Fahrrädern und Fahrradzubehör sowie Reparatur von Fahrrädern",
        "beginn": dt.date.today().isoformat(),
        "anmeldung_grund": "neugruendung",
        "nebenerwerb": False,
        "beschaeftigte_vollzeit": 2,
        "beschaeftigte_teilzeit": 1,
        "erlaubnispflichtig": False,
    }


KOMMUNEN = {
    "14612000": {"street": "Schloßstraße", "plz": "01067", "city": "Dresden"},
    "14511000": {"street": "Straße der Nationen", "plz": "09111", "city": "Chemnitz"},
}


def _submit(*, definition, leika_key, ags, answers):
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Territory
    from amtsweg.forms.services import definition_load_file
    from amtsweg.submissions.services import submission_submit

    version = definition_load_file(path=DEFINITIONS / definition, publish=True)
    return submission_submit(
        version=version,
        overlay=None,
        answers=answers,
        gemeinde=Territory.objects.get(kind="gemeinde", ags=ags, valid_until__isnull=True),
        leistung=Leistung.objects.filter(leika_key=leika_key).order_by("pk").first(),
        email="antrag@example.org",
        attachments=(),
        idempotency_key=f"e2e-{uuid.uuid4()}",
    )


def _configure(authority, key, type_key, config, secrets=None):
    from amtsweg.hub.services import target_secrets_set

    target = TargetSystem.objects.create(
        authority=authority, key=key, name=key, type_key=type_key, config=config, wants_receipt=True
    )
    if secrets:
        target_secrets_set(target=target, secrets=secrets)
    Routing.objects.create(authority=authority, target=target)
    return target


@pytest.fixture
def e2e(rules, sim_clock, fachverfahren_receiver, smtp_mailbox, sftp_server, drop_dir, tmp_path):
    return e2e_configure(
        fachverfahren_receiver=fachverfahren_receiver,
        smtp_mailbox=smtp_mailbox,
        sftp_server=sftp_server,
        drop_dir=drop_dir,
        tmp_path=tmp_path,
    )


def e2e_configure(*, fachverfahren_receiver, smtp_mailbox, sftp_server, drop_dir, tmp_path) -> dict:
    """Dresden: HTTP Fachverfahren + shared mailbox + DMS (xdomea to a directory);
    Chemnitz: SFTP exchange folder + file drop + DMS (xdomea over SFTP)."""
    from amtsweg.directory.models import Authority

    dresden = Authority.objects.get(key="gem-14612000")
    chemnitz = Authority.objects.get(key="gem-14511000")
    dms_dresden = tmp_path / "dms-dresden"
    http_config = {"url": fachverfahren_receiver.url, "timeout": 10}
    _configure(dresden, "fachverfahren", "http", http_config, {"secret": RECEIVER_SECRET})
    _configure(
        dresden,
        "postfach",
        "email",
        {
            "host": smtp_mailbox.host,
            "port": smtp_mailbox.port,
            "use_tls": False,
            "timeout": 5,
            "from_email": "integrationsdienst@amtsweg.example",
            "to": ["poststelle@dresden.example"],
        },
    )
    _configure(dresden, "dms", "xdomea", {"directory": str(dms_dresden), "recipient_name": "Stadt Dresden"})
    sftp_exchange = sftp_server.root / "austausch"
    sftp_dms = sftp_server.root / "dms-import"
    _configure(chemnitz, "austausch", "sftp", sftp_server.config(directory=str(sftp_exchange)))
    _configure(chemnitz, "ablage", "filedrop", {"directory": str(drop_dir)})
    _configure(
        chemnitz,
        "dms",
        "xdomea",
        {
            "transport": "sftp",
            "sftp": sftp_server.config(directory=str(sftp_dms)),
            "recipient_name": "Stadt Chemnitz",
        },
    )
    return {
        "drop_dir": drop_dir,
        "dresden": dresden,
        "chemnitz": chemnitz,
        "dms_dresden": dms_dresden,
        "sftp_exchange": sftp_exchange,
        "sftp_dms": sftp_dms,
    }


def _xdomea_ok(zip_bytes: bytes) -> tuple[str, int]:
    """Validate the package's XML against the official xdomea 3.0 XSD; (Vorgangsnummer, documents)."""
    from amtsweg.hub.adapters.xdomea import NS, schema_dir

    schema = etree.XMLSchema(etree.parse(str(schema_dir() / "xdomea.xsd")))
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    [xml_name] = [n for n in archive.namelist() if n.endswith(".0605.xml")]
    document = etree.fromstring(archive.read(xml_name))
    assert schema.validate(document), schema.error_log
    referenced = document.xpath("//x:Primaerdokument/x:Dateiname/text()", namespaces={"x": NS})
    assert sorted(archive.namelist()) == sorted([xml_name, *referenced])
    vorgang = document.findtext("x:SchriftgutobjektZumAblegen/x:FachverfahrenObjektID", namespaces={"x": NS})
    return vorgang, len(referenced)


def test_two_leistungen_two_kommunen_real_receivers_same_rules(e2e, fachverfahren_receiver, smtp_mailbox, sim_clock):
    submissions = e2e_submit_all()
    drain(sim_clock)  # the real worker loop (in-process): receipts are rendered, then every delivery is sent
    e2e_check(e2e, submissions, fachverfahren_receiver=fachverfahren_receiver, smtp_mailbox=smtp_mailbox)


def e2e_submit_all() -> dict:
    """Hundesteuer and Gewerbeanzeige in Dresden and in Chemnitz through ``submission_submit``."""
    submissions = {}
    for ags, place in KOMMUNEN.items():
        submissions[(ags, "hundesteuer")] = _submit(
            definition="hundesteuer.yaml", leika_key=HUNDESTEUER, ags=ags, answers=hundesteuer_answers(**place)
        )
        submissions[(ags, "gewerbeanzeige")] = _submit(
            definition="gewerbeanzeige.yaml",
            leika_key=GEWERBEANZEIGE,
            ags=ags,
            answers=gewerbeanzeige_answers(**place),
        )
    assert {s.authority.key for (ags, _), s in submissions.items() if ags == "14612000"} == {"gem-14612000"}
    assert {s.authority.key for (ags, _), s in submissions.items() if ags == "14511000"} == {"gem-14511000"}
    # Messages, deliveries and their tasks were written with the submissions.
    assert Message.objects.filter(vorgang__submission__in=submissions.values()).count() == 4
    deliveries = Delivery.objects.filter(message__vorgang__submission__in=submissions.values())
    assert deliveries.count() == 12 and set(deliveries.values_list("status", flat=True)) == {"queued"}
    return submissions


def e2e_check(e2e, submissions, *, fachverfahren_receiver, smtp_mailbox) -> None:
    drop_dir = e2e["drop_dir"]
    deliveries = Delivery.objects.filter(message__vorgang__submission__in=submissions.values())
    deliveries = list(deliveries.select_related("target", "rule", "message"))
    assert {d.status for d in deliveries} == {"delivered"}, [(d.target.key, d.last_error) for d in deliveries]

    # N+M: the same two Fachverfahren rules (objects, not just keys) serve both Kommunen and both
    # Leistungen; Dresden's http and Chemnitz's sftp share one, mailbox and file drop the other.
    xml_rule = IntegrationRule.objects.get(key="fachverfahren-xml", status="active")
    json_rule = IntegrationRule.objects.get(key="fachverfahren-json", status="active")
    by_type = {}
    for d in deliveries:
        by_type.setdefault(d.target.type_key, set()).add(d.rule_id)
    assert by_type["http"] == by_type["sftp"] == {xml_rule.pk}
    assert by_type["email"] == by_type["filedrop"] == {json_rule.pk}
    assert by_type["xdomea"] == {IntegrationRule.objects.get(key="dms-xdomea", status="active").pk}
    fachverfahren_rules = {d.rule_id for d in deliveries if d.target.type_key != "xdomea"}
    assert fachverfahren_rules == {xml_rule.pk, json_rule.pk}
    for ags in KOMMUNEN:
        kommune_rules = {d.rule_id for d in deliveries if d.message.ags == ags and d.target.type_key != "xdomea"}
        assert kommune_rules == fachverfahren_rules
    for leika in (HUNDESTEUER, GEWERBEANZEIGE):
        assert {d.rule_id for d in deliveries if d.message.leika_key == leika and d.target.type_key != "xdomea"} == (
            fachverfahren_rules
        )

    dresden_vorgaenge = {s.vorgangsnummer for (ags, _), s in submissions.items() if ags == "14612000"}
    chemnitz_vorgaenge = {s.vorgangsnummer for (ags, _), s in submissions.items() if ags == "14511000"}
    xsd = etree.XMLSchema(etree.parse(str(RULES_DIR / "fachverfahren-xml" / "fachverfahren-antrag.xsd")))

    # HTTP Fachverfahren (Dresden): two accepted, signed requests, bodies valid against the exchange XSD.
    accepted = fachverfahren_receiver.accepted()
    assert {a["vorgangsnummer"] for a in accepted} == dresden_vorgaenge
    assert fachverfahren_receiver.requests == 2 and fachverfahren_receiver.rejected_signatures == 0
    for entry in accepted:
        body = etree.fromstring(fachverfahren_receiver.body(entry["idempotency_key"]))
        assert xsd.validate(body), xsd.error_log

    # SMTP mailbox (Dresden): two mails with the JSON data file and the receipt PDF.
    mails = list(smtp_mailbox.unique.values())
    assert len(mails) == 2
    subjects = " ".join(m.message["Subject"] for m in mails)
    assert all(v in subjects for v in dresden_vorgaenge)
    for mail in mails:
        names = {part.get_filename(): part.get_content() for part in mail.message.iter_attachments()}
        assert "antrag.json" in names and any(n.endswith(".pdf") for n in names)
        data = json.loads(names["antrag.json"])
        assert data["kopf"]["vorgangsnummer"] in dresden_vorgaenge
        assert data["kopf"]["leistung"]["leika"] in (HUNDESTEUER, GEWERBEANZEIGE)

    # DMS Dresden (directory) and DMS Chemnitz (SFTP): xdomea packages valid against the official XSD.
    for folder, expected in ((e2e["dms_dresden"], dresden_vorgaenge), (e2e["sftp_dms"], chemnitz_vorgaenge)):
        packages = sorted(folder.glob("*.zip"))
        assert len(packages) == 2
        found = {_xdomea_ok(p.read_bytes()) for p in packages}
        assert {v for v, _ in found} == expected and all(n >= 2 for _, n in found)  # data file + receipt

    # SFTP exchange folder and file drop (Chemnitz): one folder per Vorgang with data, receipt, manifest.
    for root, document in ((e2e["sftp_exchange"], "antrag.xml"), (drop_dir, "antrag.json")):
        assert {p.name for p in root.iterdir() if p.is_dir()} == chemnitz_vorgaenge
        for vorgang in chemnitz_vorgaenge:
            assert (root / vorgang / document).is_file() and (root / vorgang / "quittung.pdf").is_file()
            manifest = json.loads((root / vorgang / "manifest.json").read_text())
            assert manifest  # written last: its presence means the folder is complete
    for vorgang in chemnitz_vorgaenge:
        assert xsd.validate(etree.parse(str(e2e["sftp_exchange"] / vorgang / "antrag.xml")))

    # Every step is in the tamper-evident log, and the chain verifies.
    from amtsweg.audit.models import AuditEntry
    from amtsweg.audit.services import audit_verify

    for d in deliveries:
        events = list(AuditEntry.objects.filter(delivery_id=str(d.pk)).values_list("event", flat=True))
        assert events.count("queued") == 1 and events.count("transformed") == 1 and events.count("sent") == 1
    assert audit_verify().ok
