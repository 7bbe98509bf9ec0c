"""The citizen's actions on "Meine Anträge": attach an application later, reply in the Postfach.

Writes go through ``cases.services``; this module adds what the web side owns: the flood limit on
attach attempts, the Zugangscode check and the content check of uploaded files.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from amtsweg.cases.codes import access_code_matches
from amtsweg.cases.models import CaseEvent, Vorgang
from amtsweg.cases.selectors import vorgang_by_number, vorgang_may_withdraw
from amtsweg.cases.services import AttachRefused, citizen_reply_record, vorgang_attach, vorgang_withdraw
from amtsweg.common.filecheck import CONTENT_TYPES, FileRefused, attachment_sanitize, detect_kind
from amtsweg.hub.selectors import vorgang_forwarding
from amtsweg.web import limits

logger = logging.getLogger(__name__)

# Lazy: ``str(error)`` is the message in the language of the request that shows it.
ATTACH_REFUSED = _(
    "Vorgangsnummer und Zugangscode passen nicht zusammen. Bitte prüfen Sie beide Angaben auf Ihrer "
    "Eingangsbestätigung."
)
ATTACH_LIMITED = _(
    "Sie haben zu viele Versuche unternommen. Bitte warten Sie eine Stunde und versuchen Sie es dann erneut."
)
FILE_TYPE_REFUSED = _("Bitte laden Sie eine PDF-, JPEG- oder PNG-Datei hoch.")


class PostfachError(ValueError):
    """The action was refused; ``str(error)`` is the German message for the citizen."""


def vorgang_claim(*, user, number: str, code: str, client: str) -> Vorgang:
    """Attach the Vorgang ``number`` to ``user``'s account if ``code`` is its Zugangscode.

    Every attempt counts against the per-account and per-client limits before anything is looked up;
    unknown number, wrong code and a Vorgang of another account get the same message."""
    if limits.limits_take((limits.ATTACH_PER_USER, str(user.pk)), (limits.ATTACH_PER_CLIENT, client)):
        raise PostfachError(ATTACH_LIMITED)
    vorgang = vorgang_by_number(number=(number or "").strip())
    # Compare a code even for unknown numbers, so the answer time does not tell which numbers exist.
    matches = access_code_matches(number=vorgang.number if vorgang else (number or ""), code=code)
    if vorgang is None or not matches:
        logger.info("attach refused user=%s", user.pk)
        raise PostfachError(ATTACH_REFUSED)
    try:
        return vorgang_attach(vorgang=vorgang, user=user)
    except AttachRefused:
        logger.info("attach refused (other account) user=%s", user.pk)
        raise PostfachError(ATTACH_REFUSED) from None


def reply_submit(*, vorgang: Vorgang, user, text: str, upload=None) -> CaseEvent:
    """Record the citizen's reply; ``upload`` (a Django UploadedFile) must be a clean PDF, JPEG or PNG.
    Raises ``PostfachError`` (bad file) or ``cases.services.CaseClosed`` (decided or closed case)."""
    name, content = "", None
    if upload is not None:
        data = upload.read()
        kind = detect_kind(data)
        if kind not in CONTENT_TYPES:
            raise PostfachError(FILE_TYPE_REFUSED)
        try:
            content = attachment_sanitize(name=upload.name, content_type=upload.content_type or "", data=data)
        except FileRefused as refused:
            raise PostfachError(str(refused)) from None
        name = f"Antwort-{vorgang.number}.{'jpg' if kind == 'jpeg' else kind}"
    return citizen_reply_record(vorgang=vorgang, user=user, text=text, file_name=name, file_content=content)


WITHDRAW_NOT_YOURS = _(
    "Diesen Antrag können nur die Person, die ihn gestellt hat, oder die Inhaberin bzw. der Inhaber der "
    "Organisation zurückziehen."
)


def withdraw_submit(*, vorgang: Vorgang, user, reason: str = "") -> CaseEvent:
    """Withdraw the application (issue 10 §5). Only the applicant or the organisation's Inhaber; raises
    ``PostfachError`` otherwise, ``cases.services.CaseClosed`` / ``WithdrawalRefused`` from cases.

    Whether the application already reached the Fachverfahren goes into the event (``delivered``): there
    the back office must act on the withdrawal, not only the inbox (ADR 0023)."""
    if not vorgang_may_withdraw(user=user, vorgang=vorgang):
        raise PostfachError(WITHDRAW_NOT_YOURS)
    delivered = vorgang_forwarding(vorgang=vorgang).state == "delivered"
    return vorgang_withdraw(vorgang=vorgang, user=user, reason=reason, delivered=delivered)
