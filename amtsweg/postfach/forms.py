from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

REPLY_MAX_CHARS = 5000


class AttachForm(forms.Form):
    number = forms.CharField(
        label=_("Vorgangsnummer"),
        max_length=40,
        help_text=_("Sie finden sie auf der Eingangsbestätigung, z. B. AW-2026-7K3QX9PM."),
        error_messages={"required": _("Bitte geben Sie die Vorgangsnummer ein.")},
    )
    code = forms.CharField(
        label=_("Zugangscode"),
        max_length=20,
        help_text=_("Steht auf der Eingangsbestätigung unter der Vorgangsnummer, z. B. ABCDE-FGHIJ."),
        error_messages={"required": _("Bitte geben Sie den Zugangscode ein.")},
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Ihre Nachricht"),
        max_length=REPLY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Bitte schreiben Sie eine Nachricht."),
            "max_length": format_lazy(
                _("Bitte fassen Sie sich kürzer (höchstens {max} Zeichen)."), max=REPLY_MAX_CHARS
            ),
        },
    )
    file = forms.FileField(
        label=_("Datei (optional)"),
        required=False,
        help_text=_("PDF, JPEG oder PNG."),
    )

    def __init__(self, *args, max_file: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_file = max_file

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > self.max_file:
            megabytes = self.max_file // (1024 * 1024)
            raise forms.ValidationError(
                gettext("Die Datei ist zu groß (höchstens {megabytes} MB).").format(megabytes=megabytes)
            )
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sie müssen keinen Grund angeben. Er hilft der zuständigen Stelle."),
        error_messages={
            "max_length": format_lazy(_("Bitte fassen Sie sich kürzer (höchstens {max} Zeichen)."), max=1000)
        },
    )
    confirm = forms.BooleanField(
        label=_("Ja, ich ziehe diesen Antrag zurück."),
        error_messages={"required": _("Bitte bestätigen Sie, dass Sie den Antrag zurückziehen möchten.")},
    )
