"""OZG-Projektlandkarte (map of municipal Leistungen, product plan, projects with phases, Werkstätten) and
Beteiligung (ratings, willingness, Fachverfahren usage, comments, follows) — issue 13.

Writes go through ``projekte.services`` (projects, phases, Werkstätten) and ``projekte.beteiligung``
(ratings, willingness, usage, comments, follows); reads through ``projekte.selectors``.
A "Kommune" here is a ``directory.Authority`` of municipal kind; its members are staff with an
``AuthorityMembership`` there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from amtsweg.projekte.phases import Option, Phase, Status


class ProduktplanEintrag(models.Model):
    """One node of the product plan (KGSt style): Hauptproduktbereich > Produktbereich > Produktgruppe > Produkt.

    Editable, since the KGSt catalogue is not public; the bootstrap starts from the Leitfaden's example.
    """

    class Ebene(models.TextChoices):
        HAUPTPRODUKTBEREICH = "hauptproduktbereich", "Hauptproduktbereich"
        PRODUKTBEREICH = "produktbereich", "Produktbereich"
        PRODUKTGRUPPE = "produktgruppe", "Produktgruppe"
        PRODUKT = "produkt", "Produkt"

    number = models.CharField("Nummer", max_length=20, unique=True, help_text="z. B. 124.01.01")
    name = models.CharField("Bezeichnung", max_length=200)
    ebene = models.CharField("Ebene", max_length=20, choices=Ebene.choices)
    parent = models.ForeignKey(
        "self", verbose_name="übergeordnet", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "Produktplan-Eintrag"
        verbose_name_plural = "Produktplan"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} – {self.name}"


class LandkarteEintrag(models.Model):
    """A Leistung on the Projektlandkarte: municipally relevant or not (editable), product, OZG priority flags."""

    leistung = models.OneToOneField(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE, related_name="landkarte"
    )
    relevant = models.BooleanField("kommunal relevant", default=True)
    produkt = models.ForeignKey(
        ProduktplanEintrag, verbose_name="Produkt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    top100 = models.BooleanField("Top-100-Leistung", default=False)
    nr115 = models.BooleanField("115-Leistung (häufig nachgefragt)", default=False)
    sdg = models.BooleanField("SDG-Leistung (Single Digital Gateway)", default=False)

    class Meta:
        verbose_name = "Leistung der Projektlandkarte"
        verbose_name_plural = "Projektlandkarte"

    def __str__(self) -> str:
        return str(self.leistung)


class Leistungspaket(models.Model):
    """LP: a numbered group of projects in the newsletter's table (e.g. "01 Umwelt-, Natur- & Artenschutz")."""

    number = models.CharField("LP", max_length=4, unique=True)
    name = models.CharField("Bezeichnung", max_length=200)

    class Meta:
        verbose_name = "Leistungspaket"
        verbose_name_plural = "Leistungspakete"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Fussnote(models.Model):
    number = models.PositiveSmallIntegerField("Nummer", unique=True)
    text = models.TextField("Text")

    class Meta:
        verbose_name = "Fußnote"
        verbose_name_plural = "Fußnoten"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}: {self.text[:60]}"


