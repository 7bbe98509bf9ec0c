"""Forms of the inbox (German labels; validation only, the writes are cases services)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from amtsweg.cases.models import CaseStatus
from amtsweg.inbox.selectors import SORTS, CaseFilter

_DATE = forms.DateInput(attrs={"type": "date", "class": "kern-form-input__input"}, format="%Y-%m-%d")


def _kern(form: forms.Form) -> None:
    """KERN UX classes on inputs and selects (checkboxes are rendered by the template)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "kern-form-input__select")
        elif not isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "kern-form-input__input")


class FilterForm(forms.Form):
    q = forms.CharField(label="Suche (Vorgangsnummer oder Leistung)", required=False, max_length=100)
    leistung = forms.TypedChoiceField(label="Leistung", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "alle"), *CaseStatus.choices])
    von = forms.DateField(label="Eingang ab", required=False, widget=_DATE)
    bis = forms.DateField(label="Eingang bis", required=False, widget=_DATE)
    bearbeitung = forms.ChoiceField(label="Bearbeitung", required=False)
    ueberfaellig = forms.BooleanField(label="nur überfällige", required=False)
    sort = forms.ChoiceField(
        label="Sortierung",
        required=False,
        choices=[("neu", "neueste zuerst"), ("alt", "älteste zuerst"), ("frist", "Frist"), ("nummer", "Nummer")],
    )

    def __init__(self, *args, leistungen=(), colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leistung"].choices = [("", "alle"), *leistungen]
        self.fields["bearbeitung"].choices = [
            ("", "alle"),
            ("ich", "von mir"),
            ("frei", "nicht zugewiesen"),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in colleagues),
        ]
        _kern(self)

    def to_filter(self) -> CaseFilter:
        if not self.is_valid():
            return CaseFilter()
        data = self.cleaned_data
        sort = data.get("sort") or "neu"
        return CaseFilter(
            q=data.get("q") or "",
            leistung=data.get("leistung"),
            status=data.get("status") or "",
            von=data.get("von"),
            bis=data.get("bis"),
            bearbeitung=data.get("bearbeitung") or "",
            ueberfaellig=bool(data.get("ueberfaellig")),
            sort=sort if sort in SORTS else "neu",
        )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label="Zuweisen an", coerce=int, empty_value=None, required=False)

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.colleagues = {user.pk: user for user in colleagues}
        self.fields["assignee"].choices = [("", "niemand (freigeben)")] + [
            (user.pk, user.get_full_name() or user.get_username()) for user in colleagues
        ]
        _kern(self)


class NachforderungForm(forms.Form):
    # Offered when the authority has templates; "Vorlage übernehmen" fills text and documents server-side.
    vorlage = forms.TypedChoiceField(label="Vorlage", required=False, coerce=int, empty_value=None)
    text = forms.CharField(
        label="Nachricht an die antragstellende Person",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "kern-form-input__input"}),
    )
    documents = forms.CharField(
        label="Angeforderte Unterlagen (eine pro Zeile)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "kern-form-input__input"}),
    )
    due_date = forms.DateField(label="Frist für die Unterlagen", widget=_DATE)

    def __init__(self, *args, vorlagen=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.vorlagen = {vorlage.pk: vorlage for vorlage in vorlagen}
        if self.vorlagen:
            self.fields["vorlage"].choices = [("", "keine Vorlage")] + [
                (vorlage.pk, vorlage.title) for vorlage in self.vorlagen.values()
            ]
        else:
            del self.fields["vorlage"]
        _kern(self)

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if value <= timezone.localdate():
            raise forms.ValidationError("Bitte wählen Sie ein Datum in der Zukunft.")
        return value

    def documents_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("documents", "").splitlines() if line.strip()][:20]


class BescheidForm(forms.Form):
    text = forms.CharField(
        label="Text des Bescheids",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18, "class": "kern-form-input__input"}),
    )
