from django import forms

REPLY_MAX_CHARS = 5000


class AttachForm(forms.Form):
    number = forms.CharField(
        label="Vorgangsnummer",
        max_length=40,
        help_text="Sie finden sie auf der Eingangsbestätigung, z. B. AW-2026-7K3QX9PM.",
        error_messages={"required": "Bitte geben Sie die Vorgangsnummer ein."},
    )
    code = forms.CharField(
        label="Zugangscode",
        max_length=20,
        help_text="Steht auf der Eingangsbestätigung unter der Vorgangsnummer, z. B. ABCDE-FGHIJ.",
        error_messages={"required": "Bitte geben Sie den Zugangscode ein."},
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Ihre Nachricht",
        max_length=REPLY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Bitte schreiben Sie eine Nachricht.",
            "max_length": f"Bitte fassen Sie sich kürzer (höchstens {REPLY_MAX_CHARS} Zeichen).",
        },
    )
    file = forms.FileField(
        label="Datei (optional)",
        required=False,
        help_text="PDF, JPEG oder PNG.",
    )

    def __init__(self, *args, max_file: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_file = max_file

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > self.max_file:
            megabytes = self.max_file // (1024 * 1024)
            raise forms.ValidationError(f"Die Datei ist zu groß (höchstens {megabytes} MB).")
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Grund (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sie müssen keinen Grund angeben. Er hilft der zuständigen Stelle.",
        error_messages={"max_length": "Bitte fassen Sie sich kürzer (höchstens 1000 Zeichen)."},
    )
    confirm = forms.BooleanField(
        label="Ja, ich ziehe diesen Antrag zurück.",
        error_messages={"required": "Bitte bestätigen Sie, dass Sie den Antrag zurückziehen möchten."},
    )
