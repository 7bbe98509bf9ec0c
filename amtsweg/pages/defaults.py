"""Default texts for the legal pages. Operators replace them in the admin."""

ATTRIBUTION = (
    "Datenquellen\n\n"
    "Gemeindeverzeichnis (GV100AD): © Statistisches Bundesamt (Destatis), 2025, im Auftrag der "
    "Herausgebergemeinschaft Statistische Ämter des Bundes und der Länder. Vervielfältigung und Verbreitung, "
    "auch auszugsweise, mit Quellenangabe gestattet.\n\n"
    "Postleitzahlen: © OpenStreetMap-Mitwirkende, über suche-postleitzahl.org; lizenziert unter der "
    "Open Database License (ODbL) 1.0.\n\n"
    "OZG-Umsetzungskatalog und Leistungskatalog (LeiKa): OZG-Datenbank NRW, Kommunales Datennetz NRW, "
    "MIT-Lizenz, Copyright (c) 2020 Gert Hammes; Daten ursprünglich von der OZG-Informationsplattform des Bundes.\n\n"
    "Verwaltungsgrenzen: © GeoBasis-DE / BKG 2021, Datenlizenz Deutschland – Namensnennung – 2.0.\n\n"
    "Gestaltung: KERN UX Design-System, EUPL-1.2."
)