class Projekt(models.Model):
    """An OZG project = one Leistungsbündel (LB) row of the phase table."""

    class Stufe(models.IntegerChoices):
        # Leitfaden 8.1.3: implementation stages by integration depth.
        S1 = 1, "1 – Antragsassistent mit geringer Systemintegration in der zuständigen Stelle"
        S2 = 2, "2 – Systemintegration in der zuständigen Stelle (Fachverfahren, E-Akte, Register)"
        S3 = 3, "3 – Nutzung von Online-Unterstützungsdiensten"
        S4 = 4, "4 – Systemintegration mit Verfahrensbeteiligten (Fachverfahren, E-Akte, Register)"

    key = models.SlugField("Schlüssel", max_length=100, unique=True)
    paket = models.ForeignKey(Leistungspaket, verbose_name="LP", on_delete=models.PROTECT, related_name="projekte")
    lb = models.CharField("LB", max_length=20, blank=True, help_text="leer = weitere Zeile desselben Bündels")
    title = models.CharField("Bezeichnung", max_length=500)
    note = models.CharField("Zusatz (Ausbaustufe)", max_length=500, blank=True)
    position = models.PositiveIntegerField("Reihenfolge", default=0)
    leistungen = models.ManyToManyField("catalog.Leistung", verbose_name="Leistungen", blank=True, related_name="+")
    options = models.JSONField("Umsetzungsoptionen", default=list, blank=True, help_text=f"{Option.values}")
    stufe = models.PositiveSmallIntegerField("Umsetzungsstufe", choices=Stufe.choices, null=True, blank=True)
    fussnoten = models.ManyToManyField(Fussnote, verbose_name="Fußnoten", blank=True, related_name="projekte")
    created = models.DateTimeField("angelegt am", auto_now_add=True)

    class Meta:
        verbose_name = "OZG-Projekt"
        verbose_name_plural = "OZG-Projekte"
        ordering = ["paket__number", "position", "id"]

    def __str__(self) -> str:
        return f"{self.paket.number}/{self.lb or '–'} {self.title}"


class PhasenStatus(models.Model):
    """The current status of one phase of a project (the history is in ``PhasenEreignis``)."""

    projekt = models.ForeignKey(Projekt, on_delete=models.CASCADE, related_name="phasen")
    phase = models.CharField("Phase", max_length=10, choices=Phase.choices)
    status = models.CharField("Status", max_length=20, choices=Status.choices, default=Status.NICHT_BEGONNEN)
    plan_year = models.PositiveSmallIntegerField("Planjahr", null=True, blank=True)
    since = models.DateField("seit")

    class Meta:
        verbose_name = "Phasenstatus"
        verbose_name_plural = "Phasenstatus"
        constraints = [models.UniqueConstraint(fields=["projekt", "phase"], name="projekte_phase_unique")]

    def __str__(self) -> str:
        return f"{self.projekt} – {self.get_phase_display()}: {self.get_status_display()}"


class PhasenEreignis(models.Model):
    """Dated history: every status a phase had, with who and why (the table at a Stichtag is read from here)."""

    projekt = models.ForeignKey(Projekt, on_delete=models.CASCADE, related_name="phasen_ereignisse")
    phase = models.CharField("Phase", max_length=10, choices=Phase.choices)
    status = models.CharField("Status", max_length=20, choices=Status.choices)
    plan_year = models.PositiveSmallIntegerField("Planjahr", null=True, blank=True)
    date = models.DateField("Datum")
    reason = models.TextField("Begründung", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recorded = models.DateTimeField("erfasst am", auto_now_add=True)

    class Meta:
        verbose_name = "Phasenereignis"
        verbose_name_plural = "Phasenverlauf"
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_phase_display()}: {self.get_status_display()}"


class ProjektRolle(models.Model):
    class Rolle(models.TextChoices):
        PROJEKTKOORDINATOR = "projektkoordinator", "Projektkoordinator"
        BEDARFSTRAEGER = "bedarfstraeger", "Bedarfsträger"
        VERFAHRENSBETREUER = "verfahrensbetreuer", "Verfahrensbetreuer"
        IT_DIENSTLEISTER = "it_dienstleister", "zentraler IT-Dienstleister"
        PROJEKTLEITER = "projektleiter", "Projektleiter"
        PILOTKOMMUNE = "pilotkommune", "Pilotkommune"
        LOESUNGSANBIETER = "loesungsanbieter", "Lösungsanbieter"

    projekt = models.ForeignKey(Projekt, on_delete=models.CASCADE, related_name="rollen")
    rolle = models.CharField("Rolle", max_length=30, choices=Rolle.choices)
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Kommune/Behörde", null=True, blank=True, on_delete=models.CASCADE
    )
    organisation = models.CharField("Organisation (ohne Behörde)", max_length=200, blank=True)

    class Meta:
        verbose_name = "Projektrolle"
        verbose_name_plural = "Projektrollen"

    def __str__(self) -> str:
        return f"{self.get_rolle_display()}: {self.authority or self.organisation}"


