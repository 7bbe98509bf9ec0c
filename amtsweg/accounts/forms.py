from django import forms

from amtsweg.accounts.models import Organisation, Profile, Role


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("given_name", "family_name", "birth_date", "street", "house_number", "postal_code", "city")
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if value and not (len(value) == 5 and value.isdigit()):
            raise forms.ValidationError("Bitte geben Sie eine Postleitzahl mit fünf Ziffern ein.")
        return value


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "register_court", "register_number", "vat_id")

    def clean_vat_id(self):
        value = self.cleaned_data["vat_id"].replace(" ", "").upper()
        if value and not (len(value) == 11 and value.startswith("DE") and value[2:].isdigit()):
            raise forms.ValidationError("Bitte geben Sie die USt-IdNr. im Format DE123456789 ein.")
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-Mail-Adresse", error_messages={"invalid": "Bitte geben Sie eine gültige E-Mail-Adresse ein."}
    )
    role = forms.ChoiceField(label="Rolle", choices=Role.choices, initial=Role.BEARBEITER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Rolle", choices=Role.choices)