DEFAULT_PAGES = {
    "impressum": {
        "title": "Impressum",
        "body": (
            "Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG)\n\n"
            "Betreiber dieses Serviceportals ist die für den Betrieb zuständige Stelle. "
            "Bitte tragen Sie hier Name, Anschrift, Vertretungsberechtigte, Kontakt (Telefon, E-Mail) "
            "und die zuständige Aufsichtsbehörde des Betreibers ein.\n\n"
            "Verantwortlich für den Inhalt: die jeweils zuständige Behörde für ihre Leistungsbeschreibungen "
            "und Kontaktdaten.\n\n"
            "Amtsweg ist freie Software unter der Europäischen Union Public Licence (EUPL) 1.2.\n\n" + ATTRIBUTION
        ),
    },
    "datenschutz": {
        "title": "Datenschutzerklärung",
        "body": (
            "Verantwortliche Stellen\n\n"
            "Für den Betrieb dieses Serviceportals ist der im Impressum genannte Betreiber verantwortlich im "
            "Sinne der Datenschutz-Grundverordnung (DSGVO). Für die Bearbeitung Ihres Antrags ist die Behörde "
            "verantwortlich, die für die beantragte Leistung an Ihrem Ort zuständig ist; sie wird Ihnen vor dem "
            "Absenden und in der Eingangsbestätigung genannt. Bitte ergänzen Sie die Kontaktdaten der oder des "
            "Datenschutzbeauftragten.\n\n"
            "Suche nach Leistungen\n\n"
            "Bei der Suche nach Leistungen und Zuständigkeiten verarbeiten wir Ihre Suchbegriffe und den "
            "gewählten Ort nur, um Ihnen Ergebnisse anzuzeigen. Sie werden nicht gespeichert und nicht in "
            "Protokolle geschrieben. Technisch notwendige Daten (IP-Adresse, Zeitpunkt, aufgerufene Seite) "
            "werden zum Schutz vor Missbrauch kurzzeitig verarbeitet (Art. 6 Abs. 1 lit. e DSGVO).\n\n"
            "Antragsbearbeitung\n\n"
            "Wenn Sie einen Antrag stellen, verarbeiten wir Ihre Angaben, hochgeladenen Unterlagen und Ihre "
            "E-Mail-Adresse, um den Antrag an die zuständige Behörde zu übermitteln, Ihnen eine "
            "Eingangsbestätigung zu senden und Sie über den Stand zu informieren. Die zuständige Behörde "
            "verarbeitet Ihre Daten, um über Ihren Antrag zu entscheiden. Rechtsgrundlage ist die jeweilige "
            "Fachvorschrift der Leistung in Verbindung mit Art. 6 Abs. 1 lit. c und e DSGVO sowie das "
            "Onlinezugangsgesetz (OZG). Unvollständige Anträge (Entwürfe) werden nach kurzer Zeit automatisch "
            "gelöscht. Die Daten werden verschlüsselt übertragen und gespeichert und nur an die zuständige "
            "Behörde weitergegeben.\n\n"
            "Servicekonto\n\n"
            "Wenn Sie ein Nutzerkonto (Servicekonto) anlegen, speichern wir Ihre E-Mail-Adresse, Ihr Passwort "
            "(nur als nicht umkehrbarer Prüfwert), Ihre freiwilligen persönlichen Angaben, Ihre Organisationen "
            "und Ihre zweiten Faktoren. Melden Sie sich über einen Anbieter wie die BundID an, erhalten wir von "
            "dort nur die Angaben, die Sie freigeben, und das Vertrauensniveau der Anmeldung. Das Konto nutzen "
            "Sie freiwillig; Rechtsgrundlage ist Ihre Einwilligung und die Nutzung des Kontos "
            "(Art. 6 Abs. 1 lit. a und e DSGVO).\n\n"
            "Speicherdauer und Löschung\n\n"
            "Für jede Leistung ist eine Aufbewahrungsfrist festgelegt. Sie beginnt, wenn Ihr Vorgang "
            "abgeschlossen ist, oder, wenn er nie abgeschlossen wurde, mit dem Eingang des Antrags. Nach Ablauf "
            "der Frist werden Ihre Angaben, Unterlagen, Eingangsbestätigung und Bescheide automatisch gelöscht. "
            "Es bleibt nur ein Eintrag ohne persönliche Daten (Vorgangsnummer, Leistung, Behörde, Datum), damit "
            "das Protokoll der Übermittlungen nachprüfbar bleibt. Ihr Nutzerkonto können Sie jederzeit unter "
            "„Mein Konto“ selbst löschen; es wird dann sofort gelöscht.\n\n"
            "Cookies\n\n"
            "Wir setzen nur technisch notwendige Cookies (Sitzung, Schutz vor Cross-Site-Request-Forgery). "
            "Es gibt keine Analyse- oder Werbe-Cookies und keine Inhalte von Dritten.\n\n"
            "Ihre Rechte\n\n"
            "Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung und "
            "Widerspruch (Art. 15 bis 21 DSGVO) sowie das Recht auf Beschwerde bei der Sächsischen "
            "Datenschutz- und Transparenzbeauftragten. Die Angaben Ihres Nutzerkontos können Sie unter "
            "„Mein Konto“ selbst herunterladen (Auskunft) und löschen. Zu einem Antrag wenden Sie sich bitte "
            "an die zuständige Behörde; sie ist auch für Auskunft und Löschung der Antragsdaten zuständig."
        ),
    },
    "barrierefreiheit": {
        "title": "Erklärung zur Barrierefreiheit",
        "body": (
            "Der Betreiber ist bemüht, dieses Serviceportal im Einklang mit dem Barrierefreie-Websites-Gesetz "
            "des Freistaates Sachsen (BfWebG) und der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) "
            "barrierefrei zugänglich zu machen.\n\n"
            "Stand der Vereinbarkeit mit den Anforderungen\n\n"
            "Die Seiten werden bei jeder Änderung automatisiert gegen die Regeln der WCAG 2.1 Stufe AA "
            "geprüft (axe-core in einem echten Browser) und sind ohne JavaScript und vollständig mit der "
            "Tastatur bedienbar. Eine vollständige Prüfung durch eine unabhängige Stelle steht noch aus; "
            "das Angebot ist daher teilweise mit den Anforderungen vereinbar.\n\n"
            "Nicht barrierefreie Inhalte\n\n"
            "Rechtsgrundlagen verweisen teilweise auf externe Angebote, deren Barrierefreiheit wir nicht "
            "beeinflussen können.\n\n"
            "Erstellung dieser Erklärung\n\n"
            "Diese Erklärung beruht auf einer Selbstbewertung. Bitte ergänzen Sie das Datum der Erstellung "
            "und der letzten Überprüfung.\n\n"
            "Feedback und Kontakt\n\n"
            "Sind Ihnen Mängel beim barrierefreien Zugang aufgefallen? Bitte schreiben Sie an die im "
            "Impressum genannte Stelle.\n\n"
            "Durchsetzungsverfahren\n\n"
            "Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten, können Sie sich an die "
            "Durchsetzungsstelle beim Beauftragten der Sächsischen Staatsregierung für die Belange von "
            "Menschen mit Behinderungen wenden."
        ),
    },
}
