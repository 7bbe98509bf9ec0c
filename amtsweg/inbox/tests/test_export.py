"""Export of a case to the E-Akte: an xdomea 3.0 package valid against the official XSD, with the
application's data, receipt and Bescheid; audited; only for staff of the case's authority."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from amtsweg.audit.models import AuditEntry
from amtsweg.cases.services import bescheid_issue
from amtsweg.hub.adapters.xdomea import NS, validation_errors
from amtsweg.submissions.services import receipt_store


def test_export_is_a_valid_xdomea_package_with_all_documents(client, case_a, case_b, make_staff):
    staff = make_staff("sb.export", authority=case_a.authority)
    receipt_store(submission=case_a)
    vorgang = case_a.vorgang
    bescheid_issue(vorgang=vorgang, actor=staff, text="Stattgegeben.")
    client.force_login(staff)

    response = client.post(f"/sachbearbeitung/vorgaenge/{case_a.vorgangsnummer}/xdomea/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    xml_name = next(n for n in names if n.endswith("_FVDaten.SGOAblegen.0605.xml"))
    xml = archive.read(xml_name)
    assert validation_errors(xml) == []  # the official xdomea 3.0.0 schema from the shared data folder
    root = etree.fromstring(xml)
    assert root.findtext(f".//{{{NS}}}FachverfahrenObjektID") == case_a.vorgangsnummer
    originals = [e.text for e in root.iter(f"{{{NS}}}DateinameOriginal")]
    assert "antragsdaten.xml" in originals and f"Quittung_{case_a.vorgangsnummer}.pdf" in originals
    assert any(name.startswith(f"Bescheid-{case_a.vorgangsnummer}") for name in originals)
    assert len(names) == 1 + len(originals)  # the XML plus one file per Dokument
    entry = AuditEntry.objects.get(event="case_exported")
    assert entry.actor == f"user:{staff.pk}" and entry.detail["vorgangsnummer"] == case_a.vorgangsnummer

    # Another authority's case cannot be exported.
    response = client.post(f"/sachbearbeitung/vorgaenge/{case_b.vorgangsnummer}/xdomea/")
    assert response.status_code == 404
