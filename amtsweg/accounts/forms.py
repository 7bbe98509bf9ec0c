from django import forms
from django.utils.translation import gettext_lazy as _

from amtsweg.accounts.models import Organisation, Profile, Role


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("given_name", "family_name", "birth_date", "street", "house_number", "postal_code", "city")
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        # The model's German field names, marked for the English page (ADR 0025).
        labels = {
            "given_name": _("Vorname"),
            "family_name": _("Familienname"),
            "birth_date": _("Geburtsdatum"),
            "street": _("Straße"),
            "house_number": _("Hausnummer"),
            "postal_code": _("Postleitzahl"),
            "city": _("Ort"),
        }

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if value and not (len(value) == 5 and value.isdigit()):
            raise forms.ValidationError(_("Bitte geben Sie eine Postleitzahl mit fünf Ziffern ein."))
        return value


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "register_court", "register_number", "vat_id")
        labels = {
            "name": _("Name"),
            "register_court": _("Registergericht"),
            "register_number": _("Handelsregisternummer"),
            "vat_id": _("Umsatzsteuer-Identifikationsnummer"),
        }
        help_texts = {"register_number": _("z. B. HRB 12345")}

    def clean_vat_id(self):
        value = self.cleaned_data["vat_id"].replace(" ", "").upper()
        if value and not (len(value) == 11 and value.startswith("DE") and value[2:].isdigit()):
            raise forms.ValidationError(_("Bitte geben Sie die USt-IdNr. im Format DE123456789 ein."))
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"), error_messages={"invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse ein.")}
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices, initial=Role.BEARBEITER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