class Werkstatt(models.Model):
    """An OZG-Werkstatt (1–5) of a project: an event the volunteering Kommunen are invited to."""

    class Nummer(models.IntegerChoices):
        W1 = 1, "OZG-Werkstatt 1: Initialisierung und Systemabgrenzung"
        W2 = 2, "OZG-Werkstatt 2: Fachdiskussion"
        W3 = 3, "OZG-Werkstatt 3: Digitalisierungslabor"
        W4 = 4, "OZG-Werkstatt 4: fachliche Abnahme Antragsassistent und Nachrichtenkommunikation"
        W5 = 5, "OZG-Werkstatt 5: Pilotierung einer Lösung"

    projekt = models.ForeignKey(Projekt, on_delete=models.CASCADE, related_name="werkstaetten")
    number = models.PositiveSmallIntegerField("Werkstatt", choices=Nummer.choices)
    date = models.DateField("Termin")
    place = models.CharField("Ort", max_length=200, blank=True)

    class Meta:
        verbose_name = "OZG-Werkstatt"
        verbose_name_plural = "OZG-Werkstätten"
        ordering = ["projekt", "number", "date"]
        constraints = [models.UniqueConstraint(fields=["projekt", "number"], name="projekte_werkstatt_unique")]

    def __str__(self) -> str:
        return f"{self.get_number_display()} – {self.projekt.title}"


class Einladung(models.Model):
    class Antwort(models.TextChoices):
        OFFEN = "offen", "offen"
        ZUGESAGT = "zugesagt", "zugesagt"
        ABGESAGT = "abgesagt", "abgesagt"

    werkstatt = models.ForeignKey(Werkstatt, on_delete=models.CASCADE, related_name="einladungen")
    authority = models.ForeignKey("directory.Authority", verbose_name="Kommune", on_delete=models.CASCADE)
    antwort = models.CharField("Antwort", max_length=10, choices=Antwort.choices, default=Antwort.OFFEN)
    teilgenommen = models.BooleanField("teilgenommen", default=False)
    invited = models.DateTimeField("eingeladen am", auto_now_add=True)

    class Meta:
        verbose_name = "Einladung"
        verbose_name_plural = "Einladungen"
        constraints = [models.UniqueConstraint(fields=["werkstatt", "authority"], name="projekte_einladung_unique")]

    def __str__(self) -> str:
        return f"{self.authority} – {self.werkstatt}"


class Ergebnisdokument(models.Model):
    class Art(models.TextChoices):
        STECKBRIEF = "steckbrief", "Projektsteckbrief"
        FACHKONZEPT = "fachkonzept", "Fachkonzept"
        PROTOKOLL = "protokoll", "Protokoll"
        SONSTIGES = "sonstiges", "sonstiges Dokument"

    werkstatt = models.ForeignKey(Werkstatt, on_delete=models.CASCADE, related_name="dokumente")
    art = models.CharField("Art", max_length=20, choices=Art.choices)
    name = models.CharField("Dateiname", max_length=200)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField("Inhalt")
    uploaded = models.DateTimeField("hochgeladen am", auto_now_add=True)

    class Meta:
        verbose_name = "Ergebnisdokument"
        verbose_name_plural = "Ergebnisdokumente"

    def __str__(self) -> str:
        return f"{self.get_art_display()}: {self.name}"


# --- Beteiligung ---------------------------------------------------------------------------------------------------


