import json
import shutil

import pytest

from amtsweg.hub.models import IntegrationRule, Message
from amtsweg.hub.rules import RULES_DIR, RuleInvalid, rule_load, rule_samples, rules_load
from amtsweg.hub.services import delivery_dry_run, rule_for
from amtsweg.hub.transform import TransformError, jsonmap_apply, xml_parse, xslt_apply, xslt_compile

XSL_HEAD = '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'


def test_rules_load_versions_by_content_hash(db, tmp_path):
    report = rules_load()
    assert set(report) == {"fachverfahren-xml", "fachverfahren-json", "dms-xdomea"}
    assert rules_load() == {k: v.replace("new", "unchanged") for k, v in report.items()}
    folder = tmp_path / "fachverfahren-json"
    shutil.copytree(RULES_DIR / "fachverfahren-json", folder)
    mapping = json.loads((folder / "mapping.json").read_text())
    mapping["fields"].append({"target": "kopf.kanal", "const": "portal"})
    (folder / "mapping.json").write_text(json.dumps(mapping))
    rule, outcome = rule_load(folder=folder)
    assert (outcome, rule.version, rule.status) == ("new", 2, "active")
    assert IntegrationRule.objects.get(key="fachverfahren-json", version=1).status == "retired"
    back, outcome = rule_load(folder=RULES_DIR / "fachverfahren-json")
    assert (outcome, back.version) == ("reactivated", 1)


def test_depot_samples_give_the_expected_outputs(rules):
    for rule in IntegrationRule.objects.filter(status="active"):
        for name, sample in rule_samples(rule=rule).items():
            result = delivery_dry_run(rule=rule, sample=sample)
            ext = "json" if rule.content_type == "application/json" else "xml"
            expected = (RULES_DIR / rule.key / "expected" / f"{name}.{ext}").read_bytes()
            assert result.valid and result.errors == [] and result.output == expected, rule.key


def test_xslt_rule_on_a_real_message_validates_against_the_xsd(submit, rules):
    message = Message.objects.get(vorgang__submission=submit())
    result = delivery_dry_run(rule=rule_for(leika_key=message.leika_key, type_key="http"), message=message)
    assert result.valid and result.content_type == "application/xml"
    text = result.output.decode()
    assert f"<vorgangsnummer>{message.vorgangsnummer}</vorgangsnummer>" in text
    assert 'ags="14612000"' in text and '<feld name="hund_name">' in text and "<wert>Luna</wert>" in text


def test_json_mapping_rule_on_a_real_message_validates_against_the_schema(submit, rules):
    message = Message.objects.get(vorgang__submission=submit())
    result = delivery_dry_run(rule=rule_for(leika_key=message.leika_key, type_key="email"), message=message)
    document = json.loads(result.output)
    assert result.valid, result.errors
    assert document["kopf"]["gemeinde"]["ags"] == "14612000" and document["angaben"]["hund"][1]["hund_name"] == "Luna"


def test_invalid_output_is_reported_by_the_dry_run(rules):
    rule = IntegrationRule.objects.get(key="fachverfahren-json", status="active")
    sample = rule_samples(rule=rule)["hundesteuer"]
    sample["meta"]["ags"] = "123"  # violates the schema pattern
    result = delivery_dry_run(rule=rule, sample=sample)
    assert not result.valid and any("kopf/gemeinde/ags" in e for e in result.errors)


def test_json_mapping_formatters_constants_and_required():
    mapping = {
        "fields": [
            {"target": "a.datum", "source": "data.d", "format": "date_de"},
            {"target": "a.k", "const": 1},
            {"target": "a.x", "source": "data.fehlt"},
            {"target": "a.iban", "source": "data.iban", "format": "iban_grouped"},
        ]
    }
    out = json.loads(
        jsonmap_apply(
            mapping_text=json.dumps(mapping), context={"data": {"d": "2026-01-31", "iban": "DE89370400440532013000"}}
        )
    )
    assert out == {"a": {"datum": "31.01.2026", "k": 1, "iban": "DE89 3704 0044 0532 0130 00"}}
    with pytest.raises(TransformError, match="Pflichtangabe"):
        jsonmap_apply(
            mapping_text=json.dumps({"fields": [{"target": "x", "source": "data.y", "required": True}]}),
            context={"data": {}},
        )
    with pytest.raises(TransformError, match="unbekanntes Format"):
        jsonmap_apply(mapping_text='{"fields": [{"target": "x", "source": "data.y", "format": "eval"}]}', context={})


@pytest.mark.parametrize(
    ("stylesheet", "message"),
    [
        (
            XSL_HEAD
            + '<xsl:template match="/"><x><xsl:copy-of select="document(\'/etc/passwd\')"/></x>'
            + "</xsl:template></xsl:stylesheet>",
            "document()",
        ),
        (XSL_HEAD + '<xsl:include href="/etc/other.xsl"/></xsl:stylesheet>', "xsl:include"),
        (XSL_HEAD + '<xsl:import href="http://example.org/a.xsl"/></xsl:stylesheet>', "xsl:include"),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + XSL_HEAD
            + "<xsl:template match='/'><x>&e;</x></xsl:template></xsl:stylesheet>",
            "DOCTYPE",
        ),
    ],
)
def test_sandbox_rejects_dangerous_stylesheets(stylesheet, message):
    with pytest.raises(TransformError, match=message.replace("(", r"\(").replace(")", r"\)")):
        xslt_compile(stylesheet)


def test_sandbox_denies_file_access_at_runtime(tmp_path):
    # "document (" with a computed URI is refused too (and DENY_ALL would block the read at runtime).
    secret = tmp_path / "secret.xml"
    secret.write_text("<geheim>x</geheim>")
    stylesheet = (
        XSL_HEAD + '<xsl:template match="/"><x><xsl:variable name="f" select="concat(\'file://\', /r)"/>'
        '<xsl:copy-of select="document($f)"/></x></xsl:template></xsl:stylesheet>'
    ).replace("document(", "document (")
    with pytest.raises(TransformError):
        xslt_apply(stylesheet=stylesheet, document=f"<r>{secret}</r>", params={})


def test_xml_bomb_and_external_entities_in_input_are_rejected():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>'
    )
    with pytest.raises(TransformError, match="DOCTYPE"):
        xml_parse(bomb)
    xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(TransformError, match="DOCTYPE"):
        xslt_apply(stylesheet=XSL_HEAD + "</xsl:stylesheet>", document=xxe, params={})


def test_broken_rule_folder_is_refused_with_a_clear_message(db, tmp_path):
    folder = tmp_path / "kaputt"
    folder.mkdir()
    (folder / "rule.yaml").write_text("key: kaputt\nsystem_types: [http]\ntransform: {kind: xslt, file: t.xsl}\n")
    (folder / "t.xsl").write_text(XSL_HEAD + "<xsl:template match='/'><x>")
    with pytest.raises(RuleInvalid, match="kaputt"):
        rule_load(folder=folder)


def test_n_plus_m_rule_lookup(rules):
    # Any Leistung × the types of the Kommunen's systems: always one of the generic rules.
    for leika in ("99102013000000", "99050012104000"):
        assert rule_for(leika_key=leika, type_key="http").key == "fachverfahren-xml"
        assert rule_for(leika_key=leika, type_key="sftp").key == "fachverfahren-xml"
        assert rule_for(leika_key=leika, type_key="filedrop").key == "fachverfahren-json"
        assert rule_for(leika_key=leika, type_key="email").key == "fachverfahren-json"
        assert rule_for(leika_key=leika, type_key="xdomea").key == "dms-xdomea"
