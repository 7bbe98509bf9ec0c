"""Every FIM schema in shared/data/fim becomes an assistant a real applicant completes (issue 11, section 3).

Each importable schema is imported with its code lists from the store (the shared genericode files, loaded by
bootstrap; plus test lists for the ones not in the repository), published for Dresden, activated with a real
file-drop route and walked through the real wizard views with the test client: every control the page shows is
filled the way a person would (a select gets a real code-list option), until the submission exists.
Schemas that cannot be imported fail naming the problem.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from amtsweg.assistant.tests.conftest import HUNDESTEUER_KEY, PDF_BYTES, assert_clean_markup
from amtsweg.forms.fim import FimImportError, fim_import

pytestmark = pytest.mark.django_db

FIM_DIR = Path(settings.SHARED_DATA_DIR) / "fim"
FIXTURES = FIM_DIR / "xdatenfelder-xml-fixtures"
TEST_CODELISTS = Path(__file__).resolve().parents[2] / "forms" / "tests" / "data" / "codelists"
WAFFENBESITZKARTE_KEY = "99089086000000"

# schema → (Leistung it is bound to, URNs of lists that are not in the shared store, so publishing needs upload)
IMPORTABLE = {
    "WaBeKa.xml": (
        WAFFENBESITZKARTE_KEY,
        {
            "Anrede",
            "Waffenkategorie",
            "Waffentyp",
            "Herstellerbezeichnung",
            "urn:de:xwaffe:codelisten:munitionsbezeichnungkaliber",
        },
    ),
    "v2/data-field-rule.xml": (HUNDESTEUER_KEY, set()),
    "v2/label.xml": (HUNDESTEUER_KEY, set()),
    "v2/select.xml": (HUNDESTEUER_KEY, {"urn:de:example"}),
    "v2/simple.xml": (HUNDESTEUER_KEY, set()),
    "v3/simple.xml": (HUNDESTEUER_KEY, set()),
}
NOT_IMPORTABLE = {
    "v2/data-group-rule.xml": "keine übernehmbaren Datenfelder (leere oder ausgelassene Datenfeldgruppen: G00000082)",
    "v2/minimal.xml": "es hat keine 'xdf:struktur'",
    "v2/rule.xml": "es hat keine 'xdf:struktur'",
    "v2/duplicate-optional-value.xml": "Zeile 15: Element 'xdf:beschreibung' ist im Stammdatenschema mehrfach",
    "v2/duplicate-required-value.xml": "Zeile 13: Element 'xdf:name' ist im Stammdatenschema mehrfach",
    "v2/unknown-namespace.xml": "Unbekannter XDatenfelder-Namespace",
    "v3/duplicate-id-node.xml": "Zeile 11: Element 'xdf:id' ist in 'xdf:identifikation' mehrfach",
    "v3/empty-id-node.xml": "Zeile 10: Element 'xdf:id' ist leer",
    "v3/input.xml": "Zeile 64: Element 'xdf:inhalt' ist in einem Datenfeld mehrfach",
    "v3/invalid-freigabestatus.xml": "Ungültiger Freigabestatus '10'",
    "v3/missing-id-node.xml": "ohne 'xdf:id'",
    "v3/unexpected-node.xml": "Unerwartetes Element 'xdf:unknown'",
    "v3/unknown-namespace.xml": "Unbekannter XDatenfelder-Namespace",
}


def _path(name: str) -> Path:
    return FIM_DIR / name if "/" not in name else FIXTURES / name


def test_every_schema_is_classified():
    files = {"WaBeKa.xml"} | {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.xml")}
    assert files == set(IMPORTABLE) | set(NOT_IMPORTABLE)


@pytest.mark.parametrize("name", sorted(NOT_IMPORTABLE))
def test_unimportable_schema_fails_naming_the_problem(name):
    with pytest.raises(FimImportError) as error:
        fim_import(xml=_path(name).read_bytes())
    assert NOT_IMPORTABLE[name] in str(error.value)


# -- a person filling the rendered form ---------------------------------------------------------------------------


class _Controls(HTMLParser):
    """The form controls of a step page: name → kind and choices, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.controls: dict[str, dict] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "select" and name:
            self._select = name
            self.controls[name] = {"kind": "select", "options": []}
        elif tag == "option" and self._select and a.get("value"):
            self.controls[self._select]["options"].append(a["value"])
        elif tag == "textarea" and name:
            self.controls[name] = {"kind": "text"}
        elif tag == "input" and name and a.get("type") not in {"submit", "hidden"}:
            kind = a.get("type") or "text"
            entry = self.controls.setdefault(name, {"kind": kind, "options": []})
            if kind in {"radio", "checkbox"}:
                entry["options"].append(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _spec_for(form_document: dict, name: str) -> dict | None:
    """f-<key>, f-<group>-<i>-<key>, f-<key>-<part> → the field's spec."""
    fields = {f["key"]: f for s in form_document["steps"] for g in s["groups"] for f in g["fields"]}
    parts = name.removeprefix("f-").split("-")
    for candidate in (parts[0], parts[-1], parts[-2] if len(parts) > 1 else ""):
        if candidate in fields:
            return fields[candidate]
    return None


TEXT_CANDIDATES = ("Muster", "Mustermann", "12345", "1", "A", "DE", "Muster Muster")


def _text_value(spec: dict) -> str:
    import re

    kind = spec["type"]
    if kind == "integer":
        return str(spec.get("min", 3))
    if kind in {"decimal", "currency"}:
        return str(spec.get("min", 10))
    if kind == "email":
        return "erika@example.org"
    if kind == "phone":
        return "0351 4880"
    if kind == "iban":
        return "DE89370400440532013000"
    low, high = spec.get("min_length", 1), spec.get("max_length", 200)
    for candidate in TEXT_CANDIDATES:
        value = candidate
        if len(value) < low:
            value = (value * low)[:low]
        value = value[:high]
        if not spec.get("pattern") or re.search(spec["pattern"], value):
            return value
    raise AssertionError(f"kein passender Testwert für {spec['key']} (Muster {spec.get('pattern')})")


ADDRESS = {"street": "Schloßstraße", "house_number": "1", "postal_code": "01067", "city": "Dresden"}
DATE = {"tag": "1", "monat": "5", "jahr": "2020"}


def _fill(html: str, document: dict, codelists: dict) -> tuple[dict, dict]:
    parser = _Controls()
    parser.feed(html)
    data: dict = {"aktion": "weiter"}
    files: dict = {}
    for name, control in parser.controls.items():
        spec = _spec_for(document, name)
        assert spec is not None, f"Steuerelement {name} gehört zu keinem Feld"
        if control["kind"] == "select":
            values = [v for v in control["options"] if v]
            assert values, f"Auswahl {name} ohne Optionen"
            if spec.get("codelist"):
                real = {o["value"] for o in codelists[spec["codelist"]]}
                assert set(values) <= real and values, name
            data[name] = values[0]
            if spec.get("codelist"):
                label = next(o["label"] for o in codelists[spec["codelist"]] if o["value"] == values[0])
                data.setdefault("__labels", []).append(label)
        elif control["kind"] in {"radio", "checkbox"}:
            data[name] = control["options"][0]
        elif control["kind"] == "file":
            from django.core.files.uploadedfile import SimpleUploadedFile

            files[name] = SimpleUploadedFile("nachweis.pdf", PDF_BYTES, content_type="application/pdf")
        elif spec["type"] == "address":
            data[name] = ADDRESS[name.rsplit("-", 1)[1]]
        elif spec["type"] == "date":
            data[name] = DATE[name.rsplit("-", 1)[1]]
        else:
            data[name] = _text_value(spec)
    return data, files


def _errors(html: str) -> str:
    import re

    text = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])
    return re.sub(r"\s+", " ", text)[:2500]


