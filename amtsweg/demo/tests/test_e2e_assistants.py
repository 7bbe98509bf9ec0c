"""The five application assistants end to end in Debian's Chromium, with axe-core on every page (issue 3).

Each test starts on the finder's Leistung page for a place where the assistant is activated by the demo
setup (amtsweg/demo/forms.py), clicks "Online beantragen" and goes through the Anliegensklärung and
every step with realistic answers. On the way it provokes one validation error (error summary, link
focuses the field), navigates back once (data kept), saves for later and resumes from the e-mailed link
in a fresh browser context, changes one answer from the review page, accepts the declaration, submits
and sees the Vorgangsnummer; a task worker then produces the receipt and the confirmation e-mail.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from amtsweg.demo.tests.test_e2e_accessibility import AXE, assert_accessible

pytestmark = pytest.mark.e2e

HTMX_WAIT = 10  # seconds; safety net for an htmx re-render of the step
MAIL_WAIT = 15  # seconds; only a safety net while waiting for the resume e-mail to arrive
RESUME_LINK = re.compile(r"https?://\S+/antrag/fortsetzen/[A-Za-z0-9_-]+/")
VORGANGSNUMMER = re.compile(r"/antraege/([^/]+)/bestaetigung/")

# A minimal but well-formed one-page PDF (the upload check looks at the content, not the name).
PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def _date(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).strftime("%d.%m.%Y")


# --- scenarios -------------------------------------------------------------------------------------------------------


@dataclass
class Step:
    title: str
    answers: dict  # dom name without "f-" -> value ("ja"/"nein" for yes/no, list for checkboxes, date "TT.MM.JJJJ")


@dataclass
class Scenario:
    label: str
    leika_key: str
    query: str
    ags: str
    place: str
    steps: list[Step]
    email: str
    error_step: int  # index of the step where a validation error is provoked first
    error_answers: dict  # overrides for the first attempt ("" = leave empty)
    error_field: str  # dom name (without "f-") of the field the error summary links to
    error_text: str
    back_step: int  # on this step (after filling) "Zurück" is used once
    save_step: int  # on this step "Speichern und später fortsetzen" sends the resume link
    change_label: str  # review: the item whose "ändern" link is used
    change_field: str
    change_value: str
    uploads: list[str] = field(default_factory=list)  # dom names that get the PDF


def _address(prefix: str, street: str, number: str, plz: str, city: str) -> dict:
    return {
        f"{prefix}-street": street,
        f"{prefix}-house_number": number,
        f"{prefix}-postal_code": plz,
        f"{prefix}-city": city,
    }


HUNDESTEUER = Scenario(
    label="Hundesteuer",
    leika_key="99102013000000",
    query="Hundesteuer",
    ags="14522180",  # Freiberg (overlay hundesteuer-freiberg)
    place="Freiberg",
    email="anna.schubert@example.org",
    steps=[
        Step("Ihr Anliegen", {"anlass": "anmeldung", "gefaehrlich_vorhanden": "nein", "wohnsitz_hier": "ja"}),
        Step(
            "Angaben zur Halterin oder zum Halter",
            {
                "vorname": "Anna",
                "nachname": "Schubert",
                "geburtsdatum": "14.03.1986",
                **_address("anschrift", "Burgstraße", "12", "09599", "Freiberg"),
                "email": "anna.schubert@example.org",
            },
        ),
        Step(
            "Angaben zu den Hunden",
            {
                "hund-0-hund_name": "Bello",
                "hund-0-hund_rasse": "Labrador-Retriever",
                "hund-0-hund_geburt": "02.05.2021",
                "hund-0-hund_geschlecht": "ruede",
                "hund-0-hund_seit": "01.06.2024",
                "hund-0-hund_herkunft": "tierheim",
                "hund-0-hund_chipnummer": "276098106543210",
                "hund-0-hund_gefaehrlich": "nein",
            },
        ),
        Step(
            "Ermäßigung oder Befreiung",
            {
                "befreiung_beantragt": "ja",
                "befreiung_gruende": ["tierheim"],
                "befreiung_begruendung": "Bello stammt aus dem Tierheim Freiberg; der Abgabevertrag liegt bei.",
                "befreiung_nachweis": "PDF",
            },
        ),
        Step(
            "Steuer und Zahlung",
            {"lastschrift": "ja", "iban": "DE89 3704 0044 0532 0130 00", "kontoinhaber": "Anna Schubert"},
        ),
    ],
    error_step=4,
    error_answers={"iban": "DE12 3456 7890 1234 5678 90"},
    error_field="iban",
    error_text="IBAN",
    back_step=2,
    save_step=3,
    change_label="Rasse oder Kreuzung",
    change_field="hund-0-hund_rasse",
    change_value="Labrador-Mischling",
)

GEWERBEANZEIGE = Scenario(
    label="Gewerbeanzeige",
    leika_key="99050012104000",
    query="Gewerbe Anmeldung",
    ags="14511000",  # Chemnitz (overlay gewerbeanzeige-chemnitz)
    place="Chemnitz",
    email="jonas.weber@example.org",
    steps=[
        Step("Ihr Anliegen", {"anzeige_art": "anmeldung", "taetigkeit_art": "gewerbe"}),
        Step(
            "Betriebsinhaberin oder Betriebsinhaber",
            {
                "inhaber_art": "natuerlich",
                "vorname": "Jonas",
                "nachname": "Weber",
                "geburtsdatum": "23.07.1990",
                "geburtsort": "Zwickau",
                "staatsangehoerigkeit": "deutsch",
                **_address("wohnanschrift", "Reichsstraße", "45", "09112", "Chemnitz"),
                "email": "jonas.weber@example.org",
                "telefon": "0371 1234567",
            },
        ),
        Step(
            "Angaben zum Betrieb",
            {
                "geschaeftsbezeichnung": "Weber Fahrradservice",
                **_address("betriebsanschrift", "Brückenstraße", "8", "09111", "Chemnitz"),
                "betrieb_art": "hauptniederlassung",
                "taetigkeit": "Reparatur und Verkauf von Fahrrädern und Fahrradzubehör",
                "beginn": _date(14),
                "anmeldung_grund": "neugruendung",
                "nebenerwerb": "nein",
                "beschaeftigte_vollzeit": "0",
                "beschaeftigte_teilzeit": "1",
            },
        ),
        Step("Erlaubnisse und Eintragungen", {"erlaubnispflichtig": "nein"}),
        Step("Gebühr", {}),
    ],
    error_step=1,
    error_answers={"nachname": ""},
    error_field="nachname",
    error_text="Familienname",
    back_step=2,
    save_step=3,
    change_label="Geschäftsbezeichnung (falls vorhanden)",
    change_field="geschaeftsbezeichnung",
    change_value="Weber Radwerkstatt",
)

BEWOHNERPARKAUSWEIS = Scenario(
    label="Bewohnerparkausweis",
    leika_key="99108001001000",
    query="Bewohnerparkausweis",
    ags="14612000",  # Dresden (overlay bewohnerparkausweis-dresden)
    place="Dresden",
    email="lena.hoffmann@example.org",
    steps=[
        Step("Ihr Anliegen", {"antrag_art": "neu", "wohnsitz_zone": "ja", "fahrzeug_vorhanden": "ja"}),
        Step("Bewohnerparkzone", {"zone": "B"}),
        Step(
            "Antragstellerin oder Antragsteller",
            {
                "vorname": "Lena",
                "nachname": "Hoffmann",
                "geburtsdatum": "09.11.1992",
                **_address("anschrift", "Schnorrstraße", "21", "01069", "Dresden"),
                "email": "lena.hoffmann@example.org",
                "telefon": "0351 7654321",
            },
        ),
        Step(
            "Fahrzeug",
            {
                "kennzeichen": "DD-LH 482",
                "fahrzeugart": "pkw",
                "halter": "nein",
                "nutzungsgrund": "firmenwagen",
                "nutzungsnachweis": "PDF",
            },
        ),
        Step("Gültigkeit und Gebühr", {"gueltig_ab": _date(7), "dauer_jahre": "1"}),
    ],
    error_step=3,
    error_answers={"kennzeichen": "DD LH482"},
    error_field="kennzeichen",
    error_text="Kennzeichen",
    back_step=1,
    save_step=2,
    change_label="Gültig ab",
    change_field="gueltig_ab",
    change_value=_date(10),
)

WUNSCHKENNZEICHEN = Scenario(
    label="Wunschkennzeichen",
    leika_key="99036009072003",
    query="Wunschkennzeichen",
    ags="14522180",  # Freiberg, Landkreis Mittelsachsen (overlay wunschkennzeichen-mittelsachsen)
    place="Freiberg",
    email="mira.krause@example.org",
    steps=[
        Step("Ihr Anliegen", {"anlass": "reservieren", "zulassung_hier": "ja"}),
        Step(
            "Ihr Wunschkennzeichen",
            {"unterscheidungszeichen": "FG", "buchstaben": "MK", "zahl": "2024", "zusatz": "keins"},
        ),
        Step("Fahrzeug", {"fahrzeugart": "pkw"}),
        Step(
            "Künftige Halterin oder künftiger Halter",
            {
                "halter_art": "person",
                "vorname": "Mira",
                "nachname": "Krause",
                "geburtsdatum": "30.01.1999",
                **_address("anschrift", "Petersstraße", "3", "09599", "Freiberg"),
                "email": "mira.krause@example.org",
            },
        ),
        Step("Reservierung und Gebühr", {}),
    ],
    error_step=1,
    error_answers={"buchstaben": "M1"},
    error_field="buchstaben",
    error_text="Großbuchstaben",
    back_step=2,
    save_step=3,
    change_label="Zahl",
    change_field="zahl",
    change_value="1999",
)

WAFFENBESITZKARTE = Scenario(
    label="Waffenbesitzkarte",
    leika_key="99089086000000",
    query="Waffenbesitzkarte",
    ags="14625020",  # Bautzen (overlay waffenbesitzkarte-bautzen, Landratsamt Bautzen)
    place="Bautzen",
    email="thomas.richter@example.org",
    steps=[
        Step("Ihr Anliegen", {"anlass": "erteilung", "volljaehrig": "ja"}),
        Step(
            "Angaben zu Ihrer Person",
            {
                "f00000073": "herr",
                "f00000045_liste-0-f00000045": "Thomas",
                "f00000013": "Richter",
                "f00000066": "17.08.1975",
                "f00000067": "Bautzen",
                "f00000038": "000",
                **_address("wohnanschrift", "Kornmarkt", "7", "02625", "Bautzen"),
                "staatsangehoerigkeit": "deutsch",
                "email": "thomas.richter@example.org",
            },
        ),
        Step(
            "Waffen, die Sie erwerben oder besitzen möchten",
            {
                "g00000048-0-f00000049": "c",
                "g00000048-0-f00000050": "repetierbuechse",
                "g00000048-0-f00000023": ".308 Winchester",
                "g00000048-0-f00000031": "ja",
            },
        ),
        Step("Bedürfnis und Sachkunde", {"beduerfnis_grund": "jaeger", "jagdschein": "PDF"}),
        Step("Zuverlässigkeit und Aufbewahrung", {"verfahren_anhaengig": "nein", "aufbewahrung": "grad_0"}),
        Step("Gebühr", {}),
    ],
    error_step=1,
    error_answers={"f00000013": ""},
    error_field="f00000013",
    error_text="Familienname",
    back_step=2,
    save_step=3,
    change_label="Kaliber",
    change_field="g00000048-0-f00000023",
    change_value="8x57 IS",
)


# --- browser helpers -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("uploads") / "nachweis.pdf"
    path.write_bytes(PDF_BYTES)
    return path


def _new_page(browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda msg: page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page


@pytest.fixture
def assistant_page(browser):
    page = _new_page(browser)
    pages = [page]
    yield page, pages
    for p in pages:
        p.context.close()


def _h1(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def _submit(page, locator) -> None:
    """Click a submit button or link and wait for the resulting page."""
    with page.expect_navigation():
        locator.click()


def _weiter(page) -> None:
    _submit(page, page.locator("#schritt-formular button[name=aktion][value=weiter]:not([hidden])"))


def _htmx_aware(page, element, action) -> None:
    """Run an action on an input; if it re-renders the step via htmx, wait until the new step is in place."""
    if element.get_attribute("hx-post") is None:
        action()
        return
    page.evaluate("document.getElementById('schritt').dataset.awOld = '1'")
    action()
    # Polled from the test: wait_for_function would need eval, which the page's CSP forbids.
    deadline = time.monotonic() + HTMX_WAIT
    while not page.evaluate(
        "(() => { const s = document.getElementById('schritt');"
        " return !!s && !s.dataset.awOld && !s.classList.contains('htmx-settling'); })()"
    ):
        assert time.monotonic() < deadline, f"„{_h1(page)}“ wurde nach der Antwort nicht neu aufgebaut"
        page.wait_for_timeout(30)


def _fill(page, answers: dict, pdf: Path) -> None:
    for key, value in answers.items():
        name = f"f-{key}"
        if value == "":
            continue
        if page.locator(f"[name='{name}-tag']").count():
            day, month, year = value.split(".")
            page.locator(f"[name='{name}-tag']").fill(day)
            page.locator(f"[name='{name}-monat']").fill(month)
            page.locator(f"[name='{name}-jahr']").fill(year)
            continue
        elements = page.locator(f"[name='{name}']")
        assert elements.count(), f"Feld {name} fehlt auf „{_h1(page)}“"
        kind = elements.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind == "input:radio":
            option = page.locator(f"input[name='{name}'][value='{value}']")
            _htmx_aware(page, option, option.check)
        elif kind == "input:checkbox":
            for item in value:
                option = page.locator(f"input[name='{name}'][value='{item}']")
                _htmx_aware(page, option, option.check)
        elif kind.startswith("select"):
            select = elements.first
            _htmx_aware(page, select, lambda select=select, value=value: select.select_option(value))
        elif kind == "input:file":
            elements.first.set_input_files(str(pdf))
        else:
            field_element = elements.first
            _htmx_aware(page, field_element, lambda el=field_element, value=value: el.fill(value))


def _value(page, key: str) -> str:
    """Current value of a field (the checked option for radios) as the browser shows it."""
    name = f"f-{key}"
    if page.locator(f"[name='{name}-tag']").count():
        parts = [page.locator(f"[name='{name}-{p}']").input_value() for p in ("tag", "monat", "jahr")]
        return ".".join(p.zfill(2) if i < 2 else p for i, p in enumerate(parts))
    radios = page.locator(f"input[type=radio][name='{name}']")
    if radios.count():
        checked = page.locator(f"input[type=radio][name='{name}']:checked")
        return checked.get_attribute("value") if checked.count() else ""
    return page.locator(f"[name='{name}']").first.input_value()


def _assert_kept(page, answers: dict) -> None:
    for key, value in answers.items():
        if isinstance(value, list) or value in ("", "PDF"):
            continue
        shown = _value(page, key)
        assert shown == value, f"„{_h1(page)}“: {key} zeigt {shown!r} statt {value!r} – Eingabe verloren"


def _problems(page) -> str:
    """Error summary and notices of the current page, for readable failure messages."""
    texts = page.locator("[data-aw-error-summary], .kern-alert--warning, [data-aw-revealed]").all_inner_texts()
    return "".join(f"\n  {t.strip()}" for t in texts)


def _assert_no_error_summary(page, label: str) -> None:
    summary = page.locator("[data-aw-error-summary]")
    if summary.count():
        raise AssertionError(f"Unerwartete Fehlermeldung auf {label}:\n{summary.inner_text()}")


def _wait_for_mail(mailbox, address: str, count: int) -> list:
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        messages = mailbox.to(address)
        if len(messages) >= count:
            return messages
        time.sleep(0.1)
    raise AssertionError(f"Keine E-Mail an {address} angekommen (erwartet: {count}, da: {len(mailbox.to(address))})")


def _mail_text(envelope) -> str:
    message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def _leistung_slug(page, base: str, scenario: Scenario) -> str:
    hits = page.request.get(f"{base}/api/v1/leistungen/?q={scenario.query}&limit=50").json()["results"]
    slugs = [hit["slug"] for hit in hits if hit["leika_key"] == scenario.leika_key]
    assert slugs, f"Leistung {scenario.leika_key} nicht über die Suche „{scenario.query}“ gefunden"
    return slugs[0]


def _open_assistant(page, base: str, scenario: Scenario) -> None:
    """Finder's Leistung page for the place → "Online beantragen" → the assistant's start page."""
    slug = _leistung_slug(page, base, scenario)
    page.goto(f"{base}/leistungen/{slug}/?ort={scenario.ags}")
    offer = page.get_by_role("link", name="Online beantragen")
    expect(offer, message=f"Kein Online-Antrag auf der Leistungsseite für {scenario.place}").to_be_visible()
    assert_accessible(page, f"{scenario.label}: Leistungsseite mit Online-Angebot")
    _submit(page, offer)
    assert f"/antrag/{scenario.label.lower()}/" in page.url
    assert scenario.place in page.locator(".kern-preline").inner_text()
    assert_accessible(page, f"{scenario.label}: Startseite des Antrags")


def _provoke_error(page, scenario: Scenario, step: Step, pdf: Path) -> None:
    label = f"{scenario.label}: {step.title} (Fehlerzustand)"
    _fill(page, {**step.answers, **scenario.error_answers}, pdf)
    _weiter(page)
    summary = page.locator("[data-aw-error-summary]")
    expect(summary, message=f"{label}: keine Fehlerzusammenfassung").to_be_visible()
    assert scenario.error_text in summary.inner_text(), summary.inner_text()
    assert page.title().startswith("Fehler:")
    assert page.evaluate("document.activeElement.hasAttribute('data-aw-error-summary')"), "Fokus nicht auf Fehlern"
    assert_accessible(page, label)
    link = summary.locator(f"a[href^='#feld-{scenario.error_field}']")
    assert link.count() == 1, f"{label}: kein Link auf das Feld {scenario.error_field}:\n{summary.inner_html()}"
    target = link.get_attribute("href")[1:]
    link.click()
    assert page.evaluate("document.activeElement.id") == target, "Fehlerlink fokussiert das Feld nicht"
    invalid = page.locator(f"#{target}")
    assert invalid.get_attribute("aria-invalid") == "true"
    # Fix it: the correct answer for this field (other answers are still there).
    fix = {k: v for k, v in step.answers.items() if k == scenario.error_field}
    _fill(page, fix, pdf)


def _save_and_resume(page, browser, stack, scenario: Scenario, step: Step, pages: list):
    """Save for later on this step, read the link from the e-mail, continue in a fresh browser context."""
    mailbox = stack.mailbox
    _submit(page, page.get_by_role("button", name="Speichern und später fortsetzen"))
    assert _h1(page) == "Speichern und später fortsetzen"
    assert_accessible(page, f"{scenario.label}: Später fortsetzen")
    page.get_by_label("E-Mail-Adresse").fill(scenario.email)
    before = len(mailbox.to(scenario.email))
    _submit(page, page.get_by_role("button", name="Link per E-Mail senden"))
    assert _h1(page) == "Link zum Fortsetzen wird verschickt"
    expect(page.get_by_text(f"Wir senden Ihnen den Link an {scenario.email}")).to_be_visible()
    assert_accessible(page, f"{scenario.label}: Link verschickt")
    # The background worker sends the e-mail (the request only queued it).
    stack.manage("db_worker", "--batch", "--no-startup-delay")
    text = _mail_text(_wait_for_mail(mailbox, scenario.email, before + 1)[-1])
    match = RESUME_LINK.search(text)
    assert match, f"Kein Fortsetzen-Link in der E-Mail:\n{text}"

    fresh = _new_page(browser)  # a new context: no cookies, no session
    pages.append(fresh)
    fresh.goto(match.group(0))
    assert _h1(fresh) == step.title, f"Fortsetzen landet auf „{_h1(fresh)}“ statt „{step.title}“"
    expect(fresh.get_by_text("Willkommen zurück")).to_be_visible()
    _assert_kept(fresh, step.answers)
    assert_accessible(fresh, f"{scenario.label}: fortgesetzter Antrag")
    return fresh


def _review_change(page, scenario: Scenario) -> None:
    item = page.locator(".kern-description-list-item", has=page.locator("dt", has_text=scenario.change_label))
    link = item.first.get_by_role("link", name=re.compile(r"^ändern"))
    _submit(page, link)
    assert "von=pruefen" in page.url
    button = page.get_by_role("button", name="Übernehmen und zur Übersicht")
    expect(button).to_be_visible()
    assert_accessible(page, f"{scenario.label}: Schritt aus der Übersicht geöffnet")
    _fill(page, {scenario.change_field: scenario.change_value}, Path())
    _submit(page, button)
    assert _h1(page) == "Angaben prüfen und absenden", f"Nach „ändern“ nicht zurück auf der Übersicht: {_h1(page)}"
    changed = page.locator(".kern-description-list-item", has=page.locator("dt", has_text=scenario.change_label))
    assert scenario.change_value in changed.first.inner_text()


def _complete(scenario: Scenario, browser, stack, page, pages: list, pdf: Path) -> None:
    base = stack.base_url
    _open_assistant(page, base, scenario)
    _submit(page, page.get_by_role("button", name="Antrag starten"))

    index = 0
    went_back = False
    while index < len(scenario.steps):
        step = scenario.steps[index]
        label = f"{scenario.label}: {step.title}"
        assert _h1(page) == step.title, f"Erwartet Schritt „{step.title}“, angezeigt „{_h1(page)}“" + _problems(page)
        _assert_no_error_summary(page, label)
        assert_accessible(page, label)
        if index == scenario.error_step:
            _provoke_error(page, scenario, step, pdf)
        else:
            _fill(page, step.answers, pdf)
        if index == scenario.back_step and not went_back:
            went_back = True
            _submit(page, page.get_by_role("button", name="Zurück"))
            previous = scenario.steps[index - 1]
            assert _h1(page) == previous.title, f"Zurück führt auf „{_h1(page)}“"
            _assert_kept(page, previous.answers)
            assert_accessible(page, f"{scenario.label}: {previous.title} (nach Zurück)")
            _weiter(page)
            assert _h1(page) == step.title
            _assert_kept(page, step.answers)
        if index == scenario.save_step:
            page = _save_and_resume(page, browser, stack, scenario, step, pages)
        _weiter(page)
        index += 1

    label = f"{scenario.label}: Angaben prüfen"
    assert _h1(page) == "Angaben prüfen und absenden", f"Statt der Übersicht: „{_h1(page)}“"
    _assert_no_error_summary(page, label)
    review_text = page.locator("main").inner_text()
    for step in scenario.steps:
        if step.answers:
            assert step.title in review_text
    assert_accessible(page, label)
    _review_change(page, scenario)
    assert_accessible(page, f"{label} (nach Änderung)")

    if page.locator("#bestaetigung-email").count():
        page.locator("#bestaetigung-email").fill(scenario.email)
    page.get_by_label(re.compile("Ich versichere")).check()
    page.get_by_label(re.compile("Datenschutzhinweise gelesen")).check()
    _submit(page, page.get_by_role("button", name="Antrag verbindlich absenden"))

    assert _h1(page) == "Ihr Antrag ist eingegangen", f"Statt der Bestätigung: „{_h1(page)}“"
    number = VORGANGSNUMMER.search(page.url).group(1)
    expect(page.locator("strong", has_text=number)).to_be_visible()
    assert_accessible(page, f"{scenario.label}: Bestätigung")

    # The background worker produces the receipt PDF and the confirmation e-mail.
    before = len(stack.mailbox.to(scenario.email))
    stack.manage("db_worker", "--batch", "--no-startup-delay")
    page.reload()
    expect(page.get_by_text("Ihre Eingangsbestätigung ist fertig.")).to_be_visible()
    receipt = page.get_by_role("link", name=re.compile("Eingangsbestätigung herunterladen"))
    response = page.request.get(base + receipt.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    assert_accessible(page, f"{scenario.label}: Bestätigung mit fertiger Quittung")
    confirmation = _wait_for_mail(stack.mailbox, scenario.email, before + 1)[-1]
    assert number in _mail_text(confirmation)


# --- the five assistants ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [HUNDESTEUER, GEWERBEANZEIGE, BEWOHNERPARKAUSWEIS, WUNSCHKENNZEICHEN, WAFFENBESITZKARTE],
    ids=lambda s: s.label,
)
def test_assistant_end_to_end(scenario, browser, e2e_stack, assistant_page, pdf_file):
    page, pages = assistant_page
    _complete(scenario, browser, e2e_stack, page, pages, pdf_file)
    for p in pages:
        assert not p.csp_errors, f"CSP-Verstöße: {p.csp_errors}"


# --- Anliegensklärung: answers that need no application end on a stop page ------------------------------------------

STOPS = [
    # (scenario for Leistung/label, AGS of a further demo activation, answers, expected stop heading)
    (
        HUNDESTEUER,
        "14522080",  # Döbeln
        {"anlass": "abmeldung", "gefaehrlich_vorhanden": "nein", "wohnsitz_hier": "ja"},
        "Dafür brauchen Sie diesen Antrag nicht",
    ),
    (
        GEWERBEANZEIGE,
        "14523320",  # Plauen
        {"anzeige_art": "anmeldung", "taetigkeit_art": "freier_beruf"},
        "Für einen freien Beruf brauchen Sie keine Gewerbeanzeige",
    ),
    (
        BEWOHNERPARKAUSWEIS,
        "14713000",  # Leipzig
        {"antrag_art": "neu", "wohnsitz_zone": "nein", "fahrzeug_vorhanden": "ja"},
        "Ein Bewohnerparkausweis ist nur für Bewohnerinnen und Bewohner möglich",
    ),
    (
        WUNSCHKENNZEICHEN,
        "14612000",  # Dresden
        {"anlass": "verlaengern", "zulassung_hier": "ja"},
        "Eine Verlängerung ist online nicht möglich",
    ),
    (
        WAFFENBESITZKARTE,
        "14511000",  # Chemnitz
        {"anlass": "eintragung", "volljaehrig": "ja"},
        "Dafür brauchen Sie keine neue Waffenbesitzkarte",
    ),
]


@pytest.mark.parametrize(("scenario", "ags", "answers", "heading"), STOPS, ids=[s[0].label for s in STOPS])
def test_clarification_stop(scenario, ags, answers, heading, e2e_server, assistant_page, pdf_file):
    page, _ = assistant_page
    local = Scenario(**{**scenario.__dict__, "ags": ags, "place": ""})
    _open_assistant(page, e2e_server, local)
    _submit(page, page.get_by_role("button", name="Antrag starten"))
    assert _h1(page) == "Ihr Anliegen"
    _fill(page, answers, pdf_file)
    _weiter(page)
    assert _h1(page) == heading, f"Statt der Stoppseite: „{_h1(page)}“" + _problems(page)
    assert "/kein-antrag-noetig/" in page.url
    assert_accessible(page, f"{scenario.label}: Stoppseite der Anliegensklärung")
    # The citizen may have mis-clicked: "Angaben ändern" leads back with the answers kept.
    _submit(page, page.get_by_role("link", name="Angaben ändern"))
    assert _h1(page) == "Ihr Anliegen"
    _assert_kept(page, answers)
    assert_accessible(page, f"{scenario.label}: Anliegensklärung nach der Stoppseite")
    assert not page.csp_errors, f"CSP-Verstöße: {page.csp_errors}"


# --- keyboard only ---------------------------------------------------------------------------------------------------


def _active(page) -> dict:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {id: e.id, name: e.name || '', value: e.value || '', text: (e.textContent || '').trim()}; })()"
    )


def _tab_to(page, predicate, what: str, max_tabs: int = 60) -> None:
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if predicate(_active(page)):
            return
    raise AssertionError(f"„{what}“ ist auf „{_h1(page)}“ mit der Tabulatortaste nicht erreichbar")


def _press_on_refreshing(page, key: str) -> None:
    """Press a key on an answer that may re-render the step via htmx; focus must stay on that answer."""
    before = _active(page)
    refreshing = page.evaluate("document.activeElement.hasAttribute('hx-post')")
    if refreshing:
        page.evaluate("document.getElementById('schritt').dataset.awOld = '1'")
    page.keyboard.press(key)
    if refreshing:
        deadline = time.monotonic() + HTMX_WAIT
        while not page.evaluate(
            "(() => { const s = document.getElementById('schritt');"
            " return !!s && !s.dataset.awOld && !s.classList.contains('htmx-settling'); })()"
        ):
            assert time.monotonic() < deadline, "Schritt wurde nach der Antwort nicht neu aufgebaut"
            page.wait_for_timeout(30)
        now = _active(page)
        assert now["name"] == before["name"], f"Fokus nach dem Neuaufbau verloren (vorher {before}, jetzt {now})"


def _choose(page, name: str, value: str) -> None:
    """Tab into a radio group and select ``value`` with the arrow keys (as a keyboard user does)."""
    _tab_to(page, lambda a: a["name"] == name, name)
    for _ in range(10):
        if page.evaluate(f"document.querySelector(\"input[name='{name}']:checked\")?.value || ''") == value:
            return
        if _active(page)["value"] == value:
            _press_on_refreshing(page, "Space")
        else:
            _press_on_refreshing(page, "ArrowDown")
    raise AssertionError(f"Option {value} von {name} per Tastatur nicht wählbar")


def _type_into(page, dom_id: str, text: str) -> None:
    _tab_to(page, lambda a: a["id"] == dom_id, dom_id)
    page.keyboard.type(text)


def _tab_and_enter(page, predicate, what: str) -> None:
    _tab_to(page, predicate, what)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_first_steps(e2e_server, assistant_page):
    """Gewerbeanzeige in Zwickau: from the Leistung page through the first two steps with the keyboard only."""
    page, _ = assistant_page
    scenario = Scenario(**{**GEWERBEANZEIGE.__dict__, "ags": "14524330", "place": "Zwickau"})
    slug = _leistung_slug(page, e2e_server, scenario)
    page.goto(f"{e2e_server}/leistungen/{slug}/?ort={scenario.ags}")
    _tab_and_enter(page, lambda a: a["text"] == "Online beantragen", "Online beantragen")
    _tab_and_enter(page, lambda a: a["text"] == "Antrag starten", "Antrag starten")

    assert _h1(page) == "Ihr Anliegen"
    _choose(page, "f-anzeige_art", "anmeldung")
    _choose(page, "f-taetigkeit_art", "gewerbe")
    _tab_and_enter(page, lambda a: a["text"] == "Weiter", "Weiter")

    assert _h1(page) == "Betriebsinhaberin oder Betriebsinhaber", _h1(page) + _problems(page)
    assert page.locator("input[name='f-inhaber_art']").first.get_attribute("hx-post"), "kein htmx-Neuaufbau"
    _choose(page, "f-inhaber_art", "natuerlich")  # shows the person's fields (htmx re-render keeps focus)
    _type_into(page, "feld-vorname", "Sophie")
    _type_into(page, "feld-nachname", "Lange")
    _type_into(page, "feld-geburtsdatum-tag", "5")
    _type_into(page, "feld-geburtsdatum-monat", "6")
    _type_into(page, "feld-geburtsdatum-jahr", "1988")
    _type_into(page, "feld-geburtsort", "Zwickau")
    _type_into(page, "feld-staatsangehoerigkeit", "deutsch")
    _type_into(page, "feld-wohnanschrift-street", "Innere Plauensche Straße")
    _type_into(page, "feld-wohnanschrift-house_number", "4")
    _type_into(page, "feld-wohnanschrift-postal_code", "08056")
    _type_into(page, "feld-wohnanschrift-city", "Zwickau")
    _type_into(page, "feld-email", "sophie.lange@example.org")
    _tab_and_enter(page, lambda a: a["text"] == "Weiter", "Weiter")

    assert _h1(page) == "Angaben zum Betrieb", _h1(page) + _problems(page)
    assert_accessible(page, "Gewerbeanzeige: dritter Schritt nach Tastaturbedienung")
    # Back with the keyboard: the answers of step 2 are still there.
    _tab_and_enter(page, lambda a: a["text"] == "Zurück", "Zurück")
    assert _h1(page) == "Betriebsinhaberin oder Betriebsinhaber"
    assert page.locator("#feld-nachname").input_value() == "Lange"