class Bewertung(models.Model):
    """How important a Leistung is to a Kommune: one per Kommune and Leistung, changeable (history in
    ``BewertungsVerlauf``)."""

    class Stufe(models.IntegerChoices):
        NIEDRIG = 1, "niedrig"
        MITTEL = 2, "mittel"
        HOCH = 3, "hoch"
        DRINGEND = 4, "dringend"

    authority = models.ForeignKey("directory.Authority", verbose_name="Kommune", on_delete=models.CASCADE)
    leistung = models.ForeignKey("catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE)
    stufe = models.PositiveSmallIntegerField("Bedeutung", choices=Stufe.choices)
    updated = models.DateTimeField("geändert am", auto_now=True)

    class Meta:
        verbose_name = "Bewertung"
        verbose_name_plural = "Bewertungen"
        constraints = [models.UniqueConstraint(fields=["authority", "leistung"], name="projekte_bewertung_unique")]

    def __str__(self) -> str:
        return f"{self.authority}: {self.leistung} – {self.get_stufe_display()}"


class BewertungsVerlauf(models.Model):
    authority = models.ForeignKey("directory.Authority", on_delete=models.CASCADE)
    leistung = models.ForeignKey("catalog.Leistung", on_delete=models.CASCADE)
    stufe = models.PositiveSmallIntegerField(choices=Bewertung.Stufe.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Bewertungsverlauf"
        verbose_name_plural = "Bewertungsverlauf"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y} {self.authority}: {self.get_stufe_display()}"


class Mitwirkung(models.Model):
    """A Kommune offers to help with a Leistung (Werkstatt participant, pilot, Verfahrensbetreuung)."""

    class Art(models.TextChoices):
        WERKSTATT = "werkstatt", "Teilnahme an OZG-Werkstätten"
        PILOT = "pilot", "Pilotkommune"
        VERFAHRENSBETREUUNG = "verfahrensbetreuung", "Verfahrensbetreuung"

    authority = models.ForeignKey("directory.Authority", verbose_name="Kommune", on_delete=models.CASCADE)
    leistung = models.ForeignKey("catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE)
    art = models.CharField("Art", max_length=30, choices=Art.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Mitwirkungsbereitschaft"
        verbose_name_plural = "Mitwirkungsbereitschaften"
        constraints = [
            models.UniqueConstraint(fields=["authority", "leistung", "art"], name="projekte_mitwirkung_unique")
        ]

    def __str__(self) -> str:
        return f"{self.authority}: {self.get_art_display()} ({self.leistung})"


class ProduktNutzung(models.Model):
    """A Kommune uses a product of the ONE shared inventory (``hub.Product``) for a Leistung."""

    authority = models.ForeignKey("directory.Authority", verbose_name="Kommune", on_delete=models.CASCADE)
    leistung = models.ForeignKey("catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE)
    product = models.ForeignKey("hub.Product", verbose_name="Produkt", on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Produktnutzung"
        verbose_name_plural = "Produktnutzungen"
        constraints = [
            models.UniqueConstraint(fields=["authority", "leistung", "product"], name="projekte_nutzung_unique")
        ]

    def __str__(self) -> str:
        return f"{self.authority}: {self.product} für {self.leistung}"


class Kommentar(models.Model):
    """Plain text only (escaped on output; markup is refused on input), shown after moderation."""

    class Status(models.TextChoices):
        EINGEREICHT = "eingereicht", "wartet auf Freigabe"
        FREIGEGEBEN = "freigegeben", "freigegeben"
        ABGELEHNT = "abgelehnt", "abgelehnt"

    leistung = models.ForeignKey("catalog.Leistung", null=True, blank=True, on_delete=models.CASCADE)
    projekt = models.ForeignKey(Projekt, null=True, blank=True, on_delete=models.CASCADE)
    authority = models.ForeignKey("directory.Authority", verbose_name="Kommune", on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField("Text", max_length=2000)
    status = models.CharField("Status", max_length=20, choices=Status.choices, default=Status.EINGEREICHT)
    created = models.DateTimeField("verfasst am", auto_now_add=True)
    moderated = models.DateTimeField("moderiert am", null=True, blank=True)

    class Meta:
        verbose_name = "Kommentar"
        verbose_name_plural = "Kommentare"
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.authority} ({self.get_status_display()})"


class Abonnement(models.Model):
    """A user follows a Leistung or a project and gets a digest e-mail of what happened since the last one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    leistung = models.ForeignKey("catalog.Leistung", null=True, blank=True, on_delete=models.CASCADE)
    projekt = models.ForeignKey(Projekt, null=True, blank=True, on_delete=models.CASCADE)
    since = models.DateTimeField("Neuigkeiten seit")

    class Meta:
        verbose_name = "Abonnement"
        verbose_name_plural = "Abonnements"
        constraints = [
            models.UniqueConstraint(fields=["user", "leistung"], name="projekte_abo_leistung_unique"),
            models.UniqueConstraint(fields=["user", "projekt"], name="projekte_abo_projekt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} folgt {self.leistung or self.projekt}"