def _walk(client, start_url: str, document: dict, codelists: dict) -> dict:
    response = client.post(start_url)
    assert response.status_code == 302
    location = response["Location"]
    steps_seen = []
    chosen_labels: list[str] = []
    while not location.endswith("/antrag-pruefen/"):
        page = client.get(location)
        assert page.status_code == 200, location
        html = page.content.decode()
        assert "fehlen noch" not in html and "platzhalter" not in html
        assert_clean_markup(html)
        data, files = _fill(html, document, codelists)
        chosen_labels.extend(data.pop("__labels", []))
        response = client.post(location, {**data, **files})
        assert response.status_code == 302, (location, data, _errors(response.content.decode()))
        steps_seen.append(location)
        assert len(steps_seen) < 30
        location = response["Location"]
    review = client.get(location)
    assert review.status_code == 200
    for label in chosen_labels:  # the review shows what the citizen chose, by its label, not its code
        assert escape(label) in review.content.decode(), label
    final = {"wahrheit": "ja", "datenschutz": "ja"}
    controls = _Controls()
    controls.feed(review.content.decode())
    for name, control in controls.controls.items():
        if control["kind"] == "email":  # the address for the confirmation, asked when the form has none
            final[name] = "erika@example.org"
    done = client.post(location, final)
    assert done.status_code == 302, _errors(done.content.decode())
    return {"steps": steps_seen, "review": review.content.decode(), "labels": chosen_labels}


@pytest.fixture
def dresden_authority(dresden):
    from amtsweg.catalog.models import Leistung
    from amtsweg.jurisdiction.selectors import responsible_authority

    def get(leika_key: str):
        leistung = Leistung.objects.filter(leika_key=leika_key).order_by("-published", "pk").first()
        return responsible_authority(leistung=leistung, gemeinde=dresden).authority

    return get


def _activate(definition, authority, tmp_path):
    """A real file-drop route for the authority (an assistant may only go live with one), then go live."""
    from amtsweg.assistant.services import activation_set
    from amtsweg.hub.models import Routing
    from amtsweg.hub.routing import routing_create
    from amtsweg.hub.targets import target_create

    if not Routing.objects.filter(authority=authority, active=True).exists():
        target = target_create(
            authority=authority,
            key="ablage",
            name="Dateiablage (Test)",
            type_key="filedrop",
            config={"directory": str(tmp_path / "ablage")},
        )
        routing_create(authority=authority, target=target)
    return activation_set(definition=definition, authority=authority)


@pytest.mark.parametrize("name", sorted(IMPORTABLE))
def test_schema_imports_publishes_and_is_completed_over_http(name, client, dresden, dresden_authority, tmp_path):
    from amtsweg.assistant.publishing import fim_schema_publish
    from amtsweg.forms.services import codelist_import
    from amtsweg.submissions.models import Submission

    leika_key, missing = IMPORTABLE[name]
    key = "fim-" + name.replace("/", "-").removesuffix(".xml").lower()
    xml = _path(name).read_bytes()

    load = fim_schema_publish(xml=xml, key=key, leistung=leika_key, gemeinde=dresden)
    assert {c["urn"] for c in load.result.missing_codelists} == missing
    if missing:
        # not published: every missing list is named; citizens never see a placeholder
        assert not load.published
        for urn in missing:
            assert any(urn in e for e in load.publish_errors), urn
        for path in TEST_CODELISTS.glob("*.xml"):
            codelist_import(data=path.read_bytes(), file_name=path.name, source="Testdaten")
        load = fim_schema_publish(xml=xml, key=key, leistung=leika_key, gemeinde=dresden)
    assert load.publish_errors == [] and load.published, load.publish_errors
    document = load.version.document
    for entry in load.result.codelists:
        assert entry["status"] in {"exact", "fallback"} and entry["entries"] >= 2
    report = load.report()
    assert report["leistung"]["bound"] and report["missing_codelists"] == []

    authority = dresden_authority(leika_key)
    assert authority is not None
    _activate(load.version.definition, authority, tmp_path)
    start_url = reverse("assistant:start", kwargs={"key": key, "ags": dresden.ags})
    walked = _walk(client, start_url, document, document.get("codelists", {}))
    assert walked["steps"]
    submission = Submission.objects.get(form_version=load.version)
    assert submission.gemeinde == dresden and submission.leika_key == leika_key
    from amtsweg.submissions.receipt import receipt_html

    receipt = receipt_html(submission=submission)
    for label in walked["labels"]:  # the receipt names the chosen code-list values too
        assert escape(label) in receipt, label


def test_optional_fim_group_is_optional_until_started_in_the_wizard(client, dresden, dresden_authority, tmp_path):
    """An optional (0:1) "Anschrift" with a mandatory "Straße" and an optional "Hausnummernzusatz"."""
    from amtsweg.assistant.publishing import fim_schema_publish
    from amtsweg.forms.tests.test_fim import _address_schema

    load = fim_schema_publish(xml=_address_schema(), key="fim-optional", leistung=HUNDESTEUER_KEY, gemeinde=dresden)
    assert load.published, load.publish_errors
    _activate(load.version.definition, dresden_authority(HUNDESTEUER_KEY), tmp_path)
    response = client.post(reverse("assistant:start", kwargs={"key": "fim-optional", "ags": dresden.ags}))
    first = client.post(response["Location"], {"aktion": "weiter", "f-f9": "Erika Mustermann"})
    assert first.status_code == 302
    step_url = first["Location"]
    page = client.get(step_url).content.decode()
    assert "Diese Angaben sind freiwillig" in page
    group = next(g for s in load.version.document["steps"] for g in s["groups"] if g.get("optional_sets"))
    required = [f for f in group["fields"] if f.get("required")]
    optional = [f for f in group["fields"] if not f.get("required") and f["type"] == "text"]
    assert required and optional
    # started with an optional field only: the mandatory ones are asked for, on the page, per field
    started = client.post(step_url, {"aktion": "weiter", f"f-{optional[0]['key']}": "Hinterhaus"})
    assert started.status_code == 200
    errors = _errors(started.content.decode())
    for spec in required:
        assert f"Bitte füllen Sie das Feld „{spec['label']}“ aus." in errors, spec["label"]
    # left untouched: the group is optional
    untouched = client.post(step_url, {"aktion": "weiter"})
    assert untouched.status_code == 302
